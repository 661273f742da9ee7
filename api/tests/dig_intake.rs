//! `POST /api/v1/dig-requests`: the matched owners and their answers, the
//! report's features and order, the audit entry, CRSs, and one bad request
//! per intake rule with the 4xx it gets.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use common::*;
use forsyning_geo::{Crs, Reprojector};
use forsyning_model::{
    AccuracyClass, AuditRecord, DatasetId, Hazard, InterestArea, Kind, Measures, NetworkFeature,
    Role, SourceFormat, Status, Theme,
};
use forsyning_store::{replace_dataset, GpkgStore, Store};
use geo_types::{polygon, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde_json::{json, Value};
use uuid::Uuid;

const X: f64 = 720_000.0;
const Y: f64 = 6_190_000.0;

fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side), (x: x, y: y)]
}

fn feature(n: u128, owner: &str, g: Geometry<f64>, hazard: Hazard) -> NetworkFeature {
    NetworkFeature {
        id: Uuid::from_u128(n),
        owner_id: org(owner),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: format!("f{n}"),
        source_format: SourceFormat::Synthetic,
        source_class: "Ledning".into(),
        theme: Theme::Electricity,
        kind: if matches!(g, Geometry::Point(_)) {
            Kind::Component
        } else {
            Kind::CableOrPipe
        },
        status: Some(Status::InOperation),
        hazard: Some(hazard),
        safety_note: hazard.is_dangerous().then(|| format!("Farlig ledning {n}")),
        accuracy_xy: AccuracyClass::Le050,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: None,
        measures: Measures {
            depth_mm: Some(800),
            ..Default::default()
        },
        geometry: g,
        heights: None,
        valid_from: Utc.timestamp_opt(0, 0).unwrap(),
        valid_to: None,
    }
}

fn line(a: (f64, f64), b: (f64, f64)) -> Geometry<f64> {
    LineString::from(vec![a, b]).into()
}

fn area(owner: &str, p: Polygon<f64>, marks_on_site: bool) -> InterestArea {
    InterestArea {
        id: Uuid::new_v4(),
        owner_id: org(owner),
        themes: vec![Theme::Gas],
        geometry: MultiPolygon(vec![p]),
        contact: format!("{owner} vagt, tlf. 70 00 00 00"),
        marks_on_site,
    }
}

/// EL: no interest area, features inside (very dangerous), 0.5 m and 0.8 m
/// (dangerous) outside, and 5 m outside. GAS: marks on site, one feature
/// inside. VAND: an interest area but its features far away. TELE: all far away.
async fn world() -> (Arc<dyn Store>, tempfile::TempDir) {
    use Hazard::*;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("d.gpkg")).await.unwrap());
    let s = store.as_ref();
    let el = vec![
        feature(
            1,
            "EL",
            line((X + 10.0, Y + 50.0), (X + 90.0, Y + 50.0)),
            VeryDangerous,
        ),
        feature(
            2,
            "EL",
            line((X + 100.5, Y), (X + 100.5, Y + 100.0)),
            NotDangerous,
        ),
        feature(3, "EL", Point::new(X + 50.0, Y + 100.8).into(), Dangerous),
        feature(
            4,
            "EL",
            line((X + 105.0, Y), (X + 105.0, Y + 100.0)),
            VeryDangerous,
        ),
    ];
    replace_dataset(s, &org("EL"), "net", el).await.unwrap();
    let gas = vec![feature(
        5,
        "GAS",
        line((X + 20.0, Y + 20.0), (X + 30.0, Y + 30.0)),
        NotDangerous,
    )];
    replace_dataset(s, &org("GAS"), "net", gas).await.unwrap();
    let vand = vec![feature(
        6,
        "VAND",
        line((X + 500.0, Y), (X + 600.0, Y)),
        NotDangerous,
    )];
    replace_dataset(s, &org("VAND"), "net", vand).await.unwrap();
    let tele = vec![feature(
        7,
        "TELE",
        line((X + 900.0, Y), (X + 950.0, Y)),
        NotDangerous,
    )];
    replace_dataset(s, &org("TELE"), "net", tele).await.unwrap();
    let big = square(X - 100.0, Y - 100.0, 300.0);
    s.replace_interest_areas(&org("GAS"), vec![area("GAS", big.clone(), true)])
        .await
        .unwrap();
    s.replace_interest_areas(&org("VAND"), vec![area("VAND", big, false)])
        .await
        .unwrap();
    let far = square(X + 800.0, Y, 200.0);
    s.replace_interest_areas(&org("TELE"), vec![area("TELE", far, false)])
        .await
        .unwrap();
    (store, dir)
}

