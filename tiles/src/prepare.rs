//! One feature's EPSG:3857 geometry to a clean [`TileGeometry`]: into tile
//! coordinates, clipped to the buffered square, simplified, rounded to
//! integers, repeated points removed, rings re-wound and degenerate parts
//! dropped.

use geo_types::{Coord, Geometry, LineString, Polygon};

use crate::clip::{clip_line, clip_ring, Pt, Square};
use crate::mvt::geometry::ring_area2;
use crate::mvt::TileGeometry;
use crate::simplify::douglas_peucker;

/// Where a tile sits and how finely it is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// Tile's west edge and north edge, EPSG:3857 metres.
    pub minx: f64,
    pub maxy: f64,
    /// Tile units per metre.
    pub scale: f64,
    pub square: Square,
    /// Douglas–Peucker tolerance, tile units (0: none).
    pub tolerance: f64,
}

impl Frame {
    fn pt(&self, c: Coord<f64>) -> Pt {
        [
            (c.x - self.minx) * self.scale,
            (self.maxy - c.y) * self.scale,
        ]
    }

    fn pts(&self, ls: &LineString<f64>) -> Vec<Pt> {
        ls.0.iter().map(|&c| self.pt(c)).collect()
    }
}

fn round(pts: &[Pt]) -> Vec<[i64; 2]> {
    let mut out: Vec<[i64; 2]> = Vec::with_capacity(pts.len());
    for p in pts {
        let q = [p[0].round() as i64, p[1].round() as i64];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    out
}

fn line_parts(f: &Frame, ls: &LineString<f64>, out: &mut Vec<Vec<[i64; 2]>>) {
    for part in clip_line(&f.pts(ls), f.square) {
        let part = round(&douglas_peucker(&part, f.tolerance));
        if part.len() >= 2 {
            out.push(part);
        }
    }
}

/// A closed ring, clipped, simplified, rounded; `None` when nothing with
/// area is left. Exterior rings come back with positive area, holes negative.
fn ring(f: &Frame, ls: &LineString<f64>, exterior: bool) -> Option<Vec<[i64; 2]>> {
    let clipped = clip_ring(&f.pts(ls), f.square);
    if clipped.len() < 4 {
        return None;
    }
    let mut r = round(&douglas_peucker(&clipped, f.tolerance));
    if r.len() < 4 || r.first() != r.last() {
        if r.len() >= 3 && r.first() != r.last() {
            r.push(r[0]);
        } else {
            return None;
        }
    }
    let a = ring_area2(&r);
    if a == 0 {
        return None;
    }
    if (a > 0) != exterior {
        r.reverse();
    }
    Some(r)
}

fn polygon(f: &Frame, p: &Polygon<f64>, out: &mut Vec<Vec<Vec<[i64; 2]>>>) {
    let Some(ext) = ring(f, p.exterior(), true) else {
        return;
    };
    let mut rings = vec![ext];
    rings.extend(p.interiors().iter().filter_map(|h| ring(f, h, false)));
    out.push(rings);
}

/// The tile geometries of `g` (a collection gives one per member type).
pub(crate) fn prepare(f: &Frame, g: &Geometry<f64>, out: &mut Vec<TileGeometry>) {
    let inside = |p: Pt| p.iter().all(|v| *v >= f.square.lo && *v <= f.square.hi);
    let points = |cs: &mut dyn Iterator<Item = Coord<f64>>| -> Option<TileGeometry> {
        let pts: Vec<[i64; 2]> = cs
            .map(|c| f.pt(c))
            .filter(|p| inside(*p))
            .map(|p| [p[0].round() as i64, p[1].round() as i64])
            .collect();
        (!pts.is_empty()).then_some(TileGeometry::Points(pts))
    };
    let lines = |ls: &mut dyn Iterator<Item = &LineString<f64>>| -> Option<TileGeometry> {
        let mut parts = Vec::new();
        ls.for_each(|l| line_parts(f, l, &mut parts));
        (!parts.is_empty()).then_some(TileGeometry::Lines(parts))
    };
    let polys = |ps: &mut dyn Iterator<Item = &Polygon<f64>>| -> Option<TileGeometry> {
        let mut parts = Vec::new();
        ps.for_each(|p| polygon(f, p, &mut parts));
        (!parts.is_empty()).then_some(TileGeometry::Polygons(parts))
    };
    let one = match g {
        Geometry::Point(p) => points(&mut std::iter::once(p.0)),
        Geometry::MultiPoint(mp) => points(&mut mp.0.iter().map(|p| p.0)),
        Geometry::Line(l) => lines(&mut std::iter::once(&LineString::from(vec![
            l.start, l.end,
        ]))),
        Geometry::LineString(ls) => lines(&mut std::iter::once(ls)),
        Geometry::MultiLineString(mls) => lines(&mut mls.0.iter()),
        Geometry::Polygon(p) => polys(&mut std::iter::once(p)),
        Geometry::MultiPolygon(mp) => polys(&mut mp.0.iter()),
        Geometry::Rect(r) => polys(&mut std::iter::once(&r.to_polygon())),
        Geometry::Triangle(t) => polys(&mut std::iter::once(&t.to_polygon())),
        Geometry::GeometryCollection(gc) => {
            gc.0.iter().for_each(|m| prepare(f, m, out));
            None
        }
    };
    out.extend(one);
}
