//! Vector tiles for Forsyning.
//!
//! - [`mvt`]: the MVT 2.1 message model with a decoder that refuses what
//!   the specification calls fatal and an encoder;
//! - [`TileCoord`] and [`grid`]: WebMercatorQuad (EPSG:3857, XYZ rows from
//!   the top);
//! - [`project`]: EPSG:25832 → EPSG:3857 with PROJ;
//! - [`render()`]: features to a tile: clipping with a buffer, quantisation
//!   to the extent (4096), per-zoom simplification (about one pixel),
//!   dropping sub-pixel features below the full-detail zoom, and a size
//!   budget (500 KB by default) whose policy is in [`render`'s module docs](render);
//! - [`TileSource`], [`SourceInfo`] (TileJSON 3.0.0), [`TileIndex`];
//! - [`pmtiles`]: a PMTiles v3 writer.
//!
//! The crate reads no files and no environment: callers hand it features
//! and get bytes back.

mod clip;
mod error;
mod feature;
pub mod grid;
mod index;
pub mod layers;
pub mod mvt;
pub mod pmtiles;
mod prepare;
pub mod project;
mod proto;
pub mod render;
mod simplify;
mod source;

pub use error::TileError;
pub use feature::{Prop, TileFeature};
pub use grid::TileCoord;
pub use index::TileIndex;
pub use render::{render, RenderOptions, Rendered};
pub use source::{
    bounds_degrees, buffered_bounds, render_source, FieldKind, FieldSpec, IndexSource, LayerSpec,
    SourceInfo, TileSource,
};

/// The media type of an MVT tile.
pub const MVT_MEDIA_TYPE: &str = "application/vnd.mapbox-vector-tile";
