//! Terrain throughput for the side-by-side script `scripts/terrain_vs_richdem.sh`.
//!
//! cargo run --release -p forsyning-benches --example terrain -- fill DEM.tif [FILLED.tif]
//! cargo run --release -p forsyning-benches --example terrain -- bluespots DEM.tif
//! cargo run --release -p forsyning-benches --example terrain -- generate OUT.tif WIDTH HEIGHT SEED
//!
//! Prints one JSON line: cells, seconds for reading and for the algorithm
//! alone, and cells per second of the algorithm. Peak memory is measured from
//! outside (`/usr/bin/time -v`).

use std::path::Path;
use std::time::Instant;

use forsyning_terrain::bluespots::{analyse, BluespotFilter};
use forsyning_terrain::fill::fill_depressions;
use forsyning_terrain::grid::{Georef, Grid};
use forsyning_terrain::io::{write_geotiff, Raster, DEFAULT_MAX_CELLS};
use rand::{Rng, SeedableRng};

fn main() {
    // As `forsyning flood` does.
    forsyning_terrain::io::limit_gdal_cache();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fill") => {
            let t0 = Instant::now();
            let raster = Raster::open(Path::new(&args[1])).expect("open DEM");
            let mut dem = raster
                .read_all(DEFAULT_MAX_CELLS, &mut |_, _| {})
                .expect("read DEM");
            let read_s = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            fill_depressions(&mut dem, &mut |_| {});
            let s = t1.elapsed().as_secs_f64();
            report("fill", dem.len(), read_s, s);
            if let Some(out) = args.get(2) {
                write_geotiff(Path::new(out), &dem, raster.georef(), Some(-9999.0)).expect("write");
            }
        }
        Some("bluespots") => {
            let t0 = Instant::now();
            let raster = Raster::open(Path::new(&args[1])).expect("open DEM");
            let dem = raster
                .read_all(DEFAULT_MAX_CELLS, &mut |_, _| {})
                .expect("read DEM");
            let read_s = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let b = analyse(
                &dem,
                raster.georef(),
                &BluespotFilter::default(),
                &mut |_, _, _| {},
            )
            .expect("bluespots");
            let s = t1.elapsed().as_secs_f64();
            eprintln!("{} bluespots", b.bluespots.len());
            report("bluespots", dem.len(), read_s, s);
        }
        Some("generate") => {
            let (w, h): (usize, usize) = (args[2].parse().unwrap(), args[3].parse().unwrap());
            let seed: u64 = args[4].parse().unwrap();
            let dem = generate(w, h, seed);
            let g = Georef::utm32(700_000.0, 6_200_000.0, 1.0, 1.0);
            write_geotiff(Path::new(&args[1]), &dem, &g, Some(-9999.0)).expect("write");
        }
        _ => {
            eprintln!(
                "usage: terrain fill|bluespots DEM.tif [OUT.tif] | generate OUT.tif W H SEED"
            );
            std::process::exit(2);
        }
    }
}

fn report(what: &str, cells: usize, read_s: f64, s: f64) {
    println!(
        "{{\"tool\":\"forsyning\",\"what\":\"{what}\",\"cells\":{cells},\"read_s\":{read_s:.3},\"algo_s\":{s:.3},\"cells_per_s\":{:.0}}}",
        cells as f64 / s
    );
}

/// Rolling terrain: value noise in four octaves (200 m to 25 m features on
/// 1 m cells), metres 0..~40, with many small closed depressions.
fn generate(w: usize, h: usize, seed: u64) -> Grid<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![0f32; w * h];
    for (octave, (step, amp)) in [(200usize, 20.0f32), (100, 10.0), (50, 5.0), (25, 2.5)]
        .iter()
        .enumerate()
    {
        let (gw, gh) = (w / step + 2, h / step + 2);
        let lattice: Vec<f32> = (0..gw * gh).map(|_| rng.gen_range(0.0..*amp)).collect();
        let _ = octave;
        for r in 0..h {
            let (gy, fy) = (r / step, (r % step) as f32 / *step as f32);
            let row = &mut out[r * w..(r + 1) * w];
            for (c, v) in row.iter_mut().enumerate() {
                let (gx, fx) = (c / step, (c % step) as f32 / *step as f32);
                let a = lattice[gy * gw + gx];
                let b = lattice[gy * gw + gx + 1];
                let cc = lattice[(gy + 1) * gw + gx];
                let d = lattice[(gy + 1) * gw + gx + 1];
                let top = a + (b - a) * fx;
                let bottom = cc + (d - cc) * fx;
                *v += top + (bottom - top) * fy;
            }
        }
    }
    // Surface roughness of a few centimetres, as in a lidar DEM.
    for v in out.iter_mut() {
        *v += rng.gen_range(0.0..0.05f32);
    }
    Grid::from_vec(w, h, out).expect("sized")
}
