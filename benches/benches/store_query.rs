//! Polygon + buffer query latency on a generated town: the embedded store's
//! in-memory R-tree against PostGIS (`ST_DWithin` on a GiST index), on the
//! same features and the same queries, in one run.
//!
//! `FORSYNING_BENCH_FEATURES` sets the town size (default 1,000,000).
//! PostGIS is measured when `FORSYNING_TEST_POSTGRES` names a database.

use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::SearchArea;
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store};
use geo_types::{Coord, LineString, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 1 M features under `cargo bench`; 10 k when `cargo test` runs the bench once as a test.
fn town_size() -> usize {
    let benching = std::env::args().any(|a| a == "--bench");
    let default = if benching { 1_000_000 } else { 10_000 };
    std::env::var("FORSYNING_BENCH_FEATURES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Dig-request-like areas: 20-120 m polygons inside the town, 0-5 m buffers.
fn queries(town: &Town, n: usize) -> Vec<SearchArea> {
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let e = town.extent();
    (0..n)
        .map(|_| {
            let cx = rng.gen_range(e.min().x + 200.0..e.max().x - 200.0);
            let cy = rng.gen_range(e.min().y + 200.0..e.max().y - 200.0);
            let k = 8;
            let mut ring: Vec<Coord<f64>> = (0..k)
                .map(|i| {
                    let a = (i as f64 + rng.gen_range(0.0..0.8)) * std::f64::consts::TAU / k as f64;
                    let r = rng.gen_range(20.0..120.0);
                    Coord {
                        x: cx + r * a.cos(),
                        y: cy + r * a.sin(),
                    }
                })
                .collect();
            ring.push(ring[0]);
            SearchArea::new(
                Polygon::new(LineString(ring), vec![]),
                rng.gen_range(0.0..5.0),
            )
            .unwrap()
        })
        .collect()
}

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
    let n = town_size();
    let town = Town::new(TownConfig::new(42, n));
    let areas = queries(&town, 500);
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
