//! The public operating status: `GET /api/v1/status` (JSON) and `GET
//! /status` (an HTML page), so authorities and users see at once whether
//! the service is up. Each component is probed when the page is asked for
//! (the store with a 2 s limit), so a stopped database shows within
//! seconds. No network data: only states, counts and the incidents admins
//! post (`incidents`).

pub(crate) mod incidents;
mod page;

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use forsyning_store::Incident;
use serde::Serialize;

use crate::AppState;

/// Resolved incidents stay on the page this long.
const RESOLVED_SHOWN: chrono::TimeDelta = chrono::TimeDelta::days(7);
/// Pending webhook events older than this make the outbox `degraded`.
const OUTBOX_LAG_DEGRADED_S: f64 = 15.0 * 60.0;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/status", get(json))
        .route("/status", get(html))
        .merge(incidents::routes())
}

/// How a component is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Operational,
    Degraded,
    Down,
}

impl Health {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Health::Operational => "Operational",
            Health::Degraded => "Degraded",
            Health::Down => "Down",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    /// `store`, `ingest`, `tiles` or `outbox`.
    pub name: &'static str,
    pub status: Health,
    /// One sentence for people.
    pub detail: String,
}

/// The whole status, as JSON and on the page.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The worst of the components.
    pub status: Health,
    pub backend: &'static str,
    /// Datasets stored; `None` when the store does not answer.
    pub datasets: Option<usize>,
    pub version: &'static str,
    pub checked_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub uptime_s: u64,
    pub components: Vec<Component>,
    /// Open incidents and those resolved in the last 7 days, newest first.
    pub incidents: Vec<Incident>,
}

async fn store_component(state: &AppState) -> (Component, Option<usize>) {
    if let Some(reason) = crate::health::store_problem(state).await {
        let detail = match reason {
            "migrations_pending" => "The database schema is not up to date.",
            _ => "The database does not answer.",
        };
        let c = Component {
            name: "store",
            status: Health::Down,
            detail: detail.into(),
        };
        return (c, None);
    }
    let datasets = state.store.datasets(None).await.ok().map(|d| d.len());
    let c = Component {
        name: "store",
        status: Health::Operational,
        detail: format!("The {} store answers.", state.store.backend()),
    };
    (c, datasets)
}

fn ingest_component(state: &AppState, store_up: bool) -> Component {
    let counts = state.jobs.counts();
    let n = |s: &str| counts.iter().find(|(k, _)| *k == s).map_or(0, |(_, n)| *n);
    let (queued, running) = (n("queued"), n("running"));
    Component {
        name: "ingest",
        status: if store_up {
            Health::Operational
        } else {
            Health::Down
        },
        detail: format!("{running} upload(s) running, {queued} queued on this server."),
    }
}

fn tiles_component(state: &AppState) -> Component {
    let detail = match state.metrics.tile_cache_hit_ratio() {
        Some(r) => format!("Tile cache hit ratio {:.0}% since start.", r * 100.0),
        None => "No tiles served since start.".into(),
    };
    Component {
        name: "tiles",
        status: Health::Operational,
        detail,
    }
}

async fn outbox_component(state: &AppState, store_up: bool) -> Component {
    let down = || Component {
        name: "outbox",
        status: Health::Down,
        detail: "Webhook events cannot be read while the database is down.".into(),
    };
    if !store_up {
        return down();
    }
    let Ok(Ok(stats)) = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.store.outbox_stats(),
    )
    .await
    else {
        return down();
    };
    let lag = stats.lag_s(Utc::now());
    Component {
        name: "outbox",
        status: if lag > OUTBOX_LAG_DEGRADED_S {
            Health::Degraded
        } else {
            Health::Operational
        },
        detail: format!(
            "{} webhook event(s) pending (oldest {:.0} s), {} failed.",
            stats.pending, lag, stats.failed
        ),
    }
}

/// Probes every component now.
pub async fn status(state: &AppState) -> Status {
    let (store, datasets) = store_component(state).await;
    let store_up = store.status == Health::Operational;
    let components = vec![
        store,
        ingest_component(state, store_up),
        tiles_component(state),
        outbox_component(state, store_up).await,
    ];
    let incidents = if store_up {
        state
            .store
            .incidents(Utc::now() - RESOLVED_SHOWN, 50)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut worst = components
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Health::Operational);
    if state.draining.load(Ordering::Relaxed) {
        worst = worst.max(Health::Degraded);
    }
    Status {
        status: worst,
        backend: state.store.backend(),
        datasets,
        version: env!("CARGO_PKG_VERSION"),
        checked_at: Utc::now(),
        started_at: state.metrics.started_at(),
        uptime_s: state.metrics.uptime_s() as u64,
        components,
        incidents,
    }
}

/// 200 while the store answers, 503 when it is down, so that a plain HTTP
/// check sees the difference too.
fn code(s: &Status) -> axum::http::StatusCode {
    if s.components
        .iter()
        .any(|c| c.name == "store" && c.status == Health::Down)
    {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::OK
    }
}

#[utoipa::path(get, path = "/api/v1/status", tag = "Meta", responses((status = 200, description = "Public operating status: components, incidents, uptime; no network data"), (status = 503, description = "The same, while the store is down")))]
pub(crate) async fn json(State(state): State<AppState>) -> Response {
    let s = status(&state).await;
    (code(&s), [(CACHE_CONTROL, "no-store")], Json(s)).into_response()
}

#[utoipa::path(get, path = "/status", tag = "Meta", responses((status = 200, description = "The status page for people", content_type = "text/html"), (status = 503, description = "The page, while the store is down", content_type = "text/html")))]
pub(crate) async fn html(State(state): State<AppState>) -> Response {
    let s = status(&state).await;
    (
        code(&s),
        [(CACHE_CONTROL, "no-store")],
        axum::response::Html(page::render(&s)),
    )
        .into_response()
}
