//! Acceptance against malstroem's reference outputs for its test DEM
//! (`../shared/data/terrain/malstroem/`): filled DEM, depths, bluespot labels,
//! flow directions, watersheds and pour points.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use forsyning_terrain::bluespots::{analyse, BluespotFilter, Bluespots};
use forsyning_terrain::grid::{Georef, Grid};
use forsyning_terrain::io::{Raster, DEFAULT_MAX_CELLS};

fn dir() -> Option<PathBuf> {
    Some(forsyning_fixtures::test_env::shared_data()?.join("terrain/malstroem"))
}

fn read_f32(p: &Path) -> Grid<f32> {
    Raster::open(p)
        .unwrap()
        .read_all(DEFAULT_MAX_CELLS, &mut |_, _| {})
        .unwrap()
}

fn read_i32(p: &Path) -> Grid<i32> {
    Raster::open(p)
        .unwrap()
        .read_raw::<i32>(DEFAULT_MAX_CELLS)
        .unwrap()
}

fn run(d: &Path) -> (Grid<f32>, Georef, Bluespots) {
    let r = Raster::open(&d.join("dtm.tif")).unwrap();
    let dem = r.read_all(DEFAULT_MAX_CELLS, &mut |_, _| {}).unwrap();
    let g = r.georef().clone();
    let b = analyse(&dem, &g, &BluespotFilter::default(), &mut |_, _, _| {}).unwrap();
    (dem, g, b)
}

/// A one-to-one map from our labels to theirs, or the first conflict.
fn bijection(ours: &Grid<u32>, theirs: &Grid<i32>) -> Result<HashMap<u32, i32>, String> {
    let mut fwd: HashMap<u32, i32> = HashMap::new();
    let mut back: HashMap<i32, u32> = HashMap::new();
    for (i, (&a, &b)) in ours.data().iter().zip(theirs.data()).enumerate() {
        if *fwd.entry(a).or_insert(b) != b || *back.entry(b).or_insert(a) != a {
            return Err(format!("cell {i}: ours {a}, theirs {b}"));
        }
    }
    Ok(fwd)
}

#[test]
fn filled_depths_labels_and_watersheds_match_malstroem() {
    let Some(d) = dir() else { return };
    let (dem, _, b) = run(&d);

    let filled_ref = read_f32(&d.join("filled.tif"));
    let max_diff = b
        .filled
        .data()
        .iter()
        .zip(filled_ref.data())
        .map(|(a, r)| (a - r).abs())
        .fold(0f32, f32::max);
    assert!(max_diff <= 1e-4, "filled differs by up to {max_diff} m");

    let depths_ref = read_f32(&d.join("depths.tif"));
    let mut wet = 0;
    for i in 0..dem.len() {
        let ours = b.filled.data()[i] - dem.data()[i];
        assert!(
            (ours - depths_ref.data()[i]).abs() <= 1e-4,
            "depth at cell {i}"
        );
        wet += usize::from(ours > 0.0);
    }
    assert_eq!(wet, 6616, "cells with depth > 0 (README)");

    assert_eq!(b.bluespots.len(), 104);
    let labels_ref = read_i32(&d.join("labelled.tif"));
    let map = bijection(&b.labels, &labels_ref).expect("labels match up to renumbering");
    assert_eq!(map.len(), 105);

    let flow_ref = Raster::open(&d.join("flowdir_noflats.tif"))
        .unwrap()
        .read_raw::<u8>(DEFAULT_MAX_CELLS)
        .unwrap();
    let same_flow = b
        .flow
        .data()
        .iter()
        .zip(flow_ref.data())
        .filter(|(a, r)| a == r)
        .count();
    let flow_share = same_flow as f64 / dem.len() as f64;
    eprintln!("flow directions equal on {:.4} of cells", flow_share);
    assert!(
        flow_share >= 0.99,
        "flow directions equal on only {flow_share}"
    );

    let sheds_ref = read_i32(&d.join("wsheds.tif"));
    let same = b
        .watersheds
        .data()
        .iter()
        .zip(sheds_ref.data())
        .filter(|(a, r)| map.get(a) == Some(r))
        .count();
    let share = same as f64 / dem.len() as f64;
    eprintln!("watersheds equal on {share:.4} of cells");
    assert!(share >= 0.99, "watersheds equal on only {share}");
}

#[test]
fn pour_points_and_attributes_match_malstroem() {
    let Some(d) = dir() else { return };
    let (_, _, b) = run(&d);
    let labels_ref = read_i32(&d.join("labelled.tif"));
    let map = bijection(&b.labels, &labels_ref).unwrap();
    let pp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("pourpoints.json")).unwrap()).unwrap();
    let mut by_id = HashMap::new();
    for f in pp["features"].as_array().unwrap() {
        let p = &f["properties"];
        by_id.insert(p["bspot_id"].as_i64().unwrap() as i32, p.clone());
    }
    let mut same_cell = 0;
    for s in &b.bluespots {
        let p = &by_id[&map[&s.id]];
        let close = |a: f64, key: &str| {
            let r = p[key].as_f64().unwrap();
            assert!(
                (a - r).abs() <= 1e-6 * r.abs().max(1.0),
                "bluespot {} {key}: {a} vs {r}",
                s.id
            );
        };
        close(s.area_m2, "bspot_area");
        close(s.volume_m3, "bspot_vol");
        close(s.max_depth_m, "bspot_dmax");
        close(s.watershed_area_m2, "wshed_area");
        let cell = (
            p["cell_row"].as_u64().unwrap() as usize,
            p["cell_col"].as_u64().unwrap() as usize,
        );
        same_cell += usize::from(cell == s.pour_cell);
    }
    assert_eq!(same_cell, b.bluespots.len(), "pour point cells");
}
