//! The status page and incidents over HTTP, and jobs that survive a
//! restart of the server (a new `AppState` over the same store), on both
//! backends.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use forsyning_api::jobs::{JobEnd, JobState};
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{OrgId, Role};
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store, StoredJob};
use serde_json::json;
use uuid::Uuid;

use common::{get, org_with_token, post_json, send};

fn app(state: AppState) -> axum::Router {
    router(
        state.with_rate(RateLimiter::new(0.0, 1.0)),
        &Limits::default(),
    )
}

/// A running upload job of OPS-OWNER's `dataset`, begun five minutes ago
/// and last written two minutes ago: its server died.
async fn dead_job(store: &dyn Store, dataset: &str) -> Uuid {
    let id = Uuid::new_v4();
    let now = Utc::now();
    let body = json!({"id": id, "kind": "upload", "owner_id": "OPS-OWNER", "dataset": dataset,
        "state": "running", "created_at": now - Duration::minutes(5), "finished_at": null,
        "progress": {"bytes_read": 10, "bytes_total": 100, "percent": 10.0, "features_accepted": 0},
        "report": null, "message": null, "version": null});
    store
        .put_job(&StoredJob {
            id,
            owner_id: OrgId::new("OPS-OWNER").unwrap(),
            state: "running".into(),
            created_at: now - Duration::minutes(5),
            updated_at: now - Duration::minutes(2),
            finished_at: None,
            body: body.to_string(),
        })
        .await
        .unwrap();
    id
}

