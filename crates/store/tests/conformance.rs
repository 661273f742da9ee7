//! One conformance suite, run against both store backends.

mod common;
mod conformance_dig;

use std::collections::BTreeSet;

use common::*;
use forsyning_model::{
    token_hash, verify_chain, AccuracyClass, AuditRecord, Bbox, DrawingMethod, Hazard,
    InterestArea, Measures, NetworkFeature, OrgId, Organisation, PartialDate, Role, SearchArea,
    Theme, TokenRecord,
};
use forsyning_store::{replace_dataset, GpkgStore, Store, StoreError};
use geo::{BoundingRect, Distance, Euclidean};
use geo_types::{line_string, polygon, Geometry, MultiPolygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

fn ids(features: &[NetworkFeature]) -> BTreeSet<Uuid> {
    features.iter().map(|f| f.id).collect()
}

fn org(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}

/// Brute force: every feature within `buffer` metres of the polygon, by geo's exact distance.
fn brute_near(all: &[NetworkFeature], area: &SearchArea) -> BTreeSet<Uuid> {
    all.iter()
        .filter(|f| Euclidean.distance(&f.geometry, area.polygon()) <= area.buffer_m())
        .map(|f| f.id)
        .collect()
}

fn brute_bbox(all: &[NetworkFeature], bbox: &Bbox) -> BTreeSet<Uuid> {
    all.iter()
        .filter(|f| {
            let r = f.geometry.bounding_rect().unwrap();
            Bbox::from_rect(r).unwrap().intersects(bbox)
        })
        .map(|f| f.id)
        .collect()
}

async fn oracle(store: &dyn Store, current: &[NetworkFeature], queries: usize, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut non_empty = 0;
    for q in 0..queries {
        let cx = CX + rng.gen_range(-2600.0..2600.0);
        let cy = CY + rng.gen_range(-2600.0..2600.0);
        let polygon = star_polygon(&mut rng, cx, cy, 10.0, 250.0);
        let buffer = if q % 10 == 0 {
            0.0
        } else {
            rng.gen_range(0.0..60.0)
        };
        let area = SearchArea::new(polygon, buffer).unwrap();
        let got = ids(&store.features_near(&area).await.unwrap());
        let want = brute_near(current, &area);
        assert_eq!(
            got,
            want,
            "{} query {q}: polygon+buffer result differs from brute force",
            store.backend()
        );
        non_empty += usize::from(!want.is_empty());
    }
    assert!(
        non_empty > queries / 2,
        "the oracle queries should mostly hit something ({non_empty})"
    );
    for q in 0..queries / 5 {
        let x = CX + rng.gen_range(-2600.0..2600.0);
        let y = CY + rng.gen_range(-2600.0..2600.0);
        let bbox = Bbox::new(
            x,
            y,
            x + rng.gen_range(1.0..400.0),
            y + rng.gen_range(1.0..400.0),
        )
        .unwrap();
        let got = ids(&store.features_in_bbox(&bbox).await.unwrap());
        assert_eq!(
            got,
            brute_bbox(current, &bbox),
            "{} bbox query {q}",
            store.backend()
        );
    }
}

fn random_features(seed: u64, n: usize) -> Vec<NetworkFeature> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let g = random_geometry(&mut rng, 2500.0);
            random_feature(&mut rng, i, g)
        })
        .collect()
}

/// Sets the fields the writer sets, as the store will return them.
fn as_stored(
    mut fs: Vec<NetworkFeature>,
    owner: &OrgId,
    stored: &[NetworkFeature],
) -> Vec<NetworkFeature> {
    let v = &stored[0];
    for f in &mut fs {
        f.owner_id = owner.clone();
        f.dataset_id = v.dataset_id;
        f.version = v.version;
        f.valid_from = v.valid_from;
    }
    fs
}

