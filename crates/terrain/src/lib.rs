//! Terrain and water for Forsyning: DEM grids read through GDAL, depression
//! filling by priority-flood, D8 flow, bluespots as malstroem computes them,
//! cloudburst fill-and-spill and sea-level inundation.
//!
//! Units: elevations, depths and levels in metres (DVR90 for Danish DEMs),
//! areas in m², volumes in m³, rain in mm; positions in the DEM's CRS, which
//! for Danish data is EPSG:25832 (ETRS89 / UTM 32N, metres).
//!
//! The library never opens files on its own: callers pass paths to [`io`]
//! explicitly and grids to everything else.

mod error;
mod queue;

pub mod bluespots;
pub mod climate;
pub mod cloudburst;
pub mod export;
pub mod fill;
pub mod flow;
pub mod grid;
pub mod hyps;
pub mod io;
pub mod label;
pub mod noflats;
pub mod polygon;
pub mod sea;
pub mod spill;
pub mod vector;

pub use error::TerrainError;