async fn suite(store: Arc<dyn Store>, reopen: impl std::future::Future<Output = Arc<dyn Store>>) {
    let admin = org_with_token(store.as_ref(), "OPS-ADMIN", Role::Admin).await;
    let owner = org_with_token(store.as_ref(), "OPS-OWNER", Role::Owner).await;
    let other = org_with_token(store.as_ref(), "OPS-OTHER", Role::Owner).await;
    let state = AppState::new(store.clone());
    let a = app(state.clone());

    // Status: everything operational, no incidents.
    let (code, s) = get(&a, "/api/v1/status", None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(s["status"], "operational");
    let names: Vec<&str> = s["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["store", "ingest", "tiles", "outbox"]);
    assert_eq!(s["incidents"], json!([]));

    // Incidents: admins only, checked fields.
    let body = json!({"title": "Langsomme uploads <b>", "message": "Vi undersøger.", "severity": "minor", "component": "ingest"});
    assert_eq!(
        post_json(&a, "/api/v1/status/incidents", None, &body)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_json(&a, "/api/v1/status/incidents", Some(&owner), &body)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (code, err) = post_json(
        &a,
        "/api/v1/status/incidents",
        Some(&admin),
        &json!({"title": "x", "message": "y", "severity": "bad"}),
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(
        err["message"].as_str().unwrap().starts_with("severity:"),
        "{err}"
    );
    let (code, err) = post_json(
        &a,
        "/api/v1/status/incidents",
        Some(&admin),
        &json!({"title": "x", "message": "y", "severity": "minor", "colour": 1}),
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{err}");
    let (code, inc) = post_json(&a, "/api/v1/status/incidents", Some(&admin), &body).await;
    assert_eq!(code, StatusCode::CREATED, "{inc}");
    let id = inc["id"].as_str().unwrap().to_owned();
    let (_, s) = get(&a, "/api/v1/status", None).await;
    assert_eq!(s["incidents"][0]["title"], "Langsomme uploads <b>");
    assert!(s["incidents"][0]["resolved_at"].is_null());
    let (code, html) = get(&a, "/status", None).await;
    assert_eq!(code, StatusCode::OK);
    let html = html.as_str().unwrap();
    assert!(
        html.contains("Langsomme uploads &lt;b&gt;") && !html.contains("<b>"),
        "escaped"
    );
    assert!(html.contains("All systems operational"));
    let uri = format!("/api/v1/status/incidents/{id}");
    let (code, done) = send(
        &a,
        "PUT",
        &uri,
        Some(&admin),
        Some(br#"{"resolved": true}"#.to_vec()),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{done}");
    assert!(done["resolved_at"].is_string());

    // A job finished on this "server" ...
    let job = state.jobs.start(
        "upload",
        OrgId::new("OPS-OWNER").unwrap(),
        "network".into(),
        100,
    );
    state.jobs.running(job);
    state.jobs.read(job, 100);
    state.jobs.finish(
        job,
        JobEnd {
            state: JobState::Succeeded,
            report: Some(json!({"accepted": 7})),
            message: Some("stored".into()),
            version: Some(3),
            features_accepted: Some(7),
        },
    );
    state.jobs.flush().await;
    let (_, before) = get(&a, &format!("/api/v1/jobs/{job}"), Some(&owner)).await;
    drop(a);
    drop(state);

    // ... is there after a restart: same answer, same policy.
    let store = reopen.await;
    let state = AppState::new(store.clone());
    let b = app(state.clone());
    let (code, after) = get(&b, &format!("/api/v1/jobs/{job}"), Some(&owner)).await;
    assert_eq!(code, StatusCode::OK, "{after}");
    assert_eq!(after, before);
    assert_eq!(after["state"], "succeeded");
    assert_eq!(after["version"], 3);
    assert_eq!(
        get(&b, &format!("/api/v1/jobs/{job}"), Some(&other))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&b, &format!("/api/v1/jobs/{job}"), Some(&admin))
            .await
            .0,
        StatusCode::OK
    );
    // The resolved incident stays on the page.
    let (_, s) = get(&b, "/api/v1/status/incidents", None).await;
    assert_eq!(s[0]["id"], id.as_str());

    // A job whose server died mid-run (no write for two minutes) shows
    // failed, and says that nothing was stored: no version of its dataset
    // became current since it began.
    let dead = dead_job(store.as_ref(), "network").await;
    let (code, j) = get(&b, &format!("/api/v1/jobs/{dead}"), Some(&owner)).await;
    assert_eq!(code, StatusCode::OK, "{j}");
    assert_eq!(j["state"], "failed");
    let m = j["message"].as_str().unwrap();
    assert!(
        m.starts_with("interrupted") && m.contains("nothing was stored"),
        "{j}"
    );
    // One whose server died after its commit: the version that became
    // current after it began is named, with its feature count.
    let features: Vec<_> = Town::new(TownConfig::new(3, 300))
        .features()
        .take(7)
        .collect();
    let v = replace_dataset(
        store.as_ref(),
        &OrgId::new("OPS-OWNER").unwrap(),
        "late",
        features,
    )
    .await
    .unwrap();
    let late = dead_job(store.as_ref(), "late").await;
    let (_, j) = get(&b, &format!("/api/v1/jobs/{late}"), Some(&owner)).await;
    assert_eq!(j["state"], "failed");
    let m = j["message"].as_str().unwrap();
    assert!(
        m.starts_with("interrupted")
            && m.contains(&format!(
                "version {} of OPS-OWNER/late (7 features)",
                v.version
            ))
            && !m.contains("nothing was stored"),
        "{j}"
    );
    assert_eq!(
        store.job(dead).await.unwrap().unwrap().state,
        "failed",
        "written back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_incidents_and_jobs_across_a_restart_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.gpkg");
    let store: Arc<dyn Store> = Arc::new(GpkgStore::open(&path).await.unwrap());
    let weak = Arc::downgrade(&store);
    let reopen = async move {
        // The first store is closed once the first app's handles are gone.
        for _ in 0..50 {
            if weak.strong_count() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Arc::new(GpkgStore::open(&path).await.unwrap()) as Arc<dyn Store>
    };
    suite(store, reopen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_incidents_and_jobs_across_a_restart_on_the_postgis_store() {
    let Some(url) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_ops_{}", Uuid::new_v4().simple());
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
    suite(Arc::new(pg.clone()), reopen).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}
