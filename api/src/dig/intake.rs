//! A contractor's dig request body, parsed, reprojected to EPSG:25832 and
//! checked against the dig rules. Every problem is a 400 naming the field
//! (malformed or missing) or a 422 naming the rule it breaks.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use forsyning_geo::{Crs, Reprojector};
use forsyning_model::{check_dig_request, DigLimits, DigRuleViolation, SearchArea};
use geo::MapCoordsInPlace;
use geo_types::Polygon;
use serde_json::{Map, Value};

use crate::geojson::read_polygon;
use crate::ApiError;

/// The fields of a dig request body; anything else is refused, so a typo
/// (`"buffer"`) is not silently ignored.
const FIELDS: [&str; 7] = [
    "polygon",
    "crs",
    "buffer_m",
    "period_from",
    "period_to",
    "purpose",
    "contact",
];

/// Most positions read from a polygon before the rules run.
const MAX_POSITIONS: usize = 100_000;

/// Longest `purpose` and `contact`, characters.
const MAX_TEXT: usize = 2_000;

/// A checked dig request, before matching.
#[derive(Debug, Clone, PartialEq)]
pub struct DigIntake {
    /// The dig area and buffer, EPSG:25832 metres.
    pub area: SearchArea,
    /// The CRS the polygon was given in.
    pub source_crs: Crs,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub purpose: String,
    pub contact: String,
}

fn violation(v: DigRuleViolation) -> ApiError {
    ApiError::Unprocessable {
        code: v.code(),
        message: v.to_string(),
    }
}

fn required<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a Value, ApiError> {
    body.get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::field("missing_field", field, "is required"))
}

fn text(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    let s = required(body, field)?
        .as_str()
        .ok_or_else(|| ApiError::field("invalid_field", field, "must be a string"))?
        .trim();
    if s.is_empty() || s.chars().count() > MAX_TEXT {
        return Err(ApiError::field(
            "invalid_field",
            field,
            format!("must be 1 to {MAX_TEXT} characters"),
        ));
    }
    Ok(s.to_owned())
}

fn time(body: &Map<String, Value>, field: &str) -> Result<DateTime<Utc>, ApiError> {
    let s = required(body, field)?.as_str().ok_or_else(|| {
        ApiError::field("invalid_field", field, "must be an RFC 3339 time string")
    })?;
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ApiError::field(
                "invalid_field",
                field,
                format!("{s:?} is not an RFC 3339 time (e.g. 2025-03-07T08:00:00+01:00): {e}"),
            )
        })
}

/// `"CRS84"` or anything [`Crs::parse`] reads; only the horizontal part counts.
pub fn parse_crs(s: &str) -> Result<Crs, ApiError> {
    let crs = if s.trim().eq_ignore_ascii_case("crs84") {
        Ok(Crs::CRS84)
    } else {
        Crs::parse(s)
    };
    crs.map(|c| c.horizontal())
        .map_err(|e| ApiError::field("invalid_field", "crs", e))
}

thread_local! {
    /// One PROJ transformation per source CRS and thread: building one takes
    /// 10-20 ms, and a `Reprojector` may not leave its thread.
    static TO_STORE: RefCell<HashMap<(Crs, Crs), Reprojector>> = RefCell::new(HashMap::new());
}

/// `polygon` (GeoJSON order: east/longitude first) from `crs` to EPSG:25832.
/// Synchronous: call it from a blocking task for a CRS other than EPSG:25832.
pub fn to_store_crs(polygon: Polygon<f64>, crs: Crs) -> Result<Polygon<f64>, ApiError> {
    to_native_crs(polygon, crs, Crs::STORE)
}

/// `polygon` (GeoJSON order: east/longitude first) from `crs` to `native`,
/// the region's CRS. Synchronous: call it from a blocking task when the two differ.
pub fn to_native_crs(
    mut polygon: Polygon<f64>,
    crs: Crs,
    native: Crs,
) -> Result<Polygon<f64>, ApiError> {
    if crs.horizontal() == native.horizontal() {
        return Ok(polygon);
    }
    if crs.is_north_first() {
        polygon.map_coords_in_place(|c| geo_types::Coord { x: c.y, y: c.x });
    }
    TO_STORE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let r = match cache.entry((crs, native)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(
                Reprojector::new(&crs, &native)
                    .map_err(|e| ApiError::field("invalid_field", "crs", e))?,
            ),
        };
        let mut g = geo_types::Geometry::Polygon(polygon);
        r.transform_geometry(&mut g)
            .map_err(|e| ApiError::field("invalid_field", "polygon", e))?;
        match g {
            geo_types::Geometry::Polygon(p) => Ok(p),
            _ => Err(ApiError::Internal(
                "reprojection changed the geometry type".into(),
            )),
        }
    })
}

