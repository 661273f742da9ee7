//! What the criterion benches in `benches/benches/` share: the town size and
//! the dig-request-like query areas.

use chrono::{DateTime, Utc};
use forsyning_fixtures::Town;
use forsyning_model::{DigRequest, DigRequestStatus, DigResponse, OrgId, SearchArea};
use forsyning_store::DigRecord;
use geo_types::{Coord, LineString, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `FORSYNING_BENCH_FEATURES`, else `benching` under `cargo bench` and
/// 10,000 when `cargo test` runs a bench once as a test.
pub fn town_size(benching: usize) -> usize {
    let default = if std::env::args().any(|a| a == "--bench") {
        benching
    } else {
        10_000
    };
    std::env::var("FORSYNING_BENCH_FEATURES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// `n` 8-vertex star polygons inside the town, with radii in `radius`
/// metres and 0-5 m buffers, from `seed`.
pub fn dig_areas(
    town: &Town,
    n: usize,
    seed: u64,
    radius: std::ops::Range<f64>,
) -> Vec<SearchArea> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let e = town.extent();
    (0..n)
        .map(|_| {
            let cx = rng.gen_range(e.min().x + 200.0..e.max().x - 200.0);
            let cy = rng.gen_range(e.min().y + 200.0..e.max().y - 200.0);
            let k = 8;
            let mut ring: Vec<Coord<f64>> = (0..k)
                .map(|i| {
                    let a = (i as f64 + rng.gen_range(0.0..0.8)) * std::f64::consts::TAU / k as f64;
                    let r = rng.gen_range(radius.clone());
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
            .expect("a star polygon with a finite buffer is a valid search area")
        })
        .collect()
}

/// A stored-looking request over `area`, received `now`, with `responses`:
/// what a conflict report is built from.
pub fn bench_record(
    area: &SearchArea,
    responses: Vec<DigResponse>,
    now: DateTime<Utc>,
) -> DigRecord {
    DigRecord {
        request: DigRequest {
            id: uuid::Uuid::nil(),
            requester_id: OrgId::new("BENCH").expect("a valid organisation id"),
            polygon: area.polygon().clone(),
            buffer_m: area.buffer_m(),
            period_from: now,
            period_to: now,
            purpose: String::new(),
            contact: String::new(),
            status: DigRequestStatus::Answered,
            received_at: now,
        },
        responses,
    }
}
