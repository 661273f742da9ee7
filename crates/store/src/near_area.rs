//! "Is this (multi)polygon within `d` metres of that polygon?" without
//! visiting every vertex.
//!
//! An owner's interest area is often one polygon with many thousands of
//! vertices (a whole town's district cells merged). geo's exact distance
//! walks every vertex pair and builds R-trees of both shapes on every call
//! (0.4 ms for a 177-vertex area, measured), so each dig request would pay
//! for the whole area. [`IndexedArea`] keeps an R-tree of the area's edges,
//! built once, and answers the same question exactly, visiting only the
//! edges near the query:
//!
//! `distance(area, q) <= d` holds exactly when the two intersect (a vertex
//! of one lies inside the other, or their boundaries cross) or some edge of
//! `q` comes within `d` of some edge of the area. Crossing boundaries show up
//! as edge pairs at distance 0, so the test is: an area edge within `d` of a
//! `q` edge (R-tree query around each `q` edge), or a vertex of `q` inside
//! the area (ray casting against the edges the ray meets), or a vertex of the
//! area inside `q` (one per ring suffices once no edges are near).

use geo::{Contains, Distance, Euclidean};
use geo_types::{Coord, Line, MultiPolygon, Point, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

type Edge = GeomWithData<rstar::primitives::Line<[f64; 2]>, ()>;

/// A multipolygon with an R-tree of its edges.
#[derive(Debug)]
pub(crate) struct IndexedArea {
    edges: RTree<Edge>,
    /// One vertex of every ring, for "the area lies inside q".
    ring_starts: Vec<Coord<f64>>,
}

fn rings(mp: &MultiPolygon<f64>) -> impl Iterator<Item = &geo_types::LineString<f64>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

impl IndexedArea {
    pub fn new(shape: &MultiPolygon<f64>) -> Self {
        let edges = rings(shape)
            .flat_map(|r| r.lines())
            .map(|l| {
                GeomWithData::new(
                    rstar::primitives::Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]),
                    (),
                )
            })
            .collect();
        let ring_starts = rings(shape).filter_map(|r| r.0.first().copied()).collect();
        Self {
            edges: RTree::bulk_load(edges),
            ring_starts,
        }
    }

    /// Whether the area contains `c` (boundary excluded), by ray casting
    /// against the edges a ray to the east meets (even-odd over all rings).
    fn contains_point(&self, c: Coord<f64>) -> bool {
        let far = AABB::from_corners([c.x, c.y], [f64::INFINITY, c.y]);
        let mut inside = false;
        for e in self.edges.locate_in_envelope_intersecting(&far) {
            let (a, b) = (e.geom().from, e.geom().to);
            // Half-open in y, so a ray through a vertex counts once.
            if (a[1] > c.y) != (b[1] > c.y) {
                let x = a[0] + (c.y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                if x > c.x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// Exactly `Euclidean.distance(area, q) <= d`.
    pub fn is_within(&self, q: &Polygon<f64>, d: f64) -> bool {
        let q_edges = std::iter::once(q.exterior())
            .chain(q.interiors())
            .flat_map(|r| r.lines());
        for l in q_edges {
            let (lo, hi) = (
                [l.start.x.min(l.end.x) - d, l.start.y.min(l.end.y) - d],
                [l.start.x.max(l.end.x) + d, l.start.y.max(l.end.y) + d],
            );
            let near = self
                .edges
                .locate_in_envelope_intersecting(&AABB::from_corners(lo, hi))
                .any(|e| {
                    let g = e.geom();
                    let other = Line::new(
                        Coord {
                            x: g.from[0],
                            y: g.from[1],
                        },
                        Coord {
                            x: g.to[0],
                            y: g.to[1],
                        },
                    );
                    Euclidean.distance(&l, &other) <= d
                });
            if near {
                return true;
            }
        }
        // No edges near: either one lies inside the other, or they are apart.
        if q.exterior()
            .0
            .first()
            .is_some_and(|c| self.contains_point(*c))
        {
            return true;
        }
        self.ring_starts
            .iter()
            .any(|c| q.contains(&Point::from(*c)))
    }
}

#[cfg(test)]
mod tests {
    use geo_types::{polygon, LineString};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// A star-shaped ring of `n` vertices around (cx, cy).
    fn star(rng: &mut ChaCha8Rng, cx: f64, cy: f64, r0: f64, r1: f64, n: usize) -> LineString<f64> {
        let mut ring: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let a = i as f64 * std::f64::consts::TAU / n as f64;
                let r = rng.gen_range(r0..r1);
                Coord {
                    x: cx + r * a.cos(),
                    y: cy + r * a.sin(),
                }
            })
            .collect();
        ring.push(ring[0]);
        LineString(ring)
    }

    /// Against geo's exact distance on thousands of random pairs: big
    /// spiky areas with holes, small query polygons near, inside, around
    /// and far from them, with buffers from 0 to 20 m.
    #[test]
    fn agrees_with_exact_distance() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut hits = [0usize; 2];
        for round in 0..40 {
            // Large areas and small ones (triangles to a few dozen vertices).
            let n = [400, 3, 12, 40][round % 4];
            let outer = star(&mut rng, 0.0, 0.0, 500.0, 1000.0, n);
            // A hole only where the outer ring surely holds it.
            let holes = if n >= 12 {
                vec![star(&mut rng, 0.0, 0.0, 100.0, 300.0, (n / 6).max(4))]
            } else {
                vec![]
            };
            let island = Polygon::new(star(&mut rng, 3000.0, 0.0, 50.0, 200.0, n), vec![]);
            let area = MultiPolygon(vec![Polygon::new(outer, holes), island]);
            let ix = IndexedArea::new(&area);
            for _ in 0..100 {
                let (cx, cy) = (
                    rng.gen_range(-1500.0..3500.0),
                    rng.gen_range(-1200.0..1200.0),
                );
                let size = rng.gen_range(1.0..600.0);
                let q = Polygon::new(star(&mut rng, cx, cy, size / 2.0, size, 8), vec![]);
                let d = if rng.gen_bool(0.2) {
                    0.0
                } else {
                    rng.gen_range(0.0..20.0)
                };
                let want = Euclidean.distance(&area, &q) <= d;
                assert_eq!(
                    ix.is_within(&q, d),
                    want,
                    "q at ({cx:.1}, {cy:.1}) size {size:.1} d {d:.2}"
                );
                hits[usize::from(want)] += 1;
            }
        }
        assert!(
            hits[0] > 400 && hits[1] > 400,
            "both answers are exercised: {hits:?}"
        );
    }

    #[test]
    fn hand_cases() {
        let big = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0), (x: 0.0, y: 0.0)
        ]]);
        let ix = IndexedArea::new(&big);
        let sq = |x: f64, y: f64, s: f64| polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s), (x: x, y: y)];
        assert!(ix.is_within(&sq(40.0, 40.0, 10.0), 0.0), "inside");
        assert!(ix.is_within(&sq(-50.0, -50.0, 300.0), 0.0), "around");
        assert!(
            ix.is_within(&sq(103.0, 40.0, 10.0), 3.0),
            "3 m east, buffer 3"
        );
        assert!(
            !ix.is_within(&sq(103.0, 40.0, 10.0), 2.99),
            "3 m east, buffer 2.99"
        );
        assert!(ix.is_within(&sq(95.0, 40.0, 10.0), 0.0), "crossing");
    }
}
