//! Cloudburst acceptance: 20 mm of even rain on malstroem's test DEM against
//! its `finalvolumes.geojson` (v, spillv within 0.1 %) and
//! `finallevels.geojson` (levels within 0.1 m); and fill-and-spill against a
//! brute-force oracle on small seeded random DEMs.

use std::collections::HashMap;
use std::path::Path;

use forsyning_terrain::bluespots::{analyse, BluespotFilter};
use forsyning_terrain::cloudburst::cloudburst;
use forsyning_terrain::grid::Grid;
use forsyning_terrain::io::{Raster, DEFAULT_MAX_CELLS};

fn features(p: &Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .collect()
}

#[test]
fn twenty_mm_reproduces_malstroem_final_volumes_and_levels() {
    let Some(shared) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let d = shared.join("terrain/malstroem");
    let r = Raster::open(&d.join("dtm.tif")).unwrap();
    let dem = r.read_all(DEFAULT_MAX_CELLS, &mut |_, _| {}).unwrap();
    let b = analyse(
        &dem,
        r.georef(),
        &BluespotFilter::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    let cb = cloudburst(&dem, &b, r.georef().cell_area(), 20.0).unwrap();

    // Our ids to malstroem's: through the labelled raster.
    let theirs = Raster::open(&d.join("labelled.tif"))
        .unwrap()
        .read_raw::<i32>(DEFAULT_MAX_CELLS)
        .unwrap();
    let mut to_theirs = HashMap::new();
    for (&a, &t) in b.labels.data().iter().zip(theirs.data()) {
        to_theirs.insert(a, t as i64);
    }
    let within =
        |a: f64, r: f64, rel: f64| (a - r).abs() <= rel * r.abs().max(1e-9) || (a - r).abs() < 1e-6;

    let fv: HashMap<i64, serde_json::Value> = features(&d.join("finalvolumes.geojson"))
        .into_iter()
        .filter(|p| p["nodetype"] == "pourpoint")
        .map(|p| (p["bspot_id"].as_i64().unwrap(), p))
        .collect();
    let fl: HashMap<i64, serde_json::Value> = features(&d.join("finallevels.geojson"))
        .into_iter()
        .filter(|p| p["nodetype"] == "pourpoint")
        .map(|p| (p["bspot_id"].as_i64().unwrap(), p))
        .collect();
    let mut checked = 0;
    for (k, s) in cb.states.iter().enumerate() {
        let id = to_theirs[&s.id];
        let p = &fv[&id];
        let (v, spill) = (p["v"].as_f64().unwrap(), p["spillv"].as_f64().unwrap());
        assert!(
            within(s.volume_m3, v, 1e-3),
            "bluespot {id}: v {} vs {v}",
            s.volume_m3
        );
        assert!(
            within(s.spill_m3, spill, 1e-3),
            "bluespot {id}: spillv {} vs {spill}",
            s.spill_m3
        );
        let z = fl[&id]["approx_z"].as_f64().unwrap();
        assert!(
            (cb.levels_m[k] - z).abs() <= 0.1,
            "bluespot {id}: level {} vs {z}",
            cb.levels_m[k]
        );
        checked += 1;
    }
    assert_eq!(checked, 104);
}

/// The oracle: pour water cell by cell. Each bluespot's watershed gets its
/// rain; a bluespot holds at most its volume and hands the excess to the
/// bluespot its flow path meets next, found by walking the flow grid.
#[test]
fn fill_and_spill_matches_a_brute_force_walk_on_random_dems() {
    use forsyning_terrain::flow::downstream;
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
    let georef = forsyning_terrain::grid::Georef::utm32(0.0, 100.0, 1.0, 1.0);
    for _ in 0..40 {
        let (w, h) = (rng.gen_range(5..25), rng.gen_range(5..25));
        let v: Vec<f32> = (0..w * h)
            .map(|_| rng.gen_range(0.0..3.0f32).round())
            .collect();
        let dem = Grid::from_vec(w, h, v).unwrap();
        let b = analyse(&dem, &georef, &BluespotFilter::none(), &mut |_, _, _| {}).unwrap();
        let mm = rng.gen_range(1.0..500.0);
        let cb = cloudburst(&dem, &b, 1.0, mm).unwrap();
        // Brute force: repeat passes until nothing moves.
        let n = b.bluespots.len();
        let mut held = vec![0f64; n];
        let mut shed = vec![0u64; n];
        for &l in b.watersheds.data() {
            if l != 0 {
                shed[l as usize - 1] += 1;
            }
        }
        let mut water: Vec<f64> = shed.iter().map(|&c| c as f64 * mm / 1000.0).collect();
        let mut spilled = vec![0f64; n];
        for _round in 0..=n {
            let mut moved = false;
            for k in 0..n {
                let cap = b.bluespots[k].volume_m3;
                let total = water[k];
                if total > cap + 1e-12 {
                    let excess = total - cap;
                    water[k] = cap;
                    spilled[k] += excess;
                    moved = true;
                    // Walk the flow path from the pour point to the next bluespot.
                    let (r, c) = b.bluespots[k].pour_cell;
                    let mut i = r * w + c;
                    loop {
                        let l = b.labels.data()[i];
                        if l != 0 && l as usize != k + 1 {
                            water[l as usize - 1] += excess;
                            break;
                        }
                        match downstream(&b.flow, i) {
                            Some(nx) => i = nx,
                            None => break,
                        }
                    }
                }
            }
            if !moved {
                break;
            }
        }
        held.copy_from_slice(&water);
        for k in 0..n {
            assert!((cb.states[k].volume_m3 - held[k]).abs() < 1e-9, "held");
            assert!((cb.states[k].spill_m3 - spilled[k]).abs() < 1e-9, "spilled");
        }
    }
}
