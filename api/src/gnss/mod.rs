//! Live positions of field devices (issue #12): NMEA over HTTP and TCP,
//! proximity alerts against the dangerous features of a device's dig
//! request, a WebSocket feed, and retention.
//!
//! | route | what |
//! |---|---|
//! | `POST /api/v1/gnss/{device}/nmea` | a batch of NMEA lines (text/plain) |
//! | `GET /api/v1/gnss/{device}/track` | the last fixes (`from`, `to`, `limit`) |
//! | `GET /api/v1/gnss/{device}/alerts` | the last alerts (`from`, `to`, `limit`) |
//! | `PUT`/`DELETE /api/v1/gnss/{device}/assignment` | watch a dig request's dangerous features |
//! | `GET /api/v1/gnss/{device}/live` | WebSocket of fixes and alerts |
//! | `GET /api/v1/rinex`, `GET /api/v1/rinex/{file}` | reference-station files ([`rinex`]) |
//!
//! Devices are tokens ([`device`]); fixes and alerts are kept in the store
//! for the retention, alert monitors and feeds in memory ([`hub`]); each
//! alert is also a `proximity.alert` webhook event of the device's
//! organisation ([`crate::webhooks`]).

pub mod device;
pub mod hub;
pub(crate) mod live;
pub(crate) mod persist;
pub mod rinex;
pub(crate) mod routes;
pub mod tcp;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post, put};
use axum::Router;

pub use hub::{AlertRecord, DeviceKey, GnssConfig, GnssHub, LiveEvent, TrackPoint};
use live::live;
use routes::{alerts, assign, post_nmea, track, unassign};

use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/gnss/{device}/nmea", post(post_nmea))
        .route("/api/v1/gnss/{device}/track", get(track))
        .route("/api/v1/gnss/{device}/alerts", get(alerts))
        .route(
            "/api/v1/gnss/{device}/assignment",
            put(assign).delete(unassign),
        )
        .route("/api/v1/rinex", get(rinex::list))
        .route("/api/v1/rinex/{file}", get(rinex::download))
}

/// The WebSocket route, outside the whole-request timeout (a feed lasts).
pub(crate) fn live_routes() -> Router<AppState> {
    Router::new().route("/api/v1/gnss/{device}/live", get(live))
}

/// Deletes fixes and alerts past the retention (from the store and from
/// memory) now and every `every` until `stop`; then writes the fixes still
/// queued for the store.
pub async fn run_retention(
    hub: Arc<GnssHub>,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        match hub.purge(chrono::Utc::now()).await {
            Ok(p) if p.fixes + p.alerts + p.events > 0 => {
                tracing::info!(
                    fixes = p.fixes,
                    alerts = p.alerts,
                    events = p.events,
                    "GNSS retention: deleted"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "GNSS retention failed; trying again later"),
        }
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(every) => {}
        }
    }
    hub.flush().await;
}
