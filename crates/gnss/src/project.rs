//! Latitude/longitude to EPSG:25832 (ETRS89 / UTM 32N) with PROJ.

use forsyning_geo::{Crs, Reprojector};
use geo_types::Coord;

use crate::GnssError;

/// Projects fixes to EPSG:25832 easting/northing in metres.
///
/// Input is taken as ETRS89 geographic (EPSG:4258): Danish RTK networks
/// deliver ETRS89; an autonomous WGS 84 fix differs from ETRS89 by well under
/// a metre here, below its own uncertainty. Not `Send` (PROJ): one per thread.
#[derive(Debug)]
pub struct ToUtm32 {
    op: Reprojector,
}

impl ToUtm32 {
    /// Builds the PROJ operation (10-20 ms; keep it).
    pub fn new() -> Result<ToUtm32, GnssError> {
        let from = Crs::epsg(4258)?;
        Ok(ToUtm32 {
            op: Reprojector::new(&from, &Crs::STORE)?,
        })
    }

    /// (easting, northing) in metres for latitude/longitude in degrees.
    pub fn project(&self, lat: f64, lon: f64) -> Result<(f64, f64), GnssError> {
        let c = self.op.transform_coord(Coord { x: lat, y: lon })?;
        Ok((c.x, c.y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copenhagen_city_hall() {
        // The same point forsyning-geo's own doc test projects from CRS84.
        let (e, n) = ToUtm32::new().unwrap().project(55.6761, 12.5683).unwrap();
        assert!(
            (e - 724_351.93).abs() < 0.01 && (n - 6_175_804.02).abs() < 0.01,
            "{e} {n}"
        );
    }
}
