//! The crate's one error type.

use thiserror::Error;

/// What can go wrong decoding, encoding or exporting tiles. Decoding errors
/// name the message (`layer 2`, `layer "network" feature 5`) and the rule.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum TileError {
    /// The bytes are not a well-formed protocol buffer of the MVT schema.
    #[error("MVT {at}: {reason}")]
    Protobuf { at: String, reason: String },
    /// Well-formed protobuf that breaks a MUST of the MVT 2.1 specification.
    #[error("MVT {at}: {reason}")]
    Invalid { at: String, reason: String },
    /// A feature's command stream is not a valid geometry of its type.
    #[error("MVT {at}: geometry: {reason}")]
    Geometry { at: String, reason: String },
    /// A tile address outside WebMercatorQuad (`z` above 24, `x` or `y` past `2^z - 1`).
    #[error("tile {z}/{x}/{y} is outside WebMercatorQuad (z 0..=24, x and y 0..2^z)")]
    BadTile { z: u32, x: u64, y: u64 },
    /// Reprojection to EPSG:3857 failed.
    #[error("reprojection: {0}")]
    Projection(String),
    /// PMTiles writing failed.
    #[error("PMTiles {0}")]
    PmTiles(String),
}

impl TileError {
    pub(crate) fn protobuf(at: impl Into<String>, reason: impl Into<String>) -> Self {
        TileError::Protobuf {
            at: at.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid(at: impl Into<String>, reason: impl Into<String>) -> Self {
        TileError::Invalid {
            at: at.into(),
            reason: reason.into(),
        }
    }
}
