//! A dig request after intake: manual answers and completion over HTTP,
//! coordination with neighbouring requests, and owner webhooks delivered
//! from the outbox (signed, retried, surviving a restart) on both backends.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::{Duration, TimeZone, Utc};
use common::*;
use forsyning_api::webhooks::{Dispatcher, RetryPolicy, WebhookKey};
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_model::{
    AccuracyClass, DatasetId, Hazard, InterestArea, Kind, Measures, NetworkFeature, Role,
    SourceFormat, Status, Theme,
};
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store};
use geo_types::{polygon, Geometry, LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const X: f64 = 720_000.0;
const Y: f64 = 6_190_000.0;

fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side), (x: x, y: y)]
}

fn line(n: u128, owner: &str, a: (f64, f64), b: (f64, f64)) -> NetworkFeature {
    NetworkFeature {
        id: Uuid::from_u128(n),
        owner_id: org(owner),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: format!("f{n}"),
        source_format: SourceFormat::Synthetic,
        source_class: "Ledning".into(),
        theme: Theme::Water,
        kind: Kind::CableOrPipe,
        status: Some(Status::InOperation),
        hazard: Some(Hazard::NotDangerous),
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

fn area(owner: &str, p: Polygon<f64>) -> InterestArea {
    InterestArea {
        id: Uuid::new_v4(),
        owner_id: org(owner),
        themes: vec![Theme::Water],
        geometry: MultiPolygon(vec![p]),
        contact: format!("{owner} vagt"),
        marks_on_site: false,
    }
}

struct World {
    store: Arc<dyn Store>,
    app: axum::Router,
    key: WebhookKey,
    vand: String,
    fiber: String,
    con: String,
    con2: String,
    admin: String,
    muni: String,
}

/// VAND has a pipe through the square at (X, Y); FIBER has an interest area
/// there but no line.
async fn world(store: Arc<dyn Store>) -> World {
    let s = store.as_ref();
    let vand = org_with_token(s, "VAND", Role::Owner).await;
    let fiber = org_with_token(s, "FIBER", Role::Owner).await;
    let con = org_with_token(s, "CON", Role::Contractor).await;
    let con2 = org_with_token(s, "CON2", Role::Contractor).await;
    let admin = org_with_token(s, "ADM", Role::Admin).await;
    let muni = org_with_token(s, "KOM", Role::Municipality).await;
    replace_dataset(
        s,
        &org("VAND"),
        "net",
        vec![line(1, "VAND", (X - 50.0, Y + 20.0), (X + 150.0, Y + 20.0))],
    )
    .await
    .unwrap();
    s.replace_interest_areas(
        &org("FIBER"),
        vec![area("FIBER", square(X - 200.0, Y - 200.0, 600.0))],
    )
    .await
    .unwrap();
    let key = WebhookKey::new(vec![7u8; 32]).unwrap();
    let app = router(
        AppState::new(store.clone())
            .with_rate(RateLimiter::new(0.0, 1.0))
            .with_webhook_key(key.clone()),
        &Limits::default(),
    );
    World {
        store,
        app,
        key,
        vand,
        fiber,
        con,
        con2,
        admin,
        muni,
    }
}

async fn put_json(app: &axum::Router, uri: &str, auth: &str, body: &Value) -> (u16, Value) {
    let (s, v) = send(
        app,
        "PUT",
        uri,
        Some(auth),
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await;
    (s.as_u16(), v)
}

async fn file(w: &World, auth: &str, p: &Polygon<f64>) -> Value {
    let (status, r) = post_json(
        &w.app,
        "/api/v1/dig-requests",
        Some(auth),
        &dig_body(p, 1.0),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    r
}

fn answer_of<'a>(report: &'a Value, owner: &str) -> &'a Value {
    report["owners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["owner_id"] == owner)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_answer_by_hand_and_the_requester_completes() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("l.gpkg")).await.unwrap());
    let w = world(store).await;
    let r = file(&w, &w.con, &square(X, Y, 100.0)).await;
    assert_eq!(r["status"], "answered");
    assert_eq!(answer_of(&r, "VAND")["answer"], "delivered");
    assert_eq!(answer_of(&r, "FIBER")["answer"], "no_lines_in_area");
    let id = r["id"].as_str().unwrap();
    let uri = |owner: &str| format!("/api/v1/dig-requests/{id}/responses/{owner}");
    let manual = json!({"answer": "taken_for_manual_handling"});

    // VAND takes its part back for manual handling: received again, VAND open.
    let (s, v) = put_json(&w.app, &uri("VAND"), &w.vand, &manual).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "received");
    let own = v["owners"].as_array().unwrap();
    assert_eq!(own.len(), 1, "an owner sees only its own answer");
    assert_eq!(own[0]["answer"], "taken_for_manual_handling");
    assert!(own[0]["answered_at"].is_null());
    assert_eq!(own[0]["feature_count"], 1);

    // Who may not answer for VAND.
    assert_eq!(
        put_json(&w.app, &uri("VAND"), &w.fiber, &manual).await.0,
        403
    );
    assert_eq!(put_json(&w.app, &uri("VAND"), &w.con, &manual).await.0, 403);
    assert_eq!(
        put_json(&w.app, &uri("VAND"), &w.con2, &manual).await.0,
        404,
        "not its request"
    );
    assert_eq!(
        put_json(&w.app, &uri("ELNET"), &w.admin, &manual).await.0,
        404,
        "not matched"
    );
    let unknown = format!("/api/v1/dig-requests/{}/responses/VAND", Uuid::new_v4());
    assert_eq!(put_json(&w.app, &unknown, &w.vand, &manual).await.0, 404);
    let (s, _) = send(&w.app, "PUT", &uri("VAND"), None, Some(b"{}".to_vec())).await;
    assert_eq!(s, 401);
    // Bad bodies name the problem.
    let (s, v) = put_json(&w.app, &uri("VAND"), &w.vand, &json!({"answer": "maybe"})).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_answer")),
        "{v}"
    );
    assert!(v["message"].as_str().unwrap().contains("maybe"));
    let (s, v) = put_json(
        &w.app,
        &uri("VAND"),
        &w.vand,
        &json!({"answer": "no_lines_in_area"}),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (422, Some("owner_has_lines")),
        "{v}"
    );

    // The requester cannot complete while VAND has not answered.
    let complete = format!("/api/v1/dig-requests/{id}/complete");
    let (s, v) = post_json(&w.app, &complete, Some(&w.con), &json!({})).await;
    assert_eq!(
        (s.as_u16(), v["error"].as_str()),
        (409, Some("conflict")),
        "{v}"
    );
    // VAND answers "not delivered"; the contractor then sees no VAND feature.
    let (s, v) = put_json(
        &w.app,
        &uri("VAND"),
        &w.vand,
        &json!({"answer": "not_delivered"}),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("answered")), "{v}");
    let (_, seen) = get(&w.app, &format!("/api/v1/dig-requests/{id}"), Some(&w.con)).await;
    assert_eq!(answer_of(&seen, "VAND")["answer"], "not_delivered");
    assert_eq!(seen["features"].as_array().unwrap().len(), 0);
    // Only the requester or an admin completes.
    assert_eq!(
        post_json(&w.app, &complete, Some(&w.vand), &json!({}))
            .await
            .0,
        403
    );
    assert_eq!(
        post_json(&w.app, &complete, Some(&w.con2), &json!({}))
            .await
            .0,
        404
    );
    let (s, v) = post_json(&w.app, &complete, Some(&w.con), &json!({})).await;
    assert_eq!(
        (s.as_u16(), v["status"].as_str()),
        (200, Some("complete")),
        "{v}"
    );
    // Complete is final.
    assert_eq!(
        post_json(&w.app, &complete, Some(&w.con), &json!({}))
            .await
            .0,
        409
    );
    assert_eq!(
        put_json(&w.app, &uri("VAND"), &w.vand, &manual).await.0,
        409
    );
    let stored = w
        .store
        .dig_request(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.request.status.code(), "complete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordination_lists_requests_near_in_space_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("c.gpkg")).await.unwrap());
    let w = world(store).await;
    let me = file(&w, &w.con, &square(X, Y, 100.0)).await;
    // 30 m east of it, same period: listed at 30 m.
    let east = file(&w, &w.con2, &square(X + 130.0, Y, 50.0)).await;
    // Overlapping it: 0 m.
    let over = file(&w, &w.con2, &square(X + 50.0, Y + 50.0, 100.0)).await;
    // 80 m north: beyond the default 50 m, within 100 m.
    let north = file(&w, &w.con2, &square(X, Y + 180.0, 40.0)).await;
    // Touching in space but months later: never listed.
    let mut later = dig_body(&square(X + 100.0, Y, 20.0), 1.0);
    later["period_from"] = json!(rfc3339(Utc::now() + Duration::days(40)));
    later["period_to"] = json!(rfc3339(Utc::now() + Duration::days(50)));
    let (s, _) = post_json(&w.app, "/api/v1/dig-requests", Some(&w.con2), &later).await;
    assert_eq!(s, 201);

    let id = me["id"].as_str().unwrap();
    let uri = format!("/api/v1/dig-requests/{id}/coordination");
    let listed = |v: &Value| -> Vec<(String, f64)> {
        v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["distance_m"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let idof = |r: &Value| r["id"].as_str().unwrap().to_owned();
    let (s, v) = get(&w.app, &uri, Some(&w.con)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["within_m"], 50.0);
    assert_eq!(listed(&v), [(idof(&over), 0.0), (idof(&east), 30.0)]);
    let first = &v["requests"][0];
    assert_eq!(first["requester_id"], "CON2");
    assert_eq!(first["contact"], "Graver Hansen, tlf. 11 22 33 44");
    let (_, v) = get(&w.app, &format!("{uri}?within_m=100"), Some(&w.con)).await;
    assert_eq!(
        listed(&v),
        [
            (idof(&over), 0.0),
            (idof(&east), 30.0),
            (idof(&north), 80.0)
        ]
    );
    // Admins and the municipality may look; owners and strangers may not.
    assert_eq!(get(&w.app, &uri, Some(&w.admin)).await.0, 200);
    assert_eq!(get(&w.app, &uri, Some(&w.vand)).await.0, 403);
    assert_eq!(get(&w.app, &uri, Some(&w.con2)).await.0, 404);
    assert_eq!(get(&w.app, &uri, None).await.0, 401);
    // The municipality sees it only with a boundary around it: KOM has none.
    assert_eq!(get(&w.app, &uri, Some(&w.muni)).await.0, 404);
    for bad in ["within_m=-1", "within_m=5000", "within_m=x", "radius=5"] {
        let (s, v) = get(&w.app, &format!("{uri}?{bad}"), Some(&w.con)).await;
        assert_eq!(s, 400, "{bad}: {v}");
    }
}

/// What the test receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// A webhook receiver on `addr` that answers `status`.
async fn receiver(addr: SocketAddr, status: u16) -> (Inbox, tokio::task::JoinHandle<()>) {
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |State((inbox, status)): State<(Inbox, u16)>,
                 headers: HeaderMap,
                 body: axum::body::Bytes| async move {
                    inbox.lock().unwrap().push(Received {
                        headers,
                        body: body.to_vec(),
                    });
                    axum::http::StatusCode::from_u16(status).unwrap()
                },
            ),
        )
        .with_state((inbox.clone(), status));
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (inbox, task)
}

/// HMAC-SHA256 written out from RFC 2104, independent of the `hmac` crate.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(msg.iter().copied())
        .collect();
    let inner = Sha256::digest(&inner);
    let outer: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner.iter().copied())
        .collect();
    Sha256::digest(&outer)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn verify(secret: &str, r: &Received) {
    let sig = r.headers["forsyning-signature"].to_str().unwrap();
    let (t, v1) = sig
        .strip_prefix("t=")
        .and_then(|s| s.split_once(",v1="))
        .unwrap_or_else(|| panic!("signature header {sig}"));
    let mut msg = t.as_bytes().to_vec();
    msg.push(b'.');
    msg.extend_from_slice(&r.body);
    assert_eq!(
        v1,
        hmac_sha256(secret.as_bytes(), &msg),
        "the signature verifies"
    );
    let age = Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "the timestamp is now");
}

