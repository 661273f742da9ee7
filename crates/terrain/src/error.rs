//! The crate's one error type.

use std::path::PathBuf;

/// What went wrong in terrain work; each variant names the file, band or
/// value at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerrainError {
    /// GDAL could not open, read or write a raster.
    #[error("{path}: {detail}")]
    Gdal {
        /// The raster file.
        path: PathBuf,
        /// GDAL's message.
        detail: String,
    },
    /// The raster is larger than the configured cap.
    #[error("{path}: {width} x {height} cells is more than the limit of {limit} cells")]
    TooLarge {
        /// The raster file.
        path: PathBuf,
        /// Columns.
        width: usize,
        /// Rows.
        height: usize,
        /// The cap in cells.
        limit: u64,
    },
    /// The raster cannot be used as a DEM (rotated, non-square cells, no band ...).
    #[error("{path}: {reason}")]
    Unsupported {
        /// The raster file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Reprojection to EPSG:25832 failed.
    #[error("{path}: reprojection to EPSG:25832: {detail}")]
    Reproject {
        /// The raster file.
        path: PathBuf,
        /// What PROJ said.
        detail: String,
    },
    /// A grid argument does not fit (sizes differ, empty grid ...).
    #[error("invalid grid: {0}")]
    InvalidGrid(String),
    /// A parameter is out of range (negative rain, NaN level ...).
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// The climate scenario file could not be parsed.
    #[error("{source_name}: line {line}: {reason}")]
    Climate {
        /// The file (or "built-in defaults").
        source_name: String,
        /// 1-based line number (the header is line 1).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// No climate figure for the requested scenario.
    #[error("no climate figure for {0}")]
    NoScenario(String),
    /// The bluespot network has a cycle (a bug or corrupt input).
    #[error("the bluespot network has a cycle through bluespot {0}")]
    NetworkCycle(u32),
    /// Writing an output (GeoJSON, CSV) failed.
    #[error("{path}: {detail}")]
    Write {
        /// The output file.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
}
