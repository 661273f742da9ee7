//! Conflict-report latency: what `POST /api/v1/dig-requests` computes for a
//! request (owners from interest areas, features within polygon + buffer
//! with exact distances, answers, the report sorted dangerous-first), on the
//! embedded store against the same pipeline on PostGIS (`ST_DWithin` on a
//! GiST index), on the same generated town and the same requests, in one run.
//!
//! - `FORSYNING_BENCH_FEATURES`: town size (default 5,000,000 under
//!   `cargo bench`, 10,000 when `cargo test` runs the bench once).
//! - `FORSYNING_TEST_POSTGRES`: the PostGIS database; unset, only the
//!   embedded store is measured.
//! - `FORSYNING_BENCH_DIR`: keep the loaded stores there (GeoPackage file and
//!   a PostGIS schema `bench_town_<n>`) and reuse them in the next run;
//!   unset, both are built in temporary places and dropped.
//!
//! Besides criterion's estimates it prints p50/p90/p99 over 2,000 requests
//! per backend.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use forsyning_api::dig::{build_report, match_owners, Disclosure};
use forsyning_benches::{bench_record, dig_areas, town_size};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::SearchArea;
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store};
use uuid::Uuid;

/// Loads the town unless `store` holds it already (same feature count).
async fn load(store: &dyn Store, town: &Town) {
    let n = town.config().target_features;
    let mut stored = 0;
    for d in store.datasets(None).await.unwrap() {
        let versions = store.dataset_versions(d.dataset_id).await.unwrap();
        stored += versions
            .iter()
            .find(|v| v.version == d.current_version)
            .map_or(0, |v| v.feature_count);
    }
    if stored as usize == town.features().count() {
        eprintln!("{}: reusing {stored} stored features", store.backend());
        return;
    }
    let t = Instant::now();
    for owner in town.owners() {
        let features = town.features().filter(|f| f.owner_id == owner.org_id);
        replace_dataset(store, &owner.org_id, &owner.dataset_name, features)
            .await
            .unwrap();
    }
    for owner in town.owners() {
        let areas: Vec<_> = town
            .interest_areas()
            .into_iter()
            .filter(|a| a.owner_id == owner.org_id)
            .collect();
        store
            .replace_interest_areas(&owner.org_id, areas)
            .await
            .unwrap();
    }
    eprintln!(
        "loaded {n} features into {} in {:.1?}",
        store.backend(),
        t.elapsed()
    );
}

/// The conflict report of a request over `area`, as the API computes it.
async fn report(store: &dyn Store, area: &SearchArea) -> usize {
    let now = Utc::now();
    let matched = match_owners(store, area, now).await.unwrap();
    let record = bench_record(area, matched.responses, now);
    let r = build_report(
        &record,
        &matched.contacts,
        matched.features,
        &Disclosure::Full,
    );
    r.features.map_or(0, |f| f.len()) + r.owners.len()
}

fn percentiles(mut d: Vec<Duration>) -> BTreeMap<&'static str, f64> {
    d.sort();
    let at = |q: f64| d[((d.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    BTreeMap::from([("p50", at(0.50)), ("p90", at(0.90)), ("p99", at(0.99))])
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = town_size(5_000_000);
    let town = Town::new(TownConfig::new(42, n));
    // Dig requests as contractors draw them: 20-120 m across.
    let areas = dig_areas(&town, 500, 7, 10.0..60.0);
    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("FORSYNING_BENCH_DIR").map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir).unwrap();

    let mut stores: Vec<(&str, Arc<dyn Store>)> = Vec::new();
    let gpkg = rt
        .block_on(GpkgStore::open(&dir.join(format!("town_{n}.gpkg"))))
        .unwrap();
    rt.block_on(load(&gpkg, &town));
    stores.push(("embedded_rtree", Arc::new(gpkg)));

    let mut drop_schema = None;
    if let Ok(url) = std::env::var("FORSYNING_TEST_POSTGRES") {
        let schema = if keep.is_some() {
            format!("bench_town_{n}")
        } else {
            format!("bench_{}", Uuid::new_v4().simple())
        };
        let pg = rt
            .block_on(PostgisStore::connect_in_schema(&url, Some(&schema)))
            .unwrap();
        rt.block_on(load(&pg, &town));
        rt.block_on(sqlx::query("ANALYZE").execute(pg.pool()))
            .unwrap();
        if keep.is_none() {
            drop_schema = Some((pg.clone(), schema));
        }
        stores.push(("postgis_gist", Arc::new(pg)));
    } else {
        eprintln!("FORSYNING_TEST_POSTGRES is not set: PostGIS is not measured");
    }

    // Both backends give the same reports before their speed means anything.
    let mut sizes = 0;
    for a in &areas {
        let mut all = stores.iter().map(|(_, s)| {
            let m = rt
                .block_on(match_owners(s.as_ref(), a, Utc::now()))
                .unwrap();
            let mut ids: Vec<Uuid> = m.features.iter().map(|f| f.id).collect();
            ids.sort();
            let owners: Vec<String> = m.responses.iter().map(|r| r.owner_id.to_string()).collect();
            (ids, owners)
        });
        let first = all.next().unwrap();
        sizes += first.0.len();
        for other in all {
            assert_eq!(first, other, "backends disagree");
        }
    }
    eprintln!(
        "{} requests, {:.1} features per report on average",
        areas.len(),
        sizes as f64 / areas.len() as f64
    );

    let mut group = c.benchmark_group(format!("conflict_report_{n}"));
    group.sample_size(50);
    for (name, store) in &stores {
        let mut i = 0;
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| {
                i = (i + 1) % areas.len();
                let (store, area) = (store.clone(), &areas[i]);
                async move { report(store.as_ref(), area).await }
            })
        });
    }
    group.finish();

    let runs = if std::env::args().any(|a| a == "--bench") {
        2000
    } else {
        50
    };
    let mut table = Vec::new();
    for (name, store) in &stores {
        let mut times = Vec::with_capacity(runs);
        for i in 0..runs {
            let area = &areas[i % areas.len()];
            let t = Instant::now();
            rt.block_on(report(store.as_ref(), area));
            times.push(t.elapsed());
        }
        let p = percentiles(times);
        eprintln!(
            "{name}: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms ({runs} reports, {n} features)",
            p["p50"], p["p90"], p["p99"]
        );
        table.push((name, p));
    }
    if let [(_, e), (_, pg)] = &table[..] {
        eprintln!(
            "PostGIS / embedded: p50 {:.1}x, p99 {:.1}x",
            pg["p50"] / e["p50"],
            pg["p99"] / e["p99"]
        );
    }

    if let Some((pg, schema)) = drop_schema {
        rt.block_on(sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(pg.pool()))
            .unwrap();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
