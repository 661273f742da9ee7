//! An owner's interest areas as a GeoJSON FeatureCollection, in and out.
//!
//! In: `{"type": "FeatureCollection", "crs": {...}?, "features": [...]}`;
//! each feature a Polygon or MultiPolygon with properties `themes` (theme
//! codes, e.g. `["electricity"]`), `contact` (text) and `marks_on_site`
//! (boolean, default false), and an optional UUID `id`. Without a legacy
//! `"crs"` member the coordinates are CRS84 (RFC 7946); positions are always
//! GeoJSON order (easting or longitude first). Out: EPSG:25832 with the
//! `"crs"` member naming it, so a GET can be PUT back unchanged.

use forsyning_model::{InterestArea, OrgId, Theme};
use geo::{BoundingRect, Validation};
use geo_types::{Geometry, MultiPolygon, Rect};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::dig::{parse_crs, to_native_crs};
use crate::geojson::{read_multi_polygon, write_geometry};
use crate::ApiError;

/// Most interest areas of one owner, and positions in all of them.
pub const MAX_AREAS: usize = 10_000;
const MAX_POSITIONS: usize = 2_000_000;
/// Longest contact, characters.
const MAX_CONTACT: usize = 2_000;

fn bad(at: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::field("invalid_field", at, problem)
}

fn crs_of(doc: &Map<String, Value>) -> Result<forsyning_geo::Crs, ApiError> {
    match doc.get("crs") {
        None | Some(Value::Null) => Ok(forsyning_geo::Crs::CRS84),
        Some(c) => {
            let name = c
                .pointer("/properties/name")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    bad(
                        "crs",
                        "must be {\"type\": \"name\", \"properties\": {\"name\": \"EPSG:...\"}}",
                    )
                })?;
            parse_crs(name)
        }
    }
}

fn themes(props: &Map<String, Value>, at: &str) -> Result<Vec<Theme>, ApiError> {
    let at = format!("{at}.themes");
    let list = props
        .get("themes")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| bad(&at, "must be a non-empty array of theme codes"))?;
    list.iter()
        .map(|t| {
            t.as_str()
                .ok_or_else(|| bad(&at, "theme codes are strings"))
                .and_then(|s| Theme::from_code(s).map_err(|e| bad(&at, e)))
        })
        .collect()
}

/// One feature of the collection as an interest area of `owner`, EPSG:25832.
fn area(
    f: &Value,
    at: &str,
    owner: &OrgId,
    crs: forsyning_geo::Crs,
    native: forsyning_geo::Crs,
    service_area: Rect<f64>,
    budget: &mut usize,
) -> Result<InterestArea, ApiError> {
    let props = f
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| bad(&format!("{at}.properties"), "must be an object"))?;
    let geometry = f
        .get("geometry")
        .ok_or_else(|| bad(&format!("{at}.geometry"), "is required"))?;
    let mut mp =
        read_multi_polygon(geometry, *budget).map_err(|e| bad(&format!("{at}.geometry"), e))?;
    let positions: usize =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| r.0.len())
            .sum();
    *budget = budget.saturating_sub(positions);
    let polygons = std::mem::take(&mut mp.0);
    let mut projected = Vec::with_capacity(polygons.len());
    for p in polygons {
        projected.push(to_native_crs(p, crs, native).map_err(|e| match e {
            ApiError::BadRequest { message, .. } => bad(&format!("{at}.geometry"), message),
            other => other,
        })?);
    }
    let geometry = MultiPolygon(projected);
    if let Err(e) = geometry.check_validation() {
        return Err(ApiError::Unprocessable {
            code: "invalid_geometry",
            message: format!("{at}.geometry: {e}"),
        });
    }
    let inside = geometry.bounding_rect().is_some_and(|r| {
        r.min().x >= service_area.min().x
            && r.min().y >= service_area.min().y
            && r.max().x <= service_area.max().x
            && r.max().y <= service_area.max().y
    });
    if !inside {
        return Err(ApiError::Unprocessable {
            code: "outside_service_area",
            message: format!("{at}.geometry lies (partly) outside the service area or is empty"),
        });
    }
    let contact = props
        .get("contact")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.chars().count() <= MAX_CONTACT)
        .ok_or_else(|| {
            bad(
                &format!("{at}.contact"),
                format!("must be 1 to {MAX_CONTACT} characters"),
            )
        })?;
    let marks_on_site = match props.get("marks_on_site") {
        None | Some(Value::Null) => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad(&format!("{at}.marks_on_site"), "must be true or false"))?,
    };
    let id = match f.get("id") {
        None | Some(Value::Null) => Uuid::new_v4(),
        Some(v) => v
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| bad(&format!("{at}.id"), "must be a UUID string"))?,
    };
    Ok(InterestArea {
        id,
        owner_id: owner.clone(),
        themes: themes(props, &format!("{at}.properties"))?,
        geometry,
        contact: contact.to_owned(),
        marks_on_site,
    })
}

/// Parses a FeatureCollection body into `owner`'s interest areas in
/// EPSG:25832, each checked (valid polygons inside `service_area`).
/// Synchronous (PROJ): run it in a blocking task.
pub fn read_areas(
    body: &[u8],
    owner: &OrgId,
    service_area: Rect<f64>,
) -> Result<Vec<InterestArea>, ApiError> {
    read_areas_in(body, owner, service_area, forsyning_geo::Crs::STORE)
}

/// Like [`read_areas`], into `native` (the region's CRS; `service_area` in it).
pub fn read_areas_in(
    body: &[u8],
    owner: &OrgId,
    service_area: Rect<f64>,
    native: forsyning_geo::Crs,
) -> Result<Vec<InterestArea>, ApiError> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: format!("the body is not valid JSON: {e}"),
    })?;
    let doc = doc
        .as_object()
        .filter(|d| d.get("type").and_then(Value::as_str) == Some("FeatureCollection"))
        .ok_or_else(|| bad("type", "the body must be a GeoJSON FeatureCollection"))?;
    let crs = crs_of(doc)?;
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("features", "must be an array"))?;
    if features.len() > MAX_AREAS {
        return Err(bad(
            "features",
            format!("at most {MAX_AREAS} interest areas"),
        ));
    }
    let mut budget = MAX_POSITIONS;
    let areas = features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            area(
                f,
                &format!("features[{i}]"),
                owner,
                crs,
                native,
                service_area,
                &mut budget,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut ids: Vec<Uuid> = areas.iter().map(|a| a.id).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad("features", format!("id {} appears twice", w[0])));
    }
    Ok(areas)
}

/// Interest areas as a FeatureCollection in EPSG:25832.
pub fn write_areas(areas: &[InterestArea]) -> Value {
    write_areas_in(areas, "urn:ogc:def:crs:EPSG::25832")
}

/// Interest areas as a FeatureCollection whose `crs` member is `crs_urn`
/// (the region's native CRS, in which the areas are stored).
pub fn write_areas_in(areas: &[InterestArea], crs_urn: &str) -> Value {
    let features: Vec<Value> = areas
        .iter()
        .map(|a| {
            json!({
                "type": "Feature",
                "id": a.id,
                "geometry": write_geometry(&Geometry::MultiPolygon(a.geometry.clone())),
                "properties": {
                    "owner_id": a.owner_id,
                    "themes": a.themes.iter().map(|t| t.code()).collect::<Vec<_>>(),
                    "contact": a.contact,
                    "marks_on_site": a.marks_on_site,
                },
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": crs_urn}},
        "features": features,
    })
}
