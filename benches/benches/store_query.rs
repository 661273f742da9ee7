//! Polygon + buffer query latency on a generated town: the embedded store's
//! in-memory R-tree against PostGIS (`ST_DWithin` on a GiST index), on the
//! same features and the same queries, in one run.
//!
//! `FORSYNING_BENCH_FEATURES` sets the town size (default 1,000,000).
//! PostGIS is measured when `FORSYNING_TEST_POSTGRES` names a database.

use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use forsyning_benches::{dig_areas, town_size};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store};

async fn load(store: &dyn Store, town: &Town) {
    let t = Instant::now();
    for owner in town.owners() {
        let features = town.features().filter(|f| f.owner_id == owner.org_id);
        replace_dataset(store, &owner.org_id, &owner.dataset_name, features)
            .await
            .unwrap();
    }
    eprintln!(
        "loaded {} features into {} in {:.1?}",
        town.config().target_features,
        store.backend(),
        t.elapsed()
    );
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = town_size(1_000_000);
    let town = Town::new(TownConfig::new(42, n));
    // Dig-request-like areas: 20-120 m polygons (radius 20-120 m).
    let areas = dig_areas(&town, 500, 99, 20.0..120.0);
    let dir = tempfile::tempdir().unwrap();

    let mut stores: Vec<(&str, Arc<dyn Store>)> = Vec::new();
    let gpkg = rt
        .block_on(GpkgStore::open(&dir.path().join("bench.gpkg")))
        .unwrap();
    rt.block_on(load(&gpkg, &town));
    stores.push(("embedded_rtree", Arc::new(gpkg)));

    let mut pg_schema = None;
    if let Ok(url) = std::env::var("FORSYNING_TEST_POSTGRES") {
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let pg = rt
            .block_on(PostgisStore::connect_in_schema(&url, Some(&schema)))
            .unwrap();
        rt.block_on(load(&pg, &town));
        rt.block_on(sqlx::query("ANALYZE").execute(pg.pool()))
            .unwrap();
        pg_schema = Some((pg.clone(), schema));
        stores.push(("postgis_gist", Arc::new(pg)));
    } else {
        eprintln!("FORSYNING_TEST_POSTGRES is not set: PostGIS is not measured");
    }

    // Both stores must give the same answers before their speed means anything.
    let mut hits = 0;
    for a in &areas {
        let mut sets = stores.iter().map(|(_, s)| {
            let mut ids: Vec<_> = rt
                .block_on(s.features_near(a))
                .unwrap()
                .iter()
                .map(|f| f.id)
                .collect();
            ids.sort();
            ids
        });
        let first = sets.next().unwrap();
        hits += first.len();
        for other in sets {
            assert_eq!(first, other, "backends disagree");
        }
    }
    eprintln!(
        "{} queries, {:.1} features per answer on average",
        areas.len(),
        hits as f64 / areas.len() as f64
    );

    let mut group = c.benchmark_group(format!("polygon_buffer_query_{n}"));
    group.sample_size(50);
    for (name, store) in &stores {
        let mut i = 0;
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| {
                i = (i + 1) % areas.len();
                let (store, area) = (store.clone(), &areas[i]);
                async move { store.features_near(area).await.unwrap().len() }
            })
        });
    }
    group.finish();

    if let Some((pg, schema)) = pg_schema {
        rt.block_on(sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(pg.pool()))
            .unwrap();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
