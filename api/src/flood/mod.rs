//! Flood maps over the API (issue 11): scenario levels from the climate
//! table, flood jobs on the server's DEM, and their results.
//!
//! - `GET /api/v1/flood/climate-level`: "2100, SSP5-8.5, 100-year surge at
//!   station X" as a level in metres (DVR90) with its parts and sources.
//! - `POST /api/v1/flood/jobs`: a cloudburst (`rain`) or sea-level (`sea`)
//!   job on the DEM of `serve --flood-dem`, followed at `/api/v1/jobs/{id}`.
//! - `GET /api/v1/flood/jobs/{id}` and `/bluespots`, `/flood`, `/depth.tif`:
//!   the results, public as DESIGN.md's "Who may see what" has flood maps.
//! - `GET /api/v1/flood/jobs/{id}/assets`: the network features in water of
//!   at least `threshold_cm`, as the caller's feature policy allows;
//!   `/assets/summary`: counts per owner and theme (municipalities: inside
//!   their boundary).
//!
//! Results are files, one folder per job under the results directory
//! (`serve --flood-dir`), written whole and then renamed into place: a
//! restart keeps them, and they outlive the job record (pruned after a day).

pub(crate) mod access;
pub(crate) mod assets;
pub mod climate_level;
pub(crate) mod compute;
pub(crate) mod jobs;
pub(crate) mod results;
pub(crate) mod scenario;

use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use forsyning_terrain::climate::Climate;

use crate::AppState;

pub use compute::{DepthClass, DEPTH_CLASSES};
pub(crate) use jobs::KIND as JOB_KIND;

/// What flood jobs run on and where their results go.
#[derive(Debug, Clone)]
pub struct FloodSettings {
    /// The DEM jobs run on (any GDAL raster; metres in a projected CRS,
    /// heights in DVR90 for Danish data); `None`: no jobs (409).
    pub dem: Option<PathBuf>,
    /// One folder per job, `<dir>/<job id>/`.
    pub results_dir: PathBuf,
    /// The climate table levels come from.
    pub climate: Arc<Climate>,
    /// Names the table in answers: "built-in defaults" or the file's name.
    pub climate_source: String,
    /// Largest DEM read whole, cells.
    pub max_cells: u64,
    /// Jobs run one at a time: each holds the whole DEM and several grids
    /// of its size in memory. The others wait queued.
    pub(crate) slots: Arc<tokio::sync::Semaphore>,
}

impl Default for FloodSettings {
    /// No DEM, results in the system's temporary directory, the built-in
    /// climate table.
    fn default() -> Self {
        Self {
            dem: None,
            results_dir: std::env::temp_dir().join("forsyning-flood"),
            climate: Arc::new(Climate::defaults()),
            climate_source: "built-in defaults".into(),
            max_cells: forsyning_terrain::io::DEFAULT_MAX_CELLS,
            slots: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }
}

impl AppState {
    /// This state running flood jobs on the DEM at `path` (`serve --flood-dem`).
    pub fn with_dem(mut self, path: PathBuf) -> Self {
        Arc::make_mut(&mut self.flood).dem = Some(path);
        self
    }

    /// This state keeping flood results in `dir` (`serve --flood-dir`).
    pub fn with_flood_results(mut self, dir: PathBuf) -> Self {
        Arc::make_mut(&mut self.flood).results_dir = dir;
        self
    }

    /// This state taking levels from `climate` (`serve --climate FILE`),
    /// named `source` in answers.
    pub fn with_climate(mut self, climate: Climate, source: String) -> Self {
        let f = Arc::make_mut(&mut self.flood);
        f.climate = Arc::new(climate);
        f.climate_source = source;
        self
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/flood/climate-level", get(climate_level::level))
        .route("/api/v1/flood/jobs", axum::routing::post(jobs::create))
        .route("/api/v1/flood/jobs/{id}", get(results::meta))
        .route("/api/v1/flood/jobs/{id}/bluespots", get(results::bluespots))
        .route("/api/v1/flood/jobs/{id}/flood", get(results::flood))
        .route("/api/v1/flood/jobs/{id}/depth.tif", get(results::depth))
        .route("/api/v1/flood/jobs/{id}/assets", get(assets::assets))
        .route(
            "/api/v1/flood/jobs/{id}/assets/summary",
            get(assets::summary),
        )
}
