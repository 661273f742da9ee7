//! Network features and datasets, as the policy allows. Every disclosure is
//! written to the audit log before the answer leaves.

use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use forsyning_model::{Bbox, DatasetId, NetworkFeature};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::Disclosed;
use crate::auth::Principal;
use crate::policy::{feature_scope, may_see_datasets_of};
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/features", get(features_in_bbox))
        .route("/api/v1/features/{id}", get(feature_by_id))
        .route("/api/v1/datasets", get(datasets))
        .route("/api/v1/datasets/{id}/versions", get(versions))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    org_id: Option<String>,
    name: Option<String>,
    role: Option<&'static str>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "Access", responses((status = 200, description = "The caller's organisation; nulls for anonymous callers", body = Me), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody)), security((), ("bearer" = [])))]
async fn me(p: Principal) -> Json<Me> {
    let org = p.org();
    Json(Me {
        org_id: org.map(|o| o.id.to_string()),
        name: org.map(|o| o.name.clone()),
        role: org.map(|o| o.role.code()),
    })
}

#[derive(Debug, Deserialize)]
struct BboxQuery {
    /// `minx,miny,maxx,maxy` in EPSG:25832 metres.
    bbox: Option<String>,
    limit: Option<usize>,
}

const MAX_LIMIT: usize = 10_000;

fn parse_bbox(s: &str) -> Result<Bbox, ApiError> {
    let bad = |m: String| ApiError::BadRequest {
        code: "invalid_bbox",
        message: m,
    };
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            bad(format!(
                "bbox {s:?} must be four numbers minx,miny,maxx,maxy (EPSG:25832)"
            ))
        })?;
    let [a, b, c, d] = v[..] else {
        return Err(bad(format!(
            "bbox {s:?} must have four numbers, not {}",
            v.len()
        )));
    };
    let bbox = Bbox::new(a, b, c, d).map_err(|e| bad(e.to_string()))?;
    if (c - a) * (d - b) > 25.0e6 {
        return Err(bad(
            "bbox is larger than 25 km²; ask for a smaller area".into()
        ));
    }
    Ok(bbox)
}

async fn audit(
    state: &AppState,
    p: &Principal,
    action: &str,
    features: &[NetworkFeature],
) -> Result<(), ApiError> {
    audit_ids(state, p, action, features.iter().map(|f| f.id)).await
}

/// Writes the disclosure of the features `ids` to `p` (outside a dig
/// request) to the audit log; the answer must not leave before this returns.
pub(crate) async fn audit_ids(
    state: &AppState,
    p: &Principal,
    action: &str,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<(), ApiError> {
    let what = Disclosed {
        org_id: p.org().map(|o| &o.id),
        token_id: p.token_id(),
        action,
        dig_request_id: None,
    };
    crate::audit::record(state.store.as_ref(), what, ids).await
}

/// The features as GeoJSON with the `crs` member of the region's native CRS.
fn geojson(state: &AppState, features: &[NetworkFeature]) -> Result<Response, ApiError> {
    let mut body = Vec::new();
    forsyning_ingest::write_feature_collection(&mut body, &state.region.crs_urn(), features)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(CONTENT_TYPE, "application/geo+json")], body).into_response())
}

#[utoipa::path(get, path = "/api/v1/features", tag = "Network", params(("bbox" = String, Query, description = "minx,miny,maxx,maxy in EPSG:25832 metres, at most 25 km²"), ("limit" = Option<u32>, Query, description = "1..=10000, default 1000")), responses((status = 200, description = "A GeoJSON FeatureCollection (EPSG:25832) of the features the caller may see; audited", content_type = "application/geo+json", body = Object), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn features_in_bbox(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<BboxQuery>,
) -> Result<Response, ApiError> {
    let scope = feature_scope(&state, &p).await?;
    let bbox = q.bbox.as_deref().ok_or(ApiError::BadRequest {
        code: "missing_bbox",
        message: "give bbox=minx,miny,maxx,maxy in EPSG:25832".into(),
    })?;
    let bbox = parse_bbox(bbox)?;
    let limit = q.limit.unwrap_or(1_000);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::BadRequest {
            code: "invalid_limit",
            message: format!("limit must be 1..={MAX_LIMIT}"),
        });
    }
    let mut features: Vec<NetworkFeature> = state
        .store
        .features_in_bbox(&bbox)
        .await?
        .into_iter()
        .filter(|f| scope.allows(f))
        .collect();
    features.sort_by_key(|f| f.id);
    features.truncate(limit);
    audit(&state, &p, "features.read", &features).await?;
    geojson(&state, &features)
}

#[utoipa::path(get, path = "/api/v1/features/{id}", tag = "Network", params(("id" = Uuid, Path, description = "The feature id")), responses((status = 200, description = "A FeatureCollection of the one feature (EPSG:25832); audited", content_type = "application/geo+json", body = Object), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn feature_by_id(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let scope = feature_scope(&state, &p).await?;
    let feature = state
        .store
        .feature(id)
        .await?
        .filter(|f| f.valid_to.is_none() && scope.allows(f));
    let Some(feature) = feature else {
        // Not there, or not the caller's to see: the same answer.
        return Err(ApiError::NotFound);
    };
    let one = [feature];
    audit(&state, &p, "feature.read", &one).await?;
    geojson(&state, &one)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DatasetOut {
    dataset_id: Uuid,
    owner_id: String,
    name: String,
    current_version: u32,
}

#[utoipa::path(get, path = "/api/v1/datasets", tag = "Network", responses((status = 200, description = "The datasets the caller may see", body = [DatasetOut]), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn datasets(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<DatasetOut>>, ApiError> {
    let all = state.store.datasets(None).await?;
    let mut out = Vec::new();
    for d in all {
        if may_see_datasets_of(&p, &d.owner_id)? {
            out.push(DatasetOut {
                dataset_id: d.dataset_id.0,
                owner_id: d.owner_id.to_string(),
                name: d.name,
                current_version: d.current_version,
            });
        }
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VersionOut {
    version: u32,
    feature_count: u64,
    valid_from: chrono::DateTime<Utc>,
    valid_to: Option<chrono::DateTime<Utc>>,
}

#[utoipa::path(get, path = "/api/v1/datasets/{id}/versions", tag = "Network", params(("id" = Uuid, Path, description = "The dataset id")), responses((status = 200, description = "The committed versions, oldest first", body = [VersionOut]), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn versions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<VersionOut>>, ApiError> {
    let dataset = state
        .store
        .datasets(None)
        .await?
        .into_iter()
        .find(|d| d.dataset_id == DatasetId(id))
        .ok_or(ApiError::NotFound)?;
    if !may_see_datasets_of(&p, &dataset.owner_id)? {
        return Err(ApiError::NotFound);
    }
    let v = state.store.dataset_versions(DatasetId(id)).await?;
    Ok(Json(
        v.into_iter()
            .map(|v| VersionOut {
                version: v.version,
                feature_count: v.feature_count,
                valid_from: v.valid_from,
                valid_to: v.valid_to,
            })
            .collect(),
    ))
}
