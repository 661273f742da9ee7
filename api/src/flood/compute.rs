//! One flood job, start to end, on a blocking thread: read the DEM, run the
//! scenario (bluespots and cloudburst, or sea-level inundation), and write
//! the results into `<results>/<id>.partial/`, renamed to `<results>/<id>/`
//! when whole. A folder without `.partial` is complete.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use forsyning_terrain::bluespots::{analyse, BluespotFilter};
use forsyning_terrain::cloudburst::cloudburst;
use forsyning_terrain::export::{bluespot_properties, multipolygon_json, write_feature_collection};
use forsyning_terrain::grid::{Georef, Grid};
use forsyning_terrain::io::{write_geotiff, Raster};
use forsyning_terrain::polygon::vectorise;
use forsyning_terrain::sea::{inundation, Connectivity, SeaSource};
use forsyning_terrain::TerrainError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::scenario::Scenario;

/// Nodata of the depth GeoTIFF.
pub(crate) const NODATA: f64 = -9999.0;
pub(crate) const META: &str = "meta.json";
pub(crate) const BLUESPOTS: &str = "bluespots.geojson";
pub(crate) const FLOOD: &str = "flood.geojson";
pub(crate) const DEPTH: &str = "depth.tif";

/// A class of water depth. A cell is in the class when its depth d (cm)
/// is `min_cm <= d < max_cm` (the first: `0 < d < 10`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DepthClass {
    /// `0-10`, `10-20`, `20-50`, `>50` (centimetres).
    pub name: &'static str,
    pub min_cm: f64,
    /// `None`: no upper bound.
    pub max_cm: Option<f64>,
}

/// The depth classes of the flood polygons (issue 11).
pub const DEPTH_CLASSES: [DepthClass; 4] = [
    DepthClass {
        name: "0-10",
        min_cm: 0.0,
        max_cm: Some(10.0),
    },
    DepthClass {
        name: "10-20",
        min_cm: 10.0,
        max_cm: Some(20.0),
    },
    DepthClass {
        name: "20-50",
        min_cm: 20.0,
        max_cm: Some(50.0),
    },
    DepthClass {
        name: ">50",
        min_cm: 50.0,
        max_cm: None,
    },
];

/// The 1-based class of a depth in metres; 0 when dry or nodata.
fn class_of(depth_m: f32) -> u32 {
    if depth_m.is_nan() || depth_m <= 0.0 {
        return 0;
    }
    let cm = f64::from(depth_m) * 100.0;
    DEPTH_CLASSES
        .iter()
        .position(|c| c.max_cm.is_none_or(|m| cm < m))
        .map_or(0, |k| k as u32 + 1)
}

/// The DEM a job ran on. Positions in its CRS (metres).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct DemInfo {
    /// The file's name (not its path on the server).
    pub file: String,
    pub width: usize,
    pub height: usize,
    pub cell_w_m: f64,
    pub cell_h_m: f64,
    pub epsg: Option<u32>,
    /// `[minx, miny, maxx, maxy]`.
    #[schema(value_type = Vec<f64>)]
    pub bbox: [f64; 4],
}

/// Cells of one depth class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct ClassStats {
    /// `0-10`, `10-20`, `20-50` or `>50` (cm).
    pub class: String,
    pub min_depth_cm: f64,
    pub max_depth_cm: Option<f64>,
    pub cells: u64,
    pub area_m2: f64,
    pub volume_m3: f64,
    /// The deepest cell of the class, metres.
    pub max_depth_m: f64,
}

/// What a finished flood job found (`meta.json`, and the job's report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct FloodResult {
    pub job: Uuid,
    /// `{"kind":"rain","mm":..}` or `{"kind":"sea","level_m":..,"diagonal":..,"climate":..}`.
    #[schema(value_type = Object)]
    pub scenario: Scenario,
    pub dem: DemInfo,
    /// Rain jobs: the bluespots (malstroem's default filter).
    pub bluespots: Option<u64>,
    /// Rain jobs: depressions before filtering.
    pub depressions: Option<u32>,
    /// Rain jobs: bluespots the rain fills (≥ 99.99 %).
    pub bluespots_full: Option<u64>,
    /// Cells with water (depth > 0).
    pub flooded_cells: u64,
    pub flooded_area_m2: f64,
    pub water_volume_m3: f64,
    pub max_depth_m: f64,
    pub classes: Vec<ClassStats>,
    pub computed_at: DateTime<Utc>,
    pub seconds: f64,
}

