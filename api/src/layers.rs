//! The HTTP stack around the routes: tracing with the matched route,
//! timeouts, a concurrency limit, body-size limits and compression.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_http::CompressionLevel;

/// Limits of the HTTP stack; the binary fills them from its configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Requests handled at once; more wait.
    pub concurrency: usize,
    /// Default maximum request body, bytes (uploads set their own).
    pub body_bytes: usize,
    /// Origins allowed by CORS; none when empty.
    pub cors_origins: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            concurrency: 512,
            body_bytes: 1 << 20,
            cors_origins: Vec::new(),
        }
    }
}

/// `router`'s routes (and fallback) cut off after the request timeout
/// with 408; [`apply`] adds everything else.
pub(crate) fn with_timeout<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    limits: &Limits,
) -> Router<S> {
    router.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ))
}

/// Every layer but the timeout, around all routes.
pub(crate) fn apply(router: Router, limits: &Limits) -> Router {
    let origins: Vec<HeaderValue> = limits
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let router = if origins.is_empty() {
        router
    } else {
        router.layer(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        )
    };
    let security =
        |name, value| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
    router
        .layer(security(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'",
        ))
        .layer(security(header::REFERRER_POLICY, "no-referrer"))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        // The fastest level: a conflict report of 60 features compresses
        // to a fifth at level 1 too, and the default level cost 8% of the
        // server's time at 800 dig requests/s (perf).
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(tower::limit::ConcurrencyLimitLayer::new(limits.concurrency))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str)
                    .unwrap_or("unmatched");
                let request_id = req
                    .headers()
                    .get(crate::metrics::REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("http", method = %req.method(), route, request_id)
            }),
        )
}
