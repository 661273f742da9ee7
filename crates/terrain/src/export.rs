//! Bluespot and flood features as GeoJSON (EPSG:25832, written with the
//! legacy `crs` member, as `forsyning generate` does) and as CSV.

use std::io::Write;

use geo_types::{MultiPolygon, Polygon};
use serde_json::{json, Map, Value};

use crate::bluespots::Bluespot;
use crate::cloudburst::Cloudburst;

/// Properties of one bluespot (units in the names).
pub fn bluespot_properties(b: &Bluespot, rain: Option<(&Cloudburst, usize)>) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("id".into(), json!(b.id));
    p.insert("cells".into(), json!(b.cells));
    p.insert("area_m2".into(), json!(b.area_m2));
    p.insert("max_depth_m".into(), json!(b.max_depth_m));
    p.insert("volume_m3".into(), json!(b.volume_m3));
    p.insert("bottom_m".into(), json!(b.bottom_m));
    p.insert("spill_level_m".into(), json!(b.spill_level_m));
    p.insert("pour_x".into(), json!(b.pour_xy.0));
    p.insert("pour_y".into(), json!(b.pour_xy.1));
    p.insert("watershed_area_m2".into(), json!(b.watershed_area_m2));
    p.insert("fill_rain_mm".into(), json!(b.fill_rain_mm));
    p.insert("downstream".into(), json!(b.downstream));
    if let Some((cb, k)) = rain {
        let s = &cb.states[k];
        p.insert("rain_input_m3".into(), json!(s.input_m3));
        p.insert("rain_upstream_m3".into(), json!(s.upstream_m3));
        p.insert("rain_volume_m3".into(), json!(s.volume_m3));
        p.insert("rain_spill_m3".into(), json!(s.spill_m3));
        p.insert("rain_pct_full".into(), json!(s.pct_full));
        p.insert("rain_level_m".into(), json!(cb.levels_m[k]));
        p.insert("rain_max_depth_m".into(), json!(cb.max_depth_m[k]));
    }
    p
}

fn ring(ls: &geo_types::LineString<f64>) -> Value {
    Value::Array(ls.0.iter().map(|c| json!([c.x, c.y])).collect())
}

fn polygon(p: &Polygon<f64>) -> Value {
    let mut rings = vec![ring(p.exterior())];
    rings.extend(p.interiors().iter().map(ring));
    Value::Array(rings)
}

/// A GeoJSON MultiPolygon geometry.
pub fn multipolygon_json(mp: &MultiPolygon<f64>) -> Value {
    json!({"type": "MultiPolygon", "coordinates": mp.0.iter().map(polygon).collect::<Vec<_>>()})
}

/// Streams a FeatureCollection of `(properties, geometry)` to `out`, one
/// feature per line.
pub fn write_feature_collection<W: Write>(
    out: &mut W,
    epsg: u32,
    features: impl Iterator<Item = (Map<String, Value>, Value)>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{{\"type\":\"FeatureCollection\",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::{epsg}\"}}}},\"features\":["
    )?;
    for (k, (props, geom)) in features.enumerate() {
        if k > 0 {
            out.write_all(b",\n")?;
        }
        let f = json!({"type": "Feature", "properties": Value::Object(props), "geometry": geom});
        serde_json::to_writer(&mut *out, &f)?;
    }
    out.write_all(b"\n]}\n")
}
