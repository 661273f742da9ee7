//! Webhooks and the outbox: the events a dig request's life writes (in the
//! same transaction), claiming with a lease, and each kind of attempt.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use forsyning_model::{Organisation, Role};
use forsyning_store::{
    Attempt, DigRecord, EventKind, EventStatus, OutboxEvent, Store, StoreError, Webhook,
};
use uuid::Uuid;

use super::org;

/// (request, owner, kind) → how many events.
fn census(events: &[OutboxEvent]) -> BTreeMap<(Uuid, String, EventKind), usize> {
    let mut out = BTreeMap::new();
    for e in events {
        *out.entry((e.dig_request_id, e.owner_id.to_string(), e.kind))
            .or_default() += 1;
    }
    out
}

/// `completed` was completed; `answered` and `empty` were not; `refused`
/// was never stored.
pub async fn outbox(
    store: &dyn Store,
    completed: &DigRecord,
    answered: &DigRecord,
    empty: &DigRecord,
    refused: Uuid,
) {
    let name = store.backend();
    let all = store.events(None, 10_000).await.unwrap();
    let counts = census(&all);
    let (c, a) = (completed.request.id, answered.request.id);
    let mut want = BTreeMap::new();
    for r in &completed.responses {
        want.insert(
            (c, r.owner_id.to_string(), EventKind::DigRequestReceived),
            1,
        );
        want.insert(
            (c, r.owner_id.to_string(), EventKind::DigRequestCompleted),
            1,
        );
    }
    for r in &answered.responses {
        want.insert(
            (a, r.owner_id.to_string(), EventKind::DigRequestReceived),
            1,
        );
    }
    let mine: BTreeMap<_, _> = counts
        .iter()
        .filter(|((id, _, _), _)| *id == c || *id == a)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(mine, want, "{name}: one event per owner and change");
    assert!(
        all.iter()
            .all(|e| e.dig_request_id != empty.request.id && e.dig_request_id != refused),
        "{name}: no owner, or a refused insert, writes no event"
    );
    for e in &all {
        assert_eq!(e.status, EventStatus::Pending);
        assert_eq!(e.attempts, 0);
        let body: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
        assert_eq!(body["event"], e.kind.code());
        assert_eq!(body["id"], e.id.to_string());
        assert_eq!(body["owner_id"], e.owner_id.as_str());
        assert_eq!(body["dig_request"]["id"], e.dig_request_id.to_string());
    }
    // Newest first, and per owner.
    assert!(all.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let o2 = org("DIG-O2");
    let of_o2 = store.events(Some(&o2), 10_000).await.unwrap();
    assert!(!of_o2.is_empty() && of_o2.iter().all(|e| e.owner_id == o2));
    assert_eq!(store.events(None, 2).await.unwrap().len(), 2);

    // Claims: each pending event once while its lease runs.
    let now = Utc::now() + Duration::days(1);
    let lease = Duration::seconds(60);
    let first = store.claim_events(now, lease, 2).await.unwrap();
    assert_eq!(first.len(), 2, "{name}");
    let rest = store.claim_events(now, lease, 10_000).await.unwrap();
    assert_eq!(
        first.len() + rest.len(),
        all.len(),
        "{name}: all claimed once"
    );
    let mut seen: Vec<Uuid> = first.iter().chain(&rest).map(|e| e.id).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), all.len(), "{name}: no event claimed twice");
    assert!(store.claim_events(now, lease, 10).await.unwrap().is_empty());
    // After the lease they are due again.
    let later = now + lease + Duration::seconds(1);
    assert_eq!(
        store
            .claim_events(later, lease, 10_000)
            .await
            .unwrap()
            .len(),
        all.len()
    );

    // Attempts.
    let [e1, e2, e3, e4] = [&first[0], &first[1], &rest[0], &rest[1]];
    let at = later;
    let next = at + Duration::seconds(30);
    store
        .record_attempt(
            e1.id,
            &Attempt::Retry {
                at,
                error: "503 Service Unavailable".into(),
                next,
            },
        )
        .await
        .unwrap();
    store
        .record_attempt(e2.id, &Attempt::Delivered { at })
        .await
        .unwrap();
    store
        .record_attempt(
            e3.id,
            &Attempt::GiveUp {
                at,
                error: "connection refused".into(),
            },
        )
        .await
        .unwrap();
    store
        .record_attempt(
            e4.id,
            &Attempt::Skip {
                at,
                reason: "no webhook".into(),
            },
        )
        .await
        .unwrap();
    let by_id: BTreeMap<Uuid, OutboxEvent> = store
        .events(None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let g = |id: Uuid| &by_id[&id];
    let ms = |t: chrono::DateTime<Utc>| t.timestamp_millis();
    assert_eq!(
        (
            g(e1.id).status,
            g(e1.id).attempts,
            ms(g(e1.id).next_attempt_at)
        ),
        (EventStatus::Pending, 1, ms(next)),
        "{name}"
    );
    assert_eq!(
        g(e1.id).last_error.as_deref(),
        Some("503 Service Unavailable")
    );
    assert_eq!(
        (
            g(e2.id).status,
            g(e2.id).attempts,
            g(e2.id).delivered_at.map(ms)
        ),
        (EventStatus::Delivered, 1, Some(ms(at)))
    );
    assert_eq!(
        (g(e3.id).status, g(e3.id).attempts),
        (EventStatus::Failed, 1)
    );
    assert_eq!(
        (g(e4.id).status, g(e4.id).attempts),
        (EventStatus::Skipped, 0)
    );
    // Only the retried one comes back, and only once its time has come.
    let soon = store
        .claim_events(at + Duration::seconds(29), lease, 10_000)
        .await
        .unwrap();
    assert!(
        soon.iter().all(|e| e.id != e1.id),
        "{name}: not before its time"
    );
    let due = store
        .claim_events(next + lease * 10, lease, 10_000)
        .await
        .unwrap();
    let due: Vec<Uuid> = due.iter().map(|e| e.id).collect();
    assert!(due.contains(&e1.id));
    assert!(!due.contains(&e2.id) && !due.contains(&e3.id) && !due.contains(&e4.id));
    assert!(matches!(
        store
            .record_attempt(Uuid::from_u128(77), &Attempt::Delivered { at })
            .await,
        Err(StoreError::NotFound(_))
    ));

    webhooks(store).await;
}

