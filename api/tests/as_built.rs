//! `POST /api/v1/features/{id}/as-built` on both backends: classes worked
//! out by hand, the stored geometry, the rest of the dataset untouched, the
//! old version kept as history, the compare-and-swap on the base version
//! (a stale base and real races with a writer and an upload), and who may.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use common::*;
use forsyning_model::{
    AccuracyClass, DatasetId, DrawingMethod, Hazard, Kind, Measures, NetworkFeature, OrgId, Role,
    SourceFormat, Status, Theme,
};
use forsyning_store::{replace_dataset, write_batched, GpkgStore, PostgisStore, Store};
use geo_types::{line_string, polygon, Geometry, LineString, Point};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

const X: f64 = 720_000.0;
const Y: f64 = 6_190_000.0;

fn feature(n: u128, geometry: Geometry<f64>) -> NetworkFeature {
    NetworkFeature {
        id: Uuid::from_u128(0xa5b0_0000 + n),
        owner_id: OrgId::new("placeholder").unwrap(),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: format!("f{n}"),
        source_format: SourceFormat::Synthetic,
        source_class: "Elledning".into(),
        theme: Theme::Electricity,
        kind: match &geometry {
            Geometry::Point(_) => Kind::Component,
            Geometry::Polygon(_) => Kind::Area,
            _ => Kind::CableOrPipe,
        },
        status: Some(Status::InOperation),
        hazard: Some(Hazard::Dangerous),
        safety_note: Some("Kontakt ejer".into()),
        accuracy_xy: AccuracyClass::Le100,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: Some(DrawingMethod::Schematic),
        measures: Measures {
            depth_mm: Some(800 + n as u32),
            voltage_kv: Some(0.4),
            ..Default::default()
        },
        geometry,
        heights: None,
        valid_from: Utc.timestamp_opt(0, 0).unwrap(),
        valid_to: None,
    }
}

/// Feature ids of the dataset: a point, a line, a polygon and 30 others.
const POINT: u128 = 1;
const LINE: u128 = 2;
const AREA: u128 = 3;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0xa5b0_0000 + n)
}

fn initial() -> Vec<NetworkFeature> {
    let mut fs = vec![
        feature(POINT, Point::new(X, Y).into()),
        feature(
            LINE,
            line_string![(x: X + 10.0, y: Y), (x: X + 50.0, y: Y + 10.0)].into(),
        ),
        feature(
            AREA,
            polygon![(x: X, y: Y + 20.0), (x: X + 5.0, y: Y + 20.0), (x: X + 5.0, y: Y + 25.0)]
                .into(),
        ),
    ];
    for n in 10..40u128 {
        let x = X + 3.0 * n as f64;
        fs.push(feature(
            n,
            line_string![(x: x, y: Y - 40.0), (x: x + 1.5, y: Y - 60.25)].into(),
        ));
    }
    fs
}

struct World {
    app: axum::Router,
    store: Arc<dyn Store>,
    owner: String,
    other_owner: String,
    contractor: String,
    admin: String,
    dataset: DatasetId,
}

async fn world(store: Arc<dyn Store>) -> World {
    let owner = org_with_token(store.as_ref(), "OWN-A", Role::Owner).await;
    let other_owner = org_with_token(store.as_ref(), "OWN-B", Role::Owner).await;
    let contractor = org_with_token(store.as_ref(), "CON-A", Role::Contractor).await;
    let admin = org_with_token(store.as_ref(), "ADMIN", Role::Admin).await;
    let v = replace_dataset(store.as_ref(), &org("OWN-A"), "network", initial())
        .await
        .unwrap();
    assert_eq!(v.version, 1);
    World {
        app: app(store.clone()),
        store,
        owner,
        other_owner,
        contractor,
        admin,
        dataset: DatasetId::for_owner(&org("OWN-A"), "network"),
    }
}

fn uri(n: u128) -> String {
    format!("/api/v1/features/{}/as-built", id(n))
}

fn pt(e: f64, n: f64, sigma_h: f64, quality: &str) -> Value {
    json!({"e": e, "n": n, "sigma_h": sigma_h, "quality": quality, "time": "2025-05-02T09:15:00Z"})
}

async fn versions(w: &World) -> Vec<u32> {
    w.store
        .dataset_versions(w.dataset)
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect()
}

/// The features of `version`, by id, with the fields the writer sets blanked.
async fn at(w: &World, version: u32) -> Vec<NetworkFeature> {
    let mut fs = w
        .store
        .features_at_version(w.dataset, version)
        .await
        .unwrap();
    for f in &mut fs {
        assert_eq!(f.version, version);
        f.version = 0;
        f.valid_from = Utc.timestamp_opt(0, 0).unwrap();
        f.valid_to = None;
    }
    fs.sort_by_key(|f| f.id);
    fs
}

