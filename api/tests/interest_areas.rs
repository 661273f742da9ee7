//! `GET/PUT /api/v1/owners/{org}/interest-areas`: who may, the format both
//! ways (EPSG:25832 and CRS84), the 4xx of bad uploads, and that a dig
//! request then matches the new areas.

mod common;

use std::sync::Arc;

use common::*;
use forsyning_model::Role;
use forsyning_store::{GpkgStore, Store};
use geo_types::{polygon, Polygon};
use serde_json::{json, Value};

const X: f64 = 720_000.0;
const Y: f64 = 6_190_000.0;
const URI: &str = "/api/v1/owners/OWN/interest-areas";

fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side), (x: x, y: y)]
}

fn feature(p: &Polygon<f64>, themes: Value, marks: bool) -> Value {
    json!({
        "type": "Feature",
        "geometry": geojson_polygon(p),
        "properties": {"themes": themes, "contact": "Vagten, tlf. 70 20 30 40", "marks_on_site": marks},
    })
}

fn collection(features: Vec<Value>, crs: Option<&str>) -> Value {
    let mut fc = json!({"type": "FeatureCollection", "features": features});
    if let Some(c) = crs {
        fc["crs"] = json!({"type": "name", "properties": {"name": c}});
    }
    fc
}

async fn put(app: &axum::Router, uri: &str, auth: Option<&str>, body: &Value) -> (u16, Value) {
    let (s, v) = send(
        app,
        "PUT",
        uri,
        auth,
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await;
    (s.as_u16(), v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_and_admins_manage_interest_areas() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("i.gpkg")).await.unwrap());
    let s = store.as_ref();
    let app = app(store.clone());
    let own = org_with_token(s, "OWN", Role::Owner).await;
    let other = org_with_token(s, "OTHER", Role::Owner).await;
    let con = org_with_token(s, "CON", Role::Contractor).await;
    let mun = org_with_token(s, "MUN", Role::Municipality).await;
    let adm = org_with_token(s, "ADM", Role::Admin).await;

    let body = collection(
        vec![
            feature(&square(X, Y, 200.0), json!(["gas"]), true),
            feature(
                &square(X + 1000.0, Y, 100.0),
                json!(["electricity", "telecom"]),
                false,
            ),
        ],
        Some("urn:ogc:def:crs:EPSG::25832"),
    );
    assert_eq!(put(&app, URI, None, &body).await.0, 401);
    for auth in [&other, &con, &mun] {
        assert_eq!(put(&app, URI, Some(auth), &body).await.0, 403);
        assert_eq!(get(&app, URI, Some(auth)).await.0, 403);
    }
    let (status, r) = put(&app, URI, Some(&own), &body).await;
    assert_eq!(
        (status, r["interest_areas"].as_u64()),
        (200, Some(2)),
        "{r}"
    );

    // Read back by the owner and by an admin, EPSG:25832, PUT-able as it is.
    let (status, fc) = get(&app, URI, Some(&own)).await;
    assert_eq!(status, 200);
    assert_eq!(get(&app, URI, Some(&adm)).await.1, fc);
    assert_eq!(
        fc["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::25832"
    );
    let f0 = &fc["features"][0];
    assert_eq!(f0["properties"]["themes"], json!(["gas"]));
    assert_eq!(f0["properties"]["marks_on_site"], true);
    assert_eq!(f0["geometry"]["type"], "MultiPolygon");
    assert_eq!(
        f0["geometry"]["coordinates"][0][0][2],
        json!([X + 200.0, Y + 200.0])
    );
    assert_eq!(put(&app, URI, Some(&adm), &fc).await.0, 200);
    assert_eq!(
        get(&app, URI, Some(&own)).await.1,
        fc,
        "a GET round-trips through PUT"
    );

    // Unknown owners, and organisations that are no owners: 404 for admins.
    for uri in [
        "/api/v1/owners/NOBODY/interest-areas",
        "/api/v1/owners/CON/interest-areas",
        "/api/v1/owners/a%2Fb/interest-areas",
    ] {
        assert_eq!(get(&app, uri, Some(&adm)).await.0, 404, "{uri}");
    }

    // A dig request over the first area finds the owner, which marks on site.
    let (status, r) = post_json(
        &app,
        "/api/v1/dig-requests",
        Some(&con),
        &dig_body(&square(X + 50.0, Y + 50.0, 20.0), 0.0),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(r["owners"][0]["owner_id"], "OWN");
    assert_eq!(r["owners"][0]["answer"], "no_lines_in_area");
    assert_eq!(r["owners"][0]["contact"], "Vagten, tlf. 70 20 30 40");

    // CRS84 without a crs member (RFC 7946): reprojected to EPSG:25832.
    let wgs = polygon![(x: 12.50, y: 55.60), (x: 12.51, y: 55.60), (x: 12.51, y: 55.61), (x: 12.50, y: 55.61), (x: 12.50, y: 55.60)];
    let (status, r) = put(
        &app,
        URI,
        Some(&own),
        &collection(vec![feature(&wgs, json!(["water"]), false)], None),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let (_, fc) = get(&app, URI, Some(&own)).await;
    assert_eq!(
        fc["features"].as_array().unwrap().len(),
        1,
        "a PUT replaces every area"
    );
    let x = fc["features"][0]["geometry"]["coordinates"][0][0][0][0]
        .as_f64()
        .unwrap();
    assert!((700_000.0..730_000.0).contains(&x), "easting {x}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_get_a_4xx_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("b.gpkg")).await.unwrap());
    let app = app(store.clone());
    let own = org_with_token(store.as_ref(), "OWN", Role::Owner).await;
    let sq = square(X, Y, 100.0);
    let ok = feature(&sq, json!(["gas"]), false);
    let bowtie = polygon![(x: X, y: Y), (x: X + 100.0, y: Y + 100.0), (x: X + 100.0, y: Y), (x: X, y: Y + 100.0), (x: X, y: Y)];
    let crs = Some("EPSG:25832");
    let mut no_contact = ok.clone();
    no_contact["properties"]
        .as_object_mut()
        .unwrap()
        .remove("contact");
    let mut point = ok.clone();
    point["geometry"] = json!({"type": "Point", "coordinates": [X, Y]});
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (json!([1]), 400, "invalid_field", "type:"),
        (
            collection(vec![feature(&sq, json!(["steam"]), false)], crs),
            400,
            "invalid_field",
            "features[0].properties.themes:",
        ),
        (
            collection(vec![ok.clone(), no_contact], crs),
            400,
            "invalid_field",
            "features[1].contact:",
        ),
        (
            collection(vec![point], crs),
            400,
            "invalid_field",
            "features[0].geometry:",
        ),
        (
            collection(vec![ok.clone()], Some("EPSG:999999")),
            400,
            "invalid_field",
            "crs:",
        ),
        (
            collection(vec![feature(&bowtie, json!(["gas"]), false)], crs),
            422,
            "invalid_geometry",
            "features[0].geometry:",
        ),
        (
            collection(
                vec![feature(&square(10.0, 10.0, 5.0), json!(["gas"]), false)],
                crs,
            ),
            422,
            "outside_service_area",
            "features[0].geometry",
        ),
    ];
    for (body, status, code, prefix) in cases {
        let (got, r) = put(&app, URI, Some(&own), &body).await;
        assert_eq!((got, r["error"].as_str().unwrap()), (status, code), "{r}");
        assert!(r["message"].as_str().unwrap().starts_with(prefix), "{r}");
    }
    let (got, r) = send(&app, "PUT", URI, Some(&own), Some(b"{".to_vec())).await;
    assert_eq!(
        (got.as_u16(), r["error"].as_str().unwrap()),
        (400, "invalid_json")
    );
    assert!(
        store.interest_areas(None).await.unwrap().is_empty(),
        "nothing stored"
    );
}
