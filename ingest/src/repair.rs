//! The geometry check every reader runs, with the one repair it dares: a
//! polygon that geo's validity rules refuse (a ring that crosses or touches
//! itself, rings that cross each other, a hole outside its shell) is mended
//! with geo's boolean operations when the mended polygon encloses exactly
//! the area the rings say (the shell's area less the holes', by the
//! shoelace formula). Then the mend only moved where the boundary is
//! drawn, not what is inside it, and the feature is stored with a warning.
//! Otherwise (a bow tie, whose two lobes cancel; a hole reaching out of its
//! shell; two holes that overlap) any repair would guess the owner's
//! intent, and the feature is rejected.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use geo::{Area, BooleanOps, Validation};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};

use crate::problem::{Problem, Rule};
use crate::validate::{self_contact, usable_rings, validate_geometry};

/// Relative slack between the mended area and the rings' area: the boolean
/// operations snap coordinates to a fine grid.
const AREA_TOLERANCE: f64 = 1e-9;

/// The problems of `g` as [`validate_geometry`] finds them, except that an
/// invalid polygon is replaced by its repair when the repair is unambiguous
/// (a [`Rule::GeometryRepaired`] warning naming what was wrong) and is an
/// error otherwise. `heights` (one per vertex of `g`, in coordinate order)
/// follow a repair: each kept vertex keeps its height, a new vertex (where
/// two edges crossed) gets none.
///
/// ```
/// use forsyning_ingest::{repair_geometry, Rule};
/// use geo_types::{polygon, Geometry};
///
/// // A square with a spike out of its top edge: the spike encloses nothing.
/// let mut g = Geometry::Polygon(polygon![
///     (x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 2., y: 4.),
///     (x: 2., y: 6.), (x: 2., y: 4.), (x: 0., y: 4.),
/// ]);
/// let problems = repair_geometry(&mut g, &mut None);
/// assert_eq!(problems[0].rule, Rule::GeometryRepaired);
/// assert!(!problems[0].is_error());
/// ```
pub fn repair_geometry(
    g: &mut Geometry<f64>,
    heights: &mut Option<Vec<Option<f64>>>,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let repaired = match g {
        Geometry::Polygon(p) => repair_polygon(p, "", &mut out).map(Geometry::MultiPolygon),
        Geometry::MultiPolygon(m) => {
            let mut changed = false;
            let mut parts = Vec::with_capacity(m.0.len());
            for (i, p) in m.0.iter().enumerate() {
                match repair_polygon(p, &format!("part {i}: "), &mut out) {
                    Some(fixed) => {
                        changed = true;
                        parts.extend(fixed.0);
                    }
                    None => parts.push(p.clone()),
                }
            }
            changed.then_some(Geometry::MultiPolygon(MultiPolygon(parts)))
        }
        _ => return validate_geometry(g),
    };
    if let Some(mut fixed) = repaired {
        if let Geometry::MultiPolygon(m) = &fixed {
            if m.0.len() == 1 {
                fixed = Geometry::Polygon(m.0[0].clone());
            }
        }
        if let Some(h) = heights.as_mut() {
            *h = carry_heights(g, h, &fixed);
        }
        *g = fixed;
    }
    out
}

/// Checks `p`; returns its repair when it is invalid and the repair is
/// unambiguous. Problems go to `out`.
fn repair_polygon(p: &Polygon<f64>, part: &str, out: &mut Vec<Problem>) -> Option<MultiPolygon> {
    let before = out.len();
    let rings = usable_rings(p, part, out);
    if out[before..].iter().any(Problem::is_error) {
        return None;
    }
    let errors = p.validation_errors();
    if errors.is_empty() {
        return None;
    }
    let what = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let near = rings
        .iter()
        .find_map(|(_, pts)| self_contact(pts))
        .map(|c| format!(" near ({}, {})", c.x, c.y))
        .unwrap_or_default();
    let want = intended_area(p);
    match mend(p) {
        Some(fixed) if (fixed.unsigned_area() - want).abs() <= AREA_TOLERANCE * want.max(1.0) => {
            let m = format!(
                "{part}the polygon is not valid ({what}){near}; repaired into {} valid \
                 polygon(s) enclosing the same area ({want} square units)",
                fixed.0.len()
            );
            out.push(Problem::warning(Rule::GeometryRepaired, m));
            Some(fixed)
        }
        mended => {
            let got = mended.map_or("no repair".to_owned(), |m| {
                format!("a repair encloses {}", m.unsigned_area())
            });
            let m = format!(
                "{part}the polygon is not valid ({what}){near}, and cannot be repaired without \
                 guessing: its rings enclose {want} square units, {got}"
            );
            out.push(Problem::error(Rule::SelfIntersection, m));
            None
        }
    }
}

/// The shell's area less the holes', each ring by the shoelace formula
/// (loops of a ring drawn the other way round count negative).
fn intended_area(p: &Polygon<f64>) -> f64 {
    let ring = |r: &LineString<f64>| Polygon::new(r.clone(), vec![]).signed_area().abs();
    ring(p.exterior()) - p.interiors().iter().map(ring).sum::<f64>()
}

