//! An owner's interest areas (LER `interesseområder`): where dig requests concern it.
//!
//! - `GET /api/v1/owners/{org}/interest-areas`: a GeoJSON FeatureCollection
//!   in EPSG:25832.
//! - `PUT /api/v1/owners/{org}/interest-areas`: replaces all of them at
//!   once with a FeatureCollection (see [`parse`] for the format).
//!
//! Only the owner itself and admins: anonymous 401, everyone else 403, an
//! unknown owner 404 (for admins).

mod parse;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use forsyning_model::{OrgId, Role};
use serde::Serialize;

pub use parse::{read_areas, read_areas_in, write_areas, write_areas_in, MAX_AREAS};

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Largest interest-area upload, bytes.
const MAX_BODY: usize = 32 << 20;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/owners/{org}/interest-areas",
        get(read)
            .put(replace)
            .layer(DefaultBodyLimit::max(MAX_BODY)),
    )
}

/// The owner whose areas the caller may read and replace.
async fn owner_for(state: &AppState, p: &Principal, org: &str) -> Result<OrgId, ApiError> {
    let Some(caller) = p.org() else {
        return Err(ApiError::Unauthorized("interest areas need a token"));
    };
    let own = caller.id.as_str() == org && caller.role == Role::Owner;
    if !own && caller.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only the owner itself and admins manage its interest areas",
        ));
    }
    let id = OrgId::new(org).map_err(|_| ApiError::NotFound)?;
    match state.store.org(&id).await? {
        Some(o) if o.role == Role::Owner => Ok(id),
        _ => Err(ApiError::NotFound),
    }
}

#[utoipa::path(get, path = "/api/v1/owners/{org}/interest-areas", tag = "Interest areas", params(("org" = String, Path, description = "The owner")), responses((status = 200, description = "A GeoJSON FeatureCollection (EPSG:25832) of the owner's interest areas", content_type = "application/geo+json", body = Object), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(state): State<AppState>,
    p: Principal,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let owner = owner_for(&state, &p, &org).await?;
    let areas = state.store.interest_areas(Some(&owner)).await?;
    Ok((
        [(CONTENT_TYPE, "application/geo+json")],
        Json(write_areas_in(&areas, &state.region.crs_urn())),
    )
        .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Replaced {
    #[schema(value_type = String)]
    owner_id: OrgId,
    interest_areas: usize,
}

#[utoipa::path(put, path = "/api/v1/owners/{org}/interest-areas", tag = "Interest areas", params(("org" = String, Path, description = "The owner")), request_body(content = Object, description = "A GeoJSON FeatureCollection of Polygons or MultiPolygons with themes, contact, marks_on_site (CRS84 unless a legacy crs member says otherwise)", content_type = "application/geo+json"), responses((status = 200, description = "How many areas the owner now has", body = Replaced), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody), (status = 413, description = "Body too large", body = crate::openapi::ErrorBody), (status = 422, description = "Breaks a rule (the error code names it)", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn replace(
    State(state): State<AppState>,
    p: Principal,
    Path(org): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Replaced>, ApiError> {
    let owner = owner_for(&state, &p, &org).await?;
    let body = body?;
    let service_area = state.dig_limits.service_area;
    let native = state.native_crs;
    let o = owner.clone();
    // PROJ blocks and its objects stay on their thread: a blocking task.
    let areas = tokio::task::spawn_blocking(move || read_areas_in(&body, &o, service_area, native))
        .await
        .map_err(|e| ApiError::Internal(format!("interest-area parsing task: {e}")))??;
    let n = areas.len();
    state.store.replace_interest_areas(&owner, areas).await?;
    Ok(Json(Replaced {
        owner_id: owner,
        interest_areas: n,
    }))
}
