//! Fixed extents the rest of Forsyning checks geometries against.

use geo_types::{coord, Rect};

/// Denmark's service area in EPSG:25832 (ETRS89 / UTM 32N), metres:
/// easting 400 000 – 920 000, northing 6 000 000 – 6 450 000.
///
/// All of Denmark, Bornholm included, is mapped in UTM zone 32 by national
/// convention, so Bornholm lies far east of the zone's usual width. The box is
/// the extreme points of the country plus a margin for near-shore cables and
/// offshore wind farms (points computed with PROJ in this crate's tests and
/// with an independent Krüger-series implementation, to the metre):
///
/// | point | lon, lat (°) | easting, northing (m) | margin to the box |
/// |---|---|---|---|
/// | Blåvandshuk (west) | 8.083, 55.558 | 442 159, 6 157 270 | 42 km west |
/// | Grenen, Skagen (north) | 10.647, 57.744 | 598 041, 6 401 401 | 49 km north |
/// | Gedser Odde (south) | 11.971, 54.560 | 692 096, 6 049 890 | 50 km south |
/// | Christiansø (east) | 15.188, 55.320 | 892 411, 6 147 855 | 28 km east |
/// | sea east of Bornholm | 15.2, 55.1 | 895 351, 6 123 491 | 25 km east |
///
/// Meant for plausibility checks ("is this dataset in Denmark at all, or in
/// swapped axes or the wrong CRS?"), not as a legal boundary.
pub fn denmark_service_area() -> Rect<f64> {
    Rect::new(
        coord! { x: 400_000.0, y: 6_000_000.0 },
        coord! { x: 920_000.0, y: 6_450_000.0 },
    )
}

#[cfg(test)]
mod tests {
    use super::denmark_service_area;

    #[test]
    fn corners_in_store_metres() {
        let area = denmark_service_area();
        assert_eq!((area.min().x, area.min().y), (400_000.0, 6_000_000.0));
        assert_eq!((area.max().x, area.max().y), (920_000.0, 6_450_000.0));
    }
}
