//! Cell regions to polygons and polygons to cells.
//!
//! [`vectorise`] traces the outline of every region of equal label along the
//! cell edges: exact cell boundaries, outer rings counter-clockwise, holes
//! clockwise, collinear vertices dropped. Where two cells of one label touch
//! only at a corner, the rings turn left and so separate there: the parts
//! become polygons of one MultiPolygon touching at a point (valid simple
//! features), never a self-touching ring.

use std::collections::HashMap;

use geo::{Area, Contains};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};

use crate::grid::{Georef, Grid};

/// One polygon outline per label value other than 0, in the grid's CRS
/// (EPSG:25832 metres for Danish DEMs); `(label, shape)` sorted by label.
pub fn vectorise(labels: &Grid<u32>, georef: &Georef) -> Vec<(u32, MultiPolygon<f64>)> {
    let (w, h) = (labels.width(), labels.height());
    let at = |r: isize, c: isize| -> u32 {
        if r < 0 || c < 0 || r >= h as isize || c >= w as isize {
            0
        } else {
            labels.get(r as usize, c as usize)
        }
    };
    // Directed boundary edges per label, the region on the left in map view.
    // A vertex is (row, col) on the cell lattice.
    let mut edges: HashMap<u32, Vec<(Vertex, Vertex)>> = HashMap::new();
    for r in 0..h {
        for c in 0..w {
            let l = labels.get(r, c);
            if l == 0 {
                continue;
            }
            let (ri, ci) = (r as isize, c as isize);
            let e = edges.entry(l).or_default();
            if at(ri - 1, ci) != l {
                e.push(((r, c + 1), (r, c)));
            }
            if at(ri + 1, ci) != l {
                e.push(((r + 1, c), (r + 1, c + 1)));
            }
            if at(ri, ci - 1) != l {
                e.push(((r, c), (r + 1, c)));
            }
            if at(ri, ci + 1) != l {
                e.push(((r + 1, c + 1), (r, c + 1)));
            }
        }
    }
    let mut out: Vec<(u32, MultiPolygon<f64>)> = edges
        .into_iter()
        .map(|(l, e)| (l, assemble(trace_rings(&e), georef)))
        .collect();
    out.sort_by_key(|(l, _)| *l);
    out
}

type Vertex = (usize, usize);

/// Map-view direction of an edge: (east, north) steps.
fn dir(a: Vertex, b: Vertex) -> (i64, i64) {
    (b.1 as i64 - a.1 as i64, a.0 as i64 - b.0 as i64)
}

fn trace_rings(edges: &[(Vertex, Vertex)]) -> Vec<Vec<Vertex>> {
    let mut from: HashMap<Vertex, Vec<usize>> = HashMap::new();
    for (k, e) in edges.iter().enumerate() {
        from.entry(e.0).or_default().push(k);
    }
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        let mut ring = vec![edges[start].0];
        let mut k = start;
        loop {
            used[k] = true;
            let (a, b) = edges[k];
            ring.push(b);
            let d = dir(a, b);
            let left = (-d.1, d.0);
            // Every edge has one successor, the left-most turn (at a vertex
            // where two cells of the label touch only at the corner there are
            // two ways on): the rings are the cycles of that successor.
            // Choosing among unused edges instead would run on from the
            // start vertex into a second ring and pinch the two into one.
            let options = &from[&b];
            let next = options.iter().copied().max_by_key(|&j| {
                let nd = dir(edges[j].0, edges[j].1);
                // Left turn first, then straight on, then right.
                if nd == left {
                    2
                } else if nd == d {
                    1
                } else {
                    0
                }
            });
            match next {
                Some(j) if j != start && !used[j] => k = j,
                _ => break,
            }
        }
        rings.extend(split_at_repeats(ring).into_iter().map(simplify));
    }
    rings
}

/// A closed ring that passes a vertex twice, cut there into simple rings.
/// Where a hole touches the outline at one corner the left-turn rule runs
/// round the hole as part of the outline; cut out, it runs clockwise and
/// becomes a hole touching the shell at that point (valid simple features).
fn split_at_repeats(ring: Vec<Vertex>) -> Vec<Vec<Vertex>> {
    let mut out = Vec::new();
    let mut path: Vec<Vertex> = Vec::with_capacity(ring.len());
    let mut at: HashMap<Vertex, usize> = HashMap::new();
    for v in ring {
        if let Some(&i) = at.get(&v) {
            let mut sub = path.split_off(i + 1);
            for u in &sub {
                at.remove(u);
            }
            sub.insert(0, v);
            sub.push(v);
            out.push(sub);
        } else {
            at.insert(v, path.len());
            path.push(v);
        }
    }
    out
}

