use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use forsyning_api::{router, AppState, Limits};
use forsyning_store::GpkgStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("s.gpkg")).await.unwrap();
    (
        router(AppState::new(Arc::new(store)), &Limits::default()),
        dir,
    )
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, serde_json::Value) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn health_ready_and_status() {
    let (app, _dir) = app().await;
    assert_eq!(
        get(&app, "/healthz").await,
        (StatusCode::OK, serde_json::json!({"status": "ok"}))
    );
    assert_eq!(
        get(&app, "/readyz").await,
        (StatusCode::OK, serde_json::json!({"status": "ready"}))
    );
    let (code, body) = get(&app, "/api/v1/status").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body["backend"], "gpkg");
    assert_eq!(body["datasets"], 0);
}

#[tokio::test]
async fn unknown_route_is_404() {
    let (app, _dir) = app().await;
    let (code, body) = get(&app, "/nope").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("c.gpkg")).await.unwrap();
    let limits = Limits {
        cors_origins: vec!["https://kort.example.dk".into()],
        ..Limits::default()
    };
    let app = router(AppState::new(Arc::new(store)), &limits);
    for (origin, allowed) in [
        ("https://kort.example.dk", true),
        ("https://evil.example", false),
    ] {
        let req = Request::get("/healthz")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let header = res
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            header.as_deref() == Some(origin),
            allowed,
            "{origin}: {header:?}"
        );
    }
}
