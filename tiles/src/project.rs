//! The store's native CRS (EPSG:25832 in Denmark, EPSG:28992 in the
//! Netherlands: the region's) to EPSG:3857 (WebMercatorQuad) and to CRS84
//! degrees, with PROJ through `forsyning-geo`.
//!
//! PROJ objects are neither `Send` nor `Sync` and take 10-20 ms to build,
//! so each thread keeps its own per pair of CRSs, built on first use.

use std::cell::RefCell;
use std::collections::HashMap;

use forsyning_geo::{Crs, Reprojector};
use geo_types::{coord, Coord, Geometry, Rect};

use crate::TileError;

thread_local! {
    static OPS: RefCell<HashMap<(Crs, Crs), Reprojector>> = RefCell::new(HashMap::new());
}

fn projection(e: impl std::fmt::Display) -> TileError {
    TileError::Projection(e.to_string())
}

/// Runs `f` with this thread's reprojector from `from` to `to`.
fn with<R>(
    from: Crs,
    to: Crs,
    f: impl FnOnce(&Reprojector) -> Result<R, TileError>,
) -> Result<R, TileError> {
    OPS.with(|ops| {
        let mut ops = ops.borrow_mut();
        let op = match ops.entry((from, to)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Reprojector::new(&from, &to).map_err(projection)?)
            }
        };
        f(op)
    })
}

/// EPSG:3857, looked up once: every projected feature asks for it, and the
/// lookup takes a process-wide lock.
fn web_mercator() -> Result<Crs, TileError> {
    static MERCATOR: std::sync::OnceLock<Crs> = std::sync::OnceLock::new();
    if let Some(c) = MERCATOR.get() {
        return Ok(*c);
    }
    let c = Crs::epsg(3857).map_err(projection)?;
    Ok(*MERCATOR.get_or_init(|| c))
}

/// `g` (in `from`, the store's CRS) in EPSG:3857 metres, in place.
pub fn to_web_mercator(g: &mut Geometry<f64>, from: Crs) -> Result<(), TileError> {
    with(from, web_mercator()?, |r| {
        r.transform_geometry(g).map_err(projection)
    })
}

/// One coordinate of `from` (the store's CRS) in EPSG:3857 metres.
pub fn coord_to_web_mercator(c: Coord<f64>, from: Crs) -> Result<Coord<f64>, TileError> {
    with(from, web_mercator()?, |r| {
        r.transform_coord(c).map_err(projection)
    })
}

/// One coordinate of `from` (the store's CRS) as CRS84 longitude,
/// latitude (degrees).
pub fn coord_to_lonlat(c: Coord<f64>, from: Crs) -> Result<Coord<f64>, TileError> {
    with(from, Crs::CRS84, |r| {
        r.transform_coord(c).map_err(projection)
    })
}

/// A box in `to` (the store's CRS, metres) that holds `rect` (EPSG:3857
/// metres): the box of 16 points along its edges, grown by 1% of its size
/// for the curvature between them.
pub fn rect_to_native(rect: &Rect<f64>, to: Crs) -> Result<Rect<f64>, TileError> {
    with(web_mercator()?, to, |r| {
        let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for i in 0..=4 {
            for j in 0..=4 {
                if i % 4 != 0 && j % 4 != 0 {
                    continue;
                }
                let c = coord! {
                    x: rect.min().x + rect.width() * f64::from(i) / 4.0,
                    y: rect.min().y + rect.height() * f64::from(j) / 4.0,
                };
                let p = r.transform_coord(c).map_err(projection)?;
                minx = minx.min(p.x);
                miny = miny.min(p.y);
                maxx = maxx.max(p.x);
                maxy = maxy.max(p.y);
            }
        }
        let m = 0.01 * (maxx - minx).max(maxy - miny);
        Ok(Rect::new(
            coord! { x: minx - m, y: miny - m },
            coord! { x: maxx + m, y: maxy + m },
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::mercator_to_lonlat;

    #[test]
    fn utm_to_mercator_agrees_with_utm_to_degrees() {
        // Copenhagen City Hall: forsyning-geo's doc example gives
        // (724 351.93, 6 175 804.02) in EPSG:25832 for 12.5683 E 55.6761 N.
        let utm = coord! { x: 724_351.93, y: 6_175_804.02 };
        let m = coord_to_web_mercator(utm, Crs::STORE).unwrap();
        let (lon, lat) = mercator_to_lonlat(m.x, m.y);
        assert!(
            (lon - 12.5683).abs() < 1e-6 && (lat - 55.6761).abs() < 1e-6,
            "{lon} {lat}"
        );
        let d = coord_to_lonlat(utm, Crs::STORE).unwrap();
        assert!((d.x - lon).abs() < 1e-9 && (d.y - lat).abs() < 1e-9);
        // And back: the tile's box in EPSG:25832 holds the point.
        let r = rect_to_native(
            &Rect::new(
                coord! { x: m.x - 10.0, y: m.y - 10.0 },
                coord! { x: m.x + 10.0, y: m.y + 10.0 },
            ),
            Crs::STORE,
        )
        .unwrap();
        assert!(r.min().x < utm.x && utm.x < r.max().x && r.min().y < utm.y && utm.y < r.max().y);
        // 20 m of Web Mercator at 55.7° N are 11.25 m on the ground; the
        // UTM grid there is turned by the meridian convergence (3.57° from
        // the central meridian × sin 55.7° = 2.95°), so the box of the
        // turned square is 11.25 × (cos + sin) = 11.81 m, plus the 2% margin.
        let g = (3.5683f64 * 55.6761f64.to_radians().sin()).to_radians();
        let want = 20.0 * 55.6761f64.to_radians().cos() * (g.cos() + g.sin()) * 1.02;
        assert!((r.width() - want).abs() < 0.1, "{} vs {want}", r.width());
    }

    #[test]
    fn rd_new_to_mercator() {
        // Amersfoort, the origin of RD New: (155 000, 463 000) is
        // 52.15517440 N 5.38720621 E (the RD definition's own point).
        let rd = Crs::epsg(28992).unwrap();
        let m = coord_to_web_mercator(coord! { x: 155_000.0, y: 463_000.0 }, rd).unwrap();
        let (lon, lat) = mercator_to_lonlat(m.x, m.y);
        assert!(
            (lon - 5.387_206_21).abs() < 2e-5 && (lat - 52.155_174_40).abs() < 2e-5,
            "{lon} {lat}"
        );
    }
}