async fn webhooks(store: &dyn Store) {
    let owner = Organisation {
        id: org("HOOK-O1"),
        name: "Vandværket".into(),
        role: Role::Owner,
        boundary: None,
        created_at: Utc::now(),
    };
    store.create_org(&owner).await.unwrap();
    let t0 = chrono::DateTime::from_timestamp_millis(1_764_000_000_123).unwrap();
    let hook = Webhook {
        owner_id: owner.id.clone(),
        url: "https://hooks.example.dk/ler?x=1&y=æ".into(),
        salt: "00ff".into(),
        created_at: t0,
    };
    assert_eq!(store.webhook(&owner.id).await.unwrap(), None);
    store.set_webhook(&hook).await.unwrap();
    assert_eq!(store.webhook(&owner.id).await.unwrap(), Some(hook.clone()));
    let again = Webhook {
        url: "http://127.0.0.1:9/other".into(),
        salt: "abcd".into(),
        created_at: t0 + Duration::seconds(5),
        ..hook.clone()
    };
    store.set_webhook(&again).await.unwrap();
    assert_eq!(store.webhook(&owner.id).await.unwrap(), Some(again));
    let stranger = Webhook {
        owner_id: org("HOOK-NOBODY"),
        ..hook
    };
    assert!(matches!(
        store.set_webhook(&stranger).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.remove_webhook(&owner.id).await.unwrap());
    assert!(!store.remove_webhook(&owner.id).await.unwrap());
    assert_eq!(store.webhook(&owner.id).await.unwrap(), None);
}
