//! Where the slow conflict reports of the `dig_report` bench spend their
//! time: per request, the best of 5 runs of each step on the embedded store
//! (interest areas, features, report), with the sizes that drive them.
//! The slowest requests are printed first.
//!
//! usage: FORSYNING_BENCH_DIR=DIR cargo run --release -p forsyning-benches
//!        --example report_tail   (after `dig_report` has kept its store in DIR)

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use forsyning_api::dig::{answers, build_report, contacts, Disclosure};
use forsyning_benches::{bench_record, dig_areas, town_size};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_store::{GpkgStore, Store};
use geo::CoordsIter;

fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut min = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let v = f();
        min = min.min(t.elapsed());
        out = Some(v);
    }
    (min, out.expect("ran five times"))
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let n = town_size(5_000_000);
    let town = Town::new(TownConfig::new(42, n));
    let areas = dig_areas(&town, 500, 7, 10.0..60.0);
    let dir = std::env::var_os("FORSYNING_BENCH_DIR")
        .map(PathBuf::from)
        .expect("FORSYNING_BENCH_DIR names the dig_report bench's kept stores");
    let store = rt
        .block_on(GpkgStore::open(&dir.join(format!("town_{n}.gpkg"))))
        .expect("the kept GeoPackage opens");
    let mut rows = Vec::new();
    for (i, area) in areas.iter().enumerate() {
        let (t_areas, ia) = best(|| {
            rt.block_on(store.interest_areas_near_shared(area))
                .expect("areas")
        });
        let (t_feat, features) = best(|| {
            rt.block_on(store.features_near_shared(area))
                .expect("features")
        });
        let now = Utc::now();
        let record = bench_record(area, answers(&ia, &features, now), now);
        let c = contacts(&ia);
        let (t_report, _) = best(|| build_report(&record, &c, features.clone(), &Disclosure::Full));
        let vertices: usize = features.iter().map(|f| f.geometry.coords_count()).sum();
        let max_vertices = features
            .iter()
            .map(|f| f.geometry.coords_count())
            .max()
            .unwrap_or(0);
        let area_vertices: usize = ia.iter().map(|a| a.geometry.coords_count()).sum();
        rows.push((
            t_areas + t_feat + t_report,
            i,
            t_areas,
            t_feat,
            t_report,
            features.len(),
            vertices,
            max_vertices,
            ia.len(),
            area_vertices,
        ));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    println!("req   total_us areas_us feat_us report_us features vertices max_vx areas area_vx");
    for r in rows.iter().take(25).chain(rows.iter().skip(240).take(5)) {
        println!(
            "{:4} {:9.1} {:8.1} {:7.1} {:9.1} {:8} {:8} {:6} {:5} {:7}",
            r.1,
            r.0.as_secs_f64() * 1e6,
            r.2.as_secs_f64() * 1e6,
            r.3.as_secs_f64() * 1e6,
            r.4.as_secs_f64() * 1e6,
            r.5,
            r.6,
            r.7,
            r.8,
            r.9
        );
    }
}
