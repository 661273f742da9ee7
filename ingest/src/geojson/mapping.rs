//! One raw feature to a model feature and its problems; the property table
//! is in the documentation of [`geojson`](super).

use chrono::DateTime;
use forsyning_model::{
    AccuracyClass, DatasetId, Kind, Measures, NetworkFeature, OrgId, SourceFormat, Theme,
};
use geo_types::Geometry;
use uuid::Uuid;

use super::geometry::{Heights, UNKNOWN_HEIGHT};
use super::props::{quote, Prop, Props};
use super::raw::{RawFeature, RawGeometry};
use super::value::Value;
use crate::mapping::Mapping;
use crate::problem::{FeatureOutcome, Problem, Rule};

/// Maps one raw feature (element `index` of the feature list) to its outcome.
pub(crate) fn to_outcome(mut raw: RawFeature, index: u64, mapping: &Mapping) -> FeatureOutcome {
    let mut structure = Vec::new();
    structure_problems(&raw, &mut structure);
    let record = Record {
        position: format!("feature {index}"),
        values: std::mem::take(&mut raw.props),
        id: raw.id.take(),
        geometry: geometry(raw.geometry.take()),
        problems: structure,
        format: SourceFormat::GeoJson,
        text_numbers: false,
        default_class: "Feature".into(),
    };
    record_outcome(record, mapping)
}

/// One source feature of any attribute-table format (GeoJSON, GDAL, CSV):
/// its mapped values, fallback id and geometry, ready for the mapping.
#[derive(Debug)]
pub(crate) struct Record {
    /// Where in the input: `feature 3`, `layer "pipes", feature 7`, `row 12`.
    pub position: String,
    /// The values of the mapped columns, indexed by [`Prop`].
    pub values: [Option<Value>; Prop::ALL.len()],
    /// The source's own id (GeoJSON `id`, a GDAL FID), when `source_id` is absent.
    pub id: Option<Value>,
    /// The geometry in the source CRS with its heights, or the rule it breaks.
    pub geometry: Result<(Geometry<f64>, Heights), (Rule, String)>,
    /// Problems found before the mapping (structure of the feature).
    pub problems: Vec<Problem>,
    pub format: SourceFormat,
    /// Numbers may be written as text.
    pub text_numbers: bool,
    /// The `source_class` when the `class` field is absent.
    pub default_class: String,
}

/// Maps one record to a model feature and its problems (the property table
/// is in the documentation of [`geojson`](super), the mapping in [`crate::mapping`]).
pub(crate) fn record_outcome(record: Record, mapping: &Mapping) -> FeatureOutcome {
    let Record {
        position,
        values,
        id,
        geometry,
        problems,
        format,
        text_numbers,
        default_class,
    } = record;
    let mut p = Props::new(values, mapping, text_numbers);
    p.problems = problems;
    let source_id = match p.take(Prop::SourceId) {
        Some(v) => p.id(Prop::SourceId, Some(v)),
        None => p.id(Prop::SourceId, id),
    }
    .unwrap_or_else(|| position.clone());
    let source_class = p.string(Prop::Class).unwrap_or(default_class);

    let theme_given = p.has(Prop::Theme);
    let theme = p.code::<Theme>(Prop::Theme);
    if !theme_given {
        let message = format!("{} is missing", p.label(Prop::Theme));
        p.problems
            .push(Problem::error(Rule::MandatoryAttributeMissing, message));
    }
    let geometry = geometry
        .map_err(|(rule, message)| p.problems.push(Problem::error(rule, message)))
        .ok();
    let kind = p.code::<Kind>(Prop::Kind);
    let status = p.code(Prop::Status);
    let hazard = p.code(Prop::Hazard);
    let safety_note = p.string(Prop::SafetyNote);
    let accuracy_xy = p.code(Prop::AccuracyXy).unwrap_or(AccuracyClass::Unknown);
    let accuracy_z = p.code(Prop::AccuracyZ).unwrap_or(AccuracyClass::Unknown);
    let drawing_method = p.code(Prop::DrawingMethod);
    let measures = Measures {
        depth_mm: p.whole(Prop::DepthMm),
        diameter_mm: p.whole(Prop::DiameterMm),
        voltage_kv: p.number(Prop::VoltageKv),
        pressure_bar: p.number(Prop::PressureBar),
        material: p.string(Prop::Material),
        installed: p.date(Prop::Installed),
    };
    let heights_prop = match p.take(Prop::Heights) {
        Some(Value::Numbers(h)) => Some(h),
        Some(v) => {
            p.wrong_type(Prop::Heights, &v, "an array of numbers and nulls");
            None
        }
        None => None,
    };

    let mut feature = None;
    if let (Some(theme), Some((mut geometry, z))) = (theme, geometry) {
        let mut heights = z.or_else(|| heights_prop.map(unknown_heights));
        let vertices = count_vertices(&geometry);
        if let Some(n) = heights.as_ref().map(Vec::len).filter(|&n| n != vertices) {
            let message = format!(
                "{} has {n} values for {vertices} vertices",
                p.label(Prop::Heights)
            );
            p.problems
                .push(Problem::error(Rule::MalformedInput, message));
        }
        if heights.as_ref().is_some_and(|h| h.len() != vertices) {
            p.problems.extend(crate::validate_geometry(&geometry));
        } else {
            p.problems
                .extend(crate::repair_geometry(&mut geometry, &mut heights));
        }
        feature = Some(NetworkFeature {
            id: Uuid::now_v7(),
            owner_id: OrgId::new("unassigned").expect("a valid organisation id"),
            dataset_id: DatasetId(Uuid::nil()),
            version: 0,
            source_id: source_id.clone(),
            source_format: format,
            source_class: source_class.clone(),
            theme,
            kind: kind.unwrap_or_else(|| default_kind(&geometry)),
            status,
            hazard,
            safety_note,
            accuracy_xy,
            accuracy_z,
            drawing_method,
            measures,
            geometry,
            heights,
            valid_from: DateTime::UNIX_EPOCH,
            valid_to: None,
        });
    }
    let problems = p
        .problems
        .into_iter()
        .map(|q| q.with_source_id(source_id.clone()).at(position.clone()))
        .collect();
    FeatureOutcome {
        crs: None,
        position,
        source_id,
        source_class,
        theme,
        feature,
        problems,
    }
}

