//! Live positions (issue #12): a synthetic excavator track, posted as NMEA
//! over HTTP and TCP, crossing a stored very dangerous cable inside its dig
//! request gives exactly one enter and one exit alert at the hand-computed
//! fixes; the WebSocket feed carries them; other organisations get 403;
//! bad input is a 4xx naming the problem; retention deletes old fixes.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use common::*;
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_geo::{Crs, Reprojector};
use forsyning_gnss::nmea::line::with_checksum;
use forsyning_model::{
    token_hash, AccuracyClass, DatasetId, Hazard, Kind, Measures, NetworkFeature, Role,
    SourceFormat, Status, Theme, TokenRecord,
};
use forsyning_store::{replace_dataset, GpkgStore, Store};
use futures::StreamExt;
use geo_types::{polygon, Geometry, LineString};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tower::ServiceExt;
use uuid::Uuid;

const E0: f64 = 720_000.0;
const N0: f64 = 6_190_000.0;
const CABLE: Uuid = Uuid::from_u128(1);

fn feature(n: u128, hazard: Hazard, a: (f64, f64), b: (f64, f64)) -> NetworkFeature {
    NetworkFeature {
        id: Uuid::from_u128(n),
        owner_id: org("ELNET"),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: format!("f{n}"),
        source_format: SourceFormat::Synthetic,
        source_class: "Ledning".into(),
        theme: Theme::Electricity,
        kind: Kind::CableOrPipe,
        status: Some(Status::InOperation),
        hazard: Some(hazard),
        safety_note: None,
        accuracy_xy: AccuracyClass::Le050,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: None,
        measures: Measures::default(),
        geometry: Geometry::LineString(LineString::from(vec![a, b])),
        heights: None,
        valid_from: Utc.timestamp_opt(0, 0).unwrap(),
        valid_to: None,
    }
}

struct World {
    _dir: tempfile::TempDir,
    state: AppState,
    app: axum::Router,
    /// CON's organisation token.
    con: String,
    /// The token of CON's device `digger-1`.
    device: String,
    /// The token of CON's other device `digger-2`.
    device2: String,
    /// Another contractor.
    other: String,
    dig_id: String,
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
    secret
}

/// ELNET's very dangerous cable runs west-east along N0 through CON's dig
/// request (a 100 m square around (E0, N0)); a dangerous main lies 200 m
/// north, outside it; a harmless pipe crosses the track.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("g.gpkg")).await.unwrap());
    let s = store.as_ref();
    let _elnet = org_with_token(s, "ELNET", Role::Owner).await;
    let con = org_with_token(s, "CON", Role::Contractor).await;
    let other = org_with_token(s, "OTHER", Role::Contractor).await;
    let device = device_token(s, "CON", "digger-1").await;
    let device2 = device_token(s, "CON", "digger-2").await;
    replace_dataset(
        s,
        &org("ELNET"),
        "net",
        vec![
            feature(1, Hazard::VeryDangerous, (E0 - 40.0, N0), (E0 + 40.0, N0)),
            feature(
                2,
                Hazard::Dangerous,
                (E0 - 40.0, N0 + 200.0),
                (E0 + 40.0, N0 + 200.0),
            ),
            feature(
                3,
                Hazard::NotDangerous,
                (E0 - 5.0, N0 - 30.0),
                (E0 + 5.0, N0 + 30.0),
            ),
        ],
    )
    .await
    .unwrap();
    let state = AppState::new(store.clone()).with_rate(RateLimiter::new(0.0, 1.0));
    let app = router(state.clone(), &Limits::default());
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
    World {
        _dir: dir,
        state,
        app,
        con,
        device: format!("Bearer {device}"),
        device2: format!("Bearer {device2}"),
        other,
        dig_id,
    }
}

fn nmea_degrees(v: f64, width: usize) -> String {
    let d = v.trunc();
    let m = (v - d) * 60.0;
    format!("{:0width$}{:011.8}", d as i64, m, width = width)
}

