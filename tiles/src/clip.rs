//! Clipping to the buffered tile square, in tile coordinates (f64, before
//! rounding): lines by Liang–Barsky per segment (a line that leaves and
//! re-enters becomes several), polygon rings by Sutherland–Hodgman against
//! the four edges (a ring that leaves and re-enters keeps a seam along the
//! edge, inside the buffer where the map does not draw it).

/// A point in tile coordinates, before rounding.
pub type Pt = [f64; 2];

/// The square `lo..=hi` on both axes (`-buffer ..= extent + buffer`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Square {
    pub lo: f64,
    pub hi: f64,
}

impl Square {
    fn contains(&self, p: Pt) -> bool {
        p[0] >= self.lo && p[0] <= self.hi && p[1] >= self.lo && p[1] <= self.hi
    }
}

/// The parts of `line` inside `sq`.
pub fn clip_line(line: &[Pt], sq: Square) -> Vec<Vec<Pt>> {
    let mut out: Vec<Vec<Pt>> = Vec::new();
    let mut cur: Vec<Pt> = Vec::new();
    for w in line.windows(2) {
        match clip_segment(w[0], w[1], sq) {
            Some((a, b, a_moved, b_moved)) => {
                if cur.is_empty() || a_moved {
                    if cur.len() > 1 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(a);
                }
                cur.push(b);
                if b_moved {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => {
                if cur.len() > 1 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() > 1 {
        out.push(cur);
    }
    if line.len() == 1 && sq.contains(line[0]) {
        out.push(vec![line[0]]);
    }
    out
}

/// Liang–Barsky: the part of segment a-b inside `sq`, and whether each end moved.
fn clip_segment(a: Pt, b: Pt, sq: Square) -> Option<(Pt, Pt, bool, bool)> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a[0] - sq.lo),
        (dx, sq.hi - a[0]),
        (-dy, a[1] - sq.lo),
        (dy, sq.hi - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| [a[0] + t * dx, a[1] + t * dy];
    Some((
        if t0 > 0.0 { at(t0) } else { a },
        if t1 < 1.0 { at(t1) } else { b },
        t0 > 0.0,
        t1 < 1.0,
    ))
}

/// A closed ring (first point repeated last) clipped to `sq`, closed again;
/// empty when nothing of it is inside.
pub fn clip_ring(ring: &[Pt], sq: Square) -> Vec<Pt> {
    if ring.iter().all(|&p| sq.contains(p)) {
        return ring.to_vec();
    }
    let mut pts: Vec<Pt> = ring[..ring.len().saturating_sub(1)].to_vec();
    // (axis, bound, keep when coordinate >= bound?)
    for (axis, bound, keep_above) in [
        (0, sq.lo, true),
        (0, sq.hi, false),
        (1, sq.lo, true),
        (1, sq.hi, false),
    ] {
        if pts.is_empty() {
            break;
        }
        let inside = |p: &Pt| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let mut next = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            let (ci, pi) = (inside(&cur), inside(&prev));
            if ci != pi {
                let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
                let mut p = [
                    prev[0] + t * (cur[0] - prev[0]),
                    prev[1] + t * (cur[1] - prev[1]),
                ];
                p[axis] = bound;
                next.push(p);
            }
            if ci {
                next.push(cur);
            }
        }
        pts = next;
    }
    if pts.len() < 3 {
        return Vec::new();
    }
    pts.push(pts[0]);
    pts
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQ: Square = Square { lo: 0.0, hi: 10.0 };

    #[test]
    fn a_line_through_the_square_keeps_only_its_inside_part() {
        let parts = clip_line(&[[-5.0, 5.0], [15.0, 5.0]], SQ);
        assert_eq!(parts, vec![vec![[0.0, 5.0], [10.0, 5.0]]]);
    }

    #[test]
    fn a_line_leaving_and_coming_back_becomes_two() {
        let parts = clip_line(&[[2.0, 2.0], [2.0, 20.0], [8.0, 20.0], [8.0, 2.0]], SQ);
        assert_eq!(
            parts,
            vec![vec![[2.0, 2.0], [2.0, 10.0]], vec![[8.0, 10.0], [8.0, 2.0]]]
        );
        assert!(clip_line(&[[20.0, 20.0], [30.0, 30.0]], SQ).is_empty());
    }

    #[test]
    fn a_ring_covering_the_square_becomes_the_square() {
        let r = clip_ring(
            &[
                [-5.0, -5.0],
                [15.0, -5.0],
                [15.0, 15.0],
                [-5.0, 15.0],
                [-5.0, -5.0],
            ],
            SQ,
        );
        let area: f64 = r
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum::<f64>()
            / 2.0;
        assert_eq!(area, 100.0);
        assert!(r.iter().all(|p| SQ.contains(*p)));
        assert!(clip_ring(
            &[[20.0, 20.0], [30.0, 20.0], [30.0, 30.0], [20.0, 20.0]],
            SQ
        )
        .is_empty());
    }
}