/// The geometry and heights of the `geometry` member, or the rule it breaks.
fn geometry(raw: Option<RawGeometry>) -> Result<(Geometry<f64>, Heights), (Rule, String)> {
    let malformed = |message: String| Err((Rule::MalformedInput, message));
    let (type_name, coords, has_geometries) = match raw {
        None | Some(RawGeometry::Null) => {
            return Err((Rule::GeometryMissing, "the feature has no geometry".into()))
        }
        Some(RawGeometry::NotObject(what)) => {
            return malformed(format!("geometry must be an object, not {what}"))
        }
        Some(RawGeometry::Object {
            type_name,
            coords,
            has_geometries,
        }) => (type_name, coords, has_geometries),
    };
    let type_name = match type_name {
        Some(Value::Str(t)) => t,
        Some(v) => {
            let found = v.describe();
            return malformed(format!("geometry \"type\" must be a string, not {found}"));
        }
        None => return malformed("geometry has no \"type\"".into()),
    };
    if type_name == "GeometryCollection" || has_geometries {
        let message = "GeometryCollections are not supported; \
                       use a Multi* geometry or one feature per part";
        return Err((Rule::UnsupportedGeometry, message.into()));
    }
    match coords {
        Some(coords) => coords.into_geometry(&type_name),
        None => malformed(format!("the {type_name} has no \"coordinates\"")),
    }
}

/// Problems with the Feature object itself rather than its members.
fn structure_problems(raw: &RawFeature, problems: &mut Vec<Problem>) {
    if let Some(what) = raw.not_object {
        let message = format!("a feature must be an object, not {what}");
        problems.push(Problem::error(Rule::MalformedInput, message));
        return;
    }
    match &raw.type_name {
        Some(Value::Str(t)) if t == "Feature" => {}
        Some(v) => {
            let found = match v {
                Value::Str(t) => quote(t),
                v => v.describe(),
            };
            let message = format!("a member of \"features\" has type {found}, not \"Feature\"");
            problems.push(Problem::error(Rule::MalformedInput, message));
        }
        None => problems.push(Problem::warning(
            Rule::MalformedInput,
            "the feature has no \"type\": \"Feature\"",
        )),
    }
    if let Some(what) = raw.properties_not_object {
        let message = format!("\"properties\" must be an object or null, not {what}");
        problems.push(Problem::error(Rule::MalformedInput, message));
    }
}

/// `-99`, LER's "unknown", is no height.
fn unknown_heights(h: Vec<Option<f64>>) -> Vec<Option<f64>> {
    h.into_iter()
        .map(|z| z.filter(|&z| z != UNKNOWN_HEIGHT))
        .collect()
}

fn default_kind(g: &Geometry<f64>) -> Kind {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => Kind::Component,
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => Kind::Area,
        _ => Kind::CableOrPipe,
    }
}

/// Vertices of the geometries this reader builds, in the order of `heights`.
fn count_vertices(g: &Geometry<f64>) -> usize {
    let polygon = |p: &geo_types::Polygon<f64>| {
        p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()
    };
    match g {
        Geometry::Point(_) => 1,
        Geometry::MultiPoint(m) => m.0.len(),
        Geometry::LineString(l) => l.0.len(),
        Geometry::MultiLineString(m) => m.0.iter().map(|l| l.0.len()).sum(),
        Geometry::Polygon(p) => polygon(p),
        Geometry::MultiPolygon(m) => m.0.iter().map(polygon).sum(),
        _ => 0,
    }
}
