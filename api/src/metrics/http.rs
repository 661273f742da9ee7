//! Per-request bookkeeping around every route: a request id (the caller's
//! `x-request-id` when it is sane, else a new one) on the request, the
//! response and every log line of the request; counts and latency per
//! matched route; one structured access-log line.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use super::Metrics;

/// The header that carries the request id both ways.
pub const REQUEST_ID: &str = "x-request-id";

pub(crate) const REQUESTS: &str = "forsyning_http_requests_total";
pub(crate) const REQUESTS_HELP: &str =
    "HTTP requests answered, by method, matched route and status.";
pub(crate) const DURATION: &str = "forsyning_http_request_duration_seconds";
pub(crate) const DURATION_HELP: &str =
    "Time from receiving a request to sending its response head, seconds, by method and matched route.";
pub(crate) const IN_FLIGHT: &str = "forsyning_http_requests_in_flight";
const IN_FLIGHT_HELP: &str = "HTTP requests being handled now.";

/// A caller's id is kept if it is 1–64 characters of `A-Z a-z 0-9 - _ .`.
fn sane(id: &HeaderValue) -> bool {
    let b = id.as_bytes();
    (1..=64).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Lowers decrements the in-flight gauge also when the handler's future is dropped.
struct InFlight(Arc<Metrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.add_gauge(IN_FLIGHT, IN_FLIGHT_HELP, &[], -1.0);
    }
}

/// `/api/v1/jobs/{id}` → `/api/v1/jobs/:id`: braces inside label values
/// are valid exposition text, but simple parsers (`prometheus-parse`) cut
/// the label set at the first `}`.
fn route_label(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    for c in template.chars() {
        match c {
            '{' => out.push(':'),
            '}' => {}
            c => out.push(c),
        }
    }
    out
}

pub(crate) async fn track(metrics: Arc<Metrics>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = match req.headers().get(REQUEST_ID) {
        Some(v) if sane(v) => v.clone(),
        _ => HeaderValue::from_str(&uuid::Uuid::new_v4().simple().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("invalid")),
    };
    req.headers_mut().insert(REQUEST_ID, id.clone());
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| route_label(p.as_str()));
    metrics.add_gauge(IN_FLIGHT, IN_FLIGHT_HELP, &[], 1.0);
    let guard = InFlight(metrics.clone());
    let mut res = next.run(req).await;
    drop(guard);
    let elapsed = start.elapsed().as_secs_f64();
    let status = res.status();
    metrics.inc(
        REQUESTS,
        REQUESTS_HELP,
        &[
            ("method", method.as_str()),
            ("route", &route),
            ("status", status.as_str()),
        ],
    );
    metrics.observe(
        DURATION,
        DURATION_HELP,
        &[("method", method.as_str()), ("route", &route)],
        elapsed,
    );
    let request_id = id.to_str().unwrap_or("");
    let ms = elapsed * 1000.0;
    if status.is_server_error() {
        tracing::warn!(target: "forsyning::access", request_id, method = %method, route, status = status.as_u16(), ms, "request");
    } else {
        tracing::info!(target: "forsyning::access", request_id, method = %method, route, status = status.as_u16(), ms, "request");
    }
    res.headers_mut().insert(REQUEST_ID, id);
    res
}
