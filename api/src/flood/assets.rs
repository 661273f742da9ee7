//! Assets at risk: the current network features that touch water of at
//! least `threshold_cm` in a job's depth raster, as the caller may see them
//! (GeoJSON or CSV, audited), and their counts per owner and theme.
//!
//! The water is the union of the cells of depth ≥ the threshold, as exact
//! cell outlines; a feature is at risk when its geometry intersects it.
//! `max_depth_m` is the deepest water found along the feature, sampled
//! every half cell (and at the cell centres inside a polygon).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use forsyning_model::{Bbox, NetworkFeature};
use forsyning_terrain::grid::{Georef, Grid};
use forsyning_terrain::io::Raster;
use forsyning_terrain::polygon::vectorise;
use geo::{BoundingRect, Centroid, Contains, Euclidean, Intersects, Length};
use geo_types::{Coord, Geometry, LineString, Point, Polygon, Rect};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::access::summary_scope;
use super::compute::{self, cell_at};
use super::results::{finished, read_meta};
use crate::auth::Principal;
use crate::policy::feature_scope;
use crate::{ApiError, AppState};

/// The threshold when none is given, cm (issue 11).
pub(crate) const DEFAULT_THRESHOLD_CM: f64 = 20.0;
const DEFAULT_LIMIT: usize = 10_000;
const MAX_LIMIT: usize = 100_000;

/// The water of depth ≥ a threshold: polygon parts with their envelopes,
/// and the depth grid to sample.
struct Water {
    parts: Vec<(Rect<f64>, Polygon<f64>)>,
    envelope: Option<Rect<f64>>,
    depth: Grid<f32>,
    georef: Georef,
    threshold_cm: f64,
}

fn wet(depth_m: f32, threshold_cm: f64) -> bool {
    !depth_m.is_nan() && depth_m > 0.0 && f64::from(depth_m) * 100.0 >= threshold_cm
}

impl Water {
    fn read(path: &Path, threshold_cm: f64) -> Result<Water, ApiError> {
        let internal = |e: forsyning_terrain::TerrainError| ApiError::Internal(e.to_string());
        let raster = Raster::open(path).map_err(internal)?;
        let georef = raster.georef().clone();
        let depth = raster
            .read_all(u64::MAX, &mut |_, _| {})
            .map_err(internal)?;
        let mask = depth.map(|d| u32::from(wet(d, threshold_cm)));
        let parts: Vec<(Rect<f64>, Polygon<f64>)> = vectorise(&mask, &georef)
            .into_iter()
            .flat_map(|(_, mp)| mp.0)
            .filter_map(|p| Some((p.bounding_rect()?, p)))
            .collect();
        let envelope = parts.iter().map(|(r, _)| *r).reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        });
        Ok(Water {
            parts,
            envelope,
            depth,
            georef,
            threshold_cm,
        })
    }

    fn touches(&self, g: &Geometry<f64>) -> bool {
        let Some(r) = g.bounding_rect() else {
            return false;
        };
        self.parts
            .iter()
            .any(|(pr, p)| pr.intersects(&r) && g.intersects(p))
    }

    fn sample(&self, x: f64, y: f64, max: &mut Option<f64>) {
        let (w, h) = (self.depth.width(), self.depth.height());
        if let Some(i) = cell_at(&self.georef, w, h, x, y) {
            let d = self.depth.data()[i];
            if wet(d, self.threshold_cm) {
                let d = f64::from(d);
                *max = Some(max.map_or(d, |m: f64| m.max(d)));
            }
        }
    }

    fn sample_line(&self, line: &LineString<f64>, max: &mut Option<f64>) {
        let step = 0.5 * self.georef.cell_w.min(self.georef.cell_h);
        for seg in line.lines() {
            let len = seg.dx().hypot(seg.dy());
            let n = ((len / step).ceil() as usize).clamp(1, 1_000_000);
            for k in 0..=n {
                let t = k as f64 / n as f64;
                self.sample(seg.start.x + t * seg.dx(), seg.start.y + t * seg.dy(), max);
            }
        }
        if let Some(c) = line.0.first() {
            self.sample(c.x, c.y, max);
        }
    }

    fn sample_polygon(&self, p: &Polygon<f64>, max: &mut Option<f64>) {
        self.sample_line(p.exterior(), max);
        for hole in p.interiors() {
            self.sample_line(hole, max);
        }
        let Some(r) = p.bounding_rect() else { return };
        let g = &self.georef;
        let (w, h) = (self.depth.width() as f64, self.depth.height() as f64);
        let c0 = ((r.min().x - g.origin_x) / g.cell_w).floor().clamp(0.0, w) as usize;
        let c1 = ((r.max().x - g.origin_x) / g.cell_w).ceil().clamp(0.0, w) as usize;
        let r0 = ((g.origin_y - r.max().y) / g.cell_h).floor().clamp(0.0, h) as usize;
        let r1 = ((g.origin_y - r.min().y) / g.cell_h).ceil().clamp(0.0, h) as usize;
        for row in r0..r1 {
            for col in c0..c1 {
                let (x, y) = g.cell_centre(row, col);
                if p.contains(&Point::new(x, y)) {
                    self.sample(x, y, max);
                }
            }
        }
    }

    /// The deepest water of depth ≥ the threshold along `g`, metres.
    fn max_depth(&self, g: &Geometry<f64>) -> Option<f64> {
        let mut max = None;
        match g {
            Geometry::Point(p) => self.sample(p.x(), p.y(), &mut max),
            Geometry::MultiPoint(mp) => {
                for p in mp {
                    self.sample(p.x(), p.y(), &mut max);
                }
            }
            Geometry::Line(l) => self.sample_line(&LineString(vec![l.start, l.end]), &mut max),
            Geometry::LineString(l) => self.sample_line(l, &mut max),
            Geometry::MultiLineString(ml) => {
                for l in ml {
                    self.sample_line(l, &mut max);
                }
            }
            Geometry::Polygon(p) => self.sample_polygon(p, &mut max),
            Geometry::MultiPolygon(mp) => {
                for p in mp {
                    self.sample_polygon(p, &mut max);
                }
            }
            Geometry::Rect(r) => self.sample_polygon(&r.to_polygon(), &mut max),
            Geometry::Triangle(t) => self.sample_polygon(&t.to_polygon(), &mut max),
            Geometry::GeometryCollection(gc) => {
                for g in gc {
                    let m = self.max_depth(g);
                    if let Some(d) = m {
                        max = Some(max.map_or(d, |x: f64| x.max(d)));
                    }
                }
            }
        }
        max
    }
}

