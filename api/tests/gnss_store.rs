//! GNSS positions in the store (issue 12), on both backends: the synthetic
//! excavator track across a very dangerous cable gives one enter and one
//! exit alert, each stored once and delivered once, signed, to the
//! contractor's webhook and to no other organisation's; a restart still
//! answers the track and the alerts; another organisation cannot read the
//! device's track, nor reach it through a device of the same name; the
//! retention job deletes fixes and alerts older than the retention and
//! keeps the newer ones (explicit timestamps).

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::post;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use forsyning_api::webhooks::{signature, Dispatcher, RetryPolicy, WebhookKey};
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_geo::{Crs, Reprojector};
use forsyning_gnss::nmea::line::with_checksum;
use forsyning_model::{
    token_hash, AccuracyClass, DatasetId, Hazard, Kind, Measures, NetworkFeature, Role,
    SourceFormat, Status, Theme, TokenRecord,
};
use forsyning_store::{
    replace_dataset, Device, EventKind, FixBatch, GpkgStore, PostgisStore, ProximityTransition,
    Store, StoredAlert, StoredFix, TimeRange,
};
use geo_types::{polygon, Geometry, LineString};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

const E0: f64 = 720_000.0;
const N0: f64 = 6_190_000.0;
const CABLE: Uuid = Uuid::from_u128(1);

fn cable() -> NetworkFeature {
    NetworkFeature {
        id: CABLE,
        owner_id: org("ELNET"),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: "cable".into(),
        source_format: SourceFormat::Synthetic,
        source_class: "Ledning".into(),
        theme: Theme::Electricity,
        kind: Kind::CableOrPipe,
        status: Some(Status::InOperation),
        hazard: Some(Hazard::VeryDangerous),
        safety_note: None,
        accuracy_xy: AccuracyClass::Le050,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: None,
        measures: Measures::default(),
        geometry: Geometry::LineString(LineString::from(vec![(E0 - 40.0, N0), (E0 + 40.0, N0)])),
        heights: None,
        valid_from: Utc.timestamp_opt(0, 0).unwrap(),
        valid_to: None,
    }
}

fn nmea_degrees(v: f64, width: usize) -> String {
    let d = v.trunc();
    let m = (v - d) * 60.0;
    format!("{:0width$}{:011.8}", d as i64, m, width = width)
}

/// Epoch i is at (E0, N0 − 20 + i): |i − 20| m from the cable, RTK fixed
/// with σ_h 0.55 m (HDOP 27.5), so enter at i = 17 (3 m ≤ 3.1 m) and exit
/// at i = 25 (5 m > 4.1 m), as in `gnss.rs`.
fn track(range: std::ops::RangeInclusive<usize>) -> String {
    let back = Reprojector::new(&Crs::STORE, &Crs::epsg(4258).unwrap()).unwrap();
    let mut s = String::new();
    for i in range {
        let c = back
            .transform_coord(geo_types::Coord {
                x: E0,
                y: N0 - 20.0 + i as f64,
            })
            .unwrap();
        let hms = format!("10{:02}{:05.2}", i / 60, (i % 60) as f64);
        let body = format!(
            "GNGGA,{hms},{},N,{},E,4,24,27.5,12.0,M,40.0,M,1.0,0001",
            nmea_degrees(c.x, 2),
            nmea_degrees(c.y, 3)
        );
        s.push_str(&with_checksum(&body));
        s.push_str("\r\n");
    }
    s
}

