//! The properties the mapping knows, and typed reading of their values with
//! a problem for each value that does not fit.

use forsyning_model::{
    AccuracyClass, DrawingMethod, Hazard, Kind, ModelError, PartialDate, Status, Theme,
};

use super::value::Value;
use crate::problem::{Problem, Rule};

macro_rules! props {
    ($($variant:ident = $key:literal),+ $(,)?) => {
        /// The feature properties the mapping reads and writes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Prop { $($variant),+ }

        impl Prop {
            pub const ALL: [Prop; [$($key),+].len()] = [$(Prop::$variant),+];

            pub fn key(self) -> &'static str {
                match self { $(Prop::$variant => $key),+ }
            }

            pub fn from_key(key: &str) -> Option<Prop> {
                match key { $($key => Some(Prop::$variant),)+ _ => None }
            }
        }
    };
}

props! {
    SourceId = "source_id",
    Class = "class",
    Theme = "theme",
    Kind = "kind",
    Status = "status",
    Hazard = "hazard",
    SafetyNote = "safety_note",
    AccuracyXy = "accuracy_xy",
    AccuracyZ = "accuracy_z",
    DrawingMethod = "drawing_method",
    DepthMm = "depth_mm",
    DiameterMm = "diameter_mm",
    VoltageKv = "voltage_kv",
    PressureBar = "pressure_bar",
    Material = "material",
    Installed = "installed",
    Heights = "heights",
}

/// The code lists of the model, parsed from an English code or a LER 2 term.
pub(super) trait CodeList: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn parse(s: &str) -> Result<Self, ModelError>;
    fn code(self) -> &'static str;
}

macro_rules! code_lists {
    ($($t:ty),+) => {$(
        impl CodeList for $t {
            const ALL: &'static [Self] = <$t>::ALL;
            fn parse(s: &str) -> Result<Self, ModelError> {
                <$t>::from_code(s).or_else(|_| <$t>::from_ler_term(s))
            }
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
        }
    )+};
}

code_lists!(Theme, Kind, Status, Hazard, AccuracyClass, DrawingMethod);

/// The longest piece of an offending value quoted in a message.
const QUOTE_CHARS: usize = 80;

pub(super) fn quote(s: &str) -> String {
    let mut q: String = s.chars().take(QUOTE_CHARS).collect();
    if q.len() < s.len() {
        q.push('…');
    }
    format!("{q:?}")
}

/// Reads the properties of one feature, collecting problems.
pub(super) struct Props {
    pub values: [Option<Value>; Prop::ALL.len()],
    pub problems: Vec<Problem>,
}

impl Props {
    /// The property's value; `null` counts as absent.
    pub fn take(&mut self, p: Prop) -> Option<Value> {
        self.values[p as usize].take().filter(|v| *v != Value::Null)
    }

    pub fn wrong_type(&mut self, p: Prop, v: &Value, expected: &str) {
        let message = format!(
            "property {:?} must be {expected}, not {}",
            p.key(),
            v.describe()
        );
        self.problems
            .push(Problem::error(Rule::MalformedInput, message));
    }

    pub fn string(&mut self, p: Prop) -> Option<String> {
        match self.take(p)? {
            Value::Str(s) => Some(s),
            v => {
                self.wrong_type(p, &v, "a string");
                None
            }
        }
    }

    pub fn code<T: CodeList>(&mut self, p: Prop) -> Option<T> {
        let s = self.string(p)?;
        T::parse(&s)
            .map_err(|_| {
                let codes: Vec<_> = T::ALL.iter().map(|c| c.code()).collect();
                let message = format!(
                    "property {:?}: unknown value {} (expected one of {} or its LER 2 term)",
                    p.key(),
                    quote(&s),
                    codes.join(", ")
                );
                self.problems
                    .push(Problem::error(Rule::UnknownCodeValue, message));
            })
            .ok()
    }

    pub fn number(&mut self, p: Prop) -> Option<f64> {
        match self.take(p)? {
            Value::Num(n) => n.as_f64(),
            v => {
                self.wrong_type(p, &v, "a number");
                None
            }
        }
    }

    /// A whole number of 0..=u32::MAX; `1200.0` is accepted as 1200.
    pub fn whole(&mut self, p: Prop) -> Option<u32> {
        let v = self.take(p)?;
        let n = match &v {
            Value::Num(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            }),
            _ => None,
        };
        match n.and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.wrong_type(p, &v, "a whole number from 0 to 4294967295");
                None
            }
        }
    }

    pub fn date(&mut self, p: Prop) -> Option<PartialDate> {
        let s = self.string(p)?;
        s.parse()
            .map_err(|_| {
                let message = format!(
                    "property {:?}: {} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
                    p.key(),
                    quote(&s)
                );
                self.problems
                    .push(Problem::error(Rule::MalformedInput, message));
            })
            .ok()
    }

    /// A string or a number, as text (the GeoJSON `id` may be either).
    pub fn id(&mut self, p: Prop, v: Option<Value>) -> Option<String> {
        match v.filter(|v| *v != Value::Null)? {
            Value::Str(s) => Some(s),
            Value::Num(n) => Some(n.to_string()),
            v => {
                self.wrong_type(p, &v, "a string or a number");
                None
            }
        }
    }
}
