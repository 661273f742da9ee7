//! WebMercatorQuad (OGC Two Dimensional Tile Matrix Set): EPSG:3857 metres,
//! 2^z × 2^z tiles at zoom z, tile (0, 0) at the north-west corner (XYZ:
//! `y` counts from the top, as the `/{z}/{x}/{y}` URLs and MapLibre do).

use geo_types::{coord, Rect};

use crate::TileError;

/// Half the width of the EPSG:3857 world, metres (π × 6 378 137).
pub const WORLD_HALF: f64 = 20_037_508.342_789_244;

/// Deepest zoom served (a tile is then about 2.4 m wide at the equator).
pub const MAX_ZOOM: u8 = 24;

/// A tile address in WebMercatorQuad, checked on construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    z: u8,
    x: u32,
    y: u32,
}

impl TileCoord {
    /// The tile `z/x/y`, if `z <= 24` and `x`, `y` < 2^z.
    ///
    /// ```
    /// # use forsyning_tiles::TileCoord;
    /// assert!(TileCoord::new(0, 0, 0).is_ok());
    /// assert!(TileCoord::new(2, 4, 0).is_err());
    /// ```
    pub fn new(z: u32, x: u64, y: u64) -> Result<TileCoord, TileError> {
        let bad = TileError::BadTile { z, x, y };
        if z > u32::from(MAX_ZOOM) {
            return Err(bad);
        }
        let n = 1u64 << z;
        if x >= n || y >= n {
            return Err(bad);
        }
        Ok(TileCoord {
            z: z as u8,
            x: x as u32,
            y: y as u32,
        })
    }

    pub fn z(&self) -> u8 {
        self.z
    }
    pub fn x(&self) -> u32 {
        self.x
    }
    pub fn y(&self) -> u32 {
        self.y
    }

    /// Width (and height) of the tile in EPSG:3857 metres.
    pub fn size_m(&self) -> f64 {
        2.0 * WORLD_HALF / f64::from(1u32 << self.z)
    }

    /// The tile's bounds in EPSG:3857 metres.
    ///
    /// ```
    /// # use forsyning_tiles::TileCoord;
    /// let b = TileCoord::new(1, 1, 0).unwrap().bounds();
    /// assert_eq!((b.min().x, b.max().y), (0.0, 20_037_508.342_789_244));
    /// ```
    pub fn bounds(&self) -> Rect<f64> {
        let s = self.size_m();
        let minx = -WORLD_HALF + f64::from(self.x) * s;
        let maxy = WORLD_HALF - f64::from(self.y) * s;
        Rect::new(
            coord! { x: minx, y: maxy - s },
            coord! { x: minx + s, y: maxy },
        )
    }

    /// The tiles of zoom `z` that `bbox` (EPSG:3857 metres) touches, row by
    /// row; empty when `bbox` lies outside the world.
    pub fn covering(bbox: &Rect<f64>, z: u8) -> impl Iterator<Item = TileCoord> {
        let n = 1u32 << z;
        let s = 2.0 * WORLD_HALF / f64::from(n);
        let col = |x: f64| (((x + WORLD_HALF) / s).floor().clamp(0.0, f64::from(n - 1))) as u32;
        let row = |y: f64| (((WORLD_HALF - y) / s).floor().clamp(0.0, f64::from(n - 1))) as u32;
        let inside = bbox.max().x > -WORLD_HALF
            && bbox.min().x < WORLD_HALF
            && bbox.max().y > -WORLD_HALF
            && bbox.min().y < WORLD_HALF;
        let (x0, x1) = (col(bbox.min().x), col(bbox.max().x));
        let (y0, y1) = (row(bbox.max().y), row(bbox.min().y));
        let rows = (y0..=y1).filter(move |_| inside);
        rows.flat_map(move |y| (x0..=x1).map(move |x| TileCoord { z, x, y }))
    }

    /// The parent tile one zoom up; `None` at zoom 0.
    pub fn parent(&self) -> Option<TileCoord> {
        (self.z > 0).then(|| TileCoord {
            z: self.z - 1,
            x: self.x / 2,
            y: self.y / 2,
        })
    }
}

impl std::fmt::Display for TileCoord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Longitude and latitude (degrees, WGS 84 sphere as EPSG:3857 defines it)
/// of an EPSG:3857 point: the closed-form inverse of the projection.
pub fn mercator_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = x / WORLD_HALF * 180.0;
    let lat = (2.0 * (y / WORLD_HALF * std::f64::consts::PI).exp().atan()
        - std::f64::consts::FRAC_PI_2)
        .to_degrees();
    (lon, lat)
}

/// EPSG:3857 metres of a longitude and latitude in degrees.
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon / 180.0 * WORLD_HALF;
    let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
        .tan()
        .ln()
        / std::f64::consts::PI
        * WORLD_HALF;
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copenhagen_lies_in_the_tile_every_slippy_map_puts_it_in() {
        // 12.5683 E 55.6761 N at z12 is tile 2190/1282 (the OSM wiki's
        // formula: x = floor((lon + 180) / 360 * 2^z) = floor(2190.98),
        // y from asinh(tan(lat))).
        let (x, y) = lonlat_to_mercator(12.5683, 55.6761);
        let z = 12u32;
        let n = f64::from(1u32 << z);
        let tx = ((12.5683 + 180.0) / 360.0 * n).floor() as u32;
        let lat = 55.6761f64.to_radians();
        let ty = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
        assert_eq!((tx, ty), (2190, 1282));
        let p = Rect::new(coord! { x: x, y: y }, coord! { x: x, y: y });
        let tiles: Vec<_> = TileCoord::covering(&p, 12).collect();
        assert_eq!(tiles, [TileCoord::new(12, 2190, 1282).unwrap()]);
        let b = tiles[0].bounds();
        assert!(b.min().x <= x && x < b.max().x && b.min().y < y && y <= b.max().y);
        let (lon, lat) = mercator_to_lonlat(x, y);
        assert!((lon - 12.5683).abs() < 1e-9 && (lat - 55.6761).abs() < 1e-9);
    }

    #[test]
    fn children_tile_their_parent() {
        let t = TileCoord::new(5, 17, 9).unwrap();
        let b = t.bounds();
        let inner = Rect::new(
            coord! { x: b.min().x + 1.0, y: b.min().y + 1.0 },
            coord! { x: b.max().x - 1.0, y: b.max().y - 1.0 },
        );
        let kids: Vec<_> = TileCoord::covering(&inner, 6).collect();
        assert_eq!(kids.len(), 4);
        assert!(kids.iter().all(|k| k.parent() == Some(t)));
        assert!(TileCoord::new(25, 0, 0).is_err());
    }
}
