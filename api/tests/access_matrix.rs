//! Every route × every kind of caller: the status the policy says, and no
//! body holding a feature the caller may not see. Dig-request grants for
//! contractors come with the dig-request routes; until then a contractor
//! sees no network feature at all.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{
    token_hash, verify_chain, DatasetId, OrgId, Organisation, Role, TokenRecord,
};
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store};
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

const CALLERS: [&str; 9] = [
    "anonymous",
    "owner_a",
    "owner_b",
    "contractor_a",
    "contractor_b",
    "municipality",
    "admin",
    "revoked",
    "malformed",
];

struct World {
    app: axum::Router,
    store: Arc<dyn Store>,
    a_dataset: DatasetId,
    a_feature: Uuid,
    a_ids: BTreeSet<Uuid>,
    b_ids: BTreeSet<Uuid>,
    bbox: String,
}

fn org(id: &str) -> OrgId {
    OrgId::new(id).unwrap()
}

async fn setup(store: Arc<dyn Store>) -> World {
    let town = Town::new(TownConfig::new(5, 2_000));
    let a: Vec<_> = town
        .features()
        .filter(|f| f.owner_id.as_str() == "SYN-EL")
        .collect();
    let b: Vec<_> = town
        .features()
        .filter(|f| f.owner_id.as_str() == "SYN-VAND")
        .collect();
    let va = replace_dataset(store.as_ref(), &org("OWN-A"), "network", a.clone())
        .await
        .unwrap();
    replace_dataset(store.as_ref(), &org("OWN-B"), "network", b.clone())
        .await
        .unwrap();
    for (id, role) in [
        ("OWN-A", Role::Owner),
        ("OWN-B", Role::Owner),
        ("CON-A", Role::Contractor),
        ("CON-B", Role::Contractor),
        ("MUNI", Role::Municipality),
        ("ADMIN", Role::Admin),
    ] {
        let o = Organisation {
            id: org(id),
            name: id.into(),
            role,
            boundary: None,
            created_at: Utc::now(),
        };
        store.create_org(&o).await.unwrap();
    }
    let e = town.extent();
    World {
        app: router(
            AppState {
                store: store.clone(),
                rate: Arc::new(RateLimiter::new(0.0, 1.0)),
            },
            &Limits::default(),
        ),
        store,
        a_dataset: va.dataset_id,
        a_feature: a[0].id,
        a_ids: a.iter().map(|f| f.id).collect(),
        b_ids: b.iter().map(|f| f.id).collect(),
        bbox: format!("{},{},{},{}", e.min().x, e.min().y, e.max().x, e.max().y),
    }
}

/// The Authorization header of each caller.
async fn headers(store: &dyn Store) -> Vec<(&'static str, Option<String>)> {
    let mut out = Vec::new();
    for caller in CALLERS {
        let org_id = match caller {
            "owner_a" | "revoked" => "OWN-A",
            "owner_b" => "OWN-B",
            "contractor_a" => "CON-A",
            "contractor_b" => "CON-B",
            "municipality" => "MUNI",
            "admin" => "ADMIN",
            _ => "",
        };
        let header = match caller {
            "anonymous" => None,
            "malformed" => Some("Basic b3duZXI6cGFzcw==".to_owned()),
            _ => {
                let secret = format!("fsy_test_{caller}");
                let id = Uuid::new_v4();
                store
                    .insert_token(&TokenRecord {
                        id,
                        org_id: org(org_id),
                        label: caller.into(),
                        hash: token_hash(&secret),
                        created_at: Utc::now(),
                        revoked_at: None,
                    })
                    .await
                    .unwrap();
                if caller == "revoked" {
                    assert!(store.revoke_token(id, Utc::now()).await.unwrap());
                }
                Some(format!("Bearer {secret}"))
            }
        };
        out.push((caller, header));
    }
    out
}

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

async fn matrix(w: World) {
    use StatusCode as S;
    let callers = headers(w.store.as_ref()).await;
    let (ok, unauth, forbid, nf) = (S::OK, S::UNAUTHORIZED, S::FORBIDDEN, S::NOT_FOUND);
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
            format!("/api/v1/features/{}", w.a_feature),
            [unauth, ok, nf, nf, nf, forbid, ok, unauth, unauth],
        ),
        (
            "/api/v1/features".into(),
            [
                unauth,
                S::BAD_REQUEST,
                S::BAD_REQUEST,
                S::BAD_REQUEST,
                S::BAD_REQUEST,
                forbid,
                S::BAD_REQUEST,
                unauth,
                unauth,
            ],
        ),
        (
            "/api/v1/features?bbox=1,2,3".into(),
            [
                unauth,
                S::BAD_REQUEST,
                S::BAD_REQUEST,
                S::BAD_REQUEST,
                S::BAD_REQUEST,
                forbid,
                S::BAD_REQUEST,
                unauth,
                unauth,
            ],
        ),
        ("/api/v1/no-such-route".into(), [nf; 9]),
    ];
    let mut disclosures = 0;
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
                let allowed = match *caller {
                    "owner_a" => w.a_ids.clone(),
                    "owner_b" => w.b_ids.clone(),
                    "admin" => w.a_ids.union(&w.b_ids).cloned().collect(),
                    _ => BTreeSet::new(),
                };
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
    let Ok(url) = std::env::var("FORSYNING_TEST_POSTGRES") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "FORSYNING_TEST_POSTGRES must be set under CI"
        );
        eprintln!("skipping: FORSYNING_TEST_POSTGRES is not set");
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
        AppState {
            store,
            rate: Arc::new(RateLimiter::new(1.0, 3.0)),
        },
        &Limits::default(),
    );
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(call(&app, "/api/v1/me", &None).await.0);
    }
    assert_eq!(&codes[..3], &[StatusCode::OK; 3]);
    assert_eq!(codes[4], StatusCode::TOO_MANY_REQUESTS);
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
