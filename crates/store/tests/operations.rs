//! Jobs, incidents, outbox figures and the outbox retention rule, on both
//! backends, against hand-computed answers.

mod common;

use chrono::{Duration, DurationRound, TimeDelta, Utc};
use forsyning_model::{
    DigRequest, DigRequestStatus, DigResponse, DigResponseType, OrgId, Organisation, Role,
};
use forsyning_store::{
    Attempt, EventStatus, GpkgStore, Incident, Severity, Store, StoredJob, Webhook,
};
use geo_types::polygon;
use uuid::Uuid;

use common::{drop_schema, postgis_store, postgres_url, CX, CY};

fn org(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}

async fn orgs(store: &dyn Store) {
    for (id, role) in [
        ("OPS-C", Role::Contractor),
        ("OPS-O1", Role::Owner),
        ("OPS-O2", Role::Owner),
        ("OPS-ADM", Role::Admin),
    ] {
        store
            .create_org(&Organisation {
                id: org(id),
                name: id.into(),
                role,
                boundary: None,
                created_at: Utc::now(),
            })
            .await
            .unwrap();
    }
    for owner in ["OPS-O1", "OPS-O2"] {
        store
            .set_webhook(&Webhook {
                owner_id: org(owner),
                url: "https://hooks.example.dk/ops".into(),
                salt: "00".into(),
                created_at: Utc::now(),
            })
            .await
            .unwrap();
    }
}

/// Files a request matching both owners: two pending events.
async fn file(store: &dyn Store, n: f64) {
    let now = Utc::now();
    let (x, y) = (CX + n * 100.0, CY);
    let request = DigRequest {
        id: Uuid::new_v4(),
        requester_id: org("OPS-C"),
        polygon: polygon![(x: x, y: y), (x: x + 20.0, y: y), (x: x + 20.0, y: y + 20.0), (x: x, y: y)],
        buffer_m: 1.0,
        period_from: now + Duration::days(1),
        period_to: now + Duration::days(5),
        purpose: "retention test".into(),
        contact: "ops".into(),
        status: DigRequestStatus::Received,
        received_at: now,
    };
    let responses: Vec<DigResponse> = ["OPS-O1", "OPS-O2"]
        .into_iter()
        .map(|o| DigResponse {
            owner_id: org(o),
            answer: DigResponseType::Delivered,
            deadline: now + Duration::hours(2),
            answered_at: Some(now),
            features_count: 1,
        })
        .collect();
    store
        .insert_dig_request(&request, &responses)
        .await
        .unwrap();
}

async fn retention(store: &dyn Store) {
    let name = store.backend();
    orgs(store).await;
    for n in 0..3 {
        file(store, f64::from(n)).await;
    }
    let mut events = store.events(None, 100).await.unwrap();
    events.sort_by_key(|e| e.id);
    assert_eq!(events.len(), 6, "{name}");
    let now = Utc::now();
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.delivered), (6, 0), "{name}");
    let oldest = events.iter().map(|e| e.created_at).min().unwrap();
    assert_eq!(stats.oldest_pending, Some(oldest), "{name}");
    assert!(stats.lag_s(oldest + TimeDelta::seconds(90)) == 90.0);

    // e0 delivered 40 days ago, e1 10 days ago, e2 skipped, e3 given up,
    // e4 to be retried, e5 untouched.
    let attempts = [
        Attempt::Delivered {
            at: now - Duration::days(40),
        },
        Attempt::Delivered {
            at: now - Duration::days(10),
        },
        Attempt::Skip {
            at: now,
            reason: "no webhook".into(),
        },
        Attempt::GiveUp {
            at: now,
            error: "HTTP 500".into(),
        },
        Attempt::Retry {
            at: now,
            error: "timeout".into(),
            next: now + Duration::minutes(1),
        },
    ];
    for (e, a) in events.iter().zip(&attempts) {
        store.record_attempt(e.id, a).await.unwrap();
    }
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!(
        (stats.pending, stats.delivered, stats.skipped, stats.failed),
        (2, 2, 1, 1),
        "{name}"
    );

    // The default rule, 30 days: only e0 is old enough.
    assert_eq!(
        store.prune_outbox(now - Duration::days(30)).await.unwrap(),
        1,
        "{name}"
    );
    let left: Vec<Uuid> = store
        .events(None, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert!(!left.contains(&events[0].id), "{name}");
    assert_eq!(left.len(), 5);
    // Again: nothing more.
    assert_eq!(
        store.prune_outbox(now - Duration::days(30)).await.unwrap(),
        0,
        "{name}"
    );
    // A cutoff after now: e1 (delivered) and e2 (skipped) go; failed and
    // pending events stay whatever their age.
    let later = Utc::now() + Duration::seconds(1);
    assert_eq!(store.prune_outbox(later).await.unwrap(), 2, "{name}");
    let mut left: Vec<_> = store.events(None, 100).await.unwrap();
    left.sort_by_key(|e| e.id);
    let states: Vec<EventStatus> = left.iter().map(|e| e.status).collect();
    assert_eq!(
        states,
        vec![
            EventStatus::Failed,
            EventStatus::Pending,
            EventStatus::Pending
        ],
        "{name}"
    );
    assert_eq!(
        left.iter().map(|e| e.id).collect::<Vec<_>>(),
        events[3..].iter().map(|e| e.id).collect::<Vec<_>>()
    );
}

