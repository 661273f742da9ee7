//! Bluespot polygons of the real DEM: valid simple features whose area is the
//! bluespot's area, and which rasterise back to exactly the bluespot's cells.

use forsyning_terrain::bluespots::{analyse, BluespotFilter};
use forsyning_terrain::io::{Raster, DEFAULT_MAX_CELLS};
use forsyning_terrain::polygon::{rasterise, vectorise};
use geo::{Area, Validation};

#[test]
fn bluespot_polygons_are_valid_and_round_trip() {
    let Some(shared) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let r = Raster::open(&shared.join("terrain/malstroem/dtm.tif")).unwrap();
    let dem = r.read_all(DEFAULT_MAX_CELLS, &mut |_, _| {}).unwrap();
    let g = r.georef();
    let b = analyse(&dem, g, &BluespotFilter::default(), &mut |_, _, _| {}).unwrap();
    let shapes = vectorise(&b.labels, g);
    assert_eq!(shapes.len(), b.bluespots.len());
    for (id, shape) in &shapes {
        let s = &b.bluespots[*id as usize - 1];
        assert!(shape.is_valid(), "bluespot {id} polygon invalid");
        let a = shape.unsigned_area();
        assert!(
            (a - s.area_m2).abs() < 1e-6 * s.area_m2,
            "bluespot {id}: {a} vs {}",
            s.area_m2
        );
        let back = rasterise(shape, dem.width(), dem.height(), g);
        for (k, (&l, &inside)) in b.labels.data().iter().zip(back.data()).enumerate() {
            assert_eq!(l == *id, inside, "bluespot {id} cell {k}");
        }
    }
}

#[test]
fn random_label_grids_round_trip() {
    use forsyning_terrain::grid::{Georef, Grid};
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let g = Georef::utm32(0.0, 0.0, 2.0, 2.0);
    for _ in 0..50 {
        let (w, h) = (rng.gen_range(1..20), rng.gen_range(1..20));
        let labels =
            Grid::from_vec(w, h, (0..w * h).map(|_| rng.gen_range(0..3u32)).collect()).unwrap();
        for (id, shape) in vectorise(&labels, &g) {
            assert!(
                shape.is_valid(),
                "label {id}: {:?} {shape:?} {labels:?}",
                shape
                    .validation_errors()
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            );
            let back = rasterise(&shape, w, h, &g);
            let want = labels.map(|l| l == id);
            assert_eq!(back.data(), want.data());
        }
    }
}
