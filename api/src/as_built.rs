//! As-built survey: `POST /api/v1/features/{id}/as-built` puts surveyed
//! points in place of a feature's geometry and derives its accuracy class
//! from them (`forsyning_gnss::accuracy`), as a new version of its dataset.
//!
//! A feature changes only by a new dataset version, and writing one replaces
//! the whole dataset: without a check, a survey based on version 3 that
//! commits after an upload made version 4 would put version 3's other
//! features back. So the caller says which version it saw (`base_version`),
//! and the change is a compare-and-swap: the dataset's writer is begun
//! first (it holds the dataset's write lock until commit or abort, so the
//! current version cannot move), then its
//! [`base_version`](forsyning_store::DatasetWriter::base_version) is
//! compared with the caller's. Unequal: the writer is aborted and the answer
//! is 409 `version_conflict` naming both versions; nothing is stored. Equal:
//! the base version's features are written again with the one feature's
//! geometry, heights, accuracy classes and drawing method replaced (its id
//! and every other attribute kept), and committed; the base version stays
//! readable as history.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use forsyning_gnss::accuracy::{self, class_of};
use forsyning_gnss::Quality;
use forsyning_ingest::geojson::GeoJsonProperties;
use forsyning_model::{AccuracyClass, DrawingMethod, NetworkFeature};
use forsyning_store::{write_batched, DatasetInfo, DatasetWriter};
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPoint, Point};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Principal;
use crate::features::audit_ids;
use crate::policy::{feature_editor, may_change_feature};
use crate::{ApiError, AppState};

/// The audit log's action of a survey.
const ACTION: &str = "feature.as_built";
/// Most surveyed points of one feature.
const MAX_POINTS: usize = 10_000;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/features/{id}/as-built", post(as_built))
}

/// The body of `POST /api/v1/features/{id}/as-built`. Unknown members are refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AsBuiltBody {
    /// The dataset version the survey is based on: the `version` the caller
    /// read the feature in (`GET /api/v1/datasets/{id}/versions` lists them).
    /// Anything but the current version answers 409 `version_conflict`.
    base_version: u32,
    /// The surveyed points, in order: one for a point feature, two or more
    /// (the new vertices) for a line.
    points: Vec<SurveyPoint>,
}

/// One surveyed position, in the store's CRS (EPSG:25832 in Denmark).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SurveyPoint {
    /// Easting, metres.
    e: f64,
    /// Northing, metres.
    n: f64,
    /// Height, metres in the store's vertical datum (DVR90 in Denmark);
    /// omitted when not surveyed.
    h: Option<f64>,
    /// Horizontal 1σ (DRMS), metres; omitted: unknown, which gives class unknown.
    sigma_h: Option<f64>,
    /// Vertical 1σ, metres.
    sigma_v: Option<f64>,
    /// The fix quality: `rtk_fixed`, `rtk_float`, `dgps`, `autonomous`,
    /// `dead_reckoning`, `manual`, `simulated` or `none`.
    quality: String,
    /// When the point was measured (RFC 3339); checked, not stored.
    #[allow(dead_code)]
    time: Option<chrono::DateTime<chrono::Utc>>,
}

/// The class each surveyed point earned.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PointClass {
    quality: &'static str,
    sigma_h: Option<f64>,
    sigma_v: Option<f64>,
    /// Horizontal class code (`le_0.25` ... `gt_2.00`, `unknown`).
    accuracy_xy: &'static str,
    /// Vertical class code; `unknown` without a height.
    accuracy_z: &'static str,
}

/// The answer of a stored survey.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AsBuiltOut {
    dataset_id: Uuid,
    /// The version replaced (now history).
    base_version: u32,
    /// The new current version.
    version: u32,
    /// The feature as stored: a GeoJSON Feature in the store's CRS.
    #[schema(value_type = Object)]
    feature: serde_json::Value,
    /// The feature's new horizontal class: the worst of `points`.
    accuracy_xy: &'static str,
    /// The feature's new vertical class: the worst of `points`.
    accuracy_z: &'static str,
    /// The index in `points` of the first point with the worst horizontal
    /// class: the one that decided `accuracy_xy`.
    decided_by: usize,
    /// The rule that gives the classes.
    rule: &'static str,
    points: Vec<PointClass>,
}