/// Epoch i of the track is at (E0, N0 − 20 + i) in EPSG:25832: its distance
/// to the cable is |i − 20| m. Each epoch is one RTK-fixed GGA with HDOP
/// 27.5: σ_h = HDOP × 0.02 m = 0.55 m, so the enter radius T + 2σ is 3.1 m,
/// clear of the whole-metre distances.
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
        let (lat, lon) = (c.x, c.y);
        let hms = format!("10{:02}{:05.2}", i / 60, (i % 60) as f64);
        let body = format!(
            "GNGGA,{hms},{},N,{},E,4,24,27.5,12.0,M,40.0,M,1.0,0001",
            nmea_degrees(lat, 2),
            nmea_degrees(lon, 3)
        );
        s.push_str(&with_checksum(&body));
        s.push_str("\r\n");
    }
    s
}

async fn post_nmea(
    app: &axum::Router,
    device: &str,
    auth: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/gnss/{device}/nmea"))
        .header("content-type", "text/plain");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn assign(w: &World, auth: &str, device: &str, dig: &str) -> (StatusCode, Value) {
    send(
        &w.app,
        "PUT",
        &format!("/api/v1/gnss/{device}/assignment"),
        Some(auth),
        Some(serde_json::to_vec(&json!({"dig_request": dig})).unwrap()),
    )
    .await
}

/// The northing offset (n − N0) of an alert's fix, to the centimetre.
fn offset(alert: &Value) -> f64 {
    ((alert["fix"]["n"].as_f64().unwrap() - N0) * 100.0).round() / 100.0
}

#[test]
fn the_synthetic_track_decodes_to_one_fix_per_epoch_with_dop_sigma() {
    let (fixes, report) = forsyning_gnss::nmea::decode_bytes(track(0..=40).as_bytes());
    assert_eq!((fixes.len(), report.malformed_count), (41, 0));
    assert!(fixes
        .iter()
        .all(|f| (f.sigma_h.unwrap() - 0.55).abs() < 1e-9));
}

#[tokio::test]
async fn http_track_across_the_cable_gives_one_enter_and_one_exit() {
    let w = world().await;
    let (status, a) = assign(&w, &w.con, "digger-1", &w.dig_id).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(
        a["watched_features"], 1,
        "only the cable is dangerous and in the area"
    );

    // T = 2 m, σ = 0.55 m: enter at d ≤ 3.1 (i = 17), exit at d > 4.1 (i = 25).
    // Two batches: the alert state carries over from one to the next.
    let (status, r) = post_nmea(&w.app, "digger-1", Some(&w.device), &track(0..=20)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (r["fixes"].as_u64(), r["positions"].as_u64()),
        (Some(21), Some(21))
    );
    assert_eq!(r["malformed_count"], 0);
    assert_eq!(r["dig_request"], w.dig_id.as_str());
    let alerts = r["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{r}");
    assert_eq!(alerts[0]["transition"], "enter");
    assert_eq!(alerts[0]["hazard"], "very_dangerous");
    assert_eq!(alerts[0]["feature_id"], CABLE.to_string());
    assert_eq!(offset(&alerts[0]), -3.0);
    assert!((alerts[0]["distance_m"].as_f64().unwrap() - 3.0).abs() < 0.01);
    assert!((alerts[0]["enter_radius_m"].as_f64().unwrap() - 3.1).abs() < 1e-6);

    let (status, r) = post_nmea(&w.app, "digger-1", Some(&w.con), &track(21..=40)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let alerts = r["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{r}");
    assert_eq!(alerts[0]["transition"], "exit");
    assert_eq!(offset(&alerts[0]), 5.0);

    let (status, all) = get(&w.app, "/api/v1/gnss/digger-1/alerts", Some(&w.con)).await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["transition"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["enter", "exit"]);
    let (_, t) = get(
        &w.app,
        "/api/v1/gnss/digger-1/track?limit=100",
        Some(&w.device),
    )
    .await;
    let t = t.as_array().unwrap();
    assert_eq!(t.len(), 41);
    assert!((t[0]["n"].as_f64().unwrap() - (N0 - 20.0)).abs() < 0.01);
    assert_eq!(t[0]["quality"], "rtk_fixed");

    let (_, metrics) = get(&w.app, "/metrics", None).await;
    let text = metrics.as_str().unwrap();
    assert!(
        text.contains(r#"forsyning_proximity_alerts_total{hazard="very_dangerous"} 1"#),
        "{text}"
    );

    // Each batch's alert disclosed the cable: two audited disclosures of
    // one feature, for the dig request, by CON.
    let (log, _) = w.state.store.audit_log().await.unwrap();
    let alerts: Vec<_> = log
        .iter()
        .filter(|e| e.record.action == "gnss.alert")
        .collect();
    assert_eq!(alerts.len(), 2, "{log:?}");
    for e in alerts {
        assert_eq!(e.record.org_id.as_ref().map(|o| o.as_str()), Some("CON"));
        assert_eq!(e.record.feature_count, 1);
        assert_eq!(
            e.record.dig_request_id.map(|u| u.to_string()),
            Some(w.dig_id.clone())
        );
    }
}

#[tokio::test]
async fn only_the_devices_organisation_may_post_read_and_assign() {
    let w = world().await;
    let body = track(0..=2);
    let (status, r) = post_nmea(&w.app, "digger-1", Some(&w.other), &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{r}");
    assert_eq!(r["error"], "forbidden");
    let (status, _) = get(&w.app, "/api/v1/gnss/digger-1/track", Some(&w.other)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&w.app, "/api/v1/gnss/digger-1/alerts", Some(&w.other)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = assign(&w, &w.other, "digger-1", &w.dig_id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, r) = post_nmea(&w.app, "digger-1", None, &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{r}");
    let (status, r) = post_nmea(&w.app, "nobody", Some(&w.con), &body).await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // A device token acts for its own device only.
    let (status, r) = post_nmea(&w.app, "digger-1", Some(&w.device2), &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{r}");
    // Another contractor's device cannot be put on CON's request.
    let other_dev = format!(
        "Bearer {}",
        device_token(w.state.store.as_ref(), "OTHER", "x1").await
    );
    let (status, _) = assign(&w, &other_dev, "x1", &w.dig_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = assign(&w, &w.con, "digger-1", &Uuid::new_v4().to_string()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_problem() {
    let w = world().await;
    let (status, r) = post_nmea(&w.app, "bad%20name", Some(&w.con), "x").await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_device"))
    );
    let (status, r) = post_nmea(&w.app, "digger-1", Some(&w.con), "hello\nworld\n").await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("no_nmea")),
        "{r}"
    );
    assert!(r["message"].as_str().unwrap().contains("line 1"), "{r}");
    // Good lines with bad ones: the bad are listed by line number.
    let mut body = track(0..=1);
    body.insert_str(0, "$GNGGA,garbage*00\r\n");
    body.push_str("not nmea\n");
    let (status, r) = post_nmea(&w.app, "digger-1", Some(&w.con), &body).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["malformed_count"], 2);
    let lines: Vec<u64> = r["malformed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 4]);
    assert_eq!(r["positions"], 2);
    let (status, r) = send(
        &w.app,
        "PUT",
        "/api/v1/gnss/digger-1/assignment",
        Some(&w.con),
        Some(b"{\"dig\":1}".to_vec()),
    )
    .await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_assignment")),
        "{r}"
    );
    let (status, r) = get(&w.app, "/api/v1/gnss/digger-1/track?limit=0", Some(&w.con)).await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_limit"))
    );
    // Not a WebSocket upgrade.
    let (status, r) = get(&w.app, "/api/v1/gnss/digger-1/live", Some(&w.con)).await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("not_websocket")),
        "{r}"
    );
}

#[tokio::test]
async fn retention_deletes_fixes_past_the_limit() {
    let w = world().await;
    let (status, _) = post_nmea(&w.app, "digger-1", Some(&w.con), &track(0..=9)).await;
    assert_eq!(status, StatusCode::OK);
    let hub = w.state.gnss.clone();
    assert_eq!(
        hub.purge(Utc::now() + Duration::days(29))
            .await
            .unwrap()
            .fixes,
        0
    );
    let (_, t) = get(&w.app, "/api/v1/gnss/digger-1/track", Some(&w.con)).await;
    assert_eq!(t.as_array().unwrap().len(), 10);
    assert_eq!(
        hub.purge(Utc::now() + Duration::days(31))
            .await
            .unwrap()
            .fixes,
        10
    );
    let (_, t) = get(&w.app, "/api/v1/gnss/digger-1/track", Some(&w.con)).await;
    assert_eq!(t.as_array().unwrap().len(), 0);
}

async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn ws_connect(
    addr: std::net::SocketAddr,
    device: &str,
    auth: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{addr}/api/v1/gnss/{device}/live")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", auth.parse().unwrap());
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

#[tokio::test]
async fn the_websocket_receives_fixes_and_the_alert() {
    let w = world().await;
    let addr = serve(w.app.clone()).await;
    match ws_connect(addr, "digger-1", &w.other).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(res.status(), StatusCode::FORBIDDEN)
        }
        other => panic!("a foreign organisation got {:?}", other.map(|_| ())),
    }
    let mut ws = ws_connect(addr, "digger-1", &w.con).await.unwrap();
    assert_eq!(
        assign(&w, &w.con, "digger-1", &w.dig_id).await.0,
        StatusCode::OK
    );
    let (status, _) = post_nmea(&w.app, "digger-1", Some(&w.device), &track(0..=20)).await;
    assert_eq!(status, StatusCode::OK);
    let mut fixes = 0;
    let alert = loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
            .await
            .expect("the feed went quiet")
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
        match v["type"].as_str() {
            Some("fix") => fixes += 1,
            Some("alert") => break v,
            _ => panic!("{v}"),
        }
    };
    assert_eq!(fixes, 18, "the alert comes right after the fix at i = 17");
    assert_eq!(alert["device"], "digger-1");
    assert_eq!(alert["alert"]["transition"], "enter");
    assert_eq!(offset(&alert["alert"]), -3.0);
    ws.close(None).await.unwrap();
}

