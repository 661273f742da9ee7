//! The crate's one error type.

use std::path::PathBuf;

/// Errors of the GNSS library. Malformed NMEA lines are *not* errors: they are
/// counted and reported as [`crate::nmea::Malformed`] and decoding goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GnssError {
    /// Reading a file or stream failed.
    #[error("{path}: {source}")]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A RINEX file is not what it claims to be.
    #[error("{file}: line {line}: {reason}")]
    Rinex {
        /// File name (or a label for in-memory input).
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Reprojection to EPSG:25832 failed.
    #[error("reprojection: {0}")]
    Projection(#[from] forsyning_geo::GeoError),
    /// A proximity query was given a feature it cannot index.
    #[error("feature {id}: {reason}")]
    Feature {
        /// The feature's id.
        id: String,
        /// What is wrong.
        reason: String,
    },
}