async fn jobs(store: &dyn Store) {
    let name = store.backend();
    let ms = |t: chrono::DateTime<Utc>| t.duration_trunc(TimeDelta::milliseconds(1)).unwrap();
    let now = ms(Utc::now());
    let job = |state: &str, finished: Option<chrono::DateTime<Utc>>| StoredJob {
        id: Uuid::new_v4(),
        owner_id: org("OPS-O1"),
        state: state.into(),
        created_at: now - Duration::hours(30),
        updated_at: now,
        finished_at: finished,
        body: format!("{{\"state\":\"{state}\"}}"),
    };
    let old = job("succeeded", Some(now - Duration::hours(25)));
    let recent = job("rejected", Some(now - Duration::hours(1)));
    let mut running = job("running", None);
    for j in [&old, &recent, &running] {
        store.put_job(j).await.unwrap();
    }
    assert_eq!(
        store.job(old.id).await.unwrap().as_ref(),
        Some(&old),
        "{name}"
    );
    assert_eq!(store.job(Uuid::new_v4()).await.unwrap(), None);
    // Rewriting replaces.
    running.state = "failed".into();
    running.finished_at = Some(now);
    running.body = "{\"state\":\"failed\"}".into();
    store.put_job(&running).await.unwrap();
    assert_eq!(
        store.job(running.id).await.unwrap().as_ref(),
        Some(&running),
        "{name}"
    );
    // Finished more than a day ago: pruned.
    assert_eq!(
        store.prune_jobs(now - Duration::hours(24)).await.unwrap(),
        1,
        "{name}"
    );
    assert_eq!(store.job(old.id).await.unwrap(), None);
    assert!(store.job(recent.id).await.unwrap().is_some());
}

async fn incidents(store: &dyn Store) {
    let name = store.backend();
    let now = Utc::now()
        .duration_trunc(TimeDelta::milliseconds(1))
        .unwrap();
    let incident = |title: &str, age_h: i64, resolved_h: Option<i64>| Incident {
        id: Uuid::new_v4(),
        title: title.into(),
        message: "Databasen svarer langsomt – æøå".into(),
        severity: Severity::Major,
        component: Some("store".into()),
        posted_by: org("OPS-ADM"),
        created_at: now - Duration::hours(age_h),
        updated_at: now,
        resolved_at: resolved_h.map(|h| now - Duration::hours(h)),
    };
    let open = incident("open", 1, None);
    let fresh = incident("resolved yesterday", 30, Some(24));
    let stale = incident("resolved long ago", 300, Some(200));
    for i in [&open, &fresh, &stale] {
        store.put_incident(i).await.unwrap();
    }
    let shown = store.incidents(now - Duration::days(7), 50).await.unwrap();
    assert_eq!(
        shown,
        vec![open.clone(), fresh.clone()],
        "{name}: open and recent, newest first"
    );
    let mut resolved = open.clone();
    resolved.resolved_at = Some(now);
    resolved.severity = Severity::Minor;
    store.put_incident(&resolved).await.unwrap();
    assert_eq!(
        store.incident(open.id).await.unwrap(),
        Some(resolved),
        "{name}"
    );
    assert_eq!(
        store
            .incidents(now - Duration::days(7), 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.schema_current().await.unwrap(), "{name}");
}

/// An event for an owner without a webhook is written skipped (and so
/// pruned by the retention rule); one for an owner with a webhook waits
/// for its delivery.
async fn skipped_when_written(store: &dyn Store) {
    let name = store.backend();
    store.remove_webhook(&org("OPS-O2")).await.unwrap();
    file(store, 7.0).await;
    let mut newest = store.events(None, 2).await.unwrap();
    newest.sort_by(|a, b| a.owner_id.cmp(&b.owner_id));
    let got: Vec<(&str, EventStatus, Option<&str>)> = newest
        .iter()
        .map(|e| (e.owner_id.as_str(), e.status, e.last_error.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("OPS-O1", EventStatus::Pending, None),
            (
                "OPS-O2",
                EventStatus::Skipped,
                Some("OPS-O2 had no webhook when the event was written")
            ),
        ],
        "{name}"
    );
    let after = Utc::now() + Duration::seconds(1);
    assert_eq!(store.prune_outbox(after).await.unwrap(), 1, "{name}");
}

async fn suite(store: &dyn Store) {
    retention(store).await;
    skipped_when_written(store).await;
    jobs(store).await;
    incidents(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("o.gpkg")).await.unwrap();
    suite(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_on_the_postgis_store() {
    let Some(url) = postgres_url() else { return };
    let (store, schema) = postgis_store(&url, "ops").await;
    suite(&store).await;
    drop_schema(&store, &schema).await;
}