const QUALITIES: [Quality; 8] = [
    Quality::RtkFixed,
    Quality::RtkFloat,
    Quality::Dgps,
    Quality::Autonomous,
    Quality::DeadReckoning,
    Quality::Manual,
    Quality::Simulated,
    Quality::None,
];

/// A checked point with its classes.
#[derive(Debug, Clone, Copy)]
struct Surveyed {
    at: Coord<f64>,
    h: Option<f64>,
    quality: Quality,
    sigma_h: Option<f64>,
    sigma_v: Option<f64>,
    xy: AccuracyClass,
    z: AccuracyClass,
}

fn bad(field: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::field("invalid_as_built", field, problem)
}

fn unprocessable(code: &'static str, message: String) -> ApiError {
    ApiError::Unprocessable { code, message }
}

/// Checks every point (finite coordinates inside the service area, σ ≥ 0,
/// a known quality) and classes it by the rule.
fn check_points(body: &AsBuiltBody, state: &AppState) -> Result<Vec<Surveyed>, ApiError> {
    if body.points.is_empty() {
        return Err(unprocessable(
            "too_few_points",
            "points: a survey needs at least one point".into(),
        ));
    }
    if body.points.len() > MAX_POINTS {
        return Err(bad(
            "points",
            format!("{} points, at most {MAX_POINTS}", body.points.len()),
        ));
    }
    let area = state.region.service_area;
    body.points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let field = |name: &str| format!("points[{i}].{name}");
            for (name, v) in [("e", Some(p.e)), ("n", Some(p.n)), ("h", p.h)] {
                if v.is_some_and(|v| !v.is_finite()) {
                    return Err(bad(&field(name), "not a finite number"));
                }
            }
            for (name, v) in [("sigma_h", p.sigma_h), ("sigma_v", p.sigma_v)] {
                if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
                    return Err(bad(&field(name), "must be a finite number ≥ 0 (metres)"));
                }
            }
            let quality = QUALITIES
                .into_iter()
                .find(|q| q.as_str() == p.quality)
                .ok_or_else(|| {
                    let known: Vec<&str> = QUALITIES.iter().map(|q| q.as_str()).collect();
                    bad(
                        &field("quality"),
                        format!("{:?} is not one of {}", p.quality, known.join(", ")),
                    )
                })?;
            let (min, max) = (area.min(), area.max());
            if !(min.x..=max.x).contains(&p.e) || !(min.y..=max.y).contains(&p.n) {
                return Err(unprocessable(
                    "outside_service_area",
                    format!(
                        "points[{i}]: ({}, {}) is outside the service area ({}, {})-({}, {}) of EPSG:{}; coordinates are easting, northing in metres",
                        p.e, p.n, min.x, min.y, max.x, max.y, state.region.srid
                    ),
                ));
            }
            Ok(Surveyed {
                at: Coord { x: p.e, y: p.n },
                h: p.h,
                quality,
                sigma_h: p.sigma_h,
                sigma_v: p.sigma_v,
                xy: class_of(quality, p.sigma_h),
                z: if p.h.is_some() {
                    class_of(quality, p.sigma_v)
                } else {
                    AccuracyClass::Unknown
                },
            })
        })
        .collect()
}

