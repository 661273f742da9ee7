//! The dig-request cases of the conformance suite: storage round trip,
//! conflicts, listing filters (the area filter against a brute-force
//! oracle), manual answers and the status life cycle.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use forsyning_model::{
    verify_chain, AuditRecord, DigRequest, DigRequestStatus, DigResponse, DigResponseType, OrgId,
    Organisation, Role,
};
use forsyning_store::{DigFilter, DigRecord, Store, StoreError, Webhook};
use geo::Intersects;
use geo_types::MultiPolygon;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::common::{star_polygon, CX, CY};

mod outbox;

fn org(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}

/// A time to the millisecond, the precision both backends keep.
fn t(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_741_000_000_123 + ms).unwrap()
}

fn request(rng: &mut ChaCha8Rng, n: i64, requester: &str) -> DigRequest {
    let (cx, cy) = (
        CX + rng.gen_range(-2000.0..2000.0),
        CY + rng.gen_range(-2000.0..2000.0),
    );
    DigRequest {
        id: Uuid::from_u128(rng.gen()),
        requester_id: org(requester),
        polygon: star_polygon(rng, cx, cy, 10.0, 200.0),
        buffer_m: rng.gen_range(0.0..10.0),
        period_from: t(n * 1000) + Duration::days(1),
        period_to: t(n * 1000) + Duration::days(15),
        purpose: format!("Kabelarbejde nr. {n} – æøå"),
        contact: "Graver Jensen, tlf. 12 34 56 78".into(),
        status: DigRequestStatus::Received,
        received_at: t(n * 1000),
    }
}

fn response(owner: &str, answer: DigResponseType, received: DateTime<Utc>) -> DigResponse {
    DigResponse {
        owner_id: org(owner),
        answer,
        deadline: received + Duration::hours(2),
        answered_at: answer.is_final().then_some(received),
        features_count: if answer.delivers_features() { 17 } else { 0 },
    }
}

fn ids(records: &[DigRecord]) -> Vec<Uuid> {
    records.iter().map(|r| r.request.id).collect()
}

async fn insert(
    store: &dyn Store,
    mut request: DigRequest,
    responses: Vec<DigResponse>,
) -> DigRecord {
    request.status = request.status.after_answers(&responses);
    store
        .insert_dig_request(&request, &responses)
        .await
        .unwrap();
    DigRecord { request, responses }
}

