//! Prometheus metrics: a registry any module feeds ([`Metrics`]), the
//! per-request middleware, and `GET /metrics`, which adds what is read at
//! scrape time (outbox lag, jobs, store reachability, uptime).
//!
//! Series (all prefixed `forsyning_`):
//!
//! | series | kind | fed by |
//! |---|---|---|
//! | `http_requests_total{method,route,status}` | counter | middleware, per matched route |
//! | `http_request_duration_seconds{method,route}` | histogram | middleware |
//! | `http_requests_in_flight` | gauge | middleware |
//! | `ingest_jobs{state}` | gauge | jobs of this process, at scrape |
//! | `ingest_jobs_finished_total{state}` | counter | jobs, when one ends |
//! | `tile_cache_hits_total`, `tile_cache_misses_total` `{layer}` | counter | the tile server: [`Metrics::tile_cache_hit`] / [`Metrics::tile_cache_miss`] |
//! | `tile_cache_hit_ratio` | gauge | hits / (hits + misses), at scrape |
//! | `outbox_events{status}` | gauge | store, at scrape |
//! | `outbox_lag_seconds` | gauge | age of the oldest pending webhook event, at scrape |
//! | `outbox_pruned_total` | counter | the retention task |
//! | `proximity_alerts_total{hazard}` | counter | GNSS: [`Metrics::proximity_alert`] |
//! | `store_up`, `store_schema_current` | gauge | store, at scrape |
//! | `uptime_seconds`, `build_info{version}` | gauge | at scrape |

pub(crate) mod http;
mod registry;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub use http::REQUEST_ID;
pub use registry::{Metrics, LATENCY_BUCKETS};

use crate::AppState;

const TILE_HITS: &str = "forsyning_tile_cache_hits_total";
const TILE_HITS_HELP: &str = "Tiles answered from the tile cache.";
const TILE_MISSES: &str = "forsyning_tile_cache_misses_total";
const TILE_MISSES_HELP: &str = "Tiles rendered because the cache did not hold them.";
const ALERTS: &str = "forsyning_proximity_alerts_total";
const ALERTS_HELP: &str = "Proximity alerts raised (a machine near a dangerous line), by hazard.";
pub(crate) const PRUNED: &str = "forsyning_outbox_pruned_total";
pub(crate) const PRUNED_HELP: &str =
    "Delivered and skipped webhook events deleted by the retention rule.";
pub(crate) const JOBS_FINISHED: &str = "forsyning_ingest_jobs_finished_total";
pub(crate) const JOBS_FINISHED_HELP: &str = "Ingest jobs of this process that ended, by end state.";

impl Metrics {
    /// A tile of `layer` came from the cache.
    pub fn tile_cache_hit(&self, layer: &str) {
        self.inc(TILE_HITS, TILE_HITS_HELP, &[("layer", layer)]);
    }

    /// A tile of `layer` was not in the cache and was rendered.
    pub fn tile_cache_miss(&self, layer: &str) {
        self.inc(TILE_MISSES, TILE_MISSES_HELP, &[("layer", layer)]);
    }

    /// hits / (hits + misses) over all layers; `None` before the first tile.
    pub fn tile_cache_hit_ratio(&self) -> Option<f64> {
        let (hits, misses) = (self.total(TILE_HITS), self.total(TILE_MISSES));
        (hits + misses > 0.0).then(|| hits / (hits + misses))
    }

    /// A proximity alert was raised for a line of `hazard` class.
    pub fn proximity_alert(&self, hazard: &str) {
        self.inc(ALERTS, ALERTS_HELP, &[("hazard", hazard)]);
    }

    /// Families that exist before their first event, so that a scrape
    /// always shows them (at 0).
    pub(crate) fn declare_defaults(&self) {
        self.add(TILE_HITS, TILE_HITS_HELP, &[], 0.0);
        self.add(TILE_MISSES, TILE_MISSES_HELP, &[], 0.0);
        self.add(ALERTS, ALERTS_HELP, &[], 0.0);
        self.add(PRUNED, PRUNED_HELP, &[], 0.0);
        self.add(JOBS_FINISHED, JOBS_FINISHED_HELP, &[], 0.0);
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

/// Store probes at scrape time give up after this long.
const PROBE: std::time::Duration = std::time::Duration::from_secs(2);

#[utoipa::path(get, path = "/metrics", tag = "Meta", responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain; version=0.0.4")))]
pub(crate) async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    let m = &state.metrics;
    let now = chrono::Utc::now();
    let up = matches!(
        tokio::time::timeout(PROBE, state.store.ping()).await,
        Ok(Ok(()))
    );
    m.set_gauge(
        "forsyning_store_up",
        "1 when the store answered a probe at this scrape.",
        &[],
        f64::from(u8::from(up)),
    );
    if up {
        if let Ok(Ok(current)) = tokio::time::timeout(PROBE, state.store.schema_current()).await {
            m.set_gauge(
                "forsyning_store_schema_current",
                "1 when every schema migration of this build is applied.",
                &[],
                f64::from(u8::from(current)),
            );
        }
        if let Ok(Ok(stats)) = tokio::time::timeout(PROBE, state.store.outbox_stats()).await {
            const H: &str = "Webhook events in the outbox, by status.";
            for (status, n) in [
                ("pending", stats.pending),
                ("delivered", stats.delivered),
                ("failed", stats.failed),
                ("skipped", stats.skipped),
            ] {
                m.set_gauge(
                    "forsyning_outbox_events",
                    H,
                    &[("status", status)],
                    n as f64,
                );
            }
            m.set_gauge(
                "forsyning_outbox_lag_seconds",
                "Seconds the oldest pending webhook event has waited (0 when none waits).",
                &[],
                stats.lag_s(now),
            );
        }
    }
    for (job_state, n) in state.jobs.counts() {
        m.set_gauge(
            "forsyning_ingest_jobs",
            "Ingest jobs this process knows, by state (finished ones for a day).",
            &[("state", job_state)],
            n as f64,
        );
    }
    if let Some(ratio) = m.tile_cache_hit_ratio() {
        m.set_gauge(
            "forsyning_tile_cache_hit_ratio",
            "Tile cache hits / (hits + misses) since start.",
            &[],
            ratio,
        );
    }
    m.set_gauge(
        "forsyning_uptime_seconds",
        "Seconds since this process started.",
        &[],
        m.uptime_s(),
    );
    m.set_gauge(
        "forsyning_build_info",
        "Always 1; the labels name the build.",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1.0,
    );
    (
        [
            (CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        m.render(),
    )
}
