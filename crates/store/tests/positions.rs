//! GNSS fixes and proximity alerts on both backends, against hand-computed
//! answers: order and ranges of reads, devices kept apart by organisation,
//! one `proximity.alert` outbox event per stored alert (skipped for an
//! organisation without a webhook, none for an alert stored twice), and the
//! retention rule on explicit timestamps.

mod common;

use chrono::{DateTime, Duration, Utc};
use forsyning_model::{
    DigRequest, DigRequestStatus, DigResponse, DigResponseType, Hazard, OrgId, Organisation, Role,
};
use forsyning_store::{
    Device, EventKind, EventStatus, FixBatch, GpkgStore, ProximityTransition, PrunedPositions,
    Store, StoredAlert, StoredFix, TimeRange, Webhook,
};
use geo_types::polygon;
use uuid::Uuid;

use common::{drop_schema, postgis_store, postgres_url, CX, CY};

fn org(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}

fn device(o: &str, name: &str) -> Device {
    Device {
        org_id: org(o),
        name: name.into(),
    }
}

/// `t` to the millisecond, as the store keeps times.
fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap()
}

/// Fix `i`: northing `CY + i`, received at `at`.
fn fix(i: u32, at: DateTime<Utc>) -> StoredFix {
    StoredFix {
        received_at: at,
        time: (i % 2 == 0).then(|| at - Duration::milliseconds(300)),
        lat: 55.8 + f64::from(i) * 1e-5,
        lon: 12.3,
        e: CX,
        n: CY + f64::from(i),
        quality: if i % 2 == 0 { "rtk_fixed" } else { "dgps" }.into(),
        sigma_h: (i % 3 != 0).then_some(0.55),
    }
}

fn alert(
    dev: &Device,
    transition: ProximityTransition,
    at: DateTime<Utc>,
    dig: Uuid,
) -> StoredAlert {
    StoredAlert {
        id: Uuid::now_v7(),
        device: dev.clone(),
        at,
        transition,
        feature_id: Uuid::from_u128(1),
        hazard: Hazard::VeryDangerous,
        distance_m: match transition {
            ProximityTransition::Enter => Some(3.0),
            ProximityTransition::Exit => None,
        },
        enter_radius_m: 3.1,
        sigma_m: 0.55,
        dig_request_id: dig,
        fix: fix(7, at),
    }
}