/// One feature at risk.
struct AtRisk {
    feature: NetworkFeature,
    max_depth_m: Option<f64>,
}

/// The features of job `dir` at risk at `threshold_cm` that `allows` lets
/// through, sorted by id.
async fn at_risk(
    state: &AppState,
    dir: &Path,
    threshold_cm: f64,
    allows: impl Fn(&NetworkFeature) -> bool,
) -> Result<Vec<AtRisk>, ApiError> {
    let meta = read_meta(dir).await?;
    let native = state.native_crs.horizontal().epsg_code();
    if let (Some(dem), Some(store)) = (meta.dem.epsg, native) {
        if dem != store {
            return Err(ApiError::Conflict(format!(
                "the job's DEM is in EPSG:{dem}, the network in EPSG:{store}: their positions cannot be compared"
            )));
        }
    }
    let path = dir.join(compute::DEPTH);
    let water = tokio::task::spawn_blocking(move || Water::read(&path, threshold_cm))
        .await
        .map_err(|e| ApiError::Internal(format!("reading the depth raster: {e}")))??;
    let Some(env) = water.envelope else {
        return Ok(Vec::new());
    };
    let bbox = Bbox::new(env.min().x, env.min().y, env.max().x, env.max().y)
        .map_err(|e| ApiError::Internal(format!("water envelope: {e}")))?;
    let candidates: Vec<NetworkFeature> = state
        .store
        .features_in_bbox(&bbox)
        .await?
        .into_iter()
        .filter(|f| f.valid_to.is_none() && allows(f))
        .collect();
    let mut hits = tokio::task::spawn_blocking(move || {
        candidates
            .into_iter()
            .filter(|f| water.touches(&f.geometry))
            .map(|f| AtRisk {
                max_depth_m: water.max_depth(&f.geometry),
                feature: f,
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("intersecting the water: {e}")))?;
    hits.sort_by_key(|a| a.feature.id);
    Ok(hits)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    GeoJson,
    Csv,
}

struct AssetsQuery {
    threshold_cm: f64,
    format: Format,
    limit: usize,
}

fn parse_query(
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    allowed: &[&str],
) -> Result<AssetsQuery, ApiError> {
    let mut keys: Vec<&str> = params.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if let Some(k) = keys.into_iter().find(|k| !allowed.contains(k)) {
        return Err(ApiError::field(
            "unknown_parameter",
            k,
            format!("not a parameter; give {}", allowed.join(", ")),
        ));
    }
    let threshold_cm = match params.get("threshold_cm") {
        None => DEFAULT_THRESHOLD_CM,
        Some(v) => {
            let t = super::climate_level::number("threshold_cm", v)?;
            if t <= 0.0 || t > 10_000.0 {
                return Err(ApiError::field(
                    "invalid_parameter",
                    "threshold_cm",
                    "must be more than 0 and at most 10000 cm",
                ));
            }
            t
        }
    };
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::field("invalid_limit", "limit", format!("must be 1..={MAX_LIMIT}"))
            })?,
    };
    let format = match params.get("f").map(|f| f.trim().to_ascii_lowercase()) {
        Some(f) if f == "csv" => Format::Csv,
        Some(f) if f == "geojson" || f == "json" => Format::GeoJson,
        Some(f) => {
            return Err(ApiError::field(
                "invalid_parameter",
                "f",
                format!("{f:?} is not csv or geojson"),
            ))
        }
        None => {
            let accept = headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if accept.contains("text/csv") {
                Format::Csv
            } else {
                Format::GeoJson
            }
        }
    };
    Ok(AssetsQuery {
        threshold_cm,
        format,
        limit,
    })
}

