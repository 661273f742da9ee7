//! Live positions of field devices (issue #12): NMEA over HTTP and TCP,
//! proximity alerts against the dangerous features of a device's dig
//! request, a WebSocket feed, and retention.
//!
//! | route | what |
//! |---|---|
//! | `POST /api/v1/gnss/{device}/nmea` | a batch of NMEA lines (text/plain) |
//! | `GET /api/v1/gnss/{device}/track` | the last fixes |
//! | `GET /api/v1/gnss/{device}/alerts` | the last alerts |
//! | `PUT`/`DELETE /api/v1/gnss/{device}/assignment` | watch a dig request's dangerous features |
//! | `GET /api/v1/gnss/{device}/live` | WebSocket of fixes and alerts |
//! | `GET /api/v1/rinex`, `GET /api/v1/rinex/{file}` | reference-station files ([`rinex`]) |
//!
//! Devices are tokens ([`device`]); the state lives in memory ([`hub`]).

pub mod device;
pub mod hub;
pub(crate) mod live;
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

/// Deletes fixes past the retention now and every `every` until `stop`.
pub async fn run_retention(
    hub: Arc<GnssHub>,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let purged = hub.purge(chrono::Utc::now());
        if purged > 0 {
            tracing::info!(purged, "GNSS retention: fixes deleted");
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