/// The geometry the points give a feature now shaped as `old`: a point for
/// a point, the line through them for a line (a multi-geometry stays one).
fn surveyed_geometry(old: &Geometry<f64>, points: &[Surveyed]) -> Result<Geometry<f64>, ApiError> {
    let coords: Vec<Coord<f64>> = points.iter().map(|p| p.at).collect();
    let line = || -> Result<LineString<f64>, ApiError> {
        if coords.len() < 2 {
            return Err(unprocessable(
                "too_few_points",
                format!(
                    "points: a line feature needs at least 2 surveyed points, got {}",
                    coords.len()
                ),
            ));
        }
        if coords.iter().all(|c| *c == coords[0]) {
            return Err(unprocessable(
                "degenerate_line",
                "points: all points of the line are the same position".into(),
            ));
        }
        Ok(LineString(coords.clone()))
    };
    match old {
        Geometry::Point(_) if coords.len() == 1 => Ok(Point(coords[0]).into()),
        Geometry::Point(_) => Err(unprocessable(
            "wrong_point_count",
            format!(
                "points: a point feature takes exactly 1 surveyed point, got {}",
                coords.len()
            ),
        )),
        Geometry::MultiPoint(_) => Ok(MultiPoint(coords.into_iter().map(Point).collect()).into()),
        Geometry::LineString(_) | Geometry::Line(_) => Ok(line()?.into()),
        Geometry::MultiLineString(_) => Ok(MultiLineString(vec![line()?]).into()),
        other => Err(unprocessable(
            "not_surveyable",
            format!(
                "the feature is a {}: only point and line features take an as-built survey",
                geometry_name(other)
            ),
        )),
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Point(_) | Geometry::MultiPoint(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
    }
}

/// `f` as the survey leaves it: geometry, heights (all unknown when no
/// point has one), both classes and the drawing method (`exact`).
fn apply(f: &mut NetworkFeature, points: &[Surveyed]) -> Result<(), ApiError> {
    f.geometry = surveyed_geometry(&f.geometry, points)?;
    f.heights = points
        .iter()
        .any(|p| p.h.is_some())
        .then(|| points.iter().map(|p| p.h).collect());
    f.accuracy_xy = accuracy::worst(points.iter().map(|p| p.xy));
    f.accuracy_z = accuracy::worst(points.iter().map(|p| p.z));
    f.drawing_method = Some(DrawingMethod::Exact);
    Ok(())
}

fn version_conflict(seen: u32, current: u32) -> ApiError {
    ApiError::VersionConflict {
        code: "version_conflict",
        message: format!(
            "the survey is based on version {seen} of the dataset, but version {current} is current: read the feature again and survey against version {current}"
        ),
        base_version: seen,
        current_version: current,
    }
}

fn not_current(id: Uuid, last: u32, current: u32) -> ApiError {
    ApiError::VersionConflict {
        code: "feature_not_current",
        message: format!(
            "feature {id} is not in the current version {current} of its dataset (last in version {last})"
        ),
        base_version: last,
        current_version: current,
    }
}

/// Aborts `writer` and answers `e` (an abort failing is only logged: the
/// writer's transaction is rolled back when it is dropped anyway).
async fn abandon(writer: Box<dyn DatasetWriter + '_>, e: ApiError) -> ApiError {
    if let Err(abort) = writer.abort().await {
        tracing::warn!(error = %abort, "aborting an as-built writer");
    }
    e
}

#[utoipa::path(post, path = "/api/v1/features/{id}/as-built", tag = "Network",
    params(("id" = Uuid, Path, description = "The feature id (a current feature)")),
    request_body = AsBuiltBody,
    responses(
        (status = 200, description = "Stored as a new dataset version: the feature with its surveyed geometry and accuracy class, and the rule that decided the class; audited", body = AsBuiltOut),
        (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody),
        (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody),
        (status = 403, description = "Only the feature's owner and admins survey it", body = crate::openapi::ErrorBody),
        (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody),
        (status = 409, description = "`version_conflict`: base_version is not the current version (nothing stored); `feature_not_current`: the feature is not in the current version", body = crate::openapi::VersionConflictBody),
        (status = 413, description = "Body too large", body = crate::openapi::ErrorBody),
        (status = 422, description = "Breaks a rule: too few points, a point count or geometry type the feature cannot take (polygons), outside the service area", body = crate::openapi::ErrorBody),
    ),
    security(("bearer" = [])))]