fn query_of(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(m)| m).map_err(|e| ApiError::BadRequest {
        code: "invalid_query",
        message: e.body_text(),
    })
}

fn length_m(g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::Line(l) => Euclidean.length(l),
        Geometry::LineString(l) => Euclidean.length(l),
        Geometry::MultiLineString(l) => Euclidean.length(l),
        _ => 0.0,
    }
}

/// A CSV field: quoted when needed; text a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
fn csv_text(out: &mut String, s: &str) {
    let guarded;
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{s}");
        guarded.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn csv_opt<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    if let Some(v) = v {
        let _ = write!(out, "{v}");
    }
}

const CSV_HEADER: &str = "id,owner_id,dataset_id,version,source_id,theme,kind,status,hazard,depth_mm,diameter_mm,voltage_kv,pressure_bar,material,max_depth_m,length_m,centroid_x,centroid_y\n";

fn csv(rows: &[AtRisk]) -> String {
    let mut out = String::from(CSV_HEADER);
    for a in rows {
        let f = &a.feature;
        let m = &f.measures;
        let _ = write!(out, "{},", f.id);
        csv_text(&mut out, f.owner_id.as_str());
        let _ = write!(out, ",{},{},", f.dataset_id.0, f.version);
        csv_text(&mut out, &f.source_id);
        let _ = write!(out, ",{},{},", f.theme.code(), f.kind.code());
        csv_opt(&mut out, f.status.map(|s| s.code()));
        out.push(',');
        csv_opt(&mut out, f.hazard.map(|s| s.code()));
        out.push(',');
        csv_opt(&mut out, m.depth_mm);
        out.push(',');
        csv_opt(&mut out, m.diameter_mm);
        out.push(',');
        csv_opt(&mut out, m.voltage_kv);
        out.push(',');
        csv_opt(&mut out, m.pressure_bar);
        out.push(',');
        if let Some(mat) = &m.material {
            csv_text(&mut out, mat);
        }
        out.push(',');
        csv_opt(&mut out, a.max_depth_m.map(|d| format!("{d:.3}")));
        let _ = write!(out, ",{:.2},", length_m(&f.geometry));
        let c = f.geometry.centroid();
        csv_opt(&mut out, c.map(|c| format!("{:.3}", c.x())));
        out.push(',');
        csv_opt(&mut out, c.map(|c| format!("{:.3}", c.y())));
        out.push('\n');
    }
    out
}

fn geojson(
    state: &AppState,
    job: Uuid,
    threshold_cm: f64,
    matched: usize,
    rows: &[AtRisk],
) -> Result<Value, ApiError> {
    let features: Vec<Value> = rows
        .iter()
        .map(|a| -> Result<Value, ApiError> {
            let f = &a.feature;
            let mut p = match serde_json::to_value(forsyning_ingest::geojson::GeoJsonProperties(f))
            {
                Ok(Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            p.insert("owner_id".into(), json!(f.owner_id));
            p.insert("dataset_id".into(), json!(f.dataset_id.0));
            p.insert("version".into(), json!(f.version));
            p.insert("max_depth_m".into(), json!(a.max_depth_m));
            let geometry = serde_json::to_value(crate::geojson::GeoJson(&f.geometry))
                .map_err(|e| ApiError::Internal(format!("feature {}: {e}", f.id)))?;
            Ok(json!({
                "type": "Feature",
                "id": f.id,
                "geometry": geometry,
                "properties": p,
            }))
        })
        .collect::<Result<_, _>>()?;
    Ok(json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": state.region.crs_urn()}},
        "job": job,
        "threshold_cm": threshold_cm,
        "number_matched": matched,
        "number_returned": rows.len(),
        "features": features,
    }))
}

