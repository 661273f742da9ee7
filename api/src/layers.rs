//! The HTTP stack around the routes: tracing with the matched route,
//! timeouts, a concurrency limit, body-size limits and compression.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{Request, StatusCode};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Limits of the HTTP stack; the binary fills them from its configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Requests handled at once; more wait.
    pub concurrency: usize,
    /// Default maximum request body, bytes (uploads set their own).
    pub body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            concurrency: 512,
            body_bytes: 1 << 20,
        }
    }
}

pub(crate) fn apply(router: Router, limits: &Limits) -> Router {
    router
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(tower::limit::ConcurrencyLimitLayer::new(limits.concurrency))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str)
                    .unwrap_or("unmatched");
                tracing::info_span!("http", method = %req.method(), route)
            }),
        )
}
