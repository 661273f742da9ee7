//! Proximity-check latency per fix over 5 M features of a synthetic town
//! (`forsyning-fixtures`), every feature treated as dangerous (the worst
//! case: a dig area where everything is a hazard). The machine drives a
//! track through the town; each iteration is one `Monitor::check`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_gnss::proximity::{AlertConfig, HazardIndex, Monitor};
use forsyning_model::Hazard;

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("GNSS_BENCH_FEATURES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000_000);
    let t0 = std::time::Instant::now();
    let town = Town::new(TownConfig::new(42, n));
    let extent = town.extent();
    let index = HazardIndex::from_geometries(
        town.features()
            .map(|f| (f.id, Hazard::Dangerous, f.geometry)),
    );
    eprintln!(
        "indexed {} features in {:.1} s",
        index.len(),
        t0.elapsed().as_secs_f64()
    );
    let (w, h) = (extent.width(), extent.height());
    let (x0, y0) = (extent.min().x, extent.min().y);
    // A track of 10,000 fixes on a diagonal through the town, 0.5 m apart.
    let track: Vec<(f64, f64)> = (0..10_000)
        .map(|i| {
            let t = i as f64 / 10_000.0;
            (x0 + w * (0.3 + 0.4 * t), y0 + h * (0.3 + 0.4 * t))
        })
        .collect();
    let mut m = Monitor::new(AlertConfig::default());
    let mut events = Vec::new();
    let mut i = 0usize;
    c.bench_function(&format!("proximity_check_{n}_features"), |b| {
        b.iter(|| {
            let (e, n) = track[i % track.len()];
            i += 1;
            events.clear();
            m.check(&index, e, n, Some(0.05), &mut events);
            black_box(events.len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
