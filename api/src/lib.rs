//! The Forsyning HTTP API.
//!
//! [`router`] builds the whole application from an [`AppState`], apart from
//! any socket, so tests drive it with `tower::ServiceExt::oneshot`; [`serve`]
//! runs it on a listener with graceful shutdown.

mod auth;
mod error;
mod features;
mod health;
mod layers;
pub mod policy;

use std::sync::Arc;

use axum::Router;
use forsyning_store::Store;

pub use auth::{Principal, RateLimiter};
pub use error::ApiError;
pub use layers::Limits;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Per-token request rate limit.
    pub rate: Arc<RateLimiter>,
}

impl AppState {
    /// State with the default rate limit (50 requests/s, bursts of 100, per token).
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            rate: Arc::new(RateLimiter::new(50.0, 100.0)),
        }
    }
}

/// The application: every route with its middleware.
pub fn router(state: AppState, limits: &Limits) -> Router {
    let routes = Router::new()
        .merge(health::routes())
        .merge(features::routes())
        .fallback(|| async { ApiError::NotFound })
        .with_state(state);
    layers::apply(routes, limits)
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
