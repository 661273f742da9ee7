//! The Forsyning HTTP API.
//!
//! [`router`] builds the whole application from an [`AppState`], apart from
//! any socket, so tests drive it with `tower::ServiceExt::oneshot`; [`serve`]
//! runs it on a listener with graceful shutdown.

mod as_built;
mod audit;
mod auth;
pub mod dig;
mod error;
mod features;
pub mod flood;
pub mod geojson;
pub mod gnss;
mod health;
pub mod interest;
pub mod jobs;
mod jobs_store;
mod layers;
pub mod metrics;
pub mod ogc;
pub mod oidc;
pub mod openapi;
pub mod policy;
pub mod retention;
mod shutdown;
pub mod status;
mod tiles;
pub mod upload;
mod viewer;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use forsyning_geo::Crs;
use forsyning_model::{DigLimits, Region};
use forsyning_store::Store;

pub use auth::{Credential, Principal, RateLimiter};
pub use error::ApiError;
pub use jobs::{Job, JobState, Jobs};
pub use layers::Limits;
pub use metrics::Metrics;
pub use oidc::{Jwks, OidcConfig};
pub use shutdown::{serve_draining, Drain};
pub use upload::UploadSettings;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Per-token request rate limit.
    pub rate: Arc<RateLimiter>,
    /// What a dig request may be: the region's limits and service area.
    pub dig_limits: Arc<DigLimits>,
    /// The region served: native CRS, deadline rule, package format.
    pub region: Arc<Region>,
    /// The region's native CRS (the store's): every geometry is in it.
    pub native_crs: Crs,
    /// Signs webhook deliveries; `None`: owners cannot register webhooks.
    pub webhook_key: Option<webhooks::WebhookKey>,
    /// How far apart (metres) two dig requests may be and still be listed
    /// for coordination.
    pub coordination_m: f64,
    /// Single sign-on: OIDC JWTs are accepted when set.
    pub oidc: Option<Arc<OidcConfig>>,
    /// The long jobs (uploads) of this process.
    pub jobs: Jobs,
    /// Size limit and directory of dataset uploads.
    pub uploads: Arc<UploadSettings>,
    /// Prometheus metrics that any module may feed (`GET /metrics`).
    pub metrics: Arc<Metrics>,
    /// Set when the server is shutting down: `/readyz` answers 503 so that
    /// load balancers stop sending new requests while open ones finish.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// Live GNSS devices: alert monitors and live feeds (in memory); tracks
    /// and alerts in the store.
    pub gnss: Arc<gnss::GnssHub>,
    /// Reference-station RINEX files (`serve --rinex-dir`); `None`: none.
    pub rinex: Option<Arc<gnss::rinex::RinexArchive>>,
    /// Flood jobs: the DEM, the results directory and the climate table
    /// (`with_dem`, `with_flood_results`, `with_climate`).
    pub flood: Arc<flood::FloodSettings>,
}

impl AppState {
    /// State with the default rate limit (50 requests/s, bursts of 100, per
    /// token) and KLIC's dig-request limits in Denmark's service area.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let metrics = {
            let m = Metrics::new();
            m.declare_defaults();
            Arc::new(m)
        };
        Self {
            store: store.clone(),
            rate: Arc::new(RateLimiter::new(50.0, 100.0)),
            dig_limits: Arc::new(default_dig_limits()),
            region: Arc::new(Region::denmark()),
            native_crs: Crs::STORE,
            webhook_key: None,
            coordination_m: 50.0,
            oidc: None,
            jobs: Jobs::durable(store.clone()).with_metrics(metrics.clone()),
            uploads: Arc::new(UploadSettings::default()),
            metrics,
            draining: Arc::default(),
            gnss: Arc::new(gnss::GnssHub::with_store(
                gnss::GnssConfig::default(),
                store.clone(),
            )),
            rinex: None,
            flood: Arc::default(),
        }
    }

    /// This state serving `region`, whose native CRS `native` is (the
    /// store's, see `forsyning_store::StoreRegion`): dig limits, service
    /// area, deadlines, CRS of answers and the package format follow it.
    pub fn with_region(mut self, region: Region, native: Crs) -> Self {
        self.dig_limits = Arc::new(region.dig_limits.clone());
        self.region = Arc::new(region);
        self.native_crs = native;
        self
    }

    /// This state with uploads as `settings` say.
    pub fn with_uploads(mut self, settings: UploadSettings) -> Self {
        self.uploads = Arc::new(settings);
        self
    }

    /// This state with webhooks signed by `key`.
    pub fn with_webhook_key(mut self, key: webhooks::WebhookKey) -> Self {
        self.webhook_key = Some(key);
        self
    }

    /// This state with another per-token rate limit.
    pub fn with_rate(mut self, rate: RateLimiter) -> Self {
        self.rate = Arc::new(rate);
        self
    }

    /// This state serving the reference-station files of `archive`.
    pub fn with_rinex(mut self, archive: gnss::rinex::RinexArchive) -> Self {
        self.rinex = Some(Arc::new(archive));
        self
    }

    /// This state keeping GNSS tracks and alerts (in the store) as `config` says.
    pub fn with_gnss(mut self, config: gnss::GnssConfig) -> Self {
        self.gnss = Arc::new(gnss::GnssHub::with_store(config, self.store.clone()));
        self
    }

    /// This state accepting OIDC JWTs as `config` says.
    pub fn with_oidc(mut self, config: OidcConfig) -> Self {
        self.oidc = Some(Arc::new(config));
        self
    }
}

/// KLIC's dig-request limits in Denmark's service area (EPSG:25832).
pub fn default_dig_limits() -> DigLimits {
    DigLimits::klic(forsyning_geo::denmark_service_area())
}

/// The application: every route with its middleware. Uploads are outside
/// the whole-request timeout (they take as long as the client sends) and
/// have their own body limit.
pub fn router(state: AppState, limits: &Limits) -> Router {
    let timed = Router::new()
        .merge(health::routes())
        .merge(features::routes())
        .merge(as_built::routes())
        .merge(dig::routes())
        .merge(interest::routes())
        .merge(webhooks::routes())
        .merge(jobs::routes())
        .merge(ogc::routes())
        .merge(openapi::routes())
        .merge(viewer::routes())
        .merge(metrics::routes())
        .merge(status::routes())
        .merge(tiles::routes())
        .merge(gnss::routes())
        .merge(flood::routes())
        .fallback(|| async { ApiError::NotFound });
    let metrics = state.metrics.clone();
    let routes = layers::with_timeout(timed, limits)
        .merge(upload::routes(&state.uploads))
        .merge(gnss::live_routes())
        .with_state(state);
    layers::apply(routes, limits).layer(axum::middleware::from_fn(move |req, next| {
        metrics::http::track(metrics.clone(), req, next)
    }))
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open
/// requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
