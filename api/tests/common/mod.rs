//! Helpers of the API's integration tests: organisations with tokens, and
//! calls through the router without a socket.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_model::{token_hash, OrgId, Organisation, Role, TokenRecord};
use forsyning_store::Store;
use geo_types::Polygon;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

pub fn org(id: &str) -> OrgId {
    OrgId::new(id).unwrap()
}

/// The app over `store`, without a rate limit.
pub fn app(store: Arc<dyn Store>) -> axum::Router {
    router(
        AppState::new(store).with_rate(RateLimiter::new(0.0, 1.0)),
        &Limits::default(),
    )
}

/// Creates organisation `id` with `role` and returns the Authorization header of a new token.
pub async fn org_with_token(store: &dyn Store, id: &str, role: Role) -> String {
    store
        .create_org(&Organisation {
            id: org(id),
            name: id.into(),
            role,
            boundary: None,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let secret = format!("fsy_test_{id}_{}", Uuid::new_v4().simple());
    store
        .insert_token(&TokenRecord {
            id: Uuid::new_v4(),
            org_id: org(id),
            label: id.into(),
            hash: token_hash(&secret),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    format!("Bearer {secret}")
}

/// Sends a request; the body is JSON when it parses, else a JSON string of the text.
pub async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    body: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req.body(Body::from(body.unwrap_or_default())).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

pub async fn post_json(
    app: &axum::Router,
    uri: &str,
    auth: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    send(
        app,
        "POST",
        uri,
        auth,
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await
}

pub async fn get(app: &axum::Router, uri: &str, auth: Option<&str>) -> (StatusCode, Value) {
    send(app, "GET", uri, auth, None).await
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A GeoJSON Polygon geometry of `p`'s exterior.
pub fn geojson_polygon(p: &Polygon<f64>) -> Value {
    let ring: Vec<Value> = p.exterior().0.iter().map(|c| json!([c.x, c.y])).collect();
    json!({"type": "Polygon", "coordinates": [ring]})
}

/// A dig request body for `polygon` (EPSG:25832) valid from an hour ago for a week.
pub fn dig_body(polygon: &Polygon<f64>, buffer_m: f64) -> Value {
    let now = Utc::now();
    json!({
        "polygon": geojson_polygon(polygon),
        "buffer_m": buffer_m,
        "period_from": rfc3339(now - Duration::hours(1)),
        "period_to": rfc3339(now + Duration::days(7)),
        "purpose": "Ny stikledning",
        "contact": "Graver Hansen, tlf. 11 22 33 44",
    })
}