/// A free port that nobody listens on (yet).
async fn free_addr() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

async fn webhooks(
    store: Arc<dyn Store>,
    reopen: impl std::future::Future<Output = Arc<dyn Store>>,
) {
    let w = world(store).await;
    let addr = free_addr().await;
    let url = format!("http://{addr}/hook");
    let hook_uri = "/api/v1/owners/VAND/webhook";

    // Registration: the owner or an admin; a valid address; the secret once.
    assert_eq!(
        put_json(&w.app, hook_uri, &w.fiber, &json!({"url": url}))
            .await
            .0,
        403
    );
    assert_eq!(
        put_json(&w.app, hook_uri, &w.con, &json!({"url": url}))
            .await
            .0,
        403
    );
    assert_eq!(
        put_json(
            &w.app,
            "/api/v1/owners/NOPE/webhook",
            &w.admin,
            &json!({"url": url})
        )
        .await
        .0,
        404
    );
    for bad in [
        json!({"url": "ftp://x.dk/h"}),
        json!({"url": "not a url"}),
        json!({"uri": url}),
    ] {
        let (s, v) = put_json(&w.app, hook_uri, &w.vand, &bad).await;
        assert_eq!(
            (s, v["error"].as_str()),
            (400, Some("invalid_webhook")),
            "{bad}: {v}"
        );
    }
    let (s, reg) = put_json(&w.app, hook_uri, &w.vand, &json!({"url": url})).await;
    assert_eq!(s, 200, "{reg}");
    let secret = reg["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    let (s, shown) = get(&w.app, hook_uri, Some(&w.vand)).await;
    assert_eq!((s.as_u16(), &shown["url"]), (200, &json!(url)));
    assert!(shown.get("secret").is_none(), "the secret is shown once");
    let hook = w.store.webhook(&org("VAND")).await.unwrap().unwrap();
    assert_eq!(w.key.secret(&hook), secret);
    // A server without a webhook key refuses registration.
    let keyless = router(AppState::new(w.store.clone()), &Limits::default());
    assert_eq!(
        put_json(&keyless, hook_uri, &w.vand, &json!({"url": url}))
            .await
            .0,
        503
    );

    // A request for VAND and FIBER; VAND's receiver is down.
    let r = file(&w, &w.con, &square(X, Y, 100.0)).await;
    let request_id = r["id"].as_str().unwrap().to_owned();
    let policy = RetryPolicy {
        first_delay: Duration::seconds(30),
        max_delay: Duration::seconds(60),
        max_attempts: 4,
        timeout: std::time::Duration::from_secs(5),
        lease: Duration::seconds(10),
    };
    let t0 = Utc::now();
    let dispatcher = Dispatcher::new(w.store.clone(), w.key.clone(), policy.clone());
    assert_eq!(
        dispatcher.run_once(t0).await.unwrap(),
        1,
        "VAND's event (FIBER's was written skipped: FIBER has no webhook)"
    );
    let (_, events) = get(&w.app, "/api/v1/owners/VAND/events", Some(&w.vand)).await;
    let ev = &events[0];
    assert_eq!(
        (ev["status"].as_str(), ev["attempts"].as_u64()),
        (Some("pending"), Some(1)),
        "{events}"
    );
    assert!(ev["last_error"].as_str().unwrap().contains(&url), "{ev}");
    assert_eq!(ev["payload"]["dig_request"]["id"], request_id.as_str());
    let (_, fiber_events) = get(&w.app, "/api/v1/owners/FIBER/events", Some(&w.fiber)).await;
    assert_eq!(fiber_events[0]["status"], "skipped", "FIBER has no webhook");
    assert_eq!(
        fiber_events[0]["last_error"], "FIBER had no webhook when the event was written",
        "{fiber_events}"
    );
    assert_eq!(
        get(&w.app, "/api/v1/owners/VAND/events", Some(&w.fiber))
            .await
            .0,
        403
    );
    // Not due again before the backoff.
    assert_eq!(
        dispatcher
            .run_once(t0 + Duration::seconds(29))
            .await
            .unwrap(),
        0
    );

    // Restart: a new process (store reopened) with the receiver up.
    drop(dispatcher);
    let store = reopen.await;
    let dispatcher = Dispatcher::new(store.clone(), w.key.clone(), policy.clone());
    let (inbox, task) = receiver(addr, 200).await;
    assert_eq!(
        dispatcher
            .run_once(t0 + Duration::seconds(31))
            .await
            .unwrap(),
        1
    );
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    verify(&secret, &got[0]);
    assert_eq!(got[0].headers["forsyning-event"], "dig_request.received");
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["dig_request"]["id"], request_id.as_str());
    assert_eq!(body["owner_id"], "VAND");
    assert_eq!(body["answer"], "delivered");
    assert_eq!(
        got[0].headers["forsyning-delivery"],
        body["id"].as_str().unwrap()
    );
    let events = store.events(Some(&org("VAND")), 10).await.unwrap();
    assert_eq!(events[0].status.code(), "delivered");
    assert_eq!(events[0].attempts, 2);
    // Delivered once: nothing more to send.
    assert_eq!(
        dispatcher.run_once(t0 + Duration::hours(2)).await.unwrap(),
        0
    );
    task.abort();

    // Completion notifies too. Registering again rotates the secret. A
    // receiver that keeps failing is given up after max_attempts, with the
    // delays doubling up to the cap.
    let (s, again) = put_json(&w.app, hook_uri, &w.vand, &json!({"url": url})).await;
    assert_eq!(s, 200);
    let secret2 = again["secret"].as_str().unwrap().to_owned();
    assert_ne!(secret2, secret);
    let complete = format!("/api/v1/dig-requests/{request_id}/complete");
    assert_eq!(
        post_json(&w.app, &complete, Some(&w.con), &json!({}))
            .await
            .0,
        200
    );
    let (failing, failing_task) = receiver(addr, 503).await;
    // To the millisecond, as the store keeps times.
    let mut now = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    assert_eq!(
        dispatcher.run_once(now).await.unwrap(),
        1,
        "VAND fails (FIBER's event was written skipped)"
    );
    let mut delays = Vec::new();
    for attempts in 1..policy.max_attempts {
        let e = store.events(Some(&org("VAND")), 1).await.unwrap().remove(0);
        assert_eq!(e.kind.code(), "dig_request.completed");
        assert_eq!((e.status.code(), e.attempts), ("pending", attempts));
        delays.push((e.next_attempt_at - now).num_seconds());
        now = e.next_attempt_at;
        assert_eq!(dispatcher.run_once(now).await.unwrap(), 1);
    }
    assert_eq!(delays, [30, 60, 60], "30 s doubling, capped at 60 s");
    let e = store.events(Some(&org("VAND")), 1).await.unwrap().remove(0);
    assert_eq!((e.status.code(), e.attempts), ("failed", 4));
    assert!(e.last_error.unwrap().contains("503"));
    let failed = failing.lock().unwrap().clone();
    assert_eq!(failed.len(), 4);
    for r in &failed {
        verify(&secret2, r);
        assert_eq!(r.headers["forsyning-event"], "dig_request.completed");
    }
    assert_eq!(
        dispatcher.run_once(now + Duration::days(1)).await.unwrap(),
        0
    );
    failing_task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.gpkg");
    let store: Arc<dyn Store> = Arc::new(GpkgStore::open(&path).await.unwrap());
    let reopen = async move { Arc::new(GpkgStore::open(&path).await.unwrap()) as Arc<dyn Store> };
    webhooks(store, reopen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_on_the_postgis_store() {
    let Some(url) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_hooks_{}", Uuid::new_v4().simple());
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
    webhooks(Arc::new(pg.clone()), reopen).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}