pub async fn dig_requests(store: &dyn Store) {
    use DigResponseType::*;
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let name = store.backend();
    // The matched owners have webhooks, so their events wait for delivery
    // (an owner without one gets its events written skipped).
    for owner in ["DIG-O1", "DIG-O2"] {
        store
            .create_org(&Organisation {
                id: org(owner),
                name: owner.into(),
                role: Role::Owner,
                boundary: None,
                created_at: Utc::now(),
            })
            .await
            .unwrap();
        store
            .set_webhook(&Webhook {
                owner_id: org(owner),
                url: "https://hooks.example.dk/dig".into(),
                salt: "01".into(),
                created_at: Utc::now(),
            })
            .await
            .unwrap();
    }

    let r1 = request(&mut rng, 1, "DIG-C1");
    let got1 = r1.received_at;
    let rec1 = insert(
        store,
        r1,
        vec![
            response("DIG-O1", Delivered, got1),
            response("DIG-O2", TakenForManualHandling, got1),
        ],
    )
    .await;
    assert_eq!(rec1.request.status, DigRequestStatus::Received);
    let r2 = request(&mut rng, 2, "DIG-C2");
    let got2 = r2.received_at;
    let rec2 = insert(store, r2, vec![response("DIG-O2", NoLinesInArea, got2)]).await;
    assert_eq!(rec2.request.status, DigRequestStatus::Answered);
    let rec3 = insert(store, request(&mut rng, 3, "DIG-C1"), vec![]).await;

    // Round trip, every field.
    assert_eq!(
        store.dig_request(rec1.request.id).await.unwrap(),
        Some(rec1.clone()),
        "{name}"
    );
    assert_eq!(
        store.dig_request(rec3.request.id).await.unwrap(),
        Some(rec3.clone())
    );
    assert_eq!(store.dig_request(Uuid::from_u128(1)).await.unwrap(), None);

    // Conflicts write nothing.
    assert!(matches!(
        store.insert_dig_request(&rec2.request, &[]).await,
        Err(StoreError::Conflict(_))
    ));
    let dup = request(&mut rng, 4, "DIG-C1");
    let twice = vec![
        response("DIG-O1", Delivered, got1),
        response("DIG-O1", NoLinesInArea, got1),
    ];
    assert!(matches!(
        store.insert_dig_request(&dup, &twice).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.dig_request(dup.id).await.unwrap(), None);

    // Listing: all, by requester, by owner, in the order received.
    let (i1, i2, i3) = (rec1.request.id, rec2.request.id, rec3.request.id);
    assert_eq!(
        ids(&store.dig_requests(&DigFilter::All).await.unwrap()),
        [i1, i2, i3]
    );
    let by_c1 = store
        .dig_requests(&DigFilter::Requester(org("DIG-C1")))
        .await
        .unwrap();
    assert_eq!(by_c1, [rec1.clone(), rec3.clone()]);
    let by_o2 = DigFilter::Owner(org("DIG-O2"));
    assert_eq!(ids(&store.dig_requests(&by_o2).await.unwrap()), [i1, i2]);
    let nobody = DigFilter::Owner(org("DIG-NONE"));
    assert!(store.dig_requests(&nobody).await.unwrap().is_empty());

    let completed = manual_answers(store, rec1).await;
    outbox::outbox(store, &completed, &rec2, &rec3, dup.id).await;
    area_filter(store, &mut rng).await;
    audited_inserts(store, &mut rng, &rec2).await;
}

/// Requests stored together with the disclosure of their report: 60 at
/// once, with 10 that conflict with a stored request among them. Every
/// stored request has exactly its entry in a whole chain; a conflict
/// stores neither.
async fn audited_inserts(store: &dyn Store, rng: &mut ChaCha8Rng, existing: &DigRecord) {
    let (log, _) = store.audit_log().await.unwrap();
    let before = log.len() as u64;
    let disclosure = |id: Uuid, n: u64| {
        let (count, digest) = AuditRecord::digest_ids((0..n).map(|k| Uuid::from_u128(k.into())));
        AuditRecord {
            at: Utc::now(),
            org_id: Some(org("DIG-C3")),
            token_id: None,
            action: "dig_request.report".into(),
            dig_request_id: Some(id),
            feature_count: count,
            feature_digest: digest,
        }
    };
    let requests: Vec<(DigRequest, bool)> = (0..60)
        .map(|i| {
            if i % 6 == 3 {
                (existing.request.clone(), false)
            } else {
                (request(rng, 100 + i, "DIG-C3"), true)
            }
        })
        .collect();
    let outcomes =
        futures::future::join_all(requests.iter().enumerate().map(|(i, (r, _))| {
            store.insert_dig_request_audited(r, &[], disclosure(r.id, i as u64))
        }))
        .await;
    let mut entries = Vec::new();
    for ((r, fresh), outcome) in requests.iter().zip(outcomes) {
        if *fresh {
            let e = outcome.unwrap();
            assert_eq!(e.record.dig_request_id, Some(r.id));
            assert_eq!(
                store.dig_request(r.id).await.unwrap().map(|d| d.request.id),
                Some(r.id)
            );
            entries.push(e);
        } else {
            assert!(
                matches!(outcome, Err(StoreError::Conflict(_))),
                "{outcome:?}"
            );
        }
    }
    let (log, head) = store.audit_log().await.unwrap();
    assert_eq!(log.len() as u64, before + 50, "{}", store.backend());
    assert_eq!(
        verify_chain(&log, head.as_ref().map(|(s, h)| (*s, h.as_str()))),
        Ok(before + 50)
    );
    for e in entries {
        assert_eq!(log[e.seq as usize - 1], e);
    }
}

async fn manual_answers(store: &dyn Store, rec1: DigRecord) -> DigRecord {
    use DigResponseType::*;
    let (id, o1, o2) = (rec1.request.id, org("DIG-O1"), org("DIG-O2"));
    let at = t(60_000);

    // Completing before every owner answered is refused.
    assert!(matches!(
        store.complete_dig_request(id).await,
        Err(StoreError::Conflict(_))
    ));
    // The last pending owner answers: received → answered.
    let after = store
        .answer_dig_request(id, &o2, Delivered, 5, at)
        .await
        .unwrap();
    assert_eq!(after.request.status, DigRequestStatus::Answered);
    let r = after.response_of(&o2).unwrap();
    assert_eq!(
        (r.answer, r.answered_at, r.features_count),
        (Delivered, Some(at), 5)
    );
    assert_eq!(r.deadline, rec1.responses[1].deadline, "the deadline stays");
    assert_eq!(after.response_of(&o1), rec1.response_of(&o1));
    assert_eq!(store.dig_request(id).await.unwrap().as_ref(), Some(&after));
    // An owner takes it back for manual handling: answered → received.
    let back = store
        .answer_dig_request(id, &o1, TakenForManualHandling, 0, at)
        .await
        .unwrap();
    assert_eq!(back.request.status, DigRequestStatus::Received);
    assert_eq!(back.response_of(&o1).unwrap().answered_at, None);
    assert_eq!(store.dig_request(id).await.unwrap().as_ref(), Some(&back));
    // Unknown request or owner.
    assert!(matches!(
        store
            .answer_dig_request(Uuid::from_u128(9), &o1, Delivered, 1, at)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .answer_dig_request(id, &org("DIG-O9"), Delivered, 1, at)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.complete_dig_request(Uuid::from_u128(9)).await,
        Err(StoreError::NotFound(_))
    ));
    // Answered again, then complete; a complete request's answers stay.
    store
        .answer_dig_request(id, &o1, OnSiteMarkingDelivered, 3, at)
        .await
        .unwrap();
    let done = store.complete_dig_request(id).await.unwrap();
    assert_eq!(done.request.status, DigRequestStatus::Complete);
    assert!(matches!(
        store.answer_dig_request(id, &o1, NotDelivered, 0, at).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.complete_dig_request(id).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.dig_request(id).await.unwrap(), Some(done.clone()));
    done
}

/// Requests whose polygon intersects an area, against geo's `Intersects`.
async fn area_filter(store: &dyn Store, rng: &mut ChaCha8Rng) {
    let mut all = store.dig_requests(&DigFilter::All).await.unwrap();
    for n in 10..40 {
        let r = request(rng, n, "DIG-C3");
        all.push(insert(store, r, vec![]).await);
    }
    let mut hits = 0;
    for q in 0..40 {
        let (cx, cy) = (
            CX + rng.gen_range(-2000.0..2000.0),
            CY + rng.gen_range(-2000.0..2000.0),
        );
        let area = MultiPolygon(vec![
            star_polygon(rng, cx, cy, 100.0, 900.0),
            star_polygon(rng, cx + 1500.0, cy, 10.0, 300.0),
        ]);
        let got: BTreeSet<Uuid> = ids(&store
            .dig_requests(&DigFilter::Intersecting(area.clone()))
            .await
            .unwrap())
        .into_iter()
        .collect();
        let want: BTreeSet<Uuid> = all
            .iter()
            .filter(|r| r.request.polygon.intersects(&area))
            .map(|r| r.request.id)
            .collect();
        assert_eq!(got, want, "{} area filter {q}", store.backend());
        hits += want.len();
    }
    assert!(hits > 20, "the area queries should hit requests ({hits})");
}