async fn as_built(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AsBuiltOut>, ApiError> {
    let editor = feature_editor(&p)?;
    let body: AsBuiltBody = serde_json::from_slice(&body?).map_err(|e| bad("body", e))?;
    let points = check_points(&body, &state)?;
    let feature = state
        .store
        .feature(id)
        .await?
        .filter(|f| may_change_feature(editor, f))
        // Not there, or not the caller's: the same answer.
        .ok_or(ApiError::NotFound)?;
    let dataset = dataset_of(&state, &feature).await?;
    if feature.valid_to.is_some() {
        return Err(not_current(id, feature.version, dataset.current_version));
    }
    // Fail early, before waiting for the dataset's writer.
    surveyed_geometry(&feature.geometry, &points)?;
    if dataset.current_version != body.base_version {
        return Err(version_conflict(body.base_version, dataset.current_version));
    }
    let stored = survey(&state, &dataset, id, body.base_version, &points).await?;
    audit_ids(&state, &p, ACTION, [id]).await?;
    Ok(Json(stored))
}

async fn dataset_of(state: &AppState, f: &NetworkFeature) -> Result<DatasetInfo, ApiError> {
    state
        .store
        .datasets(Some(&f.owner_id))
        .await?
        .into_iter()
        .find(|d| d.dataset_id == f.dataset_id)
        .ok_or_else(|| ApiError::Internal(format!("feature {} has no dataset", f.id)))
}

/// The compare-and-swap: writes the dataset's base version again with the
/// feature surveyed, if and only if `seen` is still current.
async fn survey(
    state: &AppState,
    dataset: &DatasetInfo,
    id: Uuid,
    seen: u32,
    points: &[Surveyed],
) -> Result<AsBuiltOut, ApiError> {
    let store = state.store.as_ref();
    let mut writer = store
        .begin_replace(&dataset.owner_id, &dataset.name)
        .await?;
    // From here until commit or abort no other writer of the dataset commits.
    let base = writer.base_version();
    if base != seen {
        return Err(abandon(writer, version_conflict(seen, base)).await);
    }
    let mut features = match store.features_at_version(dataset.dataset_id, base).await {
        Ok(f) => f,
        Err(e) => return Err(abandon(writer, e.into()).await),
    };
    let Some(target) = features.iter_mut().find(|f| f.id == id) else {
        let last = store
            .feature(id)
            .await
            .ok()
            .flatten()
            .map_or(0, |f| f.version);
        return Err(abandon(writer, not_current(id, last, base)).await);
    };
    if let Err(e) = apply(target, points) {
        return Err(abandon(writer, e).await);
    }
    let mut changed = target.clone();
    if let Err(e) = write_batched(writer.as_mut(), features).await {
        return Err(abandon(writer, e.into()).await);
    }
    let version = writer.commit().await?;
    // As the writer stored it.
    changed.version = version.version;
    changed.valid_from = version.valid_from;
    changed.valid_to = None;
    let mut feature = serde_json::json!({
        "type": "Feature",
        "id": changed.id,
        "geometry": crate::geojson::write_geometry(&changed.geometry),
    });
    feature["properties"] = serde_json::to_value(GeoJsonProperties(&changed))
        .map_err(|e| ApiError::Internal(format!("feature {id} as GeoJSON: {e}")))?;
    let worst = changed.accuracy_xy;
    Ok(AsBuiltOut {
        dataset_id: dataset.dataset_id.0,
        base_version: base,
        version: version.version,
        feature,
        accuracy_xy: changed.accuracy_xy.code(),
        accuracy_z: changed.accuracy_z.code(),
        decided_by: points.iter().position(|p| p.xy == worst).unwrap_or(0),
        rule: accuracy::RULE,
        points: points
            .iter()
            .map(|p| PointClass {
                quality: p.quality.as_str(),
                sigma_h: p.sigma_h,
                sigma_v: p.sigma_v,
                accuracy_xy: p.xy.code(),
                accuracy_z: p.z.code(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(x: f64, q: Quality, s: f64) -> Surveyed {
        Surveyed {
            at: Coord { x, y: 0.0 },
            h: None,
            quality: q,
            sigma_h: Some(s),
            sigma_v: None,
            xy: class_of(q, Some(s)),
            z: AccuracyClass::Unknown,
        }
    }

    #[test]
    fn geometry_follows_the_feature_type() {
        let a = pt(1.0, Quality::RtkFixed, 0.05);
        let b = pt(2.0, Quality::RtkFixed, 0.05);
        let point: Geometry<f64> = Point::new(0.0, 0.0).into();
        assert_eq!(
            surveyed_geometry(&point, &[a]).unwrap(),
            Point::new(1.0, 0.0).into()
        );
        assert!(surveyed_geometry(&point, &[a, b]).is_err());
        let line: Geometry<f64> = LineString::from(vec![(0.0, 0.0), (5.0, 5.0)]).into();
        assert_eq!(
            surveyed_geometry(&line, &[a, b]).unwrap(),
            LineString::from(vec![(1.0, 0.0), (2.0, 0.0)]).into()
        );
        assert!(surveyed_geometry(&line, &[a]).is_err());
        assert!(surveyed_geometry(&line, &[a, a]).is_err());
        let ring = LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        let poly: Geometry<f64> = geo_types::Polygon::new(ring, vec![]).into();
        assert!(surveyed_geometry(&poly, &[a, b, a]).is_err());
    }
}
