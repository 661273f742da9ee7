//! `gml:MeasureType` values: their `uom`, the units LER 2 allows for each
//! element, and conversion to the model's units (mm, kV, bar).

use super::raw::{Issue, Prop, Value};
use crate::problem::Rule;

/// Which units the reader accepts for a measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnitPolicy {
    /// Only the units of LER 2.2's `…Måleenhedsrestriktion` rules: `mm` for
    /// lengths (`vejledendeDybde`, `udvendigDiameter`, `udvendigBredde`,
    /// `udvendigHoejde`) and `kV` for `spaendingsniveau`; any other unit is
    /// an error. LER has no such rule for `tryk`, which takes any pressure
    /// unit.
    #[default]
    Ler,
    /// Any unit of the right quantity is converted (`cm`, `m` → mm; `V`,
    /// `MV` → kV; ...), with a warning naming LER's unit. For data that is
    /// not headed for LER itself.
    Convert,
}

/// The physical quantity of a measure, with the units it may be given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantity {
    Length,
    Voltage,
    Pressure,
}

impl Quantity {
    /// The factor from `uom` to the model's unit, if `uom` is a unit of this quantity.
    pub(crate) fn factor(self, uom: &str) -> Option<f64> {
        self.units()
            .iter()
            .find(|(u, _)| *u == uom)
            .map(|(_, f)| *f)
    }

    /// The unit symbols known for this quantity, for messages.
    pub(crate) fn symbols(self) -> Vec<&'static str> {
        self.units().iter().map(|(u, _)| *u).collect()
    }

    /// Factors to the model's unit (mm, kV, bar), UCUM symbols (case matters).
    fn units(self) -> &'static [(&'static str, f64)] {
        match self {
            Quantity::Length => &[("mm", 1.0), ("cm", 10.0), ("dm", 100.0), ("m", 1000.0)],
            Quantity::Voltage => &[("V", 0.001), ("kV", 1.0), ("MV", 1000.0)],
            Quantity::Pressure => &[
                ("bar", 1.0),
                ("mbar", 0.001),
                ("Pa", 1e-5),
                ("hPa", 1e-3),
                ("kPa", 0.01),
                ("MPa", 10.0),
            ],
        }
    }
}

/// What LER says about one measure element.
struct Spec {
    quantity: Quantity,
    /// The units LER allows; empty when LER does not restrict them.
    ler: &'static [&'static str],
    /// The name of LER's rule for the unit.
    rule: &'static str,
}

fn spec(prop: Prop) -> Option<Spec> {
    let length = |rule| Spec {
        quantity: Quantity::Length,
        ler: &["mm"],
        rule,
    };
    Some(match prop {
        Prop::VejledendeDybde => length("vejledendeDybdeMåleenhedsrestriktion"),
        Prop::UdvendigDiameter => length("udvendigDiameterMåleenhedsrestriktion"),
        Prop::UdvendigBredde => length("udvendigBreddeMåleenhedsrestriktion"),
        Prop::UdvendigHoejde => length("udvendigHøjdeMåleenhedsrestriktion"),
        Prop::Spaendingsniveau => Spec {
            quantity: Quantity::Voltage,
            ler: &["kV"],
            rule: "spændingsniveauMåleenhedsrestriktion",
        },
        Prop::Tryk => Spec {
            quantity: Quantity::Pressure,
            ler: &[],
            rule: "tryk",
        },
        _ => return None,
    })
}

