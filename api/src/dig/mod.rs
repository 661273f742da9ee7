//! Dig requests (LER `graveforespørgsler`): "what lies under the area I am
//! going to dig?"
//!
//! - `POST /api/v1/dig-requests` (contractor or admin) takes
//!   `{"polygon": <GeoJSON Polygon>, "crs": "EPSG:25832", "buffer_m": 1.0,
//!   "period_from": RFC 3339, "period_to": RFC 3339, "purpose": "...",
//!   "contact": "..."}`. `crs` is optional (EPSG:25832 by default; `CRS84`,
//!   `EPSG:4326` or any EPSG code PROJ knows); positions are GeoJSON order,
//!   easting or longitude first, in every CRS. The request is checked against
//!   KLIC's limits inside Denmark ([`forsyning_model::check_dig_request`]);
//!   the owners are matched, answer at once, and the answer is the full
//!   report (201).
//! - `GET /api/v1/dig-requests/{id}`: the report as the policy lets the
//!   caller see it, with the network as it is now; 404 for a request the
//!   caller may not see.
//! - `GET /api/v1/dig-requests`: every request the caller may see, oldest
//!   first, without features.
//!
//! Every report that discloses features is written to the audit log first.

pub(crate) mod coordination;
mod intake;
pub(crate) mod lifecycle;
pub(crate) mod matching;
pub mod package;
pub(crate) mod package_routes;
mod report;
pub(crate) mod service;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use uuid::Uuid;

pub use intake::{parse_crs, to_native_crs, to_store_crs, DigIntake};
pub use matching::{answers, answers_due, contacts, match_owners, match_owners_in, Matched};
pub use report::{
    build_report, build_report_in, disclosed, DigReport, Disclosure, OwnerAnswer, ReportFeature,
};
pub use service::{area_of, submit, summary, view, Caller, REPORT_ACTION};

use crate::auth::Principal;
use crate::policy::{dig_disclosure, dig_list_filter, dig_requester};
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dig-requests", get(list).post(create))
        .route("/api/v1/dig-requests/{id}", get(one))
        .route(
            "/api/v1/dig-requests/{id}/responses/{owner}",
            put(lifecycle::answer),
        )
        .route(
            "/api/v1/dig-requests/{id}/complete",
            post(lifecycle::complete),
        )
        .route(
            "/api/v1/dig-requests/{id}/coordination",
            get(coordination::coordination),
        )
        .route(
            "/api/v1/dig-requests/{id}/{file}",
            get(package_routes::package),
        )
}

#[utoipa::path(post, path = "/api/v1/dig-requests", tag = "Dig requests", request_body = crate::openapi::DigRequestBody, responses((status = 201, description = "The conflict report; Location names the request", body = DigReport), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 413, description = "Body too large", body = crate::openapi::ErrorBody), (status = 422, description = "Breaks a rule (the error code names it)", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(state): State<AppState>,
    p: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let org = dig_requester(&p)?;
    let body = body?;
    let now = Utc::now();
    let limits = state.dig_limits.clone();
    let native = state.native_crs;
    let object = intake::parse_object(&body)?;
    let intake = if intake::names_crs(&object) {
        // PROJ blocks and its objects stay on their thread: a blocking task.
        tokio::task::spawn_blocking(move || DigIntake::from_object_in(object, now, &limits, native))
            .await
            .map_err(|e| ApiError::Internal(format!("dig request intake task: {e}")))??
    } else {
        // The region's own CRS: no PROJ, a few microseconds of parsing.
        DigIntake::from_object_in(object, now, &limits, native)?
    };
    let caller = Caller {
        org_id: &org.id,
        token_id: p.token_id(),
    };
    let report = submit(state.store.as_ref(), caller, intake, now, &state.region).await?;
    let location = format!("/api/v1/dig-requests/{}", report.id);
    Ok((StatusCode::CREATED, [(LOCATION, location)], Json(report)))
}

#[utoipa::path(get, path = "/api/v1/dig-requests/{id}", tag = "Dig requests", params(("id" = String, Path, description = "The dig request id")), responses((status = 200, description = "The report as the caller may see it; audited when it holds features", body = DigReport), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn one(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<DigReport>, ApiError> {
    let org = p
        .org()
        .ok_or(ApiError::Unauthorized("dig requests need a token"))?;
    // A malformed id names no request: the same answer as an unknown one.
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let record = state
        .store
        .dig_request(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let disclosure = dig_disclosure(&p, &record, Utc::now())?.ok_or(ApiError::NotFound)?;
    let caller = Caller {
        org_id: &org.id,
        token_id: p.token_id(),
    };
    Ok(Json(
        view(
            state.store.as_ref(),
            caller,
            &record,
            &disclosure,
            &state.region,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/dig-requests", tag = "Dig requests", responses((status = 200, description = "Every request the caller may see, oldest first, without features", body = [DigReport]), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<DigReport>>, ApiError> {
    let Some(filter) = dig_list_filter(&p)? else {
        return Ok(Json(Vec::new()));
    };
    let now = Utc::now();
    let mut out = Vec::new();
    for record in state.store.dig_requests(&filter).await? {
        if let Some(disclosure) = dig_disclosure(&p, &record, now)? {
            out.push(summary(state.store.as_ref(), &record, &disclosure, &state.region).await?);
        }
    }
    Ok(Json(out))
}
