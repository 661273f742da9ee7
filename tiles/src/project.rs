//! EPSG:25832 (the store's CRS) to EPSG:3857 (WebMercatorQuad) and to
//! CRS84 degrees, with PROJ through `forsyning-geo`.
//!
//! PROJ objects are neither `Send` nor `Sync` and take 10-20 ms to build,
//! so each thread keeps its own, built on first use.

use std::cell::RefCell;

use forsyning_geo::{Crs, Reprojector};
use geo_types::{coord, Coord, Geometry, Rect};

use crate::TileError;

thread_local! {
    static TO_3857: RefCell<Option<Reprojector>> = const { RefCell::new(None) };
    static TO_CRS84: RefCell<Option<Reprojector>> = const { RefCell::new(None) };
    static FROM_3857: RefCell<Option<Reprojector>> = const { RefCell::new(None) };
}

fn with<R>(
    cell: &'static std::thread::LocalKey<RefCell<Option<Reprojector>>>,
    target: fn() -> Result<Crs, TileError>,
    f: impl FnOnce(&Reprojector) -> Result<R, TileError>,
) -> Result<R, TileError> {
    with_pair(cell, || Ok(Crs::STORE), target, f)
}

fn with_pair<R>(
    cell: &'static std::thread::LocalKey<RefCell<Option<Reprojector>>>,
    source: fn() -> Result<Crs, TileError>,
    target: fn() -> Result<Crs, TileError>,
    f: impl FnOnce(&Reprojector) -> Result<R, TileError>,
) -> Result<R, TileError> {
    cell.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            let r = Reprojector::new(&source()?, &target()?)
                .map_err(|e| TileError::Projection(e.to_string()))?;
            *c = Some(r);
        }
        f(c.as_ref().expect("set above"))
    })
}

fn web_mercator() -> Result<Crs, TileError> {
    Crs::epsg(3857).map_err(|e| TileError::Projection(e.to_string()))
}

fn crs84() -> Result<Crs, TileError> {
    Ok(Crs::CRS84)
}

/// `g` (EPSG:25832 metres) in EPSG:3857 metres, in place.
pub fn to_web_mercator(g: &mut Geometry<f64>) -> Result<(), TileError> {
    with(&TO_3857, web_mercator, |r| {
        r.transform_geometry(g)
            .map_err(|e| TileError::Projection(e.to_string()))
    })
}

/// One EPSG:25832 coordinate in EPSG:3857 metres.
pub fn coord_to_web_mercator(c: Coord<f64>) -> Result<Coord<f64>, TileError> {
    with(&TO_3857, web_mercator, |r| {
        r.transform_coord(c)
            .map_err(|e| TileError::Projection(e.to_string()))
    })
}

/// One EPSG:25832 coordinate as CRS84 longitude, latitude (degrees).
pub fn coord_to_lonlat(c: Coord<f64>) -> Result<Coord<f64>, TileError> {
    with(&TO_CRS84, crs84, |r| {
        r.transform_coord(c)
            .map_err(|e| TileError::Projection(e.to_string()))
    })
}

/// A box in EPSG:25832 metres that holds `rect` (EPSG:3857 metres): the
/// box of 25 points along its edges, grown by 1% of its size for the
/// curvature between them.
pub fn rect_to_store(rect: &Rect<f64>) -> Result<Rect<f64>, TileError> {
    with_pair(
        &FROM_3857,
        web_mercator,
        || Ok(Crs::STORE),
        |r| {
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
                    let p = r
                        .transform_coord(c)
                        .map_err(|e| TileError::Projection(e.to_string()))?;
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
        },
    )
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
        let m = coord_to_web_mercator(utm).unwrap();
        let (lon, lat) = mercator_to_lonlat(m.x, m.y);
        assert!(
            (lon - 12.5683).abs() < 1e-6 && (lat - 55.6761).abs() < 1e-6,
            "{lon} {lat}"
        );
        let d = coord_to_lonlat(utm).unwrap();
        assert!((d.x - lon).abs() < 1e-9 && (d.y - lat).abs() < 1e-9);
        // And back: the tile's box in EPSG:25832 holds the point.
        let r = rect_to_store(&Rect::new(
            coord! { x: m.x - 10.0, y: m.y - 10.0 },
            coord! { x: m.x + 10.0, y: m.y + 10.0 },
        ))
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
}
