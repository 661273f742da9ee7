//! One bad dig request per intake rule, and the 4xx code it gets: 400 for a
//! malformed body or field (the message names the field), 422 for a request
//! that breaks a dig rule (the code names the rule). None is stored.

mod common;

use std::sync::Arc;

use chrono::{Duration, Utc};
use common::*;
use forsyning_api::{router, AppState, Limits};
use forsyning_model::Role;
use forsyning_store::{DigFilter, GpkgStore, Store};
use geo_types::{coord, polygon, LineString, Polygon};
use serde_json::{json, Value};

const X: f64 = 720_000.0;
const Y: f64 = 6_190_000.0;

fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)]
}

fn ok_body() -> Value {
    dig_body(&square(X, Y, 100.0), 1.0)
}

fn with(field: &str, v: Value) -> Value {
    let mut b = ok_body();
    b[field] = v;
    b
}

fn without(field: &str) -> Value {
    let mut b = ok_body();
    b.as_object_mut().unwrap().remove(field);
    b
}

fn polygon_body(p: &Polygon<f64>) -> Value {
    dig_body(p, 1.0)
}

fn circle(n: usize) -> Polygon<f64> {
    let ring: Vec<_> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            coord! {x: X + 100.0 * a.cos(), y: Y + 100.0 * a.sin()}
        })
        .collect();
    Polygon::new(LineString(ring), vec![])
}

/// Posts `body` (raw bytes) as a contractor through `tweak(state)`'s app and
/// checks the status and error code; returns the message.
async fn refused_with(
    body: Vec<u8>,
    status: u16,
    code: &str,
    tweak: impl FnOnce(&mut AppState),
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("r.gpkg")).await.unwrap());
    let con = org_with_token(store.as_ref(), "CON", Role::Contractor).await;
    let mut state = AppState::new(store.clone());
    tweak(&mut state);
    let app = router(state, &Limits::default());
    let (got, r) = send(&app, "POST", "/api/v1/dig-requests", Some(&con), Some(body)).await;
    assert_eq!(
        (got.as_u16(), r["error"].as_str().unwrap_or("?")),
        (status, code),
        "{r}"
    );
    let stored = store.dig_requests(&DigFilter::All).await.unwrap();
    assert!(stored.is_empty(), "a refused request is not stored");
    r["message"].as_str().unwrap().to_owned()
}

async fn refused(body: Value, status: u16, code: &str) -> String {
    refused_with(serde_json::to_vec(&body).unwrap(), status, code, |_| {}).await
}

/// A 400 whose message starts with the field's name.
async fn bad_field(body: Value, code: &str, field: &str) {
    let msg = refused(body, 400, code).await;
    assert!(msg.starts_with(&format!("{field}:")), "{msg}");
}

#[tokio::test]
async fn malformed_json_is_400() {
    refused_with(b"{\"polygon\":".to_vec(), 400, "invalid_json", |_| {}).await;
}

#[tokio::test]
async fn a_body_that_is_no_object_is_400() {
    refused(json!([1, 2]), 400, "invalid_json").await;
}

#[tokio::test]
async fn each_missing_field_is_400_naming_it() {
    for field in [
        "polygon",
        "buffer_m",
        "period_from",
        "period_to",
        "purpose",
        "contact",
    ] {
        bad_field(without(field), "missing_field", field).await;
    }
}

#[tokio::test]
async fn an_unknown_field_is_400_naming_it() {
    bad_field(with("buffer", json!(2)), "unknown_field", "buffer").await;
}

#[tokio::test]
async fn a_polygon_that_is_no_geojson_polygon_is_400() {
    bad_field(
        with("polygon", json!({"type": "Point", "coordinates": [X, Y]})),
        "invalid_field",
        "polygon",
    )
    .await;
    let text = json!({"type": "Polygon", "coordinates": [[[X, Y], [X, "y"], [X + 1.0, Y]]]});
    bad_field(with("polygon", text), "invalid_field", "polygon").await;
}

