//! The conditional rules of the LER 2.2 feature catalogue that a schema
//! cannot express: what must be given (`…Betingelse`), what must not be nil
//! (`…Voidrestriktion`), depending on when the feature was established.
//!
//! Each problem's message starts with LER's name for the rule (`E1` for what
//! the XSD itself requires), so that reports can be matched with LER's own.

use forsyning_model::{PartialDate, Theme};

use super::classes::{Family, ThemeFrom};
use super::raw::{Issue, Prop, RawFeature};
use crate::problem::Rule;

/// LER 2's cut-off: lines established after 1 July 2023 must carry the new
/// mandatory information (depth or heights, diameter, accuracy classes).
pub const CUTOFF: (i32, u8, u8) = (2023, 7, 1);

/// What the rules depend on, worked out once per feature.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Facts {
    /// `etableringstidspunkt` is after [`CUTOFF`] (its earliest possible day,
    /// for a year or month alone).
    pub after_cutoff: bool,
    /// The feature has a `geometri` element.
    pub has_geometry: bool,
    /// The geometry is 2D or has LER's unknown height `-99` at some vertex.
    pub z_unknown: bool,
    /// The declared schema minor version (0, 1, 2), when the document says it.
    pub declared_minor: Option<u8>,
}

/// Whether an establishment date is after the cut-off.
pub(crate) fn after_cutoff(installed: Option<PartialDate>) -> bool {
    let (y, m, d) = CUTOFF;
    let cutoff = PartialDate::ymd(y, m, d).expect("the cut-off is a valid date");
    installed.is_some_and(|date| date > cutoff)
}

struct Check<'a> {
    raw: &'a RawFeature,
    facts: Facts,
    issues: &'a mut Vec<Issue>,
}

impl Check<'_> {
    fn push(&mut self, rule: Rule, warning: bool, code: &str, message: String) {
        self.issues.push(Issue {
            rule,
            message: format!("{code}: {message}"),
            at: Some(self.raw.at.clone()),
            warning,
        });
    }

    /// The element is absent or nil.
    fn void(&self, p: Prop) -> bool {
        self.raw.prop(p).is_none_or(|v| v.nil)
    }

    fn required(&mut self, p: Prop) {
        if !self.raw.has(p) {
            let m = format!(
                "ler:{} is missing; the LER 2 schema requires it",
                p.element()
            );
            self.push(Rule::MandatoryAttributeMissing, false, "E1", m);
        }
    }

    /// `…Voidrestriktion`: after the cut-off (and under `extra`), nil is not allowed.
    fn not_nil(&mut self, p: Prop, code: &str, extra: bool, why: &str) {
        if self.facts.after_cutoff && extra && self.raw.is_nil(p) {
            let m = format!(
                "ler:{} must not be nil (xsi:nil) for a line established after 2023-07-01{why}",
                p.element()
            );
            self.push(Rule::MandatoryAttributeMissing, false, code, m);
        }
    }

    /// A `…Betingelse` that requires a value after the cut-off.
    fn needed_after_cutoff(&mut self, p: Prop, code: &str, when: &str) {
        if self.facts.after_cutoff && self.void(p) {
            let m = format!(
                "ler:{} must be given for a line established after 2023-07-01{when}",
                p.element()
            );
            self.push(Rule::MandatoryAttributeMissing, false, code, m);
        }
    }

    /// `nøjagtighedsklasse(Vertikal)Betingelse`: given exactly when the line
    /// has a geometry. Missing is an error after the cut-off and a warning
    /// before it (older data is kept with the class `unknown`).
    fn accuracy(&mut self, p: Prop, code: &str) {
        let (has, geometry) = (self.raw.has(p), self.facts.has_geometry);
        if geometry && !has {
            let m = format!(
                "ler:{} must be given when the line has a geometry",
                p.element()
            );
            let warning = !self.facts.after_cutoff;
            self.push(Rule::MandatoryAttributeMissing, warning, code, m);
        } else if has && !geometry {
            let m = format!(
                "ler:{} must not be given when the line has no geometry of its own",
                p.element()
            );
            self.push(Rule::AttributeNotAllowed, true, code, m);
        }
    }
}