#[utoipa::path(get, path = "/api/v1/flood/jobs/{id}/assets", tag = "Flood",
    params(
        ("id" = Uuid, Path, description = "The flood job id"),
        ("threshold_cm" = Option<f64>, Query, description = "Water at least this deep counts, cm (default 20)"),
        ("f" = Option<String>, Query, description = "`geojson` (default) or `csv`; `Accept: text/csv` also gives CSV"),
        ("limit" = Option<u32>, Query, description = "1..=100000, default 10000 (by feature id)"),
    ),
    responses(
        (status = 200, description = "The network features the caller may see that touch water of depth ≥ threshold_cm: GeoJSON (EPSG:25832, `max_depth_m` per feature, `number_matched`) or CSV; audited", content_type = "application/geo+json", body = Object),
        (status = 400, description = "A malformed parameter (the message names it)", body = crate::openapi::ErrorBody),
        (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody),
        (status = 403, description = "The caller's role sees no network features (municipalities: use /assets/summary)", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such flood job", body = crate::openapi::ErrorBody),
        (status = 409, description = "The job is still queued or running, or it failed", body = crate::openapi::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn assets(
    State(state): State<AppState>,
    p: Principal,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let scope = feature_scope(&state, &p).await?;
    let q = parse_query(&query_of(query)?, &headers, &["threshold_cm", "f", "limit"])?;
    let (job, dir) = finished(&state, &id).await?;
    let mut rows = at_risk(&state, &dir, q.threshold_cm, |f| scope.allows(f)).await?;
    let matched = rows.len();
    rows.truncate(q.limit);
    crate::features::audit_ids(
        &state,
        &p,
        "flood.assets",
        rows.iter().map(|a| a.feature.id),
    )
    .await?;
    Ok(match q.format {
        Format::Csv => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"flood-{job}-assets.csv\""),
                ),
            ],
            csv(&rows),
        )
            .into_response(),
        Format::GeoJson => (
            [(CONTENT_TYPE, "application/geo+json")],
            Json(geojson(&state, job, q.threshold_cm, matched, &rows)?),
        )
            .into_response(),
    })
}

/// Features at risk of one owner and theme.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AssetCount {
    pub owner_id: String,
    pub theme: String,
    pub features: u64,
    /// Length of the lines among them, metres.
    pub length_m: f64,
}

/// Counts of the features at risk.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AssetsSummary {
    pub job: Uuid,
    pub threshold_cm: f64,
    /// `features` (the caller's feature scope) or `boundary` (a
    /// municipality's: every owner's features touching it).
    pub scope: String,
    pub features: u64,
    pub length_m: f64,
    pub by_owner_and_theme: Vec<AssetCount>,
}

#[utoipa::path(get, path = "/api/v1/flood/jobs/{id}/assets/summary", tag = "Flood",
    params(
        ("id" = Uuid, Path, description = "The flood job id"),
        ("threshold_cm" = Option<f64>, Query, description = "Water at least this deep counts, cm (default 20)"),
    ),
    responses(
        (status = 200, description = "Counts and line lengths of the features at risk per owner and theme: a municipality's inside its boundary, others' in their feature scope; audited", body = AssetsSummary),
        (status = 400, description = "A malformed parameter (the message names it)", body = crate::openapi::ErrorBody),
        (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody),
        (status = 403, description = "A municipality without a boundary", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such flood job", body = crate::openapi::ErrorBody),
        (status = 409, description = "The job is still queued or running, or it failed", body = crate::openapi::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn summary(
    State(state): State<AppState>,
    p: Principal,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<AssetsSummary>, ApiError> {
    let scope = summary_scope(&state, &p).await?;
    let q = parse_query(&query_of(query)?, &headers, &["threshold_cm"])?;
    let (job, dir) = finished(&state, &id).await?;
    let rows = at_risk(&state, &dir, q.threshold_cm, |f| scope.allows(f)).await?;
    crate::features::audit_ids(
        &state,
        &p,
        "flood.assets_summary",
        rows.iter().map(|a| a.feature.id),
    )
    .await?;
    let mut groups: BTreeMap<(String, &'static str), (u64, f64)> = BTreeMap::new();
    for a in &rows {
        let g = groups
            .entry((a.feature.owner_id.to_string(), a.feature.theme.code()))
            .or_default();
        g.0 += 1;
        g.1 += length_m(&a.feature.geometry);
    }
    let by: Vec<AssetCount> = groups
        .into_iter()
        .map(|((owner_id, theme), (features, length_m))| AssetCount {
            owner_id,
            theme: theme.to_owned(),
            features,
            length_m,
        })
        .collect();
    Ok(Json(AssetsSummary {
        job,
        threshold_cm: q.threshold_cm,
        scope: match scope {
            super::access::SummaryScope::Features(_) => "features",
            super::access::SummaryScope::Boundary(_) => "boundary",
        }
        .into(),
        features: rows.len() as u64,
        length_m: by.iter().map(|c| c.length_m).sum(),
        by_owner_and_theme: by,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_guarded() {
        let mut s = String::new();
        csv_text(&mut s, "a,b \"c\"");
        assert_eq!(s, "\"a,b \"\"c\"\"\"");
        let mut s = String::new();
        csv_text(&mut s, "=HYPERLINK(1)");
        assert_eq!(s, "'=HYPERLINK(1)");
    }
}