/// The shell's union less the holes' union; `None` when empty, invalid, or
/// when the boolean operations fail.
fn mend(p: &Polygon<f64>) -> Option<MultiPolygon> {
    let run = || {
        let shell = Polygon::new(p.exterior().clone(), vec![]);
        let shell = geo::unary_union(std::iter::once(&shell));
        let holes = MultiPolygon(
            p.interiors()
                .iter()
                .map(|r| Polygon::new(r.clone(), vec![]))
                .collect(),
        );
        if holes.0.is_empty() {
            shell
        } else {
            let holes = geo::unary_union(holes.0.iter());
            shell.difference(&holes)
        }
    };
    let fixed = catch_unwind(AssertUnwindSafe(run)).ok()?;
    (!fixed.0.is_empty() && fixed.is_valid()).then_some(fixed)
}

/// The heights of `fixed`'s vertices: the height of the same vertex in
/// `old` where it had one, none for vertices the repair made.
fn carry_heights(
    old: &Geometry<f64>,
    heights: &[Option<f64>],
    fixed: &Geometry<f64>,
) -> Vec<Option<f64>> {
    use geo::CoordsIter;
    let key = |c: Coord<f64>| (c.x.to_bits(), c.y.to_bits());
    let known: HashMap<_, _> = old
        .coords_iter()
        .zip(heights)
        .filter_map(|(c, h)| h.map(|h| (key(c), h)))
        .collect();
    fixed
        .coords_iter()
        .map(|c| known.get(&key(c)).copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    fn run(p: Polygon<f64>) -> (Geometry<f64>, Vec<Problem>) {
        let mut g = Geometry::Polygon(p);
        let problems = repair_geometry(&mut g, &mut None);
        (g, problems)
    }

    #[test]
    fn valid_polygons_pass_untouched() {
        let square = polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)];
        let (g, problems) = run(square.clone());
        assert!(problems.is_empty());
        assert_eq!(g, Geometry::Polygon(square));
    }

    #[test]
    fn a_bow_tie_is_ambiguous() {
        // Its two lobes run opposite ways: the shoelace area is 0.
        let bow = polygon![(x: 0., y: 0.), (x: 4., y: 4.), (x: 4., y: 0.), (x: 0., y: 4.)];
        let (_, problems) = run(bow);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].is_error());
        assert_eq!(problems[0].rule, Rule::SelfIntersection);
        assert!(problems[0].message.contains("near (2, 2)"), "{problems:?}");
    }

    #[test]
    fn a_figure_eight_becomes_two_polygons() {
        // Two unit squares meeting at (1, 1), drawn the same way round:
        // an area of 2, which the repair keeps.
        let eight = polygon![
            (x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 2., y: 1.),
            (x: 2., y: 2.), (x: 1., y: 2.), (x: 1., y: 1.), (x: 0., y: 1.),
        ];
        let (g, problems) = run(eight);
        assert_eq!(problems[0].rule, Rule::GeometryRepaired, "{problems:?}");
        let Geometry::MultiPolygon(m) = g else {
            panic!("{g:?}")
        };
        assert_eq!(m.0.len(), 2);
        assert!((m.unsigned_area() - 2.0).abs() < 1e-12);
        assert!(m.is_valid());
    }

    #[test]
    fn holes_inside_are_kept_and_holes_outside_refused() {
        let shell = || LineString::from(vec![(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)]);
        // A hole that pokes out of its shell: which area did the owner mean?
        let out = LineString::from(vec![(8., 4.), (12., 4.), (12., 6.), (8., 6.), (8., 4.)]);
        let (_, problems) = run(Polygon::new(shell(), vec![out]));
        assert!(problems[0].is_error(), "{problems:?}");
        // A hole whose edge runs along the shell: the area is clear (100 - 8).
        let along = LineString::from(vec![(0., 2.), (4., 2.), (4., 4.), (0., 4.), (0., 2.)]);
        let (g, problems) = run(Polygon::new(shell(), vec![along]));
        assert_eq!(problems[0].rule, Rule::GeometryRepaired, "{problems:?}");
        assert!((g.unsigned_area() - 92.0).abs() < 1e-9, "{g:?}");
        // Two holes that overlap: refused.
        let a = LineString::from(vec![(2., 2.), (6., 2.), (6., 6.), (2., 6.), (2., 2.)]);
        let b = LineString::from(vec![(4., 4.), (8., 4.), (8., 8.), (4., 8.), (4., 4.)]);
        let (_, problems) = run(Polygon::new(shell(), vec![a, b]));
        assert!(problems[0].is_error(), "{problems:?}");
    }

    #[test]
    fn heights_follow_the_vertices_they_belong_to() {
        let spike = polygon![
            (x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 2., y: 4.),
            (x: 2., y: 6.), (x: 2., y: 4.), (x: 0., y: 4.),
        ];
        let mut g = Geometry::Polygon(spike);
        // Closed ring: 8 coordinates; the height is 10 + x + y / 10.
        let mut heights = Some(
            [
                (0., 0.),
                (4., 0.),
                (4., 4.),
                (2., 4.),
                (2., 6.),
                (2., 4.),
                (0., 4.),
                (0., 0.),
            ]
            .iter()
            .map(|(x, y): &(f64, f64)| Some(10.0 + x + y / 10.0))
            .collect(),
        );
        repair_geometry(&mut g, &mut heights);
        use geo::CoordsIter;
        let h = heights.unwrap();
        assert_eq!(h.len(), g.coords_count());
        for (c, h) in g.coords_iter().zip(h) {
            assert_eq!(h, Some(10.0 + c.x + c.y / 10.0), "{c:?}");
        }
    }
}
