//! Liveness, readiness and the public operating status.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/status", get(status))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "Meta", responses((status = 200, description = "The process is up", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The store answers.
#[utoipa::path(get, path = "/readyz", tag = "Meta", responses((status = 200, description = "The store answers", body = Health), (status = 503, description = "Not configured or not ready", body = crate::openapi::ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Json(Health { status: "ready" }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Status {
    backend: &'static str,
    datasets: usize,
    version: &'static str,
}

/// Public operating status: no network data, only counts.
#[utoipa::path(get, path = "/api/v1/status", tag = "Meta", responses((status = 200, description = "Public operating status: counts only", body = Status)))]
async fn status(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let datasets = state.store.datasets(None).await?.len();
    Ok(Json(Status {
        backend: state.store.backend(),
        datasets,
        version: env!("CARGO_PKG_VERSION"),
    }))
}