/// Drops vertices in the middle of straight runs; the ring stays closed.
fn simplify(ring: Vec<Vertex>) -> Vec<Vertex> {
    let n = ring.len() - 1; // last == first
    let mut out = Vec::with_capacity(n + 1);
    for i in 0..n {
        let prev = ring[(i + n - 1) % n];
        let next = ring[(i + 1) % n];
        if dir(prev, ring[i]) != dir(ring[i], next) {
            out.push(ring[i]);
        }
    }
    out.push(out[0]);
    out
}

fn assemble(rings: Vec<Vec<Vertex>>, georef: &Georef) -> MultiPolygon<f64> {
    let to_line = |ring: &[Vertex]| -> LineString<f64> {
        ring.iter()
            .map(|&(r, c)| {
                let (x, y) = georef.corner(r, c);
                Coord { x, y }
            })
            .collect()
    };
    let mut outers: Vec<(Polygon<f64>, f64)> = Vec::new();
    let mut holes: Vec<(LineString<f64>, Point<f64>)> = Vec::new();
    for ring in &rings {
        let line = to_line(ring);
        let area = Polygon::new(line.clone(), vec![]).signed_area();
        if area > 0.0 {
            outers.push((Polygon::new(line, vec![]), area));
        } else {
            // A point inside the hole: a quarter cell to the right of the
            // middle of its first edge (holes run clockwise).
            let (a, b) = (line.0[0], line.0[1]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len = (dx * dx + dy * dy).sqrt();
            let q = 0.25 * georef.cell_w.min(georef.cell_h);
            let p = Point::new(
                (a.x + b.x) / 2.0 + dy / len * q,
                (a.y + b.y) / 2.0 - dx / len * q,
            );
            holes.push((line, p));
        }
    }
    let mut interiors: Vec<Vec<LineString<f64>>> = vec![Vec::new(); outers.len()];
    for (line, p) in holes {
        let parent = outers
            .iter()
            .enumerate()
            .filter(|(_, (poly, _))| poly.contains(&p))
            .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
            .map(|(k, _)| k);
        if let Some(k) = parent {
            interiors[k].push(line);
        }
    }
    MultiPolygon(
        outers
            .into_iter()
            .zip(interiors)
            .map(|((poly, _), holes)| Polygon::new(poly.exterior().clone(), holes))
            .collect(),
    )
}

/// Cells whose centre lies inside `shape` (same CRS as `georef`).
pub fn rasterise(
    shape: &MultiPolygon<f64>,
    width: usize,
    height: usize,
    georef: &Georef,
) -> Grid<bool> {
    use geo::BoundingRect;
    let mut g = Grid::filled(width, height, false);
    let Some(bb) = shape.bounding_rect() else {
        return g;
    };
    let col0 = (((bb.min().x - georef.origin_x) / georef.cell_w)
        .floor()
        .max(0.0)) as usize;
    let col1 =
        ((((bb.max().x - georef.origin_x) / georef.cell_w).ceil()).max(0.0) as usize).min(width);
    let row0 = (((georef.origin_y - bb.max().y) / georef.cell_h)
        .floor()
        .max(0.0)) as usize;
    let row1 =
        ((((georef.origin_y - bb.min().y) / georef.cell_h).ceil()).max(0.0) as usize).min(height);
    for r in row0..row1 {
        for c in col0..col1 {
            let (x, y) = georef.cell_centre(r, c);
            if shape.contains(&Point::new(x, y)) {
                g.set(r, c, true);
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    fn georef() -> Georef {
        Georef::utm32(0.0, 10.0, 1.0, 1.0)
    }

    #[test]
    fn ring_with_hole_and_diagonal_touch() {
        #[rustfmt::skip]
        let v = vec![
            1, 1, 1, 0, 0,
            1, 0, 1, 0, 0,
            1, 1, 1, 0, 0,
            0, 0, 0, 1, 0,
            0, 0, 0, 0, 0,
        ];
        let g = Grid::from_vec(5, 5, v).unwrap();
        let polys = vectorise(&g, &georef());
        assert_eq!(polys.len(), 1);
        let mp = &polys[0].1;
        // 9 - 1 cells in the ring, 1 cell touching at a corner.
        assert_eq!(mp.unsigned_area(), 9.0);
        assert_eq!(mp.0.len(), 2);
        let with_hole = mp.0.iter().find(|p| !p.interiors().is_empty()).unwrap();
        assert_eq!(with_hole.exterior().0.len(), 5);
        assert_eq!(with_hole.interiors()[0].0.len(), 5);
        // Round trip: rasterising the outline gives the cells back.
        let back = rasterise(mp, 5, 5, &georef());
        assert_eq!(back.data(), g.map(|l| l == 1).data());
    }
}
