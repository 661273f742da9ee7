//! A flood job's results, public (flood maps are, DESIGN.md): the summary,
//! the bluespots and flood polygons (GeoJSON in the DEM's CRS, EPSG:25832
//! for Danish data) and the depth GeoTIFF, streamed from the job's folder.

use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tokio::io::AsyncReadExt;
use uuid::Uuid;

use super::compute::{self, FloodResult};
use super::jobs::KIND;
use crate::jobs::JobState;
use crate::{ApiError, AppState};

/// Results do not change once written.
const CACHE: &str = "public, max-age=3600";

/// The folder of job `id`'s results: 404 for an unknown id (or one that is
/// not a flood job's), 409 while the job runs or when it failed.
pub(crate) async fn finished(state: &AppState, id: &str) -> Result<(Uuid, PathBuf), ApiError> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    let dir = compute::job_dir(&state.flood.results_dir, id);
    if tokio::fs::try_exists(dir.join(compute::META))
        .await
        .unwrap_or(false)
    {
        return Ok((id, dir));
    }
    let job = state.jobs.find(id).await?.filter(|j| j.kind == KIND);
    match job.map(|j| j.state) {
        Some(s @ (JobState::Queued | JobState::Running)) => Err(ApiError::Conflict(format!(
            "the flood job is {}: its results come when it has succeeded",
            s.code()
        ))),
        Some(JobState::Failed | JobState::Rejected) => Err(ApiError::Conflict(
            "the flood job failed: it has no results".into(),
        )),
        Some(JobState::Succeeded) => {
            tracing::warn!(job = %id, dir = %dir.display(), "a succeeded flood job's results are missing");
            Err(ApiError::NotFound)
        }
        None => Err(ApiError::NotFound),
    }
}

/// The job's summary as written when it ended.
pub(crate) async fn read_meta(dir: &Path) -> Result<FloodResult, ApiError> {
    let path = dir.join(compute::META);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))
}

/// Where a job's results are.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ResultLinks {
    /// Rain jobs only.
    pub bluespots: Option<String>,
    pub flood: String,
    pub depth: String,
    pub assets: String,
    pub assets_summary: String,
}

/// A finished job's summary with its links.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct FloodResultOut {
    #[serde(flatten)]
    pub result: FloodResult,
    pub links: ResultLinks,
}

/// `path` streamed, or 404 when it is not there.
async fn file(
    path: &Path,
    content_type: &str,
    download: Option<String>,
) -> Result<Response, ApiError> {
    let f = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ApiError::NotFound),
        Err(e) => return Err(ApiError::Internal(format!("{}: {e}", path.display()))),
    };
    let len = f
        .metadata()
        .await
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?
        .len();
    let stream = futures::stream::try_unfold(f, |mut f| async move {
        let mut buf = vec![0u8; 64 << 10];
        let n = f.read(&mut buf).await?;
        if n == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), f)))
    });
    let mut res = (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_LENGTH, len.to_string()),
            (CACHE_CONTROL, CACHE.to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response();
    if let Some(name) = download {
        if let Ok(v) = format!("attachment; filename=\"{name}\"").parse() {
            res.headers_mut().insert(CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}

#[utoipa::path(get, path = "/api/v1/flood/jobs/{id}", tag = "Flood",
    params(("id" = Uuid, Path, description = "The flood job id")),
    responses(
        (status = 200, description = "What the job found: scenario, DEM, counts, depth classes, links", body = FloodResultOut),
        (status = 404, description = "No such flood job", body = crate::openapi::ErrorBody),
        (status = 409, description = "The job is still queued or running, or it failed", body = crate::openapi::ErrorBody),
    ))]
pub(crate) async fn meta(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let (id, dir) = finished(&state, &id).await?;
    let result = read_meta(&dir).await?;
    let base = format!("/api/v1/flood/jobs/{id}");
    let links = ResultLinks {
        bluespots: result.bluespots.map(|_| format!("{base}/bluespots")),
        flood: format!("{base}/flood"),
        depth: format!("{base}/depth.tif"),
        assets: format!("{base}/assets"),
        assets_summary: format!("{base}/assets/summary"),
    };
    Ok((
        [(CACHE_CONTROL, CACHE)],
        Json(FloodResultOut { result, links }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/flood/jobs/{id}/bluespots", tag = "Flood",
    params(("id" = Uuid, Path, description = "The flood job id")),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection (the DEM's CRS, EPSG:25832 in Denmark) of the bluespots: id, cells, area_m2, max_depth_m, volume_m3, bottom_m, spill_level_m, pour_x/pour_y, watershed_area_m2, fill_rain_mm, downstream, and the rain's state (rain_volume_m3, rain_spill_m3, rain_pct_full, rain_level_m, rain_max_depth_m ...)", content_type = "application/geo+json", body = Object),
        (status = 404, description = "No such flood job, or a sea job (which has no bluespots)", body = crate::openapi::ErrorBody),
        (status = 409, description = "The job is still queued or running, or it failed", body = crate::openapi::ErrorBody),
    ))]
pub(crate) async fn bluespots(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let (_, dir) = finished(&state, &id).await?;
    file(&dir.join(compute::BLUESPOTS), "application/geo+json", None).await
}

#[utoipa::path(get, path = "/api/v1/flood/jobs/{id}/flood", tag = "Flood",
    params(("id" = Uuid, Path, description = "The flood job id")),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection (the DEM's CRS) of one MultiPolygon per depth class with water: class (`0-10`, `10-20`, `20-50`, `>50` cm; lower bound inclusive), min_depth_cm, max_depth_cm, cells, area_m2, volume_m3, deepest_m", content_type = "application/geo+json", body = Object),
        (status = 404, description = "No such flood job", body = crate::openapi::ErrorBody),
        (status = 409, description = "The job is still queued or running, or it failed", body = crate::openapi::ErrorBody),
    ))]
pub(crate) async fn flood(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let (_, dir) = finished(&state, &id).await?;
    file(&dir.join(compute::FLOOD), "application/geo+json", None).await
}

#[utoipa::path(get, path = "/api/v1/flood/jobs/{id}/depth.tif", tag = "Flood",
    params(("id" = Uuid, Path, description = "The flood job id")),
    responses(
        (status = 200, description = "The water depth, metres, as a float32 GeoTIFF on the DEM's grid (nodata -9999, 0 dry)", content_type = "image/tiff"),
        (status = 404, description = "No such flood job", body = crate::openapi::ErrorBody),
        (status = 409, description = "The job is still queued or running, or it failed", body = crate::openapi::ErrorBody),
    ))]
pub(crate) async fn depth(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let (id, dir) = finished(&state, &id).await?;
    file(
        &dir.join(compute::DEPTH),
        "image/tiff",
        Some(format!("flood-{id}-depth.tif")),
    )
    .await
}
