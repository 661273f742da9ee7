//! One feature as read, before mapping: the property elements the reader
//! uses, as text with their `uom` and `xsi:nil`, the geometry and references.

use super::classes::Class;
use super::geometry::Shape;
use super::links::Relation;
use crate::problem::Rule;

macro_rules! props {
    ( $( $(#[$meta:meta])* $variant:ident = $element:literal ),+ $(,)? ) => {
        /// The LER property elements that the reader maps or checks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Prop { $( $(#[$meta])* $variant ),+ }

        impl Prop {
            pub const COUNT: usize = [$(Prop::$variant),+].len();

            pub fn from_element(name: &str) -> Option<Prop> {
                match name { $($element => Some(Prop::$variant),)+ _ => None }
            }

            /// The element's local name.
            pub fn element(self) -> &'static str {
                match self { $(Prop::$variant => $element),+ }
            }
        }
    };
}

props! {
    Driftsstatus = "driftsstatus",
    Fareklasse = "fareklasse",
    Etableringstidspunkt = "etableringstidspunkt",
    Ejerskabsforhold = "ejerskabsforhold",
    Noejagtighedsklasse = "noejagtighedsklasse",
    NoejagtighedsklasseVertikal = "noejagtighedsklasseVertikal",
    Indtegningsmetode = "indtegningsmetode",
    Sikkerhedshensyn = "sikkerhedshensyn",
    /// `Ledning`'s material.
    UdvendigMateriale = "udvendigMateriale",
    /// `Ledningskomponent`'s material.
    Materiale = "materiale",
    VejledendeDybde = "vejledendeDybde",
    UdvendigDiameter = "udvendigDiameter",
    UdvendigBredde = "udvendigBredde",
    UdvendigHoejde = "udvendigHoejde",
    Spaendingsniveau = "spaendingsniveau",
    Tryk = "tryk",
    Tvaersnitsform = "tvaersnitsform",
    LiggerILedning = "liggerILedning",
    RegistreringFra = "registreringFra",
}

/// The content of one simple property element.
#[derive(Debug, Clone, Default)]
pub(crate) struct Value {
    /// The text, trimmed.
    pub text: String,
    /// `xsi:nil="true"`.
    pub nil: bool,
    pub uom: Option<String>,
    /// Where the element is: `"line L, column C"` or `"byte N"`.
    pub at: String,
}

/// A problem found while reading, before the source id is attached.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub rule: Rule,
    pub message: String,
    /// `"line L, column C"`, when known.
    pub at: Option<String>,
    pub warning: bool,
}

impl Issue {
    /// The issues of the feature at `position` with `source_id`, as problems;
    /// an issue's own place (an element) is appended to the position.
    pub(crate) fn into_problems(
        issues: Vec<Issue>,
        source_id: &str,
        position: &str,
    ) -> Vec<crate::problem::Problem> {
        use crate::problem::Problem;
        issues
            .into_iter()
            .map(|i| {
                let make = if i.warning {
                    Problem::warning
                } else {
                    Problem::error
                };
                let at = match &i.at {
                    Some(a) => format!("{position}, {a}"),
                    None => position.to_owned(),
                };
                make(i.rule, i.message)
                    .with_source_id(source_id.to_owned())
                    .at(at)
            })
            .collect()
    }
}

impl Issue {
    pub fn error(rule: Rule, message: impl Into<String>, at: Option<String>) -> Self {
        Self {
            rule,
            message: message.into(),
            at,
            warning: false,
        }
    }
}

/// The geometry element of a feature, as read.
#[derive(Debug, Clone)]
pub(crate) struct RawGeometry {
    /// The shape, or why there is none.
    pub shape: Result<Shape, Issue>,
    /// The CRS the geometry (or an ancestor) declares.
    pub crs: Option<String>,
}

/// One feature element as read.
#[derive(Debug)]
pub(crate) struct RawFeature {
    /// 0-based index among the document's features.
    pub index: u64,
    pub class: &'static Class,
    pub gml_id: Option<String>,
    /// Byte offset of the feature's start tag, as `"line L, column C"`.
    pub at: String,
    pub props: [Option<Value>; Prop::COUNT],
    /// Every `forsyningsart` (several on traces and ducts).
    pub forsyningsart: Vec<Value>,
    /// `None` when there is no `geometri` element.
    pub geometry: Option<RawGeometry>,
    /// `geometri` was there but empty or nil.
    pub geometry_nil: bool,
    /// References to other features (`indeholdtLedning`, ...).
    pub relations: Vec<Relation>,
    /// The CRS that an ancestor or the feature's `boundedBy` declares.
    pub inherited_crs: Option<String>,
    /// Structural problems found while reading.
    pub issues: Vec<Issue>,
}

impl RawFeature {
    pub fn prop(&self, p: Prop) -> Option<&Value> {
        self.props[p as usize].as_ref()
    }

    /// The element is there (nil or not).
    pub fn has(&self, p: Prop) -> bool {
        self.props[p as usize].is_some()
    }

    /// The element is there and nil.
    pub fn is_nil(&self, p: Prop) -> bool {
        self.prop(p).is_some_and(|v| v.nil)
    }

    /// The non-nil, non-empty text of the element.
    pub fn text(&self, p: Prop) -> Option<&str> {
        self.prop(p)
            .filter(|v| !v.nil && !v.text.is_empty())
            .map(|v| v.text.as_str())
    }
}
