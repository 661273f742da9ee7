//! The exact distance from a network feature to a dig polygon, without
//! allocating.
//!
//! geo's `Euclidean` distance between line strings and polygons builds an
//! R-tree of each operand's segments on every call, which costs more than
//! the answer for the few-vertex features and polygons of a dig request.
//! This computes the same value from the same primitives (segment-segment
//! and point-segment distances, 0 when the shapes intersect), visiting every
//! pair of segments: cheap for small shapes, and geo's R-tree path is kept
//! for large ones.

use geo::{Distance, Euclidean, Intersects};
use geo_types::{Geometry, Line, LineString, Point, Polygon};

/// Beyond this many segment pairs, geo's R-tree based distance is faster.
const PAIRS_LIMIT: usize = 4096;

fn polygon_lines(p: &Polygon<f64>) -> impl Iterator<Item = Line<f64>> + '_ {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .flat_map(LineString::lines)
}

fn segments(g: &Geometry<f64>) -> usize {
    match g {
        Geometry::Point(_) => 1,
        Geometry::Line(_) => 1,
        Geometry::LineString(l) => l.0.len(),
        Geometry::MultiLineString(m) => m.0.iter().map(|l| l.0.len()).sum(),
        Geometry::Polygon(p) => {
            p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()
        }
        Geometry::MultiPoint(m) => m.0.len(),
        Geometry::MultiPolygon(m) => m
            .0
            .iter()
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
            .sum(),
        _ => usize::MAX,
    }
}

/// Smallest distance from `lines` (or `points`) to the segments of `poly`.
fn min_over(lines: impl Iterator<Item = Line<f64>>, poly: &Polygon<f64>) -> f64 {
    let mut best = f64::INFINITY;
    for a in lines {
        for b in polygon_lines(poly) {
            let d = Euclidean.distance(&a, &b);
            if d < best {
                best = d;
            }
        }
    }
    best
}

fn min_points(points: impl Iterator<Item = Point<f64>>, poly: &Polygon<f64>) -> f64 {
    let mut best = f64::INFINITY;
    for p in points {
        for b in polygon_lines(poly) {
            let d = Euclidean.distance(&p, &b);
            if d < best {
                best = d;
            }
        }
    }
    best
}

/// `Euclidean.distance(g, poly)`: 0 when they intersect (also when one lies
/// inside the other), else the smallest distance between their boundaries.
pub fn distance_to_polygon(g: &Geometry<f64>, poly: &Polygon<f64>) -> f64 {
    let ring = poly.exterior().0.len() + poly.interiors().iter().map(|r| r.0.len()).sum::<usize>();
    if segments(g).saturating_mul(ring) > PAIRS_LIMIT {
        return Euclidean.distance(g, poly);
    }
    if g.intersects(poly) {
        return 0.0;
    }
    match g {
        Geometry::Point(p) => min_points(std::iter::once(*p), poly),
        Geometry::MultiPoint(m) => min_points(m.0.iter().copied(), poly),
        Geometry::Line(l) => min_over(std::iter::once(*l), poly),
        Geometry::LineString(l) if l.0.len() == 1 => min_points(l.points(), poly),
        Geometry::LineString(l) => min_over(l.lines(), poly),
        Geometry::MultiLineString(m) => min_over(m.0.iter().flat_map(LineString::lines), poly),
        Geometry::Polygon(p) => min_over(polygon_lines(p), poly),
        Geometry::MultiPolygon(m) => min_over(m.0.iter().flat_map(polygon_lines), poly),
        other => Euclidean.distance(other, poly),
    }
}

#[cfg(test)]
mod tests {
    use geo_types::{Coord, MultiLineString, MultiPolygon};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn star(rng: &mut ChaCha8Rng, c: Coord<f64>, r: (f64, f64), n: usize) -> LineString<f64> {
        let mut ring: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let a = i as f64 * std::f64::consts::TAU / n as f64;
                let r = rng.gen_range(r.0..r.1);
                Coord {
                    x: c.x + r * a.cos(),
                    y: c.y + r * a.sin(),
                }
            })
            .collect();
        ring.push(ring[0]);
        LineString(ring)
    }

    fn walk(rng: &mut ChaCha8Rng, n: usize) -> LineString<f64> {
        let mut c = Coord {
            x: rng.gen_range(-150.0..150.0),
            y: rng.gen_range(-150.0..150.0),
        };
        (0..n)
            .map(|_| {
                c = Coord {
                    x: c.x + rng.gen_range(-30.0..30.0),
                    y: c.y + rng.gen_range(-30.0..30.0),
                };
                c
            })
            .collect()
    }

    /// Equal to geo's distance, bit for bit, on every kind of feature
    /// geometry against random dig polygons.
    #[test]
    fn equals_geos_distance() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut zeros = 0;
        for i in 0..4000 {
            let n = rng.gen_range(3..12);
            let poly = Polygon::new(
                star(&mut rng, Coord { x: 0.0, y: 0.0 }, (20.0, 80.0), n),
                vec![],
            );
            let g: Geometry<f64> = match i % 6 {
                0 => Point::new(rng.gen_range(-150.0..150.0), rng.gen_range(-150.0..150.0)).into(),
                1 => walk(&mut rng, 2).into(),
                2 => {
                    let n = rng.gen_range(2..8);
                    walk(&mut rng, n).into()
                }
                3 => MultiLineString(vec![walk(&mut rng, 3), walk(&mut rng, 4)]).into(),
                4 => {
                    let c = Coord {
                        x: rng.gen_range(-150.0..150.0),
                        y: rng.gen_range(-150.0..150.0),
                    };
                    Polygon::new(star(&mut rng, c, (2.0, 30.0), 6), vec![]).into()
                }
                _ => {
                    let c = Coord {
                        x: rng.gen_range(-150.0..150.0),
                        y: rng.gen_range(-150.0..150.0),
                    };
                    MultiPolygon(vec![Polygon::new(
                        star(&mut rng, c, (1.0, 10.0), 5),
                        vec![],
                    )])
                    .into()
                }
            };
            let want = Euclidean.distance(&g, &poly);
            let got = distance_to_polygon(&g, &poly);
            assert_eq!(got.to_bits(), want.to_bits(), "case {i}: {got} vs {want}");
            zeros += usize::from(want == 0.0);
        }
        assert!(
            zeros > 400 && zeros < 3600,
            "inside and outside both occur: {zeros}"
        );
    }
}