/// Why a job could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ComputeError {
    #[error(transparent)]
    Terrain(#[from] TerrainError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the DEM is in EPSG:{0}, not a projected CRS in metres")]
    NotMetres(u32),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ComputeError + '_ {
    move |source| ComputeError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What one job computes.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub id: Uuid,
    pub dem: PathBuf,
    pub max_cells: u64,
    pub scenario: Scenario,
    pub results_dir: PathBuf,
}

/// The folder of job `id`'s complete results.
pub(crate) fn job_dir(results_dir: &Path, id: Uuid) -> PathBuf {
    results_dir.join(id.to_string())
}

/// Runs the job; `progress(percent)` as it goes. The results are in
/// [`job_dir`] when this returns `Ok`, and nothing is when it fails.
pub(crate) fn run(
    input: &Input,
    progress: &mut dyn FnMut(f64),
) -> Result<FloodResult, ComputeError> {
    let partial = input.results_dir.join(format!("{}.partial", input.id));
    let out = run_into(input, &partial, progress);
    if out.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    out
}

fn run_into(
    input: &Input,
    partial: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<FloodResult, ComputeError> {
    let started = Instant::now();
    forsyning_terrain::io::limit_gdal_cache();
    let raster = Raster::open(&input.dem)?;
    let georef = raster.georef().clone();
    match georef.epsg {
        Some(code) if forsyning_geo::Crs::epsg(code).is_ok_and(|c| !c.is_geographic()) => {}
        Some(code) => return Err(ComputeError::NotMetres(code)),
        None => tracing::warn!(
            dem = %input.dem.display(),
            "the DEM has no EPSG code; taking it as metres on square cells in EPSG:25832"
        ),
    }
    let dem = raster.read_all(input.max_cells, &mut |done, rows| {
        progress(5.0 * done as f64 / rows.max(1) as f64)
    })?;
    drop(raster);
    if partial.exists() {
        std::fs::remove_dir_all(partial).map_err(io(partial))?;
    }
    std::fs::create_dir_all(partial).map_err(io(partial))?;
    let epsg = georef.epsg.unwrap_or(25832);
    let mut bluespot_counts = (None, None, None);
    let depth = match &input.scenario {
        Scenario::Rain { mm } => {
            let b = analyse(
                &dem,
                &georef,
                &BluespotFilter::default(),
                &mut |stage, done, total| {
                    let f = done as f64 / total.max(1) as f64;
                    progress(match stage {
                        "fill" => 5.0 + 30.0 * f,
                        "flats" => 40.0 + 25.0 * f,
                        "watersheds" => 65.0,
                        _ => 40.0,
                    })
                },
            )?;
            let cb = cloudburst(&dem, &b, georef.cell_area(), *mm)?;
            progress(70.0);
            let shapes = vectorise(&b.labels, &georef);
            let path = partial.join(BLUESPOTS);
            write_geojson(
                &path,
                epsg,
                shapes.iter().map(|(id, shape)| {
                    let k = *id as usize - 1;
                    (
                        bluespot_properties(&b.bluespots[k], Some((&cb, k))),
                        multipolygon_json(shape),
                    )
                }),
            )?;
            let full = cb
                .states
                .iter()
                .filter(|s| s.pct_full.is_some_and(|p| p >= 99.99))
                .count() as u64;
            bluespot_counts = (
                Some(b.bluespots.len() as u64),
                Some(b.raw_count),
                Some(full),
            );
            cb.depth
        }
        Scenario::Sea {
            level_m, diagonal, ..
        } => {
            let source = SeaSource {
                border: true,
                nodata: false,
                mask: None,
            };
            let conn = if *diagonal {
                Connectivity::Eight
            } else {
                Connectivity::Four
            };
            let d = inundation(&dem, *level_m, &source, conn)?;
            progress(60.0);
            d
        }
    };
    drop(dem);
    progress(80.0);
    let (classes, stats) = classify(&depth, georef.cell_area());
    let shapes = vectorise(&classes, &georef);
    drop(classes);
    let path = partial.join(FLOOD);
    write_geojson(
        &path,
        epsg,
        shapes.iter().map(|(k, shape)| {
            let s = &stats[*k as usize - 1];
            let mut p = Map::new();
            p.insert("class".into(), json!(s.class));
            p.insert("min_depth_cm".into(), json!(s.min_depth_cm));
            p.insert("max_depth_cm".into(), json!(s.max_depth_cm));
            p.insert("cells".into(), json!(s.cells));
            p.insert("area_m2".into(), json!(s.area_m2));
            p.insert("volume_m3".into(), json!(s.volume_m3));
            p.insert("deepest_m".into(), json!(s.max_depth_m));
            (p, multipolygon_json(shape))
        }),
    )?;
    progress(90.0);
    let tif = partial.join(DEPTH);
    write_geotiff(&tif, &depth, &georef, Some(NODATA))?;
    sync(&tif)?;
    let (w, h) = (depth.width(), depth.height());
    let (x1, y1) = georef.corner(h, w);
    let flooded_cells: u64 = stats.iter().map(|s| s.cells).sum();
    let result = FloodResult {
        job: input.id,
        scenario: input.scenario.clone(),
        dem: DemInfo {
            file: input
                .dem
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            width: w,
            height: h,
            cell_w_m: georef.cell_w,
            cell_h_m: georef.cell_h,
            epsg: georef.epsg,
            bbox: [georef.origin_x, y1, x1, georef.origin_y],
        },
        bluespots: bluespot_counts.0,
        depressions: bluespot_counts.1,
        bluespots_full: bluespot_counts.2,
        flooded_cells,
        flooded_area_m2: flooded_cells as f64 * georef.cell_area(),
        water_volume_m3: stats.iter().map(|s| s.volume_m3).sum(),
        max_depth_m: stats.iter().map(|s| s.max_depth_m).fold(0.0, f64::max),
        classes: stats,
        computed_at: Utc::now(),
        seconds: started.elapsed().as_secs_f64(),
    };
    let meta = partial.join(META);
    let bytes = serde_json::to_vec_pretty(&result).map_err(|e| ComputeError::Io {
        path: meta.clone(),
        source: e.into(),
    })?;
    std::fs::write(&meta, bytes).map_err(io(&meta))?;
    sync(&meta)?;
    let done = job_dir(&input.results_dir, input.id);
    std::fs::rename(partial, &done).map_err(io(&done))?;
    if let Ok(d) = std::fs::File::open(&input.results_dir) {
        let _ = d.sync_all();
    }
    progress(100.0);
    Ok(result)
}

/// The class of every cell (0 dry) and the statistics of each class.
fn classify(depth: &Grid<f32>, cell_area: f64) -> (Grid<u32>, Vec<ClassStats>) {
    let mut stats: Vec<ClassStats> = DEPTH_CLASSES
        .iter()
        .map(|c| ClassStats {
            class: c.name.to_owned(),
            min_depth_cm: c.min_cm,
            max_depth_cm: c.max_cm,
            cells: 0,
            area_m2: 0.0,
            volume_m3: 0.0,
            max_depth_m: 0.0,
        })
        .collect();
    let classes = depth.map(class_of);
    for (&d, &k) in depth.data().iter().zip(classes.data()) {
        if k == 0 {
            continue;
        }
        let s = &mut stats[k as usize - 1];
        s.cells += 1;
        s.volume_m3 += f64::from(d) * cell_area;
        s.max_depth_m = s.max_depth_m.max(f64::from(d));
    }
    for s in &mut stats {
        s.area_m2 = s.cells as f64 * cell_area;
    }
    (classes, stats)
}

fn write_geojson(
    path: &Path,
    epsg: u32,
    features: impl Iterator<Item = (Map<String, Value>, Value)>,
) -> Result<(), ComputeError> {
    let f = std::fs::File::create(path).map_err(io(path))?;
    let mut w = std::io::BufWriter::new(f);
    write_feature_collection(&mut w, epsg, features).map_err(io(path))?;
    w.flush().map_err(io(path))?;
    w.into_inner()
        .map_err(|e| io(path)(e.into_error()))?
        .sync_all()
        .map_err(io(path))
}

fn sync(path: &Path) -> Result<(), ComputeError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

/// The cell of `(x, y)` in a grid of `georef`, `w` by `h`.
pub(crate) fn cell_at(georef: &Georef, w: usize, h: usize, x: f64, y: f64) -> Option<usize> {
    let c = ((x - georef.origin_x) / georef.cell_w).floor();
    let r = ((georef.origin_y - y) / georef.cell_h).floor();
    (c >= 0.0 && r >= 0.0 && (c as usize) < w && (r as usize) < h)
        .then(|| r as usize * w + c as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_half_open() {
        assert_eq!(class_of(f32::NAN), 0);
        assert_eq!(class_of(0.0), 0);
        assert_eq!(class_of(0.0001), 1);
        assert_eq!(class_of(0.0999), 1);
        assert_eq!(class_of(0.10), 2);
        assert_eq!(class_of(0.2), 3);
        assert_eq!(class_of(0.4999), 3);
        assert_eq!(class_of(0.5), 4);
        assert_eq!(class_of(7.0), 4);
    }
}
