//! Coordinate reference systems and reprojection for Forsyning, on PROJ.
//!
//! - [`Crs`]: a validated CRS identity (EPSG code or OGC CRS84), parsed from
//!   every spelling GML, GeoJSON, IMKL and INSPIRE use; knows its axis order
//!   and, for a compound CRS such as EPSG:7416 (UTM 32N + DVR90), its
//!   horizontal part.
//! - [`Reprojector`]: one PROJ transformation, built once and reused; takes and
//!   returns coordinates in the *authority* axis order of each CRS (EPSG:4258
//!   latitude first, CRS84 longitude first, EPSG:25832 easting first).
//! - [`denmark_service_area`]: Denmark in EPSG:25832 metres, with a margin.
//! - [`GeoError`]: the crate's one error type.
//!
//! Stored geometries are in [`Crs::STORE`], EPSG:25832 (ETRS89 / UTM zone 32N,
//! metres).
//!
//! # Runtime data
//!
//! PROJ's database `proj.db` is compiled into the binary (the bundled static
//! build embeds it), so a deployed binary needs no data files. A `proj.db`
//! file that PROJ finds on its search path takes precedence, though, and one
//! of another PROJ version breaks every lookup with [`GeoError::ProjDatabase`]:
//! do not install the binary in `/usr/bin` next to a system PROJ's
//! `/usr/share/proj`, and leave `PROJ_DATA` unset. No transformation grids are
//! available. Details in the `pj` module source.

mod crs;
mod error;
mod extent;
mod lookup;
mod pj;
mod reproject;
mod spelling;
mod wkt1;

pub use crs::Crs;
pub use error::GeoError;
pub use extent::denmark_service_area;
pub use reproject::Reprojector;