/// Checks the catalogue's rules for `raw`, adding problems to `issues`.
pub(crate) fn check(raw: &RawFeature, facts: Facts, themes: &[Theme], issues: &mut Vec<Issue>) {
    let mut c = Check { raw, facts, issues };
    let class = raw.class;
    if class.family == Family::Component {
        return;
    }
    for p in [
        Prop::Driftsstatus,
        Prop::Etableringstidspunkt,
        Prop::Fareklasse,
    ] {
        c.required(p);
    }
    if class.family == Family::Trace {
        return;
    }
    if class.pipe || class.name == "AndenLedning" {
        c.required(Prop::Tvaersnitsform);
    }
    let owned = raw
        .text(Prop::Ejerskabsforhold)
        .is_none_or(|e| e == "ejet af udleverende ledningsejer");
    let building = raw.text(Prop::Driftsstatus) == Some("under etablering");
    let owned_why = ", owned by the delivering owner";
    let in_use_why = ", owned by the delivering owner and not under construction";

    c.not_nil(Prop::Driftsstatus, "driftsstatusVoidrestriktion", true, "");
    c.not_nil(Prop::Fareklasse, "fareklasseVoidrestriktion", true, "");
    c.accuracy(Prop::Noejagtighedsklasse, "nøjagtighedsklasseBetingelse");
    if facts.declared_minor.is_none_or(|m| m >= 2) {
        c.accuracy(
            Prop::NoejagtighedsklasseVertikal,
            "nøjagtighedsklasseVertikalBetingelse",
        );
    }
    let code = "nøjagtighedsklasseVoidrestriktion";
    c.not_nil(Prop::Noejagtighedsklasse, code, owned, owned_why);
    let code = "nøjagtighedsklasseVertikalVoidrestriktion";
    c.not_nil(Prop::NoejagtighedsklasseVertikal, code, owned, owned_why);
    let code = "udvendigDiameterVoidrestriktion";
    c.not_nil(Prop::UdvendigDiameter, code, owned && !building, in_use_why);

    if class.name == "Elledning" {
        c.needed_after_cutoff(Prop::UdvendigDiameter, "udvendigDiameterBetingelse", "");
    }
    match raw.text(Prop::Tvaersnitsform) {
        Some("cirkulær") => {
            let when = " with a circular cross-section";
            c.needed_after_cutoff(Prop::UdvendigDiameter, "udvendigDiameterBetingelse", when);
        }
        Some(shape) => {
            if !c.void(Prop::UdvendigDiameter) {
                let m = format!(
                    "ler:udvendigDiameter must not be given for the cross-section {shape:?}; \
                     give ler:udvendigBredde and ler:udvendigHoejde"
                );
                c.push(
                    Rule::AttributeNotAllowed,
                    false,
                    "udvendigDiameterBetingelse",
                    m,
                );
            }
            let when = format!(" with the cross-section {shape:?}");
            c.needed_after_cutoff(Prop::UdvendigBredde, "udvendigBreddeBetingelse", &when);
            c.needed_after_cutoff(Prop::UdvendigHoejde, "udvendigHøjdeBetingelse", &when);
            let code = "udvendigBreddeVoidrestriktion";
            c.not_nil(Prop::UdvendigBredde, code, owned && !building, in_use_why);
            let code = "udvendigHøjdeVoidrestriktion";
            c.not_nil(Prop::UdvendigHoejde, code, owned && !building, in_use_why);
        }
        None => {}
    }

    let depth_rules = matches!(class.name, "Elledning" | "Foeringsroer");
    if depth_rules && facts.has_geometry && facts.z_unknown {
        let when = " whose heights are unknown (2D or -99)";
        c.needed_after_cutoff(Prop::VejledendeDybde, "vejledendeDybdeBetingelse", when);
        let why = ", owned by the delivering owner, not under construction and without heights";
        c.not_nil(
            Prop::VejledendeDybde,
            "vejledendeDybdeVoidrestriktion",
            owned && !building,
            why,
        );
    }
    let carries_gas = class.theme == ThemeFrom::Forsyningsart && themes.contains(&Theme::Gas);
    if class.name == "Foeringsroer" && carries_gas && facts.after_cutoff && facts.z_unknown {
        let m = "a duct carrying gas and established after 2023-07-01 must have known heights \
                 (no -99, not 2D) at every vertex"
            .to_owned();
        let code = "geometriVertikaleKoordinaterRestriktion";
        c.push(Rule::MandatoryAttributeMissing, false, code, m);
    }
}
