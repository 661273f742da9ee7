//! The TOML mapping file: its serde shape and the checks that turn it into a
//! [`Mapping`].

use std::collections::BTreeMap;

use forsyning_model::{AccuracyClass, DrawingMethod, Hazard, Kind, PartialDate, Status, Theme};
use serde::Deserialize;

use super::{measure_spec, Mapping, MappingError, SourceUnit};
use crate::geojson::props::{CodeList, Prop};
use crate::geojson::value::Value;
use crate::ler2::UnitPolicy;

/// The field names a mapping file may use, in the order of the model.
pub const MAPPING_FIELDS: &[&str] = &[
    "source_id",
    "class",
    "theme",
    "kind",
    "status",
    "hazard",
    "safety_note",
    "accuracy_xy",
    "accuracy_z",
    "drawing_method",
    "depth",
    "diameter",
    "voltage",
    "pressure",
    "material",
    "installed",
    "heights",
];

/// The mapping-file name of a field.
pub(super) fn field_name(p: Prop) -> &'static str {
    match p {
        Prop::DepthMm => "depth",
        Prop::DiameterMm => "diameter",
        Prop::VoltageKv => "voltage",
        Prop::PressureBar => "pressure",
        p => p.key(),
    }
}

/// The field of a mapping-file name (or the GeoJSON property name of a measure).
fn field(name: &str) -> Option<Prop> {
    match name {
        "depth" => Some(Prop::DepthMm),
        "diameter" => Some(Prop::DiameterMm),
        "voltage" => Some(Prop::VoltageKv),
        "pressure" => Some(Prop::PressureBar),
        other => Prop::from_key(other),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    crs: Option<String>,
    geometry: Option<String>,
    delimiter: Option<String>,
    layer: Option<String>,
    unit_policy: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    units: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    defaults: BTreeMap<String, toml::Value>,
}

/// The canonical code of `value` in code list `T`, or the codes there are.
fn code_of<T: CodeList>(value: &str) -> Result<&'static str, String> {
    T::parse(value).map(T::code).map_err(|_| {
        let codes: Vec<_> = T::ALL.iter().map(|c| c.code()).collect();
        format!(
            "{value:?} is not a model code (expected one of {} or its LER 2 term)",
            codes.join(", ")
        )
    })
}

/// The canonical code of `value` for the coded field `p`; `None` if `p` has no code list.
fn code(p: Prop, value: &str) -> Option<Result<&'static str, String>> {
    Some(match p {
        Prop::Theme => code_of::<Theme>(value),
        Prop::Kind => code_of::<Kind>(value),
        Prop::Status => code_of::<Status>(value),
        Prop::Hazard => code_of::<Hazard>(value),
        Prop::AccuracyXy | Prop::AccuracyZ => code_of::<AccuracyClass>(value),
        Prop::DrawingMethod => code_of::<DrawingMethod>(value),
        _ => return None,
    })
}