/// POS-A (with a webhook) and POS-B (without) are contractors; POS-O owns
/// networks. A dig request of POS-A's (alerts refer to one) matched POS-O.
async fn setup(store: &dyn Store) -> Uuid {
    for (id, role) in [
        ("POS-A", Role::Contractor),
        ("POS-B", Role::Contractor),
        ("POS-O", Role::Owner),
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
    store
        .set_webhook(&Webhook {
            owner_id: org("POS-A"),
            url: "https://hooks.example.dk/pos".into(),
            salt: "00".into(),
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let now = Utc::now();
    let request = DigRequest {
        id: Uuid::new_v4(),
        requester_id: org("POS-A"),
        polygon: polygon![(x: CX, y: CY), (x: CX + 20.0, y: CY), (x: CX + 20.0, y: CY + 20.0), (x: CX, y: CY)],
        buffer_m: 1.0,
        period_from: now - Duration::days(1),
        period_to: now + Duration::days(5),
        purpose: "positions test".into(),
        contact: "pos".into(),
        status: DigRequestStatus::Received,
        received_at: now,
    };
    let response = DigResponse {
        owner_id: org("POS-O"),
        answer: DigResponseType::Delivered,
        deadline: now + Duration::hours(2),
        answered_at: Some(now),
        features_count: 1,
    };
    store
        .insert_dig_request(&request, &[response])
        .await
        .unwrap();
    request.id
}

async fn suite(store: &dyn Store) {
    let name = store.backend();
    let dig = setup(store).await;
    let now = ms(Utc::now());
    let a1 = device("POS-A", "d1");
    let a2 = device("POS-A", "d2");
    // The same name in another organisation is another device.
    let b1 = device("POS-B", "d1");
    let ages = [40, 31, 29, 1, 0];
    let a1_fixes: Vec<StoredFix> = ages
        .iter()
        .enumerate()
        .map(|(i, d)| fix(i as u32, now - Duration::days(*d)))
        .collect();
    // Two fixes of one millisecond keep the order they came in.
    let mut a1_last = fix(5, now);
    a1_last.n = CY - 1.0;
    let b1_fixes = vec![fix(10, now - Duration::days(2))];
    store
        .append_fixes(&[
            FixBatch {
                device: a1.clone(),
                fixes: a1_fixes[..3].to_vec(),
            },
            FixBatch {
                device: b1.clone(),
                fixes: b1_fixes.clone(),
            },
            FixBatch {
                device: a1.clone(),
                fixes: a1_fixes[3..].to_vec(),
            },
        ])
        .await
        .unwrap();
    store
        .append_fixes(&[FixBatch {
            device: a1.clone(),
            fixes: vec![a1_last.clone()],
        }])
        .await
        .unwrap();
    store.append_fixes(&[]).await.unwrap();

    let all = TimeRange::default();
    let mut want = a1_fixes.clone();
    want.push(a1_last.clone());
    assert_eq!(store.track(&a1, all, 100).await.unwrap(), want, "{name}");
    assert_eq!(
        store.track(&a1, all, 2).await.unwrap(),
        want[4..].to_vec(),
        "{name}: the last two, oldest first"
    );
    let range = TimeRange {
        from: Some(now - Duration::days(31)),
        to: Some(now - Duration::days(1)),
    };
    assert_eq!(
        store.track(&a1, range, 100).await.unwrap(),
        want[1..3].to_vec(),
        "{name}: from inclusive, to exclusive"
    );
    assert_eq!(
        store.track(&b1, all, 100).await.unwrap(),
        b1_fixes,
        "{name}"
    );
    assert!(store.track(&a2, all, 100).await.unwrap().is_empty());

    // Alerts: an enter 40 days ago, an enter and an exit today; one of B's.
    let old = alert(
        &a1,
        ProximityTransition::Enter,
        now - Duration::days(40),
        dig,
    );
    let enter = alert(
        &a1,
        ProximityTransition::Enter,
        now - Duration::seconds(5),
        dig,
    );
    let exit = alert(
        &a1,
        ProximityTransition::Exit,
        now - Duration::seconds(5),
        dig,
    );
    let b_alert = alert(&b1, ProximityTransition::Enter, now, dig);
    store
        .append_alerts(&[old.clone(), enter.clone(), exit.clone()])
        .await
        .unwrap();
    store
        .append_alerts(std::slice::from_ref(&b_alert))
        .await
        .unwrap();
    // Stored again (a retry): nothing new, no second event.
    store
        .append_alerts(std::slice::from_ref(&enter))
        .await
        .unwrap();
    assert_eq!(
        store.alerts(&a1, all, 100).await.unwrap(),
        vec![old.clone(), enter.clone(), exit.clone()],
        "{name}"
    );
    assert_eq!(
        store.alerts(&a1, all, 1).await.unwrap(),
        vec![exit.clone()],
        "{name}"
    );
    assert_eq!(
        store
            .alerts(
                &a1,
                TimeRange {
                    from: Some(now - Duration::days(1)),
                    to: None
                },
                100
            )
            .await
            .unwrap(),
        vec![enter.clone(), exit.clone()],
        "{name}"
    );
    assert_eq!(
        store.alerts(&b1, all, 100).await.unwrap(),
        vec![b_alert.clone()]
    );

    // One event per stored alert, for the device's organisation only.
    let events_of = |o: &'static str| async move {
        store
            .events(Some(&org(o)), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == EventKind::ProximityAlert)
            .collect::<Vec<_>>()
    };
    let a_events = events_of("POS-A").await;
    assert_eq!(a_events.len(), 3, "{name}");
    let mut alert_ids: Vec<String> = a_events
        .iter()
        .map(|e| {
            assert_eq!(e.status, EventStatus::Pending);
            assert_eq!(e.dig_request_id, dig);
            let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            assert_eq!(p["event"], "proximity.alert");
            assert_eq!(p["id"], e.id.to_string());
            assert_eq!(
                (p["owner_id"].as_str(), p["device"].as_str()),
                (Some("POS-A"), Some("d1"))
            );
            assert_eq!(p["transition"], p["alert"]["transition"]);
            assert_eq!(p["alert"]["hazard"], "very_dangerous");
            assert_eq!(p["alert"]["fix"]["n"], CY + 7.0);
            assert_eq!(p["dig_request"]["id"], dig.to_string());
            p["alert"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    alert_ids.sort();
    let mut want_ids: Vec<String> = [&old, &enter, &exit]
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    want_ids.sort();
    assert_eq!(alert_ids, want_ids, "{name}");
    let b_events = events_of("POS-B").await;
    assert_eq!(
        b_events.iter().map(|e| e.status).collect::<Vec<_>>(),
        vec![EventStatus::Skipped],
        "{name}: POS-B has no webhook"
    );
    assert!(
        events_of("POS-O").await.is_empty(),
        "{name}: not the owner's"
    );

    // Retention, 30 days: the fixes of 40 and 31 days and the old alert go.
    assert_eq!(
        store
            .prune_positions(now - Duration::days(30))
            .await
            .unwrap(),
        PrunedPositions {
            fixes: 2,
            alerts: 1,
            events: 0
        },
        "{name}"
    );
    assert_eq!(
        store.track(&a1, all, 100).await.unwrap(),
        want[2..].to_vec(),
        "{name}"
    );
    assert_eq!(
        store.alerts(&a1, all, 100).await.unwrap(),
        vec![enter.clone(), exit.clone()],
        "{name}"
    );
    assert_eq!(
        store
            .prune_positions(now - Duration::days(30))
            .await
            .unwrap(),
        PrunedPositions::default(),
        "{name}: again, nothing"
    );
    // A cutoff after now: everything positional goes, whatever its state;
    // the dig request's event stays.
    let later = Utc::now() + Duration::seconds(1);
    assert_eq!(
        store.prune_positions(later).await.unwrap(),
        PrunedPositions {
            fixes: 5,
            alerts: 3,
            events: 4
        },
        "{name}"
    );
    let left = store.events(None, 100).await.unwrap();
    assert_eq!(
        left.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EventKind::DigRequestReceived],
        "{name}"
    );
    assert!(store.schema_current().await.unwrap(), "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("p.gpkg")).await.unwrap();
    suite(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_on_the_postgis_store() {
    let Some(url) = postgres_url() else { return };
    let (store, schema) = postgis_store(&url, "pos").await;
    suite(&store).await;
    drop_schema(&store, &schema).await;
}
