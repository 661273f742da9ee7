//! Geometry checks that do not depend on the source format: too few points,
//! non-finite or absurd coordinates, lines and rings that cross or touch
//! themselves. Readers run them on each geometry they build, through
//! [`repair_geometry`](crate::repair_geometry), which also mends the
//! polygons it can mend without guessing.
//!
//! What rejects and what warns follows what the store can keep and query:
//! a coordinate that is not a number, a line of one point or a ring that is
//! not closed cannot be stored or searched, and reject the feature. A line
//! that touches or crosses itself is a real cable (one that loops back near
//! a cabinet, or a survey drawn twice over one stretch): OGC Simple Features
//! allows a non-simple LineString, the store indexes and measures it like
//! any other, and dropping it would leave a contractor digging blind, so it
//! is a warning (LER's validator names it GEOM1) that says where.

use geo_types::{Coord, Geometry, LineString, Polygon};

use crate::problem::{Problem, Rule};

/// Beyond this absolute value a coordinate is absurd in any CRS the register
/// takes: projected CRSs are within ±10 000 km, geographic ones within ±360°.
pub const ABSURD_COORDINATE: f64 = 1e7;

/// Segment pairs one self-intersection check may compare before it gives up
/// (with a warning) on a pathological line.
const MAX_PAIRS: u64 = 50_000_000;

/// The problems of `g`, in the order of its parts. A closed line (first
/// point = last point) is allowed to touch itself there; any other contact
/// between non-adjacent segments, and any segment that turns back onto the
/// one before it, is a self-intersection: a warning for a line (the line is
/// stored as it is), an error for a polygon's ring (which
/// [`repair_geometry`](crate::repair_geometry) mends where it can).
///
/// ```
/// use forsyning_ingest::{validate_geometry, Rule};
/// use geo_types::{line_string, Geometry};
///
/// let bow_tie = line_string![(x: 0., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.), (x: 10., y: 0.)];
/// let problems = validate_geometry(&Geometry::LineString(bow_tie));
/// assert_eq!(problems[0].rule, Rule::SelfIntersection);
/// assert!(!problems[0].is_error(), "a crossing cable is stored, with a warning");
/// assert!(problems[0].message.contains("near (5, 5)"));
/// ```
pub fn validate_geometry(g: &Geometry<f64>) -> Vec<Problem> {
    let mut problems = Vec::new();
    check(g, &mut problems);
    problems
}

fn check(g: &Geometry<f64>, out: &mut Vec<Problem>) {
    match g {
        Geometry::Point(p) => {
            coords(&[p.0], "", out);
        }
        Geometry::MultiPoint(m) => {
            coords(&m.0.iter().map(|p| p.0).collect::<Vec<_>>(), "", out);
        }
        Geometry::LineString(l) => line(l, "", out),
        Geometry::MultiLineString(m) => {
            for (i, l) in m.0.iter().enumerate() {
                line(l, &format!("part {i}: "), out);
            }
        }
        Geometry::Polygon(p) => polygon(p, "", out),
        Geometry::MultiPolygon(m) => {
            for (i, p) in m.0.iter().enumerate() {
                polygon(p, &format!("part {i}: "), out);
            }
        }
        Geometry::GeometryCollection(c) => c.0.iter().for_each(|g| check(g, out)),
        Geometry::Line(l) => line(&LineString(vec![l.start, l.end]), "", out),
        Geometry::Rect(r) => polygon(&r.to_polygon(), "", out),
        Geometry::Triangle(t) => polygon(&t.to_polygon(), "", out),
    }
}

/// Non-finite and absurd coordinates; true when all are usable.
fn coords(cs: &[Coord<f64>], part: &str, out: &mut Vec<Problem>) -> bool {
    if let Some(c) = cs.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
        let m = format!("{part}the coordinate ({}, {}) is not finite", c.x, c.y);
        out.push(Problem::error(Rule::NonFiniteCoordinate, m));
        return false;
    }
    let absurd = |v: f64| v.abs() > ABSURD_COORDINATE;
    if let Some(c) = cs.iter().find(|c| absurd(c.x) || absurd(c.y)) {
        let m = format!(
            "{part}the coordinate ({}, {}) is beyond ±{ABSURD_COORDINATE:e} in its CRS",
            c.x, c.y
        );
        out.push(Problem::error(Rule::AbsurdCoordinate, m));
        return false;
    }
    true
}

fn line(l: &LineString<f64>, part: &str, out: &mut Vec<Problem>) {
    if !coords(&l.0, part, out) {
        return;
    }
    if l.0.len() < 2 {
        let m = format!("{part}a line needs at least 2 points, it has {}", l.0.len());
        out.push(Problem::error(Rule::TooFewPoints, m));
        return;
    }
    let distinct = dedup(&l.0);
    if distinct.len() < 2 {
        // Still a place where something lies: stored, found by a search
        // around that point.
        let c = distinct[0];
        let m = format!(
            "{part}the line has no length: all its {} points are at ({}, {}); stored as drawn",
            l.0.len(),
            c.x,
            c.y
        );
        out.push(Problem::warning(Rule::TooFewPoints, m));
        return;
    }
    crossing(&distinct, part, "line", out);
}