/// The value of a measure element in the model's unit, and its problems.
/// `None` when the element is nil or has no usable value.
pub(crate) fn measure(
    prop: Prop,
    value: &Value,
    policy: UnitPolicy,
    at: &str,
    issues: &mut Vec<Issue>,
) -> Option<f64> {
    let spec = spec(prop)?;
    let element = prop.element();
    let issue = |rule, message: String, warning| Issue {
        rule,
        message,
        at: Some(at.to_owned()),
        warning,
    };
    let known = spec.quantity.units();
    let names: Vec<&str> = known.iter().map(|(u, _)| *u).collect();
    let allowed = if spec.ler.is_empty() || policy == UnitPolicy::Convert {
        names.join(", ")
    } else {
        spec.ler.join(", ")
    };
    let Some(uom) = value.uom.as_deref().map(str::trim) else {
        let m = format!(
            "{}: ler:{element} has no uom; allowed: {allowed}",
            spec.rule
        );
        issues.push(issue(Rule::UnitNotAllowed, m, false));
        return None;
    };
    let factor = known.iter().find(|(u, _)| *u == uom).map(|(_, f)| *f);
    let ler_ok = spec.ler.is_empty() || spec.ler.contains(&uom);
    let factor = match (factor, ler_ok, policy) {
        (Some(f), true, _) => f,
        (Some(f), false, UnitPolicy::Convert) => {
            let m = format!(
                "{}: ler:{element} in {uom:?} was converted; LER 2 allows only {}",
                spec.rule,
                spec.ler.join(", ")
            );
            issues.push(issue(Rule::UnitNotAllowed, m, true));
            f
        }
        _ => {
            let m = format!(
                "{}: ler:{element} has uom {uom:?}, which is not allowed; allowed: {allowed}",
                spec.rule
            );
            issues.push(issue(Rule::UnitNotAllowed, m, false));
            return None;
        }
    };
    if value.nil {
        return None;
    }
    match value.text.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v * factor),
        _ => {
            let shown: String = value.text.chars().take(32).collect();
            let m = format!("ler:{element} has {shown:?}, which is not a finite number");
            issues.push(issue(Rule::MalformedInput, m, false));
            None
        }
    }
}

/// A length in mm as a whole, non-negative number of millimetres.
pub(crate) fn whole_mm(prop: Prop, mm: f64, at: &str, issues: &mut Vec<Issue>) -> Option<u32> {
    let rounded = mm.round();
    if (0.0..=f64::from(u32::MAX)).contains(&rounded) {
        return Some(rounded as u32);
    }
    let m = format!(
        "ler:{} is {mm} mm; it must be between 0 and {} mm",
        prop.element(),
        u32::MAX
    );
    issues.push(Issue::error(Rule::MalformedInput, m, Some(at.to_owned())));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        prop: Prop,
        text: &str,
        uom: Option<&str>,
        policy: UnitPolicy,
    ) -> (Option<f64>, Vec<Issue>) {
        let value = Value {
            text: text.into(),
            uom: uom.map(Into::into),
            ..Value::default()
        };
        let mut issues = Vec::new();
        (measure(prop, &value, policy, "line 1", &mut issues), issues)
    }

    #[test]
    fn ler_units_and_conversion() {
        assert_eq!(
            run(Prop::UdvendigDiameter, "20", Some("mm"), UnitPolicy::Ler).0,
            Some(20.0)
        );
        let (v, issues) = run(Prop::UdvendigDiameter, "2", Some("cm"), UnitPolicy::Ler);
        assert_eq!(v, None);
        assert_eq!(issues[0].rule, Rule::UnitNotAllowed);
        assert!(issues[0]
            .message
            .contains("udvendigDiameterMåleenhedsrestriktion"));
        assert!(issues[0].message.contains("\"cm\"") && issues[0].message.ends_with("allowed: mm"));
        let (v, issues) = run(Prop::UdvendigDiameter, "2", Some("cm"), UnitPolicy::Convert);
        assert_eq!((v, issues[0].warning), (Some(20.0), true));
        assert_eq!(
            run(
                Prop::Spaendingsniveau,
                "10000",
                Some("V"),
                UnitPolicy::Convert
            )
            .0,
            Some(10.0)
        );
        assert_eq!(
            run(Prop::Spaendingsniveau, "10000", Some("V"), UnitPolicy::Ler).0,
            None
        );
        assert_eq!(
            run(Prop::Tryk, "400", Some("kPa"), UnitPolicy::Ler).0,
            Some(4.0)
        );
        assert_eq!(
            run(Prop::Tryk, "4", Some("KV"), UnitPolicy::Convert).0,
            None
        );
        assert_eq!(
            run(Prop::VejledendeDybde, "5", None, UnitPolicy::Convert).1[0].rule,
            Rule::UnitNotAllowed
        );
        assert_eq!(
            run(Prop::VejledendeDybde, "x", Some("mm"), UnitPolicy::Ler).1[0].rule,
            Rule::MalformedInput
        );
    }
}