/// A feature with every attribute set, to check the round trip of each column.
fn full_feature() -> NetworkFeature {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut f = random_feature(
        &mut rng,
        0,
        line_string![(x: CX, y: CY), (x: CX + 3.5, y: CY + 1.25), (x: CX + 9.0, y: CY - 2.0)]
            .into(),
    );
    f.source_id = "Elledning.3f9c-æøå".into();
    f.source_class = "Elledning".into();
    f.theme = Theme::Electricity;
    f.hazard = Some(Hazard::VeryDangerous);
    f.safety_note = Some("Højspænding 60 kV – kontakt ejer før gravning".into());
    f.accuracy_xy = AccuracyClass::Le025;
    f.accuracy_z = AccuracyClass::Le100;
    f.drawing_method = Some(DrawingMethod::Offset);
    f.status = None;
    f.measures = Measures {
        depth_mm: Some(1200),
        diameter_mm: Some(110),
        voltage_kv: Some(60.0),
        pressure_bar: None,
        material: Some("PEX".into()),
        installed: Some(PartialDate::year_month(1987, 4).unwrap()),
    };
    f.heights = Some(vec![Some(12.5), None, Some(11.75)]);
    f
}

async fn suite(store: &dyn Store) {
    let (a, b) = (org("ORACLE-A"), org("ORACLE-B"));

    // Two datasets, 10,000 random features in all.
    let a1 = random_features(1, 6_000);
    let b1 = random_features(2, 4_000);
    let va = replace_dataset(store, &a, "network", a1.clone())
        .await
        .unwrap();
    let vb = replace_dataset(store, &b, "network", b1.clone())
        .await
        .unwrap();
    assert_eq!((va.version, va.feature_count), (1, 6_000));
    assert_eq!((vb.version, vb.feature_count), (1, 4_000));
    let mut current: Vec<NetworkFeature> = a1.iter().chain(&b1).cloned().collect();
    oracle(store, &current, 1_000, 11).await;

    // Attribute round trip of a feature with every column set.
    let full = full_feature();
    let vf = replace_dataset(store, &org("FULL"), "network", vec![full.clone()])
        .await
        .unwrap();
    let back = store
        .feature(full.id)
        .await
        .unwrap()
        .expect("stored feature");
    let mut want = full.clone();
    want.owner_id = org("FULL");
    want.dataset_id = vf.dataset_id;
    want.version = 1;
    want.valid_from = vf.valid_from;
    assert_eq!(back, want);

    // A new version of A replaces the old one all at once; the old stays as history.
    let a2 = random_features(3, 3_000);
    let va2 = replace_dataset(store, &a, "network", a2.clone())
        .await
        .unwrap();
    assert_eq!(va2.version, 2);
    current = a2.iter().chain(&b1).cloned().collect();
    oracle(store, &current, 200, 12).await;
    let versions = store.dataset_versions(va.dataset_id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].version, 1);
    assert_eq!(versions[0].valid_to, Some(va2.valid_from));
    assert_eq!(versions[1].valid_to, None);
    let old = store.features_at_version(va.dataset_id, 1).await.unwrap();
    assert_eq!(ids(&old), ids(&a1));
    let new = store.features_at_version(va.dataset_id, 2).await.unwrap();
    assert_eq!(ids(&new), ids(&a2));
    let historic = store.feature(a1[5].id).await.unwrap().unwrap();
    assert_eq!(historic.version, 1);
    assert_eq!(historic.valid_to, Some(va2.valid_from));
    assert_eq!(historic.geometry, a1[5].geometry);

    // Ids may repeat across versions (a re-upload of the same source).
    let b_again = as_stored(
        b1.clone(),
        &b,
        &store.features_at_version(vb.dataset_id, 1).await.unwrap(),
    );
    let vb2 = replace_dataset(store, &b, "network", b_again)
        .await
        .unwrap();
    assert_eq!(vb2.version, 2);
    assert_eq!(store.feature(b1[0].id).await.unwrap().unwrap().version, 2);

    // Injected failure half-way: the second batch repeats an id, the database
    // refuses it, and version 2 of A stays current and whole.
    let before = store.features_near(&everything()).await.unwrap().len();
    let mut w = store.begin_replace(&a, "network").await.unwrap();
    let batch1 = random_features(4, 500);
    let mut batch2 = random_features(5, 500);
    batch2[250].id = batch1[10].id;
    w.write(batch1).await.unwrap();
    assert!(
        w.write(batch2).await.is_err(),
        "duplicate id must fail the write"
    );
    assert!(w.commit().await.is_err(), "a failed writer must not commit");
    assert_eq!(
        store.features_near(&everything()).await.unwrap().len(),
        before
    );
    assert_eq!(
        store.dataset_versions(va.dataset_id).await.unwrap().len(),
        2
    );
    assert_eq!(
        ids(&store.features_at_version(va.dataset_id, 2).await.unwrap()),
        ids(&a2)
    );

    // A writer dropped without commit (a cancelled upload) changes nothing either.
    {
        let mut w = store.begin_replace(&a, "network").await.unwrap();
        w.write(random_features(6, 100)).await.unwrap();
    }
    let mut w = store.begin_replace(&a, "network").await.unwrap();
    w.write(random_features(7, 100)).await.unwrap();
    w.abort().await.unwrap();
    assert_eq!(
        store.features_near(&everything()).await.unwrap().len(),
        before
    );
    oracle(store, &current, 100, 13).await;

    let datasets = store.datasets(Some(&a)).await.unwrap();
    assert_eq!(datasets.len(), 1);
    assert_eq!(datasets[0].current_version, 2);
    assert_eq!(store.datasets(None).await.unwrap().len(), 3);

    interest_areas(store).await;
    access(store).await;
    conformance_dig::dig_requests(store).await;
}