#[tokio::test]
async fn the_tcp_listener_feeds_the_same_pipeline() {
    let w = world().await;
    assert_eq!(
        assign(&w, &w.con, "digger-1", &w.dig_id).await.0,
        StatusCode::OK
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(forsyning_api::gnss::tcp::serve_tcp(
        listener,
        w.state.clone(),
        std::future::pending(),
    ));

    let mut bad = tokio::net::TcpStream::connect(addr).await.unwrap();
    bad.write_all(b"fsy_not_a_token\n").await.unwrap();
    let mut line = String::new();
    BufReader::new(&mut bad).read_line(&mut line).await.unwrap();
    assert!(line.starts_with("ERR"), "{line}");
    // An organisation token is not a device token.
    let mut org_conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    org_conn
        .write_all(format!("{}\n", w.con).as_bytes())
        .await
        .unwrap();
    let mut line = String::new();
    BufReader::new(&mut org_conn)
        .read_line(&mut line)
        .await
        .unwrap();
    assert!(line.starts_with("ERR"), "{line}");

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut wr) = stream.into_split();
    let mut r = BufReader::new(r);
    wr.write_all(format!("{}\n", w.device).as_bytes())
        .await
        .unwrap();
    let mut line = String::new();
    r.read_line(&mut line).await.unwrap();
    assert_eq!(line, "OK digger-1\n");
    // Sent in small pieces that cut sentences in half.
    let body = track(0..=40);
    for piece in body.as_bytes().chunks(50) {
        wr.write_all(piece).await.unwrap();
    }
    let mut alerts = Vec::new();
    while alerts.len() < 2 {
        let mut line = String::new();
        tokio::time::timeout(std::time::Duration::from_secs(5), r.read_line(&mut line))
            .await
            .expect("no alert")
            .unwrap();
        let json = line.strip_prefix("ALERT ").expect("an alert line");
        alerts.push(serde_json::from_str::<Value>(json).unwrap());
    }
    assert_eq!(
        (alerts[0]["transition"].as_str(), offset(&alerts[0])),
        (Some("enter"), -3.0)
    );
    assert_eq!(
        (alerts[1]["transition"].as_str(), offset(&alerts[1])),
        (Some("exit"), 5.0)
    );
    drop(wr);
    // The last fix arrives with the last line; give the server a moment.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (_, t) = get(&w.app, "/api/v1/gnss/digger-1/track", Some(&w.con)).await;
    assert_eq!(t.as_array().unwrap().len(), 41);
}