fn ids(report: &Value) -> Vec<Uuid> {
    report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_names_owners_answers_and_features_dangerous_first() {
    let (store, _dir) = world().await;
    let app = app(store.clone());
    let con = org_with_token(store.as_ref(), "CON", Role::Contractor).await;
    let (status, r) = post_json(
        &app,
        "/api/v1/dig-requests",
        Some(&con),
        &dig_body(&square(X, Y, 100.0), 1.0),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["status"], "answered");
    assert_eq!(r["requester_id"], "CON");
    assert_eq!(r["crs"], "EPSG:25832");
    assert!(r["deadline"].as_str().unwrap() > r["received"].as_str().unwrap());
    let owners: Vec<(&str, &str, u64)> = r["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["owner_id"].as_str().unwrap(),
                o["answer"].as_str().unwrap(),
                o["feature_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        owners,
        [
            ("EL", "delivered", 3),
            ("GAS", "on_site_marking_delivered", 1),
            ("VAND", "no_lines_in_area", 0)
        ]
    );
    let el = &r["owners"][0];
    assert_eq!(el["answer_ler"], "ledningsoplysninger udleveret");
    assert!(el["contact"].is_null(), "EL has no interest area");
    assert_eq!(r["owners"][1]["contact"], "GAS vagt, tlf. 70 00 00 00");
    // Very dangerous, dangerous, then the rest by distance.
    let want: Vec<Uuid> = [1u128, 3, 5, 2].into_iter().map(Uuid::from_u128).collect();
    assert_eq!(ids(&r), want);
    let f = &r["features"];
    assert_eq!(f[0]["hazard"], "very_dangerous");
    assert_eq!(f[0]["contact_owner_before_digging"], true);
    assert_eq!(f[0]["safety_note"], "Farlig ledning 1");
    assert_eq!(f[1]["contact_owner_before_digging"], true);
    assert_eq!(f[2]["contact_owner_before_digging"], false);
    let distances: Vec<f64> = (0..4)
        .map(|i| f[i]["distance_m"].as_f64().unwrap())
        .collect();
    assert_eq!(distances, [0.0, 0.8, 0.0, 0.5]);
    assert_eq!(f[0]["depth_mm"], 800);
    assert_eq!(f[0]["accuracy_xy"], "le_0.50");
    assert_eq!(f[0]["geometry"]["type"], "LineString");
    assert_eq!(
        f[0]["geometry"]["coordinates"][0],
        json!([X + 10.0, Y + 50.0])
    );
    assert_eq!(f[1]["geometry"]["type"], "Point");

    // The disclosure is in the audit log, with the request and the features' digest.
    let (log, _) = store.audit_log().await.unwrap();
    let last = &log.last().unwrap().record;
    let id: Uuid = r["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(last.action, "dig_request.report");
    assert_eq!(last.dig_request_id, Some(id));
    assert_eq!(last.org_id, Some(org("CON")));
    assert_eq!(
        (last.feature_count, last.feature_digest.clone()),
        AuditRecord::digest_ids(want.clone())
    );

    // Stored with one response per owner; the requester reads it back.
    let stored = store.dig_request(id).await.unwrap().unwrap();
    assert_eq!(stored.responses.len(), 3);
    let (status, again) = get(&app, &format!("/api/v1/dig-requests/{id}"), Some(&con)).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&again), want);
    assert_eq!(again["owners"], r["owners"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geographic_crs_give_the_same_answer() {
    let (store, _dir) = world().await;
    let app = app(store.clone());
    let con = org_with_token(store.as_ref(), "CON", Role::Contractor).await;
    let p = square(X, Y, 100.0);
    let (_, base) = post_json(&app, "/api/v1/dig-requests", Some(&con), &dig_body(&p, 1.0)).await;
    let to_wgs = Reprojector::new(&Crs::STORE, &Crs::CRS84).unwrap();
    let mut g = Geometry::Polygon(p.clone());
    to_wgs.transform_geometry(&mut g).unwrap();
    let Geometry::Polygon(wgs) = g else {
        unreachable!()
    };
    // GeoJSON positions are longitude first in EPSG:4326 as in CRS84.
    for crs in ["CRS84", "EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84"] {
        let mut body = dig_body(&wgs, 1.0);
        body["crs"] = json!(crs);
        let (status, r) = post_json(&app, "/api/v1/dig-requests", Some(&con), &body).await;
        assert_eq!(status, 201, "{crs}: {r}");
        assert_eq!(ids(&r), ids(&base), "{crs}");
        assert_eq!(r["owners"].as_array().unwrap().len(), 3);
        let ring = r["polygon"]["coordinates"][0].as_array().unwrap();
        for (got, want) in ring.iter().zip(&p.exterior().0) {
            let (x, y) = (got[0].as_f64().unwrap(), got[1].as_f64().unwrap());
            assert!(
                (x - want.x).abs() < 1e-3 && (y - want.y).abs() < 1e-3,
                "{crs}: {x},{y}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_contractors_and_admins_file_requests() {
    let (store, _dir) = world().await;
    let app = app(store.clone());
    let s = store.as_ref();
    let body = dig_body(&square(X, Y, 100.0), 1.0);
    let uri = "/api/v1/dig-requests";
    let (st, r) = post_json(&app, uri, None, &body).await;
    assert_eq!(
        (st.as_u16(), r["error"].as_str().unwrap()),
        (401, "unauthorized")
    );
    for (id, role, want) in [
        ("OWN", Role::Owner, 403),
        ("MUN", Role::Municipality, 403),
        ("CON", Role::Contractor, 201),
        ("ADM", Role::Admin, 201),
    ] {
        let auth = org_with_token(s, id, role).await;
        let (st, r) = post_json(&app, uri, Some(&auth), &body).await;
        assert_eq!(st.as_u16(), want, "{id}: {r}");
    }
    let stored = s
        .dig_requests(&forsyning_store::DigFilter::All)
        .await
        .unwrap();
    let requesters: BTreeSet<String> = stored
        .iter()
        .map(|r| r.request.requester_id.to_string())
        .collect();
    assert_eq!(requesters, ["ADM", "CON"].map(String::from).into());
}
