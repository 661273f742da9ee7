//! One IMKL element, with the geometry and theme resolved from its links
//! and network, to a [`FeatureOutcome`]; the table is in the documentation
//! of [`imkl`](super).

use chrono::DateTime;
use forsyning_model::{
    AccuracyClass, DatasetId, Hazard, Kind, Measures, NetworkFeature, OrgId, SourceFormat, Theme,
};
use geo_types::Geometry;
use uuid::Uuid;

use super::classes::{accuracy_of, status_of, Class};
use super::element::{Measure, RawElement};
use super::reader::ImklElement;
use crate::ler2::raw::Issue;
use crate::problem::{FeatureOutcome, Rule};
use crate::repair::repair_geometry;

/// A geometry in the source CRS with its heights (see [`NetworkFeature::heights`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Located {
    pub geometry: Geometry<f64>,
    pub heights: Option<Vec<Option<f64>>>,
    pub crs: Option<String>,
}

/// What resolution found for one element.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub geometry: Result<Located, Issue>,
    pub theme: Option<Theme>,
    /// The network's `thema` code, e.g. `hoogspanning`.
    pub thema: Option<String>,
}

/// The owner (`bronhoudercode`) in an IMKL id: `nl.imkl-KL1031.xyz` → `KL1031`.
pub fn owner_code(gml_id: &str) -> Option<String> {
    let rest = gml_id.split_once("imkl-")?.1;
    let code = rest.split('.').next()?;
    (!code.is_empty() && code.len() <= 16 && code.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| code.to_owned())
}

pub(crate) fn map(
    mut raw: RawElement,
    class: &'static Class,
    index: u64,
    resolved: Resolved,
    format: SourceFormat,
) -> ImklElement {
    let source_class = format!("{}:{}", class.prefix, class.name);
    let position = format!("feature {index}");
    let mut issues = std::mem::take(&mut raw.issues);
    let source_id = raw.gml_id.clone().unwrap_or_else(|| {
        let m = "the element has no gml:id, which GML requires";
        issues.push(Issue::error(Rule::MalformedInput, m, Some(raw.at.clone())));
        position.clone()
    });
    let theme = resolved.theme.or(class.theme);
    if theme.is_none() {
        let m = match &raw.network {
            Some(n) => format!("the theme is unknown: network {n:?} has no known imkl:thema"),
            None => "the theme is unknown: the element has no inNetwork".to_owned(),
        };
        issues.push(Issue::error(
            Rule::MandatoryAttributeMissing,
            m,
            Some(raw.at.clone()),
        ));
    }
    let (geometry, crs) = match resolved.geometry {
        Ok(mut located) => {
            for p in repair_geometry(&mut located.geometry, &mut located.heights) {
                let warning = !p.is_error();
                issues.push(Issue {
                    warning,
                    ..Issue::error(p.rule, p.message, Some(raw.at.clone()))
                });
            }
            let crs = located.crs.clone();
            (Some(located), crs)
        }
        Err(issue) => {
            issues.push(issue);
            (None, None)
        }
    };
    let precaution = class.kind == Kind::Area;
    let safety_note = precaution.then(|| precaution_note(&raw)).flatten();
    let measures = measures(&raw, &mut issues);
    let owner = raw.gml_id.as_deref().and_then(owner_code);
    let feature = match (theme, geometry) {
        (Some(theme), Some(located)) => Some(NetworkFeature {
            id: Uuid::new_v4(),
            owner_id: OrgId::new("unassigned").expect("a valid organisation id"),
            dataset_id: DatasetId(Uuid::nil()),
            version: 0,
            source_id: source_id.clone(),
            source_format: format,
            source_class: source_class.clone(),
            theme,
            kind: class.kind,
            status: raw.code("currentStatus").and_then(status_of),
            hazard: precaution.then_some(Hazard::Dangerous),
            safety_note,
            accuracy_xy: raw
                .code("geoNauwkeurigheidXY")
                .map_or(AccuracyClass::Unknown, accuracy_of),
            accuracy_z: AccuracyClass::Unknown,
            drawing_method: None,
            measures,
            geometry: located.geometry,
            heights: located.heights,
            valid_from: DateTime::UNIX_EPOCH,
            valid_to: None,
        }),
        _ => None,
    };
    let problems = Issue::into_problems(issues, &source_id, &position);
    ImklElement {
        outcome: FeatureOutcome {
            position,
            source_id,
            source_class,
            theme,
            feature,
            problems,
            crs,
        },
        owner_code: owner,
        thema: resolved.thema,
        links: raw.links,
        network: raw.network,
    }
}