#[tokio::test]
async fn an_unknown_crs_is_400() {
    bad_field(with("crs", json!("EPSG:999999")), "invalid_field", "crs").await;
    bad_field(with("crs", json!("WGS84")), "invalid_field", "crs").await;
}

#[tokio::test]
async fn a_buffer_that_is_no_number_is_400() {
    bad_field(with("buffer_m", json!("1 m")), "invalid_field", "buffer_m").await;
}

#[tokio::test]
async fn a_period_that_is_no_rfc3339_time_is_400() {
    bad_field(
        with("period_from", json!("tomorrow")),
        "invalid_field",
        "period_from",
    )
    .await;
    bad_field(
        with("period_to", json!(20250307)),
        "invalid_field",
        "period_to",
    )
    .await;
}

#[tokio::test]
async fn empty_or_overlong_texts_are_400() {
    bad_field(with("purpose", json!("   ")), "invalid_field", "purpose").await;
    bad_field(
        with("contact", json!("x".repeat(2001))),
        "invalid_field",
        "contact",
    )
    .await;
}

#[tokio::test]
async fn too_few_vertices_is_422() {
    let line = Polygon::new(
        LineString::from(vec![(X, Y), (X + 10.0, Y), (X, Y)]),
        vec![],
    );
    refused(polygon_body(&line), 422, "too_few_vertices").await;
}

#[tokio::test]
async fn too_many_vertices_is_422() {
    refused(polygon_body(&circle(201)), 422, "too_many_vertices").await;
    refused(polygon_body(&circle(5_000)), 422, "too_many_vertices").await;
}

#[tokio::test]
async fn a_self_intersecting_polygon_is_422() {
    let bowtie = polygon![(x: X, y: Y), (x: X + 100.0, y: Y + 100.0), (x: X + 100.0, y: Y), (x: X, y: Y + 100.0)];
    refused(polygon_body(&bowtie), 422, "polygon_not_simple").await;
}

#[tokio::test]
async fn an_extent_over_500_m_is_422() {
    refused(polygon_body(&square(X, Y, 501.0)), 422, "extent_too_large").await;
}

#[tokio::test]
async fn an_area_over_the_limit_is_422() {
    // KLIC's 500 m extent bounds the area at its limit, so a tighter one.
    let body = serde_json::to_vec(&ok_body()).unwrap();
    refused_with(body, 422, "area_too_large", |state| {
        let mut limits = (*state.dig_limits).clone();
        limits.max_area_m2 = 5_000.0;
        state.dig_limits = Arc::new(limits);
    })
    .await;
}

#[tokio::test]
async fn a_polygon_outside_denmark_is_422() {
    refused(
        polygon_body(&square(100_000.0, 100_000.0, 10.0)),
        422,
        "outside_service_area",
    )
    .await;
    // Copenhagen in CRS84 but sent as EPSG:25832.
    let mut body = polygon_body(&square(12.56, 55.67, 0.01));
    body["crs"] = json!("EPSG:25832");
    refused(body, 422, "outside_service_area").await;
}

#[tokio::test]
async fn a_buffer_out_of_range_is_422() {
    refused(with("buffer_m", json!(-1.0)), 422, "invalid_buffer").await;
    refused(with("buffer_m", json!(51)), 422, "invalid_buffer").await;
}

#[tokio::test]
async fn a_period_that_ends_before_it_starts_is_422() {
    let to = rfc3339(Utc::now() - Duration::days(2));
    refused(with("period_to", json!(to)), 422, "invalid_period").await;
}

#[tokio::test]
async fn a_period_longer_than_a_year_is_422() {
    let to = rfc3339(Utc::now() + Duration::days(400));
    refused(with("period_to", json!(to)), 422, "invalid_period").await;
}

#[tokio::test]
async fn a_period_that_started_over_30_days_ago_is_422() {
    let from = rfc3339(Utc::now() - Duration::days(40));
    refused(with("period_from", json!(from)), 422, "invalid_period").await;
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_413() {
    refused_with(vec![b' '; 2 << 20], 413, "body_too_large", |_| {}).await;
}