pub(super) fn parse(text: &str, name: &str) -> Result<Mapping, MappingError> {
    let err = |key: String, message: String| MappingError {
        file: name.to_owned(),
        key,
        message,
    };
    let unknown_field = |section: &str, key: &str| {
        err(
            format!("[{section}] {key}"),
            format!(
                "unknown model field; the fields are {}",
                MAPPING_FIELDS.join(", ")
            ),
        )
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let span = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}")
            })
            .unwrap_or_else(|| "file".into());
        err(span, e.message().to_owned())
    })?;

    let mut m = Mapping {
        name: Some(name.to_owned()),
        ..Mapping::default()
    };

    if let Some(crs) = file.crs {
        forsyning_geo::Crs::parse(&crs)
            .map_err(|e| err("crs".into(), format!("{crs:?} is not a usable CRS: {e}")))?;
        m.crs = Some(crs);
    }
    if let Some(g) = file.geometry {
        if g.is_empty() {
            return Err(err("geometry".into(), "the column name is empty".into()));
        }
        m.geometry = Some(g);
    }
    if let Some(d) = file.delimiter {
        match d.as_bytes() {
            [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => m.delimiter = *b,
            _ => {
                return Err(err(
                    "delimiter".into(),
                    format!("{d:?} must be one ASCII character other than a quote or a newline"),
                ))
            }
        }
    }
    m.layer = file.layer;
    m.unit_policy = match file.unit_policy.as_deref() {
        None | Some("ler") => UnitPolicy::Ler,
        Some("convert") => UnitPolicy::Convert,
        Some(other) => {
            return Err(err(
                "unit_policy".into(),
                format!("{other:?} is not a unit policy (\"ler\" or \"convert\")"),
            ))
        }
    };

    let mut taken: BTreeMap<String, &str> = BTreeMap::new();
    for (key, column) in &file.fields {
        let p = field(key).ok_or_else(|| unknown_field("fields", key))?;
        if column.is_empty() {
            return Err(err(
                format!("[fields] {key}"),
                "the column name is empty".into(),
            ));
        }
        if let Some(other) = taken.insert(column.clone(), key) {
            return Err(err(
                format!("[fields] {key}"),
                format!("column {column:?} is already mapped to {other}"),
            ));
        }
        m.columns[p as usize].clone_from(column);
        m.explicit[p as usize] = true;
    }
    // A field not named keeps its default column, unless that column now
    // serves another field.
    m.by_column.clear();
    for &p in &Prop::ALL {
        let column = m.columns[p as usize].clone();
        if m.explicit[p as usize] || !taken.contains_key(&column) {
            m.by_column.insert(column, p);
        } else {
            m.columns[p as usize] = String::new();
        }
    }

    for (key, unit) in &file.units {
        let p = field(key).ok_or_else(|| unknown_field("units", key))?;
        let Some((quantity, ler, rule)) = measure_spec(p) else {
            return Err(err(
                format!("[units] {key}"),
                "only depth, diameter, voltage and pressure have units".into(),
            ));
        };
        let factor = quantity.factor(unit).ok_or_else(|| {
            err(
                format!("[units] {key}"),
                format!(
                    "unknown unit {unit:?} (expected one of {})",
                    quantity.symbols().join(", ")
                ),
            )
        })?;
        m.units[p as usize] = Some(SourceUnit {
            symbol: unit.clone(),
            factor,
            ler,
            rule,
        });
    }

    for (key, table) in &file.values {
        let p = field(key).ok_or_else(|| unknown_field("values", key))?;
        if code(p, "").is_none() {
            return Err(err(
                format!("[values.{key}]"),
                "only coded fields have value tables (theme, kind, status, hazard, accuracy_xy, accuracy_z, drawing_method)".into(),
            ));
        }
        let mut codes = std::collections::HashMap::new();
        for (source, target) in table {
            let c = code(p, target)
                .expect("a coded field")
                .map_err(|m| err(format!("[values.{key}] {source:?}"), m))?;
            codes.insert(source.clone(), c.to_owned());
        }
        m.values[p as usize] = codes;
    }

    for (key, value) in &file.defaults {
        let p = field(key).ok_or_else(|| unknown_field("defaults", key))?;
        let at = || format!("[defaults] {key}");
        let v = match (p, value) {
            (Prop::SourceId | Prop::Heights, _) => {
                return Err(err(at(), format!("{key} has no default")))
            }
            (_, toml::Value::String(s)) if code(p, s).is_some() => Value::Str(
                code(p, s)
                    .expect("coded")
                    .map_err(|m| err(at(), m))?
                    .to_owned(),
            ),
            (Prop::Installed, toml::Value::String(s)) => {
                s.parse::<PartialDate>().map_err(|_| {
                    err(
                        at(),
                        format!("{s:?} is not a date YYYY, YYYY-MM or YYYY-MM-DD"),
                    )
                })?;
                Value::Str(s.clone())
            }
            (Prop::Class | Prop::SafetyNote | Prop::Material, toml::Value::String(s)) => {
                Value::Str(s.clone())
            }
            (Prop::DepthMm | Prop::DiameterMm, toml::Value::Integer(i))
                if u32::try_from(*i).is_ok() =>
            {
                Value::Num((*i).into())
            }
            (Prop::VoltageKv | Prop::PressureBar, toml::Value::Integer(i)) => {
                Value::Num((*i).into())
            }
            (Prop::VoltageKv | Prop::PressureBar, toml::Value::Float(f)) if f.is_finite() => {
                Value::Num(serde_json::Number::from_f64(*f).expect("finite"))
            }
            (Prop::DepthMm | Prop::DiameterMm, _) => {
                return Err(err(
                    at(),
                    "must be a whole number of millimetres from 0 to 4294967295".into(),
                ))
            }
            (Prop::VoltageKv | Prop::PressureBar, _) => {
                return Err(err(at(), "must be a number".into()))
            }
            _ => return Err(err(at(), "must be a string".into())),
        };
        m.defaults[p as usize] = Some(v);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_of_the_documentation_parses() {
        let m = Mapping::from_toml(
            r#"
            crs = "EPSG:25832"
            [fields]
            source_id = "FID_TXT"
            theme = "UTILITY"
            depth = "DEPTH_CM"
            [units]
            depth = "cm"
            [values.theme]
            "EL" = "electricity"
            "VAND" = "vand"
            [defaults]
            hazard = "ikke farlig"
            depth = 800
            "#,
            "m.toml",
        )
        .unwrap();
        assert_eq!(m.crs(), Some("EPSG:25832"));
        assert_eq!(m.prop_of("UTILITY"), Some(Prop::Theme));
        assert_eq!(m.prop_of("theme"), None, "theme is read from UTILITY only");
        assert_eq!(
            m.prop_of("kind"),
            Some(Prop::Kind),
            "unmapped fields keep their name"
        );
        assert_eq!(
            m.translate(Prop::Theme, "VAND"),
            Some("water"),
            "LER term to code"
        );
        assert_eq!(m.unit(Prop::DepthMm).unwrap().factor, 10.0);
        assert_eq!(
            m.default_value(Prop::Hazard),
            Some(&Value::Str("not_dangerous".into()))
        );
        assert_eq!(m.label(Prop::DepthMm), "\"DEPTH_CM\" (depth)");
        assert_eq!(m.label(Prop::Kind), "\"kind\"");
    }

    #[test]
    fn bad_mappings_name_the_file_and_the_key() {
        let cases = [
            (
                "[fields]\ncolour = \"C\"",
                "[fields] colour",
                "unknown model field",
            ),
            (
                "[values.theme]\n\"EL\" = \"elektrisk\"",
                "[values.theme] \"EL\"",
                "not a model code",
            ),
            (
                "[values.material]\n\"PE\" = \"x\"",
                "[values.material]",
                "only coded fields",
            ),
            (
                "[units]\ndepth = \"ft\"",
                "[units] depth",
                "unknown unit \"ft\"",
            ),
            (
                "[units]\nmaterial = \"m\"",
                "[units] material",
                "only depth",
            ),
            (
                "[defaults]\nhazard = \"deadly\"",
                "[defaults] hazard",
                "not a model code",
            ),
            ("[defaults]\ndepth = -5", "[defaults] depth", "whole number"),
            (
                "[defaults]\nsource_id = \"x\"",
                "[defaults] source_id",
                "no default",
            ),
            ("crs = \"EPSG:999999\"", "crs", "EPSG:999999"),
            (
                "unit_policy = \"loose\"",
                "unit_policy",
                "not a unit policy",
            ),
            (
                "[fields]\ntheme = \"A\"\nkind = \"A\"",
                "[fields] theme",
                "already mapped to kind",
            ),
            ("colour = 1", "line 1", "unknown field `colour`"),
            ("[fields\n", "line 1", ""),
        ];
        for (text, key, message) in cases {
            let e = Mapping::from_toml(text, "owner.toml").unwrap_err();
            assert_eq!(e.file, "owner.toml", "{text}");
            assert_eq!(e.key, key, "{text}: {e}");
            assert!(e.message.contains(message), "{text}: {e}");
            assert!(e.to_string().starts_with("owner.toml: "), "{e}");
        }
    }
}