/// A search area covering the whole random test area.
fn everything() -> SearchArea {
    let r = 4_000.0;
    let p = polygon![(x: CX - r, y: CY - r), (x: CX + r, y: CY - r), (x: CX + r, y: CY + r), (x: CX - r, y: CY + r)];
    SearchArea::new(p, 0.0).unwrap()
}

async fn interest_areas(store: &dyn Store) {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let mut all = Vec::new();
    for owner in ["IA-1", "IA-2", "IA-3"] {
        let areas: Vec<InterestArea> = (0..40)
            .map(|_| {
                let cx = CX + rng.gen_range(-2000.0..2000.0);
                let cy = CY + rng.gen_range(-2000.0..2000.0);
                InterestArea {
                    id: Uuid::from_u128(rng.gen()),
                    owner_id: org(owner),
                    themes: vec![Theme::Water, Theme::Sewer],
                    geometry: MultiPolygon(vec![star_polygon(&mut rng, cx, cy, 50.0, 400.0)]),
                    contact: format!("{owner} vagt +45 70 00 00 00"),
                    marks_on_site: rng.gen(),
                }
            })
            .collect();
        store
            .replace_interest_areas(&org(owner), areas.clone())
            .await
            .unwrap();
        all.extend(areas);
    }
    assert_eq!(store.interest_areas(None).await.unwrap().len(), 120);
    for q in 0..100 {
        let (cx, cy) = (
            CX + rng.gen_range(-2000.0..2000.0),
            CY + rng.gen_range(-2000.0..2000.0),
        );
        let polygon = star_polygon(&mut rng, cx, cy, 10.0, 200.0);
        let area = SearchArea::new(polygon, rng.gen_range(0.0..50.0)).unwrap();
        let got: BTreeSet<Uuid> = store
            .interest_areas_near(&area)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        let want: BTreeSet<Uuid> = all
            .iter()
            .filter(|a| {
                Euclidean.distance(
                    &Geometry::MultiPolygon(a.geometry.clone()),
                    &Geometry::Polygon(area.polygon().clone()),
                ) <= area.buffer_m()
            })
            .map(|a| a.id)
            .collect();
        assert_eq!(got, want, "{} interest-area query {q}", store.backend());
    }
    // Replacing one owner's areas leaves the others alone.
    store
        .replace_interest_areas(&org("IA-2"), vec![])
        .await
        .unwrap();
    assert!(store
        .interest_areas(Some(&org("IA-2")))
        .await
        .unwrap()
        .is_empty());
    let ia1 = store.interest_areas(Some(&org("IA-1"))).await.unwrap();
    assert_eq!(ia1.len(), 40);
    assert_eq!(ia1[0], all[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpkg_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.gpkg");
    let store = GpkgStore::open(&path).await.unwrap();
    suite(&store).await;
    drop(store);
    // Everything is in the file: a reopened store answers the same.
    let reopened = GpkgStore::open(&path).await.unwrap();
    assert_eq!(reopened.feature_count(), 3_000 + 4_000 + 1);
    assert_eq!(reopened.interest_areas(None).await.unwrap().len(), 80);
}

/// The same store opened without its in-memory index answers from the
/// GeoPackage's own R-tree, with the same results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpkg_unindexed_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.gpkg");
    let store = GpkgStore::open_unindexed(&path).await.unwrap();
    suite(&store).await;
    assert_eq!(store.feature_count(), 0, "nothing is held in memory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_conformance() {
    let Some(url) = postgres_url() else { return };
    let (store, schema) = postgis_store(&url, "conf").await;
    suite(&store).await;
    drop_schema(&store, &schema).await;
}

async fn access(store: &dyn Store) {
    let now = chrono::Utc::now();
    let muni = Organisation {
        id: org("K0101"),
        name: "Københavns Kommune".into(),
        role: Role::Municipality,
        boundary: Some(MultiPolygon(vec![star_polygon(
            &mut ChaCha8Rng::seed_from_u64(3),
            CX,
            CY,
            500.0,
            900.0,
        )])),
        created_at: now,
    };
    store.create_org(&muni).await.unwrap();
    let contractor = Organisation {
        id: org("GRAV-1"),
        name: "Graveriet A/S".into(),
        role: Role::Contractor,
        boundary: None,
        created_at: now,
    };
    store.create_org(&contractor).await.unwrap();
    assert!(matches!(
        store.create_org(&contractor).await,
        Err(StoreError::Conflict(_))
    ));
    let back = store.org(&muni.id).await.unwrap().unwrap();
    assert_eq!(
        (back.name.as_str(), back.role, back.boundary.is_some()),
        ("Københavns Kommune", Role::Municipality, true)
    );
    assert_eq!(back.boundary, muni.boundary);
    assert_eq!(store.orgs().await.unwrap().len(), 2);
    assert!(store.org(&org("NOBODY")).await.unwrap().is_none());

    let t = TokenRecord {
        id: Uuid::from_u128(77),
        org_id: contractor.id.clone(),
        label: "gravemaskine 3".into(),
        hash: token_hash("fsy_secret"),
        created_at: now,
        revoked_at: None,
    };
    store.insert_token(&t).await.unwrap();
    let found = store
        .token_by_hash(&token_hash("fsy_secret"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.revoked_at), (t.id, None));
    assert!(store
        .token_by_hash(&token_hash("fsy_other"))
        .await
        .unwrap()
        .is_none());
    assert!(store.revoke_token(t.id, now).await.unwrap());
    assert!(
        !store.revoke_token(t.id, now).await.unwrap(),
        "revoking twice is a no-op"
    );
    assert!(store
        .token_by_hash(&t.hash)
        .await
        .unwrap()
        .unwrap()
        .revoked_at
        .is_some());
    assert_eq!(store.tokens(Some(&contractor.id)).await.unwrap().len(), 1);

    for i in 0..25u64 {
        let (n, digest) = AuditRecord::digest_ids((0..i).map(|k| Uuid::from_u128(k.into())));
        let e = store
            .append_audit(AuditRecord {
                at: chrono::Utc::now(),
                org_id: Some(contractor.id.clone()),
                token_id: Some(t.id),
                action: "features.read".into(),
                dig_request_id: None,
                feature_count: n,
                feature_digest: digest,
            })
            .await
            .unwrap();
        assert_eq!(e.seq, i + 1);
    }
    let (log, head) = store.audit_log().await.unwrap();
    assert_eq!(log.len(), 25);
    assert_eq!(
        verify_chain(&log, head.as_ref().map(|(s, h)| (*s, h.as_str()))),
        Ok(25)
    );

    // 300 disclosures at once (the embedded store commits them in groups):
    // every one gets its own sequence number and the chain stays whole.
    let appends = (0..300u64).map(|i| {
        let (n, digest) = AuditRecord::digest_ids([Uuid::from_u128(i.into())]);
        store.append_audit(AuditRecord {
            at: chrono::Utc::now(),
            org_id: Some(contractor.id.clone()),
            token_id: Some(t.id),
            action: "features.read".into(),
            dig_request_id: None,
            feature_count: n,
            feature_digest: digest,
        })
    });
    let entries = futures::future::join_all(appends).await;
    let mut seqs: Vec<u64> = entries.into_iter().map(|e| e.unwrap().seq).collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (26..=325).collect::<Vec<u64>>(),
        "{}",
        store.backend()
    );
    let (log, head) = store.audit_log().await.unwrap();
    assert_eq!(
        verify_chain(&log, head.as_ref().map(|(s, h)| (*s, h.as_str()))),
        Ok(325)
    );
}