fn polygon(p: &Polygon<f64>, part: &str, out: &mut Vec<Problem>) {
    for (part, distinct) in usable_rings(p, part, out) {
        crossing(&distinct, &part, "ring", out);
    }
}

/// The rings of `p` (each labelled `"{part}ring {i}: "`, without
/// consecutive repeats) whose coordinates are finite and which are closed
/// with at least 4 points; an error in `out` for each of the others.
pub(crate) fn usable_rings(
    p: &Polygon<f64>,
    part: &str,
    out: &mut Vec<Problem>,
) -> Vec<(String, Vec<Coord<f64>>)> {
    let mut usable = Vec::new();
    for (i, ring) in std::iter::once(p.exterior())
        .chain(p.interiors())
        .enumerate()
    {
        let part = format!("{part}ring {i}: ");
        if !coords(&ring.0, &part, out) {
            continue;
        }
        let distinct = dedup(&ring.0);
        if distinct.len() < 4 || distinct[0] != distinct[distinct.len() - 1] {
            let m = format!("{part}a ring needs at least 4 points and must be closed");
            out.push(Problem::error(Rule::TooFewPoints, m));
            continue;
        }
        usable.push((part, distinct));
    }
    usable
}

/// Where the ring or line `pts` (no consecutive repeats) first meets
/// itself, if it does and the check stays within its budget.
pub(crate) fn self_contact(pts: &[Coord<f64>]) -> Option<Coord<f64>> {
    first_self_intersection(pts).ok().flatten()
}

fn crossing(pts: &[Coord<f64>], part: &str, what: &str, out: &mut Vec<Problem>) {
    match first_self_intersection(pts) {
        Ok(None) => {}
        Ok(Some(c)) if what == "line" => {
            let m = format!(
                "{part}the line crosses or touches itself near ({}, {}); \
                 stored as drawn",
                c.x, c.y
            );
            out.push(Problem::warning(Rule::SelfIntersection, m));
        }
        Ok(Some(c)) => {
            let m = format!(
                "{part}the {what} crosses or touches itself near ({}, {})",
                c.x, c.y
            );
            out.push(Problem::error(Rule::SelfIntersection, m));
        }
        Err(()) => {
            let m = format!(
                "{part}the {what} is too complex to check for self-intersection ({} points)",
                pts.len()
            );
            out.push(Problem::warning(Rule::InputTooLarge, m));
        }
    }
}

/// The points without consecutive repeats.
fn dedup(pts: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut v: Vec<Coord<f64>> = Vec::with_capacity(pts.len());
    for &p in pts {
        if v.last() != Some(&p) {
            v.push(p);
        }
    }
    v
}

/// A point where the polyline `pts` (no consecutive repeats) meets itself,
/// by a sweep over the segments sorted by their least x. `Err` when the
/// sweep would compare more than [`MAX_PAIRS`] pairs.
fn first_self_intersection(pts: &[Coord<f64>]) -> Result<Option<Coord<f64>>, ()> {
    let origin = pts[0];
    let p: Vec<Coord<f64>> = pts.iter().map(|&c| c - origin).collect();
    let n = p.len() - 1;
    let closed = n >= 2 && p[0] == p[n];
    let mut order: Vec<usize> = (0..n).collect();
    let min_x = |i: usize| p[i].x.min(p[i + 1].x);
    order.sort_by(|&a, &b| min_x(a).total_cmp(&min_x(b)));
    let mut pairs = 0u64;
    for (k, &i) in order.iter().enumerate() {
        let (a0, a1) = (p[i], p[i + 1]);
        let max_x = a0.x.max(a1.x);
        for &j in &order[k + 1..] {
            if min_x(j) > max_x {
                break;
            }
            pairs += 1;
            if pairs > MAX_PAIRS {
                return Err(());
            }
            let (b0, b1) = (p[j], p[j + 1]);
            let (lo, hi) = (i.min(j), i.max(j));
            let meets = if hi == lo + 1 {
                folds_back(p[lo], p[hi], p[hi + 1])
            } else if closed && lo == 0 && hi == n - 1 {
                folds_back(p[n - 1], p[0], p[1])
            } else {
                segments_meet(a0, a1, b0, b1)
            };
            if meets {
                let at = if hi == lo + 1 {
                    p[hi]
                } else {
                    contact_point(a0, a1, b0, b1)
                };
                return Ok(Some(at + origin));
            }
        }
    }
    Ok(None)
}

