//! A dig request body without the API crate: the JSON object, its GeoJSON
//! `polygon` read as `forsyning_api::geojson::read_polygon` reads it (rings
//! of [x, y, ...] positions, unclosed rings closed, at most 100 000
//! positions), then the checks the API runs on it, in its order:
//! `check_dig_request` (KLIC limits, Danish service area) and, when that
//! passes, `SearchArea::new`. The polygon is taken in EPSG:25832 (no PROJ).
#![no_main]

use chrono::{DateTime, Utc};
use forsyning_model::{check_dig_request, DigLimits, SearchArea};
use geo_types::{Coord, LineString, Polygon};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const MAX_POSITIONS: usize = 100_000;

fn ring(v: &Value, budget: &mut usize) -> Option<LineString<f64>> {
    let positions = v.as_array()?;
    let mut coords = Vec::with_capacity(positions.len().min(*budget));
    for p in positions {
        *budget = budget.checked_sub(1)?;
        let p = p.as_array()?;
        if p.len() < 2 {
            return None;
        }
        coords.push(Coord {
            x: p[0].as_f64()?,
            y: p[1].as_f64()?,
        });
    }
    let mut ls = LineString(coords);
    ls.close();
    Some(ls)
}

fn polygon(v: &Value) -> Option<Polygon<f64>> {
    if v.get("type")?.as_str()? != "Polygon" {
        return None;
    }
    let mut budget = MAX_POSITIONS;
    let mut rings = v.get("coordinates")?.as_array()?.iter();
    let exterior = ring(rings.next()?, &mut budget)?;
    let interiors = rings
        .map(|r| ring(r, &mut budget))
        .collect::<Option<Vec<_>>>()?;
    Some(Polygon::new(exterior, interiors))
}

fn time(v: Option<&Value>, default: DateTime<Utc>) -> DateTime<Utc> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(default, |t| t.with_timezone(&Utc))
}

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Some(polygon) = body.get("polygon").and_then(polygon) else {
        return;
    };
    let now: DateTime<Utc> = DateTime::from_timestamp(1_767_225_600, 0).unwrap(); // 2026-01-01
    let buffer_m = body.get("buffer_m").and_then(Value::as_f64).unwrap_or(1.0);
    let from = time(body.get("period_from"), now + chrono::Duration::days(4));
    let to = time(body.get("period_to"), now + chrono::Duration::days(35));
    let limits = DigLimits::klic(forsyning_geo::denmark_service_area());
    if check_dig_request(&polygon, buffer_m, (from, to), now, &limits).is_ok() {
        if let Ok(area) = SearchArea::new(polygon, buffer_m) {
            std::hint::black_box(&area);
        }
    }
});