/// Every feature of `new` equals its twin in `old` except `changed`, and the
/// ids are the same.
fn same_but(old: &[NetworkFeature], new: &[NetworkFeature], changed: Uuid) {
    assert_eq!(
        old.iter().map(|f| f.id).collect::<Vec<_>>(),
        new.iter().map(|f| f.id).collect::<Vec<_>>()
    );
    for (a, b) in old.iter().zip(new) {
        if a.id != changed {
            assert_eq!(a, b, "feature {} changed", a.id);
        }
    }
}

fn find(fs: &[NetworkFeature], n: u128) -> &NetworkFeature {
    fs.iter().find(|f| f.id == id(n)).unwrap()
}

async fn current(w: &World) -> u32 {
    w.store
        .datasets(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.dataset_id == w.dataset)
        .unwrap()
        .current_version
}

async fn raw_post(app: &axum::Router, uri: &str, auth: &str, body: &str) -> (StatusCode, Value) {
    send(app, "POST", uri, Some(auth), Some(body.as_bytes().to_vec())).await
}

async fn access(w: &World) {
    let body = json!({"base_version": 1, "points": [pt(X + 1.0, Y, 0.05, "rtk_fixed")]});
    let (s, v) = post_json(&w.app, &uri(POINT), None, &body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, v) = post_json(&w.app, &uri(POINT), Some(&w.contractor), &body).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"], "forbidden", "{v}");
    // Another owner does not learn that the feature exists.
    let (s, v) = post_json(&w.app, &uri(POINT), Some(&w.other_owner), &body).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"], "not_found");
    let (s, _) = post_json(&w.app, &uri(999), Some(&w.owner), &body).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(versions(w).await, [1], "nothing stored");
}