/// A dig request body as a JSON object (400 when it is not one).
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: format!("the body is not valid JSON: {e}"),
    })?;
    let Value::Object(body) = value else {
        return Err(ApiError::BadRequest {
            code: "invalid_json",
            message: "the body must be a JSON object".into(),
        });
    };
    Ok(body)
}

/// Whether the body names a CRS: only then may reading it call PROJ (to
/// look the CRS up and to reproject), so only then must it leave the async
/// threads. A polygon in the region's own CRS needs neither.
pub fn names_crs(body: &Map<String, Value>) -> bool {
    body.get("crs").is_some_and(|v| !v.is_null())
}

impl DigIntake {
    /// Parses a JSON body (see the `dig` module) and checks it at `now`.
    /// Synchronous (PROJ): run it in a blocking task.
    pub fn from_json(
        body: &[u8],
        now: DateTime<Utc>,
        limits: &DigLimits,
    ) -> Result<Self, ApiError> {
        Self::from_json_in(body, now, limits, Crs::STORE)
    }

    /// Like [`DigIntake::from_json`] for a region whose native CRS is
    /// `native`: the polygon is EPSG:`native` unless the body names a CRS.
    pub fn from_json_in(
        body: &[u8],
        now: DateTime<Utc>,
        limits: &DigLimits,
        native: Crs,
    ) -> Result<Self, ApiError> {
        Self::from_object_in(parse_object(body)?, now, limits, native)
    }

    /// [`DigIntake::from_json_in`] on a body already read by [`parse_object`].
    /// Synchronous (PROJ) when the body names a CRS ([`names_crs`]).
    pub fn from_object_in(
        body: Map<String, Value>,
        now: DateTime<Utc>,
        limits: &DigLimits,
        native: Crs,
    ) -> Result<Self, ApiError> {
        if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(ApiError::field(
                "unknown_field",
                unknown,
                format!(
                    "is not a dig request field; the fields are {}",
                    FIELDS.join(", ")
                ),
            ));
        }
        let crs = match body.get("crs").filter(|v| !v.is_null()) {
            None => native,
            Some(v) => parse_crs(
                v.as_str()
                    .ok_or_else(|| ApiError::field("invalid_field", "crs", "must be a string"))?,
            )?,
        };
        let buffer_m = required(&body, "buffer_m")?.as_f64().ok_or_else(|| {
            ApiError::field("invalid_field", "buffer_m", "must be a number of metres")
        })?;
        Self::from_parts(
            required(&body, "polygon")?,
            crs,
            buffer_m,
            (time(&body, "period_from")?, time(&body, "period_to")?),
            text(&body, "purpose")?,
            text(&body, "contact")?,
            now,
            limits,
            native,
        )
    }

    /// Checks a request given field by field; `polygon` is a GeoJSON Polygon
    /// geometry in `crs`, `buffer_m` metres; the checked area is in `native`,
    /// the region's CRS.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        polygon: &Value,
        crs: Crs,
        buffer_m: f64,
        period: (DateTime<Utc>, DateTime<Utc>),
        purpose: String,
        contact: String,
        now: DateTime<Utc>,
        limits: &DigLimits,
        native: Crs,
    ) -> Result<Self, ApiError> {
        // The body limit bounds the positions already; this bounds a caller
        // without one (the CLI) before the vertex rule runs.
        let polygon = read_polygon(polygon, MAX_POSITIONS)
            .map_err(|e| ApiError::field("invalid_field", "polygon", e))?;
        let vertices: usize = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(|r| r.0.len().saturating_sub(1))
            .sum();
        if vertices > limits.max_vertices {
            return Err(violation(DigRuleViolation::TooManyVertices {
                count: vertices,
                max: limits.max_vertices,
            }));
        }
        let polygon = to_native_crs(polygon, crs, native)?;
        check_dig_request(&polygon, buffer_m, period, now, limits).map_err(violation)?;
        let area = SearchArea::new(polygon, buffer_m).map_err(|e| ApiError::Unprocessable {
            code: "polygon_not_simple",
            message: e.to_string(),
        })?;
        Ok(Self {
            area,
            source_crs: crs,
            period_from: period.0,
            period_to: period.1,
            purpose,
            contact,
        })
    }
}
