//! Liveness and readiness.
//!
//! - `/healthz`: the process answers (a liveness probe: restart it if not).
//! - `/readyz`: the store answers within 2 s, every migration of this build
//!   is applied, and the server is not draining for shutdown (a readiness
//!   probe: send traffic only while 200). A 503 names the failing check,
//!   never an internal detail (that goes to the log).

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::AppState;

/// How long a probe waits for the store.
const PROBE: Duration = Duration::from_secs(2);

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NotReady {
    status: &'static str,
    /// `store_unreachable`, `migrations_pending` or `draining`.
    reason: &'static str,
}

/// Why the store is not ready, if it is not; `None` when it is.
pub(crate) async fn store_problem(state: &AppState) -> Option<&'static str> {
    match tokio::time::timeout(PROBE, state.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: store unreachable");
            return Some("store_unreachable");
        }
        Err(_) => {
            tracing::warn!("readiness: store did not answer within {PROBE:?}");
            return Some("store_unreachable");
        }
    }
    match tokio::time::timeout(PROBE, state.store.schema_current()).await {
        Ok(Ok(true)) => None,
        Ok(Ok(false)) => Some("migrations_pending"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: reading the schema version");
            Some("store_unreachable")
        }
        Err(_) => Some("store_unreachable"),
    }
}

/// Ready for traffic.
#[utoipa::path(get, path = "/readyz", tag = "Meta", responses((status = 200, description = "Ready: the store answers, migrations applied, not draining", body = Health), (status = 503, description = "Not ready, with the failing check", body = NotReady)))]
async fn readyz(State(state): State<AppState>) -> Response {
    let reason = if state.draining.load(Ordering::Relaxed) {
        Some("draining")
    } else {
        store_problem(&state).await
    };
    match reason {
        None => Json(Health { status: "ready" }).into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(NotReady {
                status: "not_ready",
                reason,
            }),
        )
            .into_response(),
    }
}