fn cross(o: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// Consecutive segments `a`→`m`→`b` overlap beyond `m` when `b` turns back
/// along the line it came on.
fn folds_back(a: Coord<f64>, m: Coord<f64>, b: Coord<f64>) -> bool {
    cross(a, m, b) == 0.0 && (a.x - m.x) * (b.x - m.x) + (a.y - m.y) * (b.y - m.y) > 0.0
}

fn on_segment(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> bool {
    c.x >= a.x.min(b.x) && c.x <= a.x.max(b.x) && c.y >= a.y.min(b.y) && c.y <= a.y.max(b.y)
}

/// A point two meeting segments share: where they cross, else an end of
/// one that lies on the other.
fn contact_point(a0: Coord<f64>, a1: Coord<f64>, b0: Coord<f64>, b1: Coord<f64>) -> Coord<f64> {
    let d1 = cross(b0, b1, a0);
    let d2 = cross(b0, b1, a1);
    let on =
        |a: Coord<f64>, b: Coord<f64>, c: Coord<f64>| cross(a, b, c) == 0.0 && on_segment(a, b, c);
    if d1 != 0.0 && d2 != 0.0 && (d1 > 0.0) != (d2 > 0.0) && !on(a0, a1, b0) && !on(a0, a1, b1) {
        let t = d1 / (d1 - d2);
        return a0 + (a1 - a0) * t;
    }
    [a0, a1]
        .into_iter()
        .find(|&c| on(b0, b1, c))
        .or_else(|| [b0, b1].into_iter().find(|&c| on(a0, a1, c)))
        .unwrap_or(a0)
}

/// Whether two segments share at least one point.
fn segments_meet(a0: Coord<f64>, a1: Coord<f64>, b0: Coord<f64>, b1: Coord<f64>) -> bool {
    let d1 = cross(b0, b1, a0);
    let d2 = cross(b0, b1, a1);
    let d3 = cross(a0, a1, b0);
    let d4 = cross(a0, a1, b1);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(b0, b1, a0))
        || (d2 == 0.0 && on_segment(b0, b1, a1))
        || (d3 == 0.0 && on_segment(a0, a1, b0))
        || (d4 == 0.0 && on_segment(a0, a1, b1))
}

#[cfg(test)]
mod tests {
    use geo_types::{line_string, polygon, Geometry};

    use super::*;

    fn rules(g: Geometry<f64>) -> Vec<Rule> {
        validate_geometry(&g).iter().map(|p| p.rule).collect()
    }

    #[test]
    fn simple_and_self_intersecting_lines() {
        let ok = line_string![(x: 0., y: 0.), (x: 5., y: 5.), (x: 10., y: 0.), (x: 10., y: 0.)];
        assert!(rules(ok.into()).is_empty());
        let closed = line_string![(x: 0., y: 0.), (x: 5., y: 5.), (x: 10., y: 0.), (x: 0., y: 0.)];
        assert!(
            rules(closed.into()).is_empty(),
            "closed lines may meet at their ends"
        );
        let touch = line_string![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 5.), (x: 5., y: 0.)];
        let problems = validate_geometry(&touch.clone().into());
        assert!(!problems[0].is_error(), "{problems:?}");
        assert!(problems[0].message.contains("near (5, 0)"), "{problems:?}");
        assert_eq!(rules(touch.into()), [Rule::SelfIntersection]);
        let back = line_string![(x: 0., y: 0.), (x: 10., y: 0.), (x: 4., y: 0.)];
        assert_eq!(rules(back.into()), [Rule::SelfIntersection]);
        let same = line_string![(x: 1., y: 1.), (x: 1., y: 1.)];
        let problems = validate_geometry(&same.into());
        assert_eq!(problems[0].rule, Rule::TooFewPoints);
        assert!(!problems[0].is_error(), "a line of no length is a place");
        let one = line_string![(x: 1., y: 1.)];
        let problems = validate_geometry(&one.into());
        assert!(problems[0].is_error() && problems[0].rule == Rule::TooFewPoints);
        let far = line_string![(x: 0., y: 0.), (x: 2e7, y: 0.)];
        assert_eq!(rules(far.into()), [Rule::AbsurdCoordinate]);
        let nan = line_string![(x: 0., y: f64::NAN), (x: 2., y: 0.)];
        assert_eq!(rules(nan.into()), [Rule::NonFiniteCoordinate]);
    }

    #[test]
    fn rings() {
        let square = polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)];
        assert!(rules(square.into()).is_empty());
        let bow = polygon![(x: 0., y: 0.), (x: 4., y: 4.), (x: 4., y: 0.), (x: 0., y: 4.)];
        assert_eq!(rules(bow.into()), [Rule::SelfIntersection]);
    }

    /// A brute-force oracle on seeded zig-zags agrees with the sweep.
    #[test]
    fn sweep_matches_brute_force() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 20) as f64
        };
        for _ in 0..300 {
            let pts = dedup(
                &(0..7)
                    .map(|_| Coord {
                        x: next(),
                        y: next(),
                    })
                    .collect::<Vec<_>>(),
            );
            if pts.len() < 3 || pts[0] == pts[pts.len() - 1] {
                continue;
            }
            let n = pts.len() - 1;
            let brute = (0..n).any(|i| {
                (i + 1..n).any(|j| match j - i {
                    1 => folds_back(pts[i], pts[j], pts[j + 1]),
                    _ => segments_meet(pts[i], pts[i + 1], pts[j], pts[j + 1]),
                })
            });
            assert_eq!(
                first_self_intersection(&pts).unwrap().is_some(),
                brute,
                "{pts:?}"
            );
        }
    }
}
