//! Douglas–Peucker simplification in tile coordinates: the tolerance is in
//! tile units (the renderer passes about one screen pixel, `extent / 512`,
//! below the source's full-detail zoom).

use crate::clip::Pt;

/// `pts` without the vertices closer than `tol` to the line through their
/// kept neighbours; the first and last vertex always stay. Iterative (an
/// explicit stack), so a line of a million vertices does not overflow it.
pub fn douglas_peucker(pts: &[Pt], tol: f64) -> Vec<Pt> {
    if pts.len() < 3 || tol <= 0.0 {
        return pts.to_vec();
    }
    let tol2 = tol * tol;
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (mut far, mut far_d2) = (0, 0.0);
        for i in a + 1..b {
            let d2 = seg_dist2(pts[i], pts[a], pts[b]);
            if d2 > far_d2 {
                far = i;
                far_d2 = d2;
            }
        }
        if far_d2 > tol2 {
            keep[far] = true;
            stack.push((a, far));
            stack.push((far, b));
        }
    }
    pts.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

/// Squared distance from `p` to segment a-b.
fn seg_dist2(p: Pt, a: Pt, b: Pt) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    };
    let (ex, ey) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    ex * ex + ey * ey
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertices_within_the_tolerance_go_and_the_rest_stay() {
        let line = [[0.0, 0.0], [5.0, 0.4], [10.0, 0.0], [10.0, 10.0]];
        assert_eq!(
            douglas_peucker(&line, 0.5),
            vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]
        );
        assert_eq!(douglas_peucker(&line, 0.3).len(), 4);
    }

    #[test]
    fn every_dropped_vertex_is_within_the_tolerance_of_the_result() {
        // A seeded zig-zag: brute-force check of the guarantee.
        let line: Vec<Pt> = (0..500)
            .map(|i| [i as f64, ((i * 7919) % 13) as f64 / 4.0])
            .collect();
        let s = douglas_peucker(&line, 1.0);
        assert!(s.len() < line.len());
        for p in &line {
            let d = s
                .windows(2)
                .map(|w| seg_dist2(*p, w[0], w[1]))
                .fold(f64::MAX, f64::min);
            assert!(d.sqrt() <= 1.0 + 1e-9);
        }
    }
}
