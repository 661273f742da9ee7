//! Positioning: NMEA 0183 and RINEX decoding, fix quality, proximity alerts.
//!
//! - [`nmea`]: zero-copy sentence checking and decoding (GGA, RMC, GLL, GNS,
//!   GSA, GST, VTG, ZDA from every talker) and gpsd-compatible grouping of an
//!   epoch's sentences into a [`Fix`].
//! - [`fix`]: quality, σ model (GST, else DOP × UERE).
//!
//! Units: degrees for latitude/longitude (WGS 84 / ETRS89), metres for
//! heights, σ and EPSG:25832 coordinates.

pub mod error;
pub mod fix;
pub mod nmea;

pub use error::GnssError;
pub use fix::{Fix, Mode, Quality, SigmaSource};
pub mod accuracy;
pub mod heights;
pub mod project;
pub mod proximity;
pub mod rinex;
