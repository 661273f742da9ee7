//! Proximity alerts: a synthetic excavator track crossing a buried
//! high-voltage cable, with hand-computed enter/exit fixes; a larger σ alerts
//! earlier by exactly what the rule `d ≤ T + 2σ` says; the R-tree search
//! agrees with brute force on seeded random data.

use forsyning_gnss::proximity::{AlertConfig, HazardIndex, Monitor, Transition};
use forsyning_model::Hazard;
use geo_types::{line_string, Geometry};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

const E0: f64 = 500_000.0;
const N0: f64 = 6_200_000.0;

/// A 100 m very dangerous cable along y = N0, a dangerous gas main 30 m north
/// (too far to alert) and a harmless water pipe crossing the track.
fn network() -> (Vec<(Uuid, Hazard, Geometry<f64>)>, Uuid) {
    let cable = Uuid::from_u128(1);
    let v = vec![
        (
            cable,
            Hazard::VeryDangerous,
            Geometry::LineString(line_string![(x: E0, y: N0), (x: E0 + 100.0, y: N0)]),
        ),
        (
            Uuid::from_u128(2),
            Hazard::Dangerous,
            Geometry::LineString(
                line_string![(x: E0, y: N0 + 30.0), (x: E0 + 100.0, y: N0 + 30.0)],
            ),
        ),
        (
            Uuid::from_u128(3),
            Hazard::NotDangerous,
            Geometry::LineString(
                line_string![(x: E0 + 40.0, y: N0 - 50.0), (x: E0 + 60.0, y: N0 + 50.0)],
            ),
        ),
    ];
    (v, cable)
}

/// Fix i of the track is at (E0 + 50, N0 − 20 + i): crossing the cable at i = 20,
/// so its distance to the cable is |i − 20| metres.
fn run(sigma: f64) -> Vec<(usize, Transition, f64)> {
    let (net, cable) = network();
    let index = HazardIndex::from_geometries(net.iter().map(|(id, h, g)| (*id, *h, g)));
    assert_eq!(index.len(), 2, "the harmless pipe is not indexed");
    let mut m = Monitor::new(AlertConfig::default());
    let mut out = Vec::new();
    let mut events = Vec::new();
    for i in 0..=40usize {
        events.clear();
        m.check(
            &index,
            E0 + 50.0,
            N0 - 20.0 + i as f64,
            Some(sigma),
            &mut events,
        );
        for a in &events {
            assert_eq!(a.feature.id, cable, "only the cable may alert");
            out.push((i, a.transition, a.distance_m));
        }
    }
    out
}

#[test]
fn crossing_gives_one_enter_and_one_exit_at_the_hand_computed_fixes() {
    // T = 2.0 m (very dangerous), σ = 0.5 m: enter radius 3.0 m, exit beyond 3.0 + 1.0 = 4.0 m.
    // Enter at the first fix with d ≤ 3: i = 17 (d = 3). Exit at the first fix with
    // d > 4 after the crossing: i = 25 (d = 5; at i = 24, d = 4 is not > 4).
    let ev = run(0.5);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(ev[0], (17, Transition::Enter, 3.0));
    // The exit event's distance is only known to be beyond the search radius.
    assert_eq!((ev[1].0, ev[1].1), (25, Transition::Exit));
    assert!(ev[1].2 > 4.0);
}

#[test]
fn larger_sigma_alerts_earlier_exactly_as_the_rule_says() {
    // σ = 2.0 m: enter radius 2 + 4 = 6 m, so enter at i = 14 (d = 6), 3 fixes
    // (= 2 × 1.5 m) earlier than with σ = 0.5; exit beyond 7 m: i = 28 (d = 8).
    let ev = run(2.0);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(ev[0], (14, Transition::Enter, 6.0));
    assert_eq!((ev[1].0, ev[1].1), (28, Transition::Exit));
    assert!(ev[1].2 > 7.0);
    // Unknown σ counts as 5 m: radius 12 m, enter at i = 8, exit beyond 13 m at i = 34.
    // The dangerous gas main 30 m north (T = 1 m) then comes within 1 + 10 = 11 m:
    // its distance is 50 − i, so it enters at i = 39.
    let (net, _) = network();
    let index = HazardIndex::from_geometries(net.iter().map(|(id, h, g)| (*id, *h, g)));
    let mut m = Monitor::new(AlertConfig::default());
    let mut seen = Vec::new();
    for i in 0..=40usize {
        let mut ev = Vec::new();
        m.check(&index, E0 + 50.0, N0 - 20.0 + i as f64, None, &mut ev);
        seen.extend(ev.iter().map(|a| (i, a.transition, a.feature.id.as_u128())));
    }
    assert_eq!(
        seen,
        vec![
            (8, Transition::Enter, 1),
            (34, Transition::Exit, 1),
            (39, Transition::Enter, 2)
        ]
    );
}

#[test]
fn a_machine_standing_on_the_boundary_raises_one_alert() {
    let (net, _) = network();
    let index = HazardIndex::from_geometries(net.iter().map(|(id, h, g)| (*id, *h, g)));
    let mut m = Monitor::new(AlertConfig::default());
    let mut n_events = 0;
    // Jitter around the 3.0 m enter radius (σ 0.5): 2.9 .. 3.9 m, never beyond 4.0 m.
    for d in [3.5, 2.9, 3.2, 3.9, 2.95, 3.6, 3.0, 3.8] {
        let mut ev = Vec::new();
        m.check(&index, E0 + 50.0, N0 - d, Some(0.5), &mut ev);
        n_events += ev.len();
    }
    assert_eq!(n_events, 1);
    assert_eq!(m.alerting(), 1);
}

#[test]
fn rtree_search_matches_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut feats = Vec::new();
    for k in 0..2000u128 {
        let (x, y) = (rng.gen_range(0.0..2000.0), rng.gen_range(0.0..2000.0));
        let pts: Vec<(f64, f64)> = (0..rng.gen_range(2..6))
            .map(|_| {
                (
                    x + rng.gen_range(-30.0..30.0),
                    y + rng.gen_range(-30.0..30.0),
                )
            })
            .collect();
        feats.push((
            Uuid::from_u128(k),
            Hazard::Dangerous,
            Geometry::LineString(pts.into()),
        ));
    }
    let index = HazardIndex::from_geometries(feats.iter().map(|(id, h, g)| (*id, *h, g)));
    let mut out = Vec::new();
    for _ in 0..300 {
        let (e, n, r) = (
            rng.gen_range(0.0..2000.0),
            rng.gen_range(0.0..2000.0),
            rng.gen_range(0.5..40.0),
        );
        index.near(e, n, r, &mut out);
        let mut got: Vec<(u32, f64)> = out.clone();
        got.sort_by_key(|x| x.0);
        let mut want = Vec::new();
        for (k, (_, _, g)) in feats.iter().enumerate() {
            let Geometry::LineString(ls) = g else {
                unreachable!()
            };
            let d = ls
                .lines()
                .map(|l| {
                    let (a, b) = (l.start, l.end);
                    let (dx, dy) = (b.x - a.x, b.y - a.y);
                    let t =
                        (((e - a.x) * dx + (n - a.y) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                    ((a.x + t * dx - e).powi(2) + (a.y + t * dy - n).powi(2)).sqrt()
                })
                .fold(f64::INFINITY, f64::min);
            if d <= r {
                want.push((k as u32, d));
            }
        }
        assert_eq!(got.len(), want.len(), "at ({e}, {n}) r {r}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.0);
            assert!((g.1 - w.1).abs() < 1e-9);
        }
    }
}