/// The measure of an `AanduidingEisVoorzorgsmaatregel`: its code or text, and
/// the owner's own label for the risk.
fn precaution_note(raw: &RawElement) -> Option<String> {
    let parts: Vec<String> = [
        raw.code("eisVoorzorgsmaatregel")
            .or(raw.text("eisVoorzorgsmaatregel"))
            .map(|m| format!("eis voorzorgsmaatregel: {m}")),
        raw.text("netbeheerderNetAanduiding")
            .map(|m| format!("netaanduiding: {m}")),
        raw.text("toelichting").map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .collect();
    Some(if parts.is_empty() {
        "eis voorzorgsmaatregel (precaution measure required)".to_owned()
    } else {
        parts.join("; ")
    })
}

/// The unit of a `uom`: `urn:ogc:def:uom:OGC::cm` → `cm`.
fn unit(uom: &str) -> &str {
    uom.rsplit(':').next().unwrap_or(uom).trim()
}

fn convert(
    name: &str,
    m: &Measure,
    units: &[(&str, f64)],
    at: &str,
    issues: &mut Vec<Issue>,
) -> Option<f64> {
    let u = m.uom.as_deref().map(unit);
    let Some(factor) = units.iter().find(|(n, _)| Some(*n) == u).map(|(_, f)| *f) else {
        let allowed: Vec<&str> = units.iter().map(|(n, _)| *n).collect();
        let msg = format!(
            "{name} has uom {:?}, which is not known; allowed: {}",
            m.uom.as_deref().unwrap_or(""),
            allowed.join(", ")
        );
        issues.push(Issue {
            warning: true,
            ..Issue::error(Rule::UnitNotAllowed, msg, Some(at.to_owned()))
        });
        return None;
    };
    match m.text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v * factor),
        _ => {
            let shown: String = m.text.chars().take(32).collect();
            let msg = format!("{name} has {shown:?}, which is not a finite number");
            issues.push(Issue::error(Rule::MalformedInput, msg, Some(at.to_owned())));
            None
        }
    }
}

const LENGTH: &[(&str, f64)] = &[("mm", 1.0), ("cm", 10.0), ("dm", 100.0), ("m", 1000.0)];
const VOLTAGE: &[(&str, f64)] = &[("V", 0.001), ("kV", 1.0), ("MV", 1000.0)];
const PRESSURE: &[(&str, f64)] = &[
    ("bar", 1.0),
    ("mbar", 0.001),
    ("Pa", 1e-5),
    ("hPa", 1e-3),
    ("kPa", 0.01),
    ("MPa", 10.0),
];

fn measures(raw: &RawElement, issues: &mut Vec<Issue>) -> Measures {
    let at = raw.at.clone();
    let mut get = |names: &[&str], units: &[(&str, f64)]| {
        let (name, m) = names.iter().find_map(|n| raw.measure(n).map(|m| (*n, m)))?;
        convert(name, m, units, &at, issues)
    };
    let mm = |v: f64| (v >= 0.0 && v <= f64::from(u32::MAX)).then(|| v.round() as u32);
    // A diameter of 0 is what some owners write for "unknown".
    let diameter = get(&["pipeDiameter", "kabelDiameter"], LENGTH)
        .and_then(mm)
        .filter(|d| *d > 0);
    Measures {
        depth_mm: None,
        diameter_mm: diameter,
        voltage_kv: get(&["operatingVoltage", "nominalVoltage"], VOLTAGE),
        pressure_bar: get(&["pressure"], PRESSURE),
        material: raw
            .code("buismateriaalType")
            .or(raw.code("telecommunicationsCableMaterialType"))
            .map(str::to_owned),
        installed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_codes_from_ids() {
        assert_eq!(
            owner_code("nl.imkl-KL1031.EKBL_1").as_deref(),
            Some("KL1031")
        );
        assert_eq!(owner_code("ID_1"), None);
        assert_eq!(unit("urn:ogc:def:uom:OGC::cm"), "cm");
        let mut issues = Vec::new();
        let m = Measure {
            text: "12.5".into(),
            uom: Some("urn:ogc:def:uom:OGC::cm".into()),
        };
        assert_eq!(convert("d", &m, LENGTH, "", &mut issues), Some(125.0));
        let m = Measure {
            text: "1".into(),
            uom: Some("furlong".into()),
        };
        assert_eq!(convert("d", &m, LENGTH, "", &mut issues), None);
        assert_eq!(issues[0].rule, Rule::UnitNotAllowed);
    }
}