async fn validation(w: &World) {
    let o = w.owner.as_str();
    let ok = pt(X + 1.0, Y, 0.05, "rtk_fixed");
    // 400: malformed.
    for (body, needle) in [
        ("{", "body"),
        (r#"{"points": []}"#, "base_version"),
        (
            r#"{"base_version": 1, "points": [{"e": NaN, "n": 6190000, "quality": "rtk_fixed"}]}"#,
            "body",
        ),
        (
            r#"{"base_version": 1, "points": [{"e": 1e999, "n": 6190000, "quality": "rtk_fixed"}]}"#,
            "body",
        ),
        (
            r#"{"base_version": 1, "points": [{"e": 720000, "n": 6190000, "quality": "rtk_fixed", "sigma": 1}]}"#,
            "sigma",
        ),
    ] {
        let (s, v) = raw_post(&w.app, &uri(POINT), o, body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(v["error"], "invalid_as_built", "{v}");
        assert!(v["message"].as_str().unwrap().contains(needle), "{v}");
    }
    for (point, needle) in [
        (pt(X, Y, -0.1, "rtk_fixed"), "points[0].sigma_h"),
        (pt(X, Y, 0.1, "rtk_perfect"), "points[0].quality"),
    ] {
        let body = json!({"base_version": 1, "points": [point]});
        let (s, v) = post_json(&w.app, &uri(POINT), Some(o), &body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(v["message"].as_str().unwrap().contains(needle), "{v}");
    }
    // 422: well-formed, but the feature cannot take it.
    for (n, points, code) in [
        (POINT, json!([]), "too_few_points"),
        (POINT, json!([ok, ok]), "wrong_point_count"),
        (LINE, json!([ok]), "too_few_points"),
        (LINE, json!([ok, ok]), "degenerate_line"),
        (
            AREA,
            json!([ok, pt(X + 2.0, Y, 0.05, "rtk_fixed"), ok]),
            "not_surveyable",
        ),
        (
            POINT,
            json!([pt(12.56, 55.67, 0.05, "rtk_fixed")]),
            "outside_service_area",
        ),
    ] {
        let body = json!({"base_version": 1, "points": points});
        let (s, v) = post_json(&w.app, &uri(n), Some(o), &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {v}");
        assert_eq!(v["error"], code, "{v}");
    }
    assert_eq!(versions(w).await, [1], "nothing stored");
}

/// RTK fixed, σ 0.05 m: 2.5σ = 0.125 m, class ≤ 0.25 m.
async fn point_survey(w: &World) {
    let (e, n) = (X + 1.5, Y + 2.25);
    let body = json!({"base_version": 1, "points": [pt(e, n, 0.05, "rtk_fixed")]});
    let (s, v) = post_json(&w.app, &uri(POINT), Some(&w.owner), &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["base_version"], 1);
    assert_eq!(v["version"], 2);
    assert_eq!(v["dataset_id"], w.dataset.0.to_string());
    assert_eq!(v["accuracy_xy"], "le_0.25");
    assert_eq!(v["accuracy_z"], "unknown");
    assert_eq!(v["decided_by"], 0);
    assert!(v["rule"].as_str().unwrap().contains("2.5 × sigma"), "{v}");
    assert_eq!(v["points"][0]["accuracy_xy"], "le_0.25");
    assert_eq!(v["feature"]["id"], id(POINT).to_string());
    assert_eq!(
        v["feature"]["geometry"],
        json!({"type": "Point", "coordinates": [e, n]})
    );
    assert_eq!(v["feature"]["properties"]["accuracy_xy"], "le_0.25", "{v}");

    assert_eq!(versions(w).await, [1, 2]);
    assert_eq!(current(w).await, 2);
    let (v1, v2) = (at(w, 1).await, at(w, 2).await);
    same_but(&v1, &v2, id(POINT));
    let p = find(&v2, POINT);
    assert_eq!(p.geometry, Point::new(e, n).into());
    assert_eq!(p.accuracy_xy, AccuracyClass::Le025);
    assert_eq!(p.drawing_method, Some(DrawingMethod::Exact));
    // Everything else of the feature is kept.
    let old = find(&v1, POINT);
    assert_eq!(
        (&p.source_id, p.measures.depth_mm, p.hazard, &p.safety_note),
        (
            &old.source_id,
            old.measures.depth_mm,
            old.hazard,
            &old.safety_note
        )
    );
    // History: version 1 as it was, and closed.
    assert_eq!(old.geometry, Point::new(X, Y).into());
    assert_eq!(old.accuracy_xy, AccuracyClass::Le100);
    let vs = w.store.dataset_versions(w.dataset).await.unwrap();
    assert!(vs[0].valid_to.is_some() && vs[1].valid_to.is_none());
    // The feature by id is the new one.
    let now = w.store.feature(id(POINT)).await.unwrap().unwrap();
    assert_eq!((now.version, now.geometry), (2, Point::new(e, n).into()));
    // Audited as a write by the owner.
    let (log, _) = w.store.audit_log().await.unwrap();
    let last = &log.last().unwrap().record;
    assert_eq!(last.action, "feature.as_built");
    assert_eq!(last.org_id.as_ref().map(|o| o.as_str()), Some("OWN-A"));
    assert_eq!(last.feature_count, 1);
}

/// A line of three vertices, one RTK float: the line is "≤ 0.50 m".
async fn line_survey(w: &World) {
    let points = [
        (X + 11.0, Y + 0.5, 0.02, "rtk_fixed", 10.25, 0.04),
        (X + 30.0, Y + 4.0, 0.03, "rtk_float", 10.5, 0.03),
        (X + 49.5, Y + 10.5, 0.05, "rtk_fixed", 10.75, 0.04),
    ];
    let body = json!({
        "base_version": 2,
        "points": points.iter().map(|(e, n, s, q, h, sv)| json!({
            "e": e, "n": n, "sigma_h": s, "quality": q, "h": h, "sigma_v": sv
        })).collect::<Vec<_>>(),
    });
    let (s, v) = post_json(&w.app, &uri(LINE), Some(&w.owner), &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 3);
    // 2.5 × 0.02 = 0.05, 2.5 × 0.05 = 0.125: ≤ 0.25 m; the float vertex is
    // capped at ≤ 0.50 m however small its σ, and decides.
    assert_eq!(v["accuracy_xy"], "le_0.50", "{v}");
    assert_eq!(v["decided_by"], 1);
    let classes: Vec<&str> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["accuracy_xy"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["le_0.25", "le_0.50", "le_0.25"]);
    // Heights: 2.5 × 0.04 = 0.1 (≤ 0.25), the float vertex again ≤ 0.50.
    assert_eq!(v["accuracy_z"], "le_0.50");
    let (v2, v3) = (at(w, 2).await, at(w, 3).await);
    same_but(&v2, &v3, id(LINE));
    let l = find(&v3, LINE);
    let want: LineString<f64> = points.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(l.geometry, want.into());
    assert_eq!(l.heights, Some(vec![Some(10.25), Some(10.5), Some(10.75)]));
    assert_eq!(
        (l.accuracy_xy, l.accuracy_z),
        (AccuracyClass::Le050, AccuracyClass::Le050)
    );
    // The point surveyed before is still surveyed.
    assert_eq!(find(&v3, POINT).accuracy_xy, AccuracyClass::Le025);
}

async fn stale_base(w: &World) {
    let before = at(w, 3).await;
    let body = json!({"base_version": 2, "points": [pt(X + 3.0, Y, 0.05, "rtk_fixed")]});
    let (s, v) = post_json(&w.app, &uri(POINT), Some(&w.owner), &body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "version_conflict", "{v}");
    assert_eq!(
        (v["base_version"].as_u64(), v["current_version"].as_u64()),
        (Some(2), Some(3))
    );
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("version 2") && msg.contains("version 3"),
        "{msg}"
    );
    assert_eq!(versions(w).await, [1, 2, 3], "nothing stored");
    assert_eq!(at(w, 3).await, before);
}

async fn admin_survey(w: &World) {
    let body = json!({"base_version": 3, "points": [pt(X + 0.5, Y + 0.5, 0.3, "dgps")]});
    let (s, v) = post_json(&w.app, &uri(POINT), Some(&w.admin), &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 4);
    // 2.5 × 0.3 = 0.75 m: ≤ 1.00 m, which DGPS allows.
    assert_eq!(v["accuracy_xy"], "le_1.00");
    let (v3, v4) = (at(w, 3).await, at(w, 4).await);
    same_but(&v3, &v4, id(POINT));
}

/// A writer of the dataset is open (an upload in progress) when the survey
/// comes: the survey waits for it, then finds its base stale and stores
/// nothing; a survey against the upload's version then keeps the upload.
async fn survey_during_open_writer(w: &World) {
    let base = current(w).await;
    let mut upload = at(w, base).await;
    upload.retain(|f| f.id != id(30));
    let mut new = feature(
        100,
        line_string![(x: X, y: Y + 90.0), (x: X + 9.0, y: Y + 91.0)].into(),
    );
    (new.owner_id, new.dataset_id) = (org("OWN-A"), w.dataset);
    upload.push(new);
    upload.sort_by_key(|f| f.id);
    let mut writer = w
        .store
        .begin_replace(&org("OWN-A"), "network")
        .await
        .unwrap();
    assert_eq!(writer.base_version(), base);
    write_batched(writer.as_mut(), upload.clone())
        .await
        .unwrap();
    let survey = {
        let app = w.app.clone();
        let auth = w.owner.clone();
        let body =
            json!({"base_version": base, "points": [pt(X + 7.0, Y + 7.0, 0.05, "rtk_fixed")]});
        tokio::spawn(async move { post_json(&app, &uri(POINT), Some(&auth), &body).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !survey.is_finished(),
        "the survey did not wait for the open writer"
    );
    assert_eq!(writer.commit().await.unwrap().version, base + 1);
    let (s, v) = survey.await.unwrap();
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "version_conflict");
    assert_eq!(v["current_version"].as_u64(), Some(u64::from(base + 1)));
    assert_eq!(current(w).await, base + 1);
    assert_eq!(
        at(w, base + 1).await,
        upload,
        "the upload is current, unreverted"
    );

    // Against the upload's version the survey goes in, on top of the upload.
    let body =
        json!({"base_version": base + 1, "points": [pt(X + 7.0, Y + 7.0, 0.05, "rtk_fixed")]});
    let (s, v) = post_json(&w.app, &uri(POINT), Some(&w.owner), &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let after = at(w, base + 2).await;
    same_but(&upload, &after, id(POINT));
    assert_eq!(
        find(&after, POINT).geometry,
        Point::new(X + 7.0, Y + 7.0).into()
    );
    assert!(after.iter().any(|f| f.id == id(100)) && !after.iter().any(|f| f.id == id(30)));
}

/// A feature the current version no longer holds cannot be surveyed.
async fn historic_feature(w: &World) {
    let base = current(w).await;
    let mut fs = at(w, base).await;
    fs.retain(|f| f.id != id(LINE));
    replace_dataset(w.store.as_ref(), &org("OWN-A"), "network", fs)
        .await
        .unwrap();
    let body = json!({"base_version": base + 1, "points": [pt(X, Y, 0.05, "rtk_fixed"), pt(X + 5.0, Y, 0.05, "rtk_fixed")]});
    let (s, v) = post_json(&w.app, &uri(LINE), Some(&w.owner), &body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "feature_not_current", "{v}");
    assert_eq!(v["current_version"].as_u64(), Some(u64::from(base + 1)));
    assert_eq!(v["base_version"].as_u64(), Some(u64::from(base)));
    assert_eq!(current(w).await, base + 1);
}

const BOUNDARY: &str = "----forsyning-as-built-5tq1";

fn multipart(file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads a file as the owner and waits for the job: the version it
/// stored. `accepted` hears when the job has been accepted.
async fn upload(
    app: axum::Router,
    auth: String,
    accepted: tokio::sync::oneshot::Sender<()>,
) -> u32 {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/geojson/copenhagen-crs84.geojson"),
    )
    .unwrap();
    let req = Request::post("/api/v1/owners/OWN-A/datasets")
        .header("authorization", &auth)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart("c.geojson", &bytes)))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let v: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let href = v["href"].as_str().unwrap().to_owned();
    let _ = accepted.send(());
    for _ in 0..3000 {
        let (_, job) = get(&app, &href, Some(&auth)).await;
        match job["state"].as_str().unwrap() {
            "queued" | "running" => tokio::time::sleep(Duration::from_millis(10)).await,
            "succeeded" => return job["version"].as_u64().unwrap() as u32,
            other => panic!("upload {other}: {job}"),
        }
    }
    panic!("the upload did not end");
}

/// A real upload and a survey of feature `target` (a point) at once, the
/// survey sent at once or only when the upload's job is accepted: either
/// "survey first, then the upload replaces the dataset" or "upload first,
/// survey 409". In both the upload is current and whole, and the survey's
/// version (if any) is the version before it with only `target` changed.
async fn race_with_upload(w: &World, target: Uuid, after_accepted: bool) {
    let base = current(w).await;
    let before = at(w, base).await;
    let (e, n) = if after_accepted {
        (X + 9.0, Y + 9.0)
    } else {
        (X + 8.0, Y + 8.0)
    };
    let body = json!({"base_version": base, "points": [pt(e, n, 0.05, "rtk_fixed")]});
    let (app, auth) = (w.app.clone(), w.owner.clone());
    let (accepted_tx, accepted_rx) = tokio::sync::oneshot::channel();
    let (uploaded, (s, v)) = tokio::join!(upload(app, auth, accepted_tx), async {
        if after_accepted {
            accepted_rx.await.unwrap();
        }
        post_json(
            &w.app,
            &format!("/api/v1/features/{target}/as-built"),
            Some(&w.owner),
            &body,
        )
        .await
    });
    let current_features = at(w, current(w).await).await;
    let mut sources: Vec<&str> = current_features
        .iter()
        .map(|f| f.source_id.as_str())
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        ["vand-1", "vand-2"],
        "the upload is current and whole"
    );
    assert_eq!(current(w).await, uploaded);
    match s {
        StatusCode::OK => {
            // The survey went in first; the upload replaced what it made.
            assert_eq!(v["version"].as_u64(), Some(u64::from(base + 1)));
            assert_eq!(uploaded, base + 2);
            let surveyed = at(w, base + 1).await;
            same_but(&before, &surveyed, target);
            let f = surveyed.iter().find(|f| f.id == target).unwrap();
            assert_eq!(f.geometry, Point::new(e, n).into());
            eprintln!("race (after_accepted {after_accepted}): the survey won");
        }
        StatusCode::CONFLICT => {
            assert_eq!(v["error"], "version_conflict", "{v}");
            assert_eq!(uploaded, base + 1);
            assert_eq!(v["current_version"].as_u64(), Some(u64::from(base + 1)));
            // No version holds the surveyed position.
            for version in versions(w).await.into_iter().filter(|v| *v > base) {
                assert!(at(w, version)
                    .await
                    .iter()
                    .all(|f| f.geometry != Point::new(e, n).into()));
            }
            eprintln!("race (after_accepted {after_accepted}): the upload won");
        }
        other => panic!("{other}: {v}"),
    }
    assert_eq!(*versions(w).await.last().unwrap(), uploaded);
}

async fn run(store: Arc<dyn Store>) {
    let w = world(store).await;
    access(&w).await;
    validation(&w).await;
    point_survey(&w).await;
    line_survey(&w).await;
    stale_base(&w).await;
    admin_survey(&w).await;
    survey_during_open_writer(&w).await;
    historic_feature(&w).await;
    race_with_upload(&w, id(POINT), false).await;
    // Now the dataset is the upload's: race on its point, the survey later.
    let point = w
        .store
        .features_at_version(w.dataset, current(&w).await)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.source_id == "vand-2")
        .unwrap();
    race_with_upload(&w, point.id, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_built_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("a.gpkg")).await.unwrap();
    run(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_built_on_the_postgis_store() {
    let Some(url) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_asbuilt_{}", Uuid::new_v4().simple());
    let pg = PostgisStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    run(Arc::new(pg.clone())).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}
