//! Sea-level inundation against an independent oracle: repeated relaxation
//! (a cell is wet when below the level and next to a wet cell or the sea),
//! run until nothing changes, on seeded random DEMs; and on the real DEM,
//! connected flooding never exceeds the "bathtub" (every cell below the level).

use forsyning_terrain::grid::Grid;
use forsyning_terrain::sea::{inundation, Connectivity, SeaSource};
use rand::{Rng, SeedableRng};

fn oracle(dem: &Grid<f32>, level: f64, eight: bool, mask: Option<&Grid<bool>>) -> Vec<bool> {
    let (w, h) = (dem.width() as isize, dem.height() as isize);
    let below = |r: isize, c: isize| (dem.get(r as usize, c as usize) as f64) < level;
    let mut wet = vec![false; (w * h) as usize];
    loop {
        let mut changed = false;
        for r in 0..h {
            for c in 0..w {
                let i = (r * w + c) as usize;
                if wet[i] || !below(r, c) {
                    continue;
                }
                let border = r == 0 || c == 0 || r == h - 1 || c == w - 1;
                let marked = mask.is_some_and(|m| m.get(r as usize, c as usize));
                let mut next_to_wet = false;
                for dr in -1..=1isize {
                    for dc in -1..=1isize {
                        if (dr == 0 && dc == 0) || (!eight && dr != 0 && dc != 0) {
                            continue;
                        }
                        let (nr, nc) = (r + dr, c + dc);
                        if nr >= 0 && nc >= 0 && nr < h && nc < w && wet[(nr * w + nc) as usize] {
                            next_to_wet = true;
                        }
                    }
                }
                if border || marked || next_to_wet {
                    wet[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return wet;
        }
    }
}

#[test]
fn matches_relaxation_oracle_on_random_dems() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for case in 0..60 {
        let (w, h) = (rng.gen_range(2..30), rng.gen_range(2..30));
        let v: Vec<f32> = (0..w * h).map(|_| rng.gen_range(0.0..5.0f32)).collect();
        let dem = Grid::from_vec(w, h, v).unwrap();
        let level = rng.gen_range(0.0..5.0);
        let mask = Grid::from_vec(w, h, (0..w * h).map(|_| rng.gen_bool(0.02)).collect()).unwrap();
        let use_mask = case % 2 == 0;
        for (conn, eight) in [(Connectivity::Four, false), (Connectivity::Eight, true)] {
            let src = SeaSource {
                border: true,
                nodata: false,
                mask: use_mask.then_some(&mask),
            };
            let got = inundation(&dem, level, &src, conn).unwrap();
            let want = oracle(&dem, level, eight, use_mask.then_some(&mask));
            for (i, &wet) in want.iter().enumerate().take(w * h) {
                let d = got.data()[i];
                if wet {
                    assert!(
                        (d as f64 - (level - dem.data()[i] as f64)).abs() < 1e-5,
                        "case {case} cell {i}"
                    );
                } else {
                    assert_eq!(d, 0.0, "case {case} cell {i} should be dry");
                }
            }
        }
    }
}

#[test]
fn a_dike_keeps_the_sea_out_unless_diagonals_leak() {
    // A closed dike ring at 3 m around a 0 m polder, with a diagonal gap.
    #[rustfmt::skip]
    let v = vec![
        0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 3.0, 3.0, 0.0, 0.0,
        0.0, 3.0, 0.0, 3.0, 0.0,
        0.0, 3.0, 3.0, 3.0, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0,
    ];
    let dem = Grid::from_vec(5, 5, v).unwrap();
    let src = SeaSource {
        border: true,
        ..Default::default()
    };
    let four = inundation(&dem, 1.0, &src, Connectivity::Four).unwrap();
    assert_eq!(four.get(2, 2), 0.0);
    assert_eq!(four.get(0, 0), 1.0);
    let eight = inundation(&dem, 1.0, &src, Connectivity::Eight).unwrap();
    assert_eq!(eight.get(2, 2), 1.0);
    assert!(inundation(&dem, f64::NAN, &src, Connectivity::Four).is_err());
}

#[test]
fn real_dem_flood_is_within_the_bathtub() {
    use forsyning_terrain::io::{Raster, DEFAULT_MAX_CELLS};
    let Some(shared) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let r = Raster::open(&shared.join("terrain/malstroem/dtm.tif")).unwrap();
    let dem = r.read_all(DEFAULT_MAX_CELLS, &mut |_, _| {}).unwrap();
    let src = SeaSource {
        border: true,
        ..Default::default()
    };
    let d = inundation(&dem, 5.0, &src, Connectivity::Four).unwrap();
    let want = oracle(&dem, 5.0, false, None);
    let wet = d.data().iter().filter(|&&x| x > 0.0).count();
    let bathtub = dem.data().iter().filter(|&&z| z < 5.0).count();
    assert_eq!(wet, want.iter().filter(|&&x| x).count());
    assert!(wet > 0 && wet <= bathtub);
}
