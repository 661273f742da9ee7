//! Every route × every kind of caller: the status the policy says, and no
//! body holding a feature the caller may not see. Contractor A has a dig
//! request over the east of the town, valid now: it sees exactly the
//! features within the request's polygon + buffer from owners that
//! delivered, computed here independently; contractor B sees none.

mod common;
mod matrix;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_model::verify_chain;
use forsyning_store::{GpkgStore, PostgisStore, Store};
use http_body_util::BodyExt;
use matrix::{headers, setup, World, BUFFER_M};
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

async fn call(app: &axum::Router, uri: &str, auth: &Option<String>) -> (StatusCode, Vec<u8>) {
    let mut req = Request::get(uri);
    if let Some(h) = auth {
        req = req.header("authorization", h);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    (
        status,
        res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

fn feature_ids(body: &[u8]) -> BTreeSet<Uuid> {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Files contractor A's dig request, after checking who else may not;
/// returns its id.
async fn file_dig_request(w: &World, callers: &[(&str, Option<String>)]) -> Uuid {
    let body = common::dig_body(&w.dig_polygon, BUFFER_M);
    let uri = "/api/v1/dig-requests";
    for (caller, auth) in callers {
        let want = match *caller {
            "anonymous" | "revoked" | "malformed" => 401,
            "owner_a" | "owner_b" | "municipality" => 403,
            _ => continue,
        };
        let (status, r) = common::post_json(&w.app, uri, auth.as_deref(), &body).await;
        assert_eq!(status.as_u16(), want, "{caller} POST {uri}: {r}");
    }
    let auth = callers.iter().find(|(c, _)| *c == "contractor_a").unwrap();
    let (status, r) = common::post_json(&w.app, uri, auth.1.as_deref(), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let owners: Vec<&str> = r["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner_id"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["OWN-A"], "owner B has nothing near the request");
    assert_eq!(
        report_ids(&r),
        w.granted,
        "the report holds the granted features"
    );
    r["id"].as_str().unwrap().parse().unwrap()
}

fn report_ids(v: &Value) -> BTreeSet<Uuid> {
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// The features `caller` may see in the town.
fn allowed(w: &World, caller: &str) -> BTreeSet<Uuid> {
    match caller {
        "owner_a" => w.a_ids.clone(),
        "owner_b" => w.b_ids.clone(),
        "admin" => w.a_ids.union(&w.b_ids).cloned().collect(),
        "contractor_a" => w.granted.clone(),
        _ => BTreeSet::new(),
    }
}

async fn matrix(w: World) {
    use StatusCode as S;
    let callers = headers(w.store.as_ref()).await;
    let dig_id = file_dig_request(&w, &callers).await;
    // The POST's report is a disclosure.
    let mut disclosures = 1;
    let (ok, unauth, forbid, nf) = (S::OK, S::UNAUTHORIZED, S::FORBIDDEN, S::NOT_FOUND);
    let bad = S::BAD_REQUEST;
    // anonymous, owner_a, owner_b, contractor_a, contractor_b, municipality, admin, revoked, malformed
    let routes: Vec<(String, [StatusCode; 9])> = vec![
        ("/healthz".into(), [ok; 9]),
        ("/readyz".into(), [ok; 9]),
        ("/api/v1/status".into(), [ok; 9]),
        (
            "/api/v1/me".into(),
            [ok, ok, ok, ok, ok, ok, ok, unauth, unauth],
        ),
        (
            "/api/v1/datasets".into(),
            [unauth, ok, ok, forbid, forbid, forbid, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/datasets/{}/versions", w.a_dataset),
            [unauth, ok, nf, forbid, forbid, forbid, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/features?limit=10000&bbox={}", w.bbox),
            [unauth, ok, ok, ok, ok, forbid, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/features/{}", w.a_outside),
            [unauth, ok, nf, nf, nf, forbid, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/features/{}", w.a_granted),
            [unauth, ok, nf, ok, nf, forbid, ok, unauth, unauth],
        ),
        (
            "/api/v1/features".into(),
            [unauth, bad, bad, bad, bad, forbid, bad, unauth, unauth],
        ),
        (
            "/api/v1/features?bbox=1,2,3".into(),
            [unauth, bad, bad, bad, bad, forbid, bad, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{dig_id}"),
            [unauth, ok, nf, ok, nf, ok, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{}", Uuid::new_v4()),
            [unauth, nf, nf, nf, nf, nf, nf, unauth, unauth],
        ),
        (
            "/api/v1/dig-requests/not-a-uuid".into(),
            [unauth, nf, nf, nf, nf, nf, nf, unauth, unauth],
        ),
        (
            "/api/v1/dig-requests".into(),
            [unauth, ok, ok, ok, ok, ok, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{dig_id}/coordination"),
            [unauth, forbid, nf, ok, nf, ok, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{dig_id}/package.geojson"),
            [unauth, ok, nf, ok, nf, ok, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{dig_id}/package.gml"),
            [unauth, ok, nf, ok, nf, ok, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{dig_id}/map.png"),
            [unauth, ok, nf, ok, nf, ok, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{dig_id}/map.pdf"),
            [unauth, ok, nf, ok, nf, ok, ok, unauth, unauth],
        ),
        (
            format!("/api/v1/dig-requests/{dig_id}/package.shp"),
            [nf, nf, nf, nf, nf, nf, nf, unauth, unauth],
        ),
        (
            "/api/v1/owners/OWN-A/events".into(),
            [
                unauth, ok, forbid, forbid, forbid, forbid, ok, unauth, unauth,
            ],
        ),
        (
            "/api/v1/owners/OWN-A/webhook".into(),
            [
                unauth, nf, forbid, forbid, forbid, forbid, nf, unauth, unauth,
            ],
        ),
        (
            format!("/api/v1/jobs/{}", Uuid::new_v4()),
            [unauth, nf, nf, nf, nf, nf, nf, unauth, unauth],
        ),
        (
            "/api/v1/jobs/not-a-uuid".into(),
            [unauth, nf, nf, nf, nf, nf, nf, unauth, unauth],
        ),
        ("/api/v1/no-such-route".into(), [nf; 9]),
    ];
    for (uri, expected) in &routes {
        for ((caller, auth), want) in callers.iter().zip(expected) {
            let (status, body) = call(&w.app, uri, auth).await;
            assert_eq!(
                status,
                *want,
                "{caller} GET {uri}: {}",
                String::from_utf8_lossy(&body)
            );
            if !status.is_success() {
                let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert!(
                    err["error"].is_string() && err["message"].is_string(),
                    "JSON error body"
                );
                continue;
            }
            if uri.starts_with("/api/v1/features") {
                disclosures += 1;
                let ids = feature_ids(&body);
                let allowed = allowed(&w, caller);
                assert!(
                    ids.is_subset(&allowed),
                    "{caller} GET {uri} saw features it may not see"
                );
                if uri.contains("bbox") {
                    assert_eq!(
                        ids, allowed,
                        "{caller} sees all it may see in the town's bbox"
                    );
                }
            }
            if uri == &format!("/api/v1/dig-requests/{dig_id}") {
                let v: Value = serde_json::from_slice(&body).unwrap();
                dig_report_checks(&w, caller, &v);
                disclosures += usize::from(!v["features"].is_null());
            }
            if uri.contains("/package.") || uri.contains("/map.") {
                // The same features as the JSON report, in every format;
                // none for a municipality, and each disclosure audited.
                let want = package_ids(&w, caller);
                disclosures += usize::from(*caller != "municipality");
                if uri.ends_with(".geojson") {
                    let v: Value = serde_json::from_slice(&body).unwrap();
                    let got: BTreeSet<Uuid> = v["features"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .skip(1)
                        .map(|f| f["id"].as_str().unwrap().parse().unwrap())
                        .collect();
                    assert_eq!(got, want, "{caller} GET {uri}");
                } else if uri.ends_with(".gml") {
                    assert_eq!(uuids_of_town(&w, &body), want, "{caller} GET {uri}");
                } else if uri.ends_with(".png") {
                    assert!(body.starts_with(b"\x89PNG\r\n"), "{caller} GET {uri}");
                } else {
                    assert!(body.starts_with(b"%PDF-"), "{caller} GET {uri}");
                }
            }
            if uri == "/api/v1/dig-requests" {
                let v: Value = serde_json::from_slice(&body).unwrap();
                let listed: Vec<&str> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].as_str().unwrap())
                    .collect();
                let sees = matches!(
                    *caller,
                    "owner_a" | "contractor_a" | "municipality" | "admin"
                );
                let want: Vec<String> = if sees {
                    vec![dig_id.to_string()]
                } else {
                    vec![]
                };
                assert_eq!(listed, want, "{caller} lists");
                assert!(v
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|d| d["features"].is_null()));
            }
            if uri == "/api/v1/datasets" {
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let owners: Vec<&str> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["owner_id"].as_str().unwrap())
                    .collect();
                let want: Vec<&str> = match *caller {
                    "owner_a" => vec!["OWN-A"],
                    "owner_b" => vec!["OWN-B"],
                    _ => vec!["OWN-A", "OWN-B"],
                };
                assert_eq!(owners, want, "{caller} datasets");
            }
        }
    }
    upload_row(&w, &callers).await;
    disclosures += tile_rows(&w, &callers, dig_id).await;
    // Every disclosure, and nothing else, is in the audit log, chained.
    let (log, head) = w.store.audit_log().await.unwrap();
    assert_eq!(log.len(), disclosures);
    assert_eq!(
        verify_chain(&log, head.as_ref().map(|(s, h)| (*s, h.as_str()))),
        Ok(disclosures as u64)
    );
    assert!(log
        .iter()
        .all(|e| e.record.token_id.is_some() && e.record.org_id.is_some()));
    let reports = log
        .iter()
        .filter(|e| e.record.action == "dig_request.report")
        .inspect(|e| assert_eq!(e.record.dig_request_id, Some(dig_id)))
        .count();
    assert_eq!(reports, 4, "the POST and three GETs with features");
}

/// Every caller's tiles of each source, decoded: exactly the features
/// (and dig requests) it may see; returns the audited tile answers.
async fn tile_rows(w: &World, callers: &[(&str, Option<String>)], dig_id: Uuid) -> usize {
    use StatusCode as S;
    let (ok, unauth, forbid) = (S::OK, S::UNAUTHORIZED, S::FORBIDDEN);
    let network = [unauth, ok, ok, ok, ok, forbid, ok, unauth, unauth];
    let n = matrix::tiles::rows(w, callers, "network", network, |c| allowed(w, c)).await;
    assert!(n > 0, "network tiles were disclosed");
    let (a, b) = interest_areas(w).await;
    let areas = [unauth, ok, ok, forbid, forbid, forbid, ok, unauth, unauth];
    let own = |c: &str| match c {
        "owner_a" => BTreeSet::from([a]),
        "owner_b" => BTreeSet::from([b]),
        "admin" => BTreeSet::from([a, b]),
        _ => BTreeSet::new(),
    };
    matrix::tiles::rows(w, callers, "interest-areas", areas, own).await;
    let digs = [unauth, ok, ok, ok, ok, ok, ok, unauth, unauth];
    let sees = |c: &str| match c {
        "owner_a" | "contractor_a" | "municipality" | "admin" => BTreeSet::from([dig_id]),
        _ => BTreeSet::new(),
    };
    matrix::tiles::rows(w, callers, "dig-requests", digs, sees).await;
    n
}

/// An interest area for each owner, over the east and the west of the town.
async fn interest_areas(w: &World) -> (Uuid, Uuid) {
    use forsyning_model::{InterestArea, Theme};
    let v: Vec<f64> = w.bbox.split(',').map(|s| s.parse().unwrap()).collect();
    let cx = (v[0] + v[2]) / 2.0;
    let mut ids = Vec::new();
    for (owner, x0, x1, theme) in [
        ("OWN-A", cx, v[2], Theme::Electricity),
        ("OWN-B", v[0], cx, Theme::Water),
    ] {
        let id = Uuid::new_v4();
        let poly =
            geo_types::Rect::new((x0 + 10.0, v[1] + 10.0), (x1 - 10.0, v[3] - 10.0)).to_polygon();
        let area = InterestArea {
            id,
            owner_id: matrix::org(owner),
            themes: vec![theme],
            geometry: geo_types::MultiPolygon(vec![poly]),
            contact: "c".into(),
            marks_on_site: false,
        };
        w.store
            .replace_interest_areas(&matrix::org(owner), vec![area])
            .await
            .unwrap();
        ids.push(id);
    }
    (ids[0], ids[1])
}

/// `POST /api/v1/owners/OWN-A/datasets` with a multipart body without a
/// file: those who may upload get to the body check (400), nobody starts a
/// job, and owner A's dataset stays as it was.
async fn upload_row(w: &World, callers: &[(&str, Option<String>)]) {
    use StatusCode as S;
    let (unauth, forbid, bad) = (S::UNAUTHORIZED, S::FORBIDDEN, S::BAD_REQUEST);
    let want = [
        unauth, bad, forbid, forbid, forbid, forbid, bad, unauth, unauth,
    ];
    let uri = "/api/v1/owners/OWN-A/datasets";
    let boundary = "matrix-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"dataset\"\r\n\r\nnetwork\r\n--{boundary}--\r\n"
    );
    for ((caller, auth), want) in callers.iter().zip(want) {
        let mut req = Request::post(uri).header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(h) = auth {
            req = req.header("authorization", h);
        }
        let res = w
            .app
            .clone()
            .oneshot(req.body(Body::from(body.clone())).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            status,
            want,
            "{caller} POST {uri}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let err: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(err["error"].is_string() && err["message"].is_string());
    }
    let versions = w.store.dataset_versions(w.a_dataset).await.unwrap();
    assert_eq!(versions.len(), 1, "no upload reached the store");
}

/// The features of contractor A's request that `caller` gets in a package.
fn package_ids(w: &World, caller: &str) -> BTreeSet<Uuid> {
    match caller {
        "municipality" => BTreeSet::new(),
        "owner_a" => w.granted.intersection(&w.a_ids).cloned().collect(),
        _ => w.granted.clone(),
    }
}

/// The ids of the town's features that appear anywhere in `body`.
fn uuids_of_town(w: &World, body: &[u8]) -> BTreeSet<Uuid> {
    let text = String::from_utf8_lossy(body);
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(35))
        .filter_map(|i| text.get(i..i + 36)?.parse::<Uuid>().ok())
        .filter(|id| w.a_ids.contains(id) || w.b_ids.contains(id))
        .collect()
}

/// What each caller sees of contractor A's request.
fn dig_report_checks(w: &World, caller: &str, v: &Value) {
    let owners: Vec<&str> = v["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner_id"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["OWN-A"], "{caller}");
    match caller {
        "municipality" => assert!(v["features"].is_null(), "no features for municipalities"),
        "owner_a" => {
            let own: BTreeSet<Uuid> = w.granted.intersection(&w.a_ids).cloned().collect();
            assert_eq!(report_ids(v), own, "owner A sees its own features");
        }
        _ => assert_eq!(
            report_ids(v),
            w.granted,
            "{caller} sees the granted features"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_matrix_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("m.gpkg")).await.unwrap());
    matrix(setup(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_matrix_on_the_postgis_store() {
    let Some(url) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_matrix_{}", Uuid::new_v4().simple());
    let pg = PostgisStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    matrix(setup(Arc::new(pg.clone())).await).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn rate_limit_answers_429_per_token() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("r.gpkg")).await.unwrap());
    let app = router(
        AppState::new(store).with_rate(RateLimiter::new(1.0, 3.0)),
        &Limits::default(),
    );
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(call(&app, "/api/v1/me", &None).await.0);
    }
    assert_eq!(&codes[..3], &[StatusCode::OK; 3]);
    assert_eq!(codes[4], StatusCode::TOO_MANY_REQUESTS);
}

/// `serve --rate-limit 2 --rate-burst 2`: a token's third immediate request
/// is refused while another token (and the anonymous bucket) still pass.
#[tokio::test]
async fn rate_limit_is_per_token() {
    use forsyning_model::Role;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("r.gpkg")).await.unwrap());
    let a = Some(common::org_with_token(store.as_ref(), "OWN-A", Role::Owner).await);
    let b = Some(common::org_with_token(store.as_ref(), "OWN-B", Role::Owner).await);
    let app = router(
        AppState::new(store).with_rate(RateLimiter::new(2.0, 2.0)),
        &Limits::default(),
    );
    let mut codes = Vec::new();
    for auth in [&a, &a, &a, &b, &None] {
        codes.push(call(&app, "/api/v1/me", auth).await.0.as_u16());
    }
    assert_eq!(codes, [200, 200, 429, 200, 200]);
    // At 2 requests/s, A has a request again after half a second.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(call(&app, "/api/v1/me", &a).await.0, StatusCode::OK);
    let (status, body) = call(&app, "/api/v1/me", &a).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(err["error"], "rate_limited");
}

#[tokio::test]
async fn security_headers_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("h.gpkg")).await.unwrap());
    let app = router(AppState::new(store), &Limits::default());
    let res = app
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
}
