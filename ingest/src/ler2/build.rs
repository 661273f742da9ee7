//! From the shapes read to `geo_types` geometries and per-vertex heights.

use geo_types::{
    Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
};

use super::coords::Pt;
use super::geometry::Shape;

/// LER's height for "unknown".
pub(crate) const UNKNOWN_HEIGHT: f64 = -99.0;

/// A geometry in the source CRS, its heights (in the order of its
/// coordinates; `None` as a whole when the source is 2D) and whether some
/// height is unknown (2D, or LER's `-99`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Built {
    pub geometry: Geometry<f64>,
    pub heights: Option<Vec<Option<f64>>>,
    pub z_unknown: bool,
    pub vertices: usize,
}

pub(crate) fn build(shape: &Shape) -> Built {
    let mut zs = Vec::new();
    let mut line = |pts: &[Pt]| -> LineString<f64> {
        zs.extend(pts.iter().map(|p| p.z));
        LineString(pts.iter().map(|p| Coord { x: p.x, y: p.y }).collect())
    };
    let polygon = |rings: &[Vec<Pt>], line: &mut dyn FnMut(&[Pt]) -> LineString<f64>| {
        let mut rings = rings.iter().map(|r| line(r));
        let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        Polygon::new(exterior, rings.collect())
    };
    let geometry = match shape {
        Shape::Point(p) => Geometry::Point(Point(line(std::slice::from_ref(p)).0[0])),
        Shape::MultiPoint(ps) => {
            Geometry::MultiPoint(MultiPoint(line(ps).0.into_iter().map(Point).collect()))
        }
        Shape::Line(l) => Geometry::LineString(line(l)),
        Shape::MultiLine(ls) => {
            Geometry::MultiLineString(MultiLineString(ls.iter().map(|l| line(l)).collect()))
        }
        Shape::Polygon(rings) => Geometry::Polygon(polygon(rings, &mut line)),
        Shape::MultiPolygon(ps) => Geometry::MultiPolygon(MultiPolygon(
            ps.iter().map(|rings| polygon(rings, &mut line)).collect(),
        )),
    };
    let vertices = zs.len();
    let z_unknown = zs.iter().any(|z| z.is_nan() || *z == UNKNOWN_HEIGHT);
    let heights = zs.iter().any(|z| !z.is_nan()).then(|| {
        zs.iter()
            .map(|&z| Some(z).filter(|z| !z.is_nan() && *z != UNKNOWN_HEIGHT))
            .collect()
    });
    Built {
        geometry,
        heights,
        z_unknown,
        vertices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(x: f64, y: f64, z: f64) -> Pt {
        Pt { x, y, z }
    }

    #[test]
    fn heights_follow_coordinates_and_minus_99_is_unknown() {
        let b = build(&Shape::Line(vec![pt(1., 2., -99.), pt(3., 4., 12.5)]));
        assert_eq!(b.heights, Some(vec![None, Some(12.5)]));
        assert!(b.z_unknown);
        let b = build(&Shape::Line(vec![
            pt(1., 2., f64::NAN),
            pt(3., 4., f64::NAN),
        ]));
        assert_eq!((b.heights, b.z_unknown), (None, true));
        let ring = vec![
            pt(0., 0., 1.),
            pt(1., 0., 1.),
            pt(1., 1., 1.),
            pt(0., 0., 1.),
        ];
        let b = build(&Shape::MultiPolygon(vec![vec![ring.clone()], vec![ring]]));
        assert_eq!((b.vertices, b.z_unknown), (8, false));
        assert!(matches!(b.geometry, Geometry::MultiPolygon(ref m) if m.0.len() == 2));
    }
}