async fn device_token(store: &dyn Store, owner: &str, name: &str) -> String {
    let secret = format!("fsy_dev_{name}_{}", Uuid::new_v4().simple());
    store
        .insert_token(&TokenRecord {
            id: Uuid::new_v4(),
            org_id: org(owner),
            label: format!("gnss:{name}"),
            hash: token_hash(&secret),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    format!("Bearer {secret}")
}

async fn post_nmea(
    app: &axum::Router,
    device: &str,
    auth: &str,
    body: &str,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/gnss/{device}/nmea"))
        .header("content-type", "text/plain")
        .header("authorization", auth)
        .body(Body::from(body.to_owned()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[derive(Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// A webhook receiver answering 200; its URL and what it got.
async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |State(inbox): State<Inbox>, headers: HeaderMap, body: axum::body::Bytes| async move {
                    inbox.lock().unwrap().push(Received {
                        headers,
                        body: body.to_vec(),
                    });
                    StatusCode::OK
                },
            ),
        )
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), inbox)
}

/// Checks the delivery's `Forsyning-Signature` with `webhooks::signature`.
fn verify(secret: &str, r: &Received) {
    let header = r.headers["forsyning-signature"].to_str().unwrap();
    let t: i64 = header
        .strip_prefix("t=")
        .and_then(|s| s.split_once(','))
        .map(|(t, _)| t.parse().unwrap())
        .unwrap_or_else(|| panic!("signature header {header}"));
    assert_eq!(
        header,
        signature(secret, t, &r.body),
        "the signature verifies"
    );
    assert!((Utc::now().timestamp() - t).abs() < 60, "signed now");
}

fn app_over(store: Arc<dyn Store>, key: &WebhookKey) -> (AppState, axum::Router) {
    let state = AppState::new(store)
        .with_rate(RateLimiter::new(0.0, 1.0))
        .with_webhook_key(key.clone());
    let app = router(state.clone(), &Limits::default());
    (state, app)
}

async fn register(app: &axum::Router, org: &str, auth: &str, url: &str) -> String {
    let (status, v) = send(
        app,
        "PUT",
        &format!("/api/v1/owners/{org}/webhook"),
        Some(auth),
        Some(serde_json::to_vec(&json!({ "url": url })).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{org}: {v}");
    v["secret"].as_str().unwrap().to_owned()
}

fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap()
}

fn stored_fix(n: f64, at: DateTime<Utc>) -> StoredFix {
    StoredFix {
        received_at: at,
        time: None,
        lat: 55.8,
        lon: 12.3,
        e: E0,
        n,
        quality: "rtk_fixed".into(),
        sigma_h: Some(0.5),
    }
}

async fn positions(
    store: Arc<dyn Store>,
    reopen: impl std::future::Future<Output = Arc<dyn Store>>,
) {
    let name = store.backend();
    let s = store.as_ref();
    let elnet = org_with_token(s, "ELNET", Role::Owner).await;
    let con = org_with_token(s, "CON", Role::Contractor).await;
    let other = org_with_token(s, "OTHER", Role::Contractor).await;
    let device = device_token(s, "CON", "digger-1").await;
    replace_dataset(s, &org("ELNET"), "net", vec![cable()])
        .await
        .unwrap();
    let key = WebhookKey::new(vec![9u8; 32]).unwrap();
    let (state, app) = app_over(store.clone(), &key);

    // Every organisation listens: the contractor, another contractor and
    // the cable's owner (who gets the dig request, not the alerts).
    let (con_url, con_inbox) = receiver().await;
    let (other_url, other_inbox) = receiver().await;
    let (elnet_url, elnet_inbox) = receiver().await;
    let con_secret = register(&app, "CON", &con, &con_url).await;
    register(&app, "OTHER", &other, &other_url).await;
    register(&app, "ELNET", &elnet, &elnet_url).await;
    let (status, _) = send(
        &app,
        "PUT",
        "/api/v1/owners/CON/webhook",
        Some(&other),
        Some(serde_json::to_vec(&json!({ "url": other_url })).unwrap()),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{name}: not another's webhook"
    );

    let square = polygon![(x: E0 - 50.0, y: N0 - 50.0), (x: E0 + 50.0, y: N0 - 50.0), (x: E0 + 50.0, y: N0 + 50.0), (x: E0 - 50.0, y: N0 + 50.0), (x: E0 - 50.0, y: N0 - 50.0)];
    let (status, r) = post_json(
        &app,
        "/api/v1/dig-requests",
        Some(&con),
        &dig_body(&square, 5.0),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let dig_id = r["id"].as_str().unwrap().to_owned();
    let (status, a) = send(
        &app,
        "PUT",
        "/api/v1/gnss/digger-1/assignment",
        Some(&con),
        Some(serde_json::to_vec(&json!({ "dig_request": dig_id })).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");

    let (status, r1) = post_nmea(&app, "digger-1", &device, &track(0..=20)).await;
    assert_eq!(status, StatusCode::OK, "{r1}");
    let (status, r2) = post_nmea(&app, "digger-1", &device, &track(21..=40)).await;
    assert_eq!(status, StatusCode::OK, "{r2}");
    let raised: Vec<Value> = [&r1, &r2]
        .iter()
        .flat_map(|r| r["alerts"].as_array().unwrap().clone())
        .collect();
    let transitions: Vec<&str> = raised
        .iter()
        .map(|a| a["transition"].as_str().unwrap())
        .collect();
    assert_eq!(transitions, ["enter", "exit"], "{name}");
    let raised_ids: Vec<Uuid> = raised
        .iter()
        .map(|a| a["id"].as_str().unwrap().parse().unwrap())
        .collect();

    // Each alert stored once.
    let con_dev = Device {
        org_id: org("CON"),
        name: "digger-1".into(),
    };
    let stored = store
        .alerts(&con_dev, TimeRange::default(), 100)
        .await
        .unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|a| (a.id, a.transition))
            .collect::<Vec<_>>(),
        vec![
            (raised_ids[0], ProximityTransition::Enter),
            (raised_ids[1], ProximityTransition::Exit)
        ],
        "{name}"
    );
    assert_eq!(stored[0].feature_id, CABLE);
    assert!((stored[0].fix.n - (N0 - 3.0)).abs() < 0.01, "{name}");
    assert!((stored[1].fix.n - (N0 + 5.0)).abs() < 0.01, "{name}");

    // Each delivered once, signed, to CON only.
    let policy = RetryPolicy::default();
    let dispatcher = Dispatcher::new(store.clone(), key.clone(), policy.clone());
    // CON's two alerts and ELNET's dig_request.received.
    assert_eq!(dispatcher.run_once(Utc::now()).await.unwrap(), 3, "{name}");
    assert_eq!(
        dispatcher
            .run_once(Utc::now() + Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    let got = con_inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{name}: one delivery per alert");
    let mut delivered = Vec::new();
    for r in &got {
        verify(&con_secret, r);
        assert_eq!(r.headers["forsyning-event"], "proximity.alert");
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            r.headers["forsyning-delivery"],
            body["id"].as_str().unwrap()
        );
        assert_eq!(body["event"], "proximity.alert");
        assert_eq!(
            (body["owner_id"].as_str(), body["device"].as_str()),
            (Some("CON"), Some("digger-1"))
        );
        // Deliveries run in parallel: matched by the alert's id.
        let id: Uuid = body["alert"]["id"].as_str().unwrap().parse().unwrap();
        let i = raised_ids
            .iter()
            .position(|r| *r == id)
            .expect("a raised alert");
        let raised = &raised[i];
        assert_eq!(body["transition"], raised["transition"]);
        assert_eq!(body["alert"]["transition"], raised["transition"]);
        assert_eq!(body["alert"]["feature_id"], CABLE.to_string());
        assert_eq!(body["alert"]["hazard"], "very_dangerous");
        assert_eq!(body["alert"]["dig_request"], dig_id.as_str());
        assert_eq!(body["dig_request"]["id"], dig_id.as_str());
        let dn = body["alert"]["fix"]["n"].as_f64().unwrap() - raised["fix"]["n"].as_f64().unwrap();
        assert!(dn.abs() < 1e-9, "{name}: the alert's fix");
        delivered.push(id);
    }
    delivered.sort();
    let mut want = raised_ids.clone();
    want.sort();
    assert_eq!(delivered, want, "{name}: each alert delivered once");
    assert!(
        other_inbox.lock().unwrap().is_empty(),
        "{name}: another contractor gets nothing"
    );
    let elnet_got = elnet_inbox.lock().unwrap().clone();
    assert_eq!(
        elnet_got
            .iter()
            .map(|r| r.headers["forsyning-event"].to_str().unwrap().to_owned())
            .collect::<Vec<_>>(),
        ["dig_request.received"],
        "{name}: the owner gets its dig request, not the contractor's alerts"
    );
    let (status, events) = get(&app, "/api/v1/owners/CON/events", Some(&con)).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let kinds: Vec<(&str, &str)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("proximity.alert", "delivered"); 2], "{name}");
    assert_eq!(
        get(&app, "/api/v1/owners/CON/events", Some(&other)).await.0,
        StatusCode::FORBIDDEN
    );

    // The device's track is its organisation's only.
    for route in ["track", "alerts"] {
        let (status, v) = get(
            &app,
            &format!("/api/v1/gnss/digger-1/{route}"),
            Some(&other),
        )
        .await;
        assert_eq!(
            (status, v["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{name} {route}"
        );
    }

    // A restart: the alerts and the track come from the store.
    state.gnss.flush().await;
    drop((state, app, dispatcher));
    let store = reopen.await;
    let (state, app) = app_over(store.clone(), &key);
    let (status, alerts) = get(&app, "/api/v1/gnss/digger-1/alerts", Some(&con)).await;
    assert_eq!(status, StatusCode::OK, "{alerts}");
    let ids: Vec<&str> = alerts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        raised_ids.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
        "{name}"
    );
    assert_eq!(alerts[0]["transition"], "enter");
    assert_eq!(alerts[1]["fix"]["quality"], "rtk_fixed");
    let (status, t) = get(&app, "/api/v1/gnss/digger-1/track?limit=100", Some(&device)).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let t = t.as_array().unwrap();
    assert_eq!(t.len(), 41, "{name}");
    assert!((t[0]["n"].as_f64().unwrap() - (N0 - 20.0)).abs() < 0.01);
    assert!((t[40]["n"].as_f64().unwrap() - (N0 + 20.0)).abs() < 0.01);
    // A time range: the fixes received from the 21st's receipt on.
    let time = |v: &Value| DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let from = time(&t[20]["received_at"]);
    let query = from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (status, part) = get(
        &app,
        &format!("/api/v1/gnss/digger-1/track?from={query}&limit=100"),
        Some(&con),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{part}");
    let part = part.as_array().unwrap();
    let want = t.iter().filter(|f| time(&f["received_at"]) >= from).count();
    assert!(want >= 21);
    assert_eq!(part.len(), want, "{name}: from is inclusive");
    assert_eq!(part.last().unwrap()["n"], t[40]["n"]);
    let (status, part) = get(
        &app,
        &format!("/api/v1/gnss/digger-1/track?to={query}&limit=100"),
        Some(&con),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{part}");
    assert_eq!(
        part.as_array().unwrap().len(),
        41 - want,
        "{name}: to is exclusive"
    );
    let (status, v) = get(
        &app,
        "/api/v1/gnss/digger-1/track?from=yesterday",
        Some(&con),
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_time"))
    );

    // OTHER's own digger-1 is another device: it sees its own fixes only.
    let other_device = device_token(store.as_ref(), "OTHER", "digger-1").await;
    let (status, _) = post_nmea(&app, "digger-1", &other_device, &track(0..=2)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, mine) = get(&app, "/api/v1/gnss/digger-1/track", Some(&other)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mine.as_array().unwrap().len(),
        3,
        "{name}: OTHER's own three"
    );
    let (_, mine) = get(&app, "/api/v1/gnss/digger-1/alerts", Some(&other)).await;
    assert_eq!(mine, json!([]), "{name}");
    let (_, theirs) = get(&app, "/api/v1/gnss/digger-1/track?limit=100", Some(&con)).await;
    assert_eq!(
        theirs.as_array().unwrap().len(),
        41,
        "{name}: CON's untouched"
    );

    // Retention (30 days by default), with explicit timestamps: a fix and
    // an alert of 31 days go, those of 29 days stay; so do today's.
    let now = ms(Utc::now());
    let dig: Uuid = dig_id.parse().unwrap();
    let old = now - Duration::days(31);
    let recent = now - Duration::days(29);
    store
        .append_fixes(&[FixBatch {
            device: con_dev.clone(),
            fixes: vec![stored_fix(N0 - 100.0, old), stored_fix(N0 - 99.0, recent)],
        }])
        .await
        .unwrap();
    let old_alert = StoredAlert {
        id: Uuid::now_v7(),
        device: con_dev.clone(),
        at: old,
        transition: ProximityTransition::Enter,
        feature_id: CABLE,
        hazard: Hazard::VeryDangerous,
        distance_m: Some(1.0),
        enter_radius_m: 3.0,
        sigma_m: 0.5,
        dig_request_id: dig,
        fix: stored_fix(N0 - 1.0, old),
    };
    let recent_alert = StoredAlert {
        id: Uuid::now_v7(),
        at: recent,
        fix: stored_fix(N0 - 1.0, recent),
        ..old_alert.clone()
    };
    store
        .append_alerts(&[old_alert.clone(), recent_alert.clone()])
        .await
        .unwrap();
    assert_eq!(
        store
            .track(&con_dev, TimeRange::default(), 1000)
            .await
            .unwrap()
            .len(),
        43
    );
    // The job as `serve` runs it: once at start, then (stopped) it returns.
    forsyning_api::gnss::run_retention(
        state.gnss.clone(),
        std::time::Duration::from_secs(3600),
        async {},
    )
    .await;
    let left = store
        .track(&con_dev, TimeRange::default(), 1000)
        .await
        .unwrap();
    assert_eq!(left.len(), 42, "{name}: the 31-day fix went");
    assert_eq!(left[0], stored_fix(N0 - 99.0, recent), "{name}");
    let alerts = store
        .alerts(&con_dev, TimeRange::default(), 100)
        .await
        .unwrap();
    assert_eq!(
        alerts.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![recent_alert.id, raised_ids[0], raised_ids[1]],
        "{name}: the 31-day alert went"
    );
    let (_, t) = get(&app, "/api/v1/gnss/digger-1/track?limit=100", Some(&con)).await;
    assert_eq!(t.as_array().unwrap().len(), 42);
    // The events of today's alerts are newer than the retention: kept.
    let events = store.events(Some(&org("CON")), 100).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::ProximityAlert)
            .count(),
        4,
        "{name}"
    );
    // Thirty days on, everything positional is gone.
    let p = state
        .gnss
        .purge(Utc::now() + Duration::days(31))
        .await
        .unwrap();
    assert_eq!((p.fixes, p.alerts, p.events), (45, 3, 4), "{name}");
    let (_, t) = get(&app, "/api/v1/gnss/digger-1/track", Some(&con)).await;
    assert_eq!(t, json!([]));
    let (_, a) = get(&app, "/api/v1/gnss/digger-1/alerts", Some(&con)).await;
    assert_eq!(a, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.gpkg");
    let store: Arc<dyn Store> = Arc::new(GpkgStore::open(&path).await.unwrap());
    let reopen = async move { Arc::new(GpkgStore::open(&path).await.unwrap()) as Arc<dyn Store> };
    positions(store, reopen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_on_the_postgis_store() {
    let Some(url) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_gnss_{}", Uuid::new_v4().simple());
    let pg = PostgisStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let (url2, schema2) = (url.clone(), schema.clone());
    let reopen = async move {
        Arc::new(
            PostgisStore::connect_in_schema(&url2, Some(&schema2))
                .await
                .unwrap(),
        ) as Arc<dyn Store>
    };
    positions(Arc::new(pg.clone()), reopen).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}
