//! `/metrics` scraped and parsed with a Prometheus text-format parser
//! (`prometheus-parse`), request ids, and readiness while draining.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_store::GpkgStore;
use http_body_util::BodyExt;
use prometheus_parse::{Sample, Scrape, Value};
use tower::ServiceExt;

async fn state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("m.gpkg")).await.unwrap();
    (
        AppState::new(Arc::new(store)).with_rate(RateLimiter::new(0.0, 1.0)),
        dir,
    )
}

async fn call(app: &axum::Router, uri: &str, request_id: Option<&str>) -> axum::response::Response {
    let mut req = Request::get(uri);
    if let Some(id) = request_id {
        req = req.header("x-request-id", id);
    }
    app.clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn scrape(app: &axum::Router) -> Scrape {
    let res = call(app, "/metrics", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    Scrape::parse(lines).unwrap_or_else(|e| panic!("not Prometheus text: {e}\n{text}"))
}

fn find<'a>(s: &'a Scrape, name: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    s.samples
        .iter()
        .find(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
}

fn number(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    match &find(s, name, labels)
        .unwrap_or_else(|| panic!("no {name} {labels:?}"))
        .value
    {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        other => panic!("{name} is {other:?}"),
    }
}

#[tokio::test]
async fn metrics_parse_and_show_the_named_series() {
    let (state, _dir) = state().await;
    let metrics = state.metrics.clone();
    let app = router(state, &Limits::default());
    for _ in 0..3 {
        assert_eq!(call(&app, "/healthz", None).await.status(), StatusCode::OK);
    }
    assert_eq!(
        call(&app, "/nope", None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &app,
            "/api/v1/jobs/3b0d5a56-52ff-4d3c-8a6f-5c3f7e0b9d2e",
            None
        )
        .await
        .status(),
        StatusCode::UNAUTHORIZED
    );
    // What the tile server reports: 3 hits, 1 miss.
    for _ in 0..3 {
        metrics.tile_cache_hit("network");
    }
    metrics.tile_cache_miss("network");
    metrics.proximity_alert("very_dangerous");

    let s = scrape(&app).await;
    let get = [("method", "GET")];
    assert_eq!(
        number(
            &s,
            "forsyning_http_requests_total",
            &[get[0], ("route", "/healthz"), ("status", "200")]
        ),
        3.0
    );
    assert_eq!(
        number(
            &s,
            "forsyning_http_requests_total",
            &[get[0], ("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
    // Counted under the route's template, not the id.
    assert_eq!(
        number(
            &s,
            "forsyning_http_requests_total",
            &[get[0], ("route", "/api/v1/jobs/:id"), ("status", "401")]
        ),
        1.0
    );
    let hist = find(
        &s,
        "forsyning_http_request_duration_seconds",
        &[get[0], ("route", "/healthz")],
    )
    .expect("latency histogram of /healthz");
    let Value::Histogram(buckets) = &hist.value else {
        panic!("{:?}", hist.value)
    };
    assert_eq!(
        buckets.len(),
        forsyning_api::metrics::LATENCY_BUCKETS.len() + 1
    );
    assert_eq!(
        buckets.last().unwrap().count,
        3.0,
        "+Inf bucket counts all 3"
    );
    assert!(
        buckets.windows(2).all(|w| w[0].count <= w[1].count),
        "cumulative"
    );
    assert_eq!(
        number(
            &s,
            "forsyning_http_request_duration_seconds_count",
            &[get[0], ("route", "/healthz")]
        ),
        3.0
    );

    assert_eq!(
        number(
            &s,
            "forsyning_tile_cache_hits_total",
            &[("layer", "network")]
        ),
        3.0
    );
    assert_eq!(number(&s, "forsyning_tile_cache_hit_ratio", &[]), 0.75);
    assert_eq!(
        number(
            &s,
            "forsyning_proximity_alerts_total",
            &[("hazard", "very_dangerous")]
        ),
        1.0
    );
    assert_eq!(number(&s, "forsyning_outbox_lag_seconds", &[]), 0.0);
    assert_eq!(
        number(&s, "forsyning_outbox_events", &[("status", "pending")]),
        0.0
    );
    assert_eq!(
        number(&s, "forsyning_ingest_jobs", &[("state", "running")]),
        0.0
    );
    assert_eq!(number(&s, "forsyning_store_up", &[]), 1.0);
    assert_eq!(number(&s, "forsyning_store_schema_current", &[]), 1.0);
    assert!(number(&s, "forsyning_uptime_seconds", &[]) >= 0.0);
    // The scrape itself is counted at the next one, and while it runs it is in flight.
    let again = scrape(&app).await;
    assert_eq!(
        number(
            &again,
            "forsyning_http_requests_total",
            &[get[0], ("route", "/metrics"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        number(&again, "forsyning_http_requests_in_flight", &[]),
        1.0
    );
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let (state, _dir) = state().await;
    let app = router(state, &Limits::default());
    let kept = call(&app, "/healthz", Some("lb-7f3a.1")).await;
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a.1");
    // An id with a space or one that is too long is replaced by a new one.
    for bad in ["two words", &"x".repeat(65)] {
        let res = call(&app, "/healthz", Some(bad)).await;
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(id, bad);
        assert_eq!(id.len(), 32, "{id}");
    }
    let a = call(&app, "/nope", None).await.headers()["x-request-id"].clone();
    let b = call(&app, "/nope", None).await.headers()["x-request-id"].clone();
    assert_ne!(a, b);
}

#[tokio::test]
async fn readyz_answers_503_while_draining() {
    let (state, _dir) = state().await;
    let draining = state.draining.clone();
    let app = router(state, &Limits::default());
    let (code, body) = common::get(&app, "/readyz", None).await;
    assert_eq!(
        (code, body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    draining.store(true, Ordering::SeqCst);
    let (code, body) = common::get(&app, "/readyz", None).await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["reason"], "draining");
    // Liveness is not readiness.
    assert_eq!(common::get(&app, "/healthz", None).await.0, StatusCode::OK);
}
