//! `DatasetWriter::base_version` on both backends: the version a writer
//! replaces, and that it cannot change while the writer is open (the
//! compare-and-swap that as-built surveys rely on).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use forsyning_model::{DatasetId, NetworkFeature, OrgId};
use forsyning_store::{write_batched, GpkgStore, Store};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn features(seed: u64, n: usize) -> Vec<NetworkFeature> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let g = random_geometry(&mut rng, 500.0);
            random_feature(&mut rng, i, g)
        })
        .collect()
}

fn sorted_ids(fs: &[NetworkFeature]) -> Vec<uuid::Uuid> {
    let mut ids: Vec<_> = fs.iter().map(|f| f.id).collect();
    ids.sort();
    ids
}

async fn current(store: &dyn Store, dataset: DatasetId) -> Option<u32> {
    store
        .datasets(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.dataset_id == dataset)
        .map(|d| d.current_version)
}

async fn suite(store: Arc<dyn Store>) {
    let owner = OrgId::new("OWN-BV").unwrap();
    let dataset = DatasetId::for_owner(&owner, "network");

    // A new dataset: the writer replaces version 0.
    let mut w = store.begin_replace(&owner, "network").await.unwrap();
    assert_eq!(w.base_version(), 0);
    write_batched(w.as_mut(), features(1, 20)).await.unwrap();
    assert_eq!(w.commit().await.unwrap().version, 1);

    // An aborted writer changes nothing: the next one still replaces 1.
    let mut w = store.begin_replace(&owner, "network").await.unwrap();
    assert_eq!(w.base_version(), 1);
    write_batched(w.as_mut(), features(2, 5)).await.unwrap();
    w.abort().await.unwrap();
    let w = store.begin_replace(&owner, "network").await.unwrap();
    assert_eq!(w.base_version(), 1);
    drop(w);
    assert_eq!(current(store.as_ref(), dataset).await, Some(1));

    // Another dataset of the same owner counts its own versions.
    let w = store.begin_replace(&owner, "other").await.unwrap();
    assert_eq!(w.base_version(), 0);
    w.abort().await.unwrap();

    // While a writer is open, a second writer of the dataset waits, and
    // when it gets in it replaces what the first committed, never the
    // version the first replaced.
    let v2 = features(3, 30);
    let mut first = store.begin_replace(&owner, "network").await.unwrap();
    assert_eq!(first.base_version(), 1);
    write_batched(first.as_mut(), v2.clone()).await.unwrap();
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
    let second = {
        let store = store.clone();
        let owner = owner.clone();
        tokio::spawn(async move {
            let w = store.begin_replace(&owner, "network").await.unwrap();
            let base = w.base_version();
            // What the store says is current, read while the writer is open.
            let current = current(store.as_ref(), dataset).await;
            seen_tx.send(()).unwrap();
            w.abort().await.unwrap();
            (base, current)
        })
    };
    let mut seen_rx = seen_rx;
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut seen_rx)
            .await
            .is_err(),
        "a second writer began while the first was open"
    );
    assert_eq!(first.commit().await.unwrap().version, 2);
    let (base, seen) = second.await.unwrap();
    assert_eq!(
        base, 2,
        "the second writer replaces what the first committed"
    );
    assert_eq!(seen, Some(2));

    // Version 1 is history, version 2 current.
    assert_eq!(
        sorted_ids(&store.features_at_version(dataset, 2).await.unwrap()),
        sorted_ids(&v2)
    );
    assert_eq!(
        sorted_ids(&store.features_at_version(dataset, 1).await.unwrap()),
        sorted_ids(&features(1, 20))
    );
    let versions = store.dataset_versions(dataset).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(versions[0].valid_to.is_some() && versions[1].valid_to.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpkg_base_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("bv.gpkg")).await.unwrap();
    suite(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_base_version() {
    let Some(url) = postgres_url() else { return };
    let (store, schema) = postgis_store(&url, "bv").await;
    suite(Arc::new(store.clone())).await;
    drop_schema(&store, &schema).await;
}
