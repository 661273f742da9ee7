//! Depression filling by priority-flood (Barnes, Lehman & Mulla 2014,
//! "Priority-Flood: An Optimal Depression-Filling and Watershed-Labeling
//! Algorithm for Digital Elevation Models", Algorithm 2 "improved": a priority
//! queue for the flood front plus a plain queue for the cells inside a
//! depression, which need no ordering), with the slope tracing of Zhou, Sun
//! & Fu 2016 ("An efficient variant of the Priority-Flood algorithm for
//! filling depressions in raster digital elevation models"): a cell found
//! above the flood level is final at its own elevation (it drains through
//! the cell that found it), and so is every cell reached from it by a
//! non-descending step; those are settled by a plain stack, and only a
//! traced cell with a lower unsettled neighbour (a possible spill point)
//! enters the priority queue. The priority queue is a monotone radix heap on
//! the float bits: flood levels only rise.
//!
//! The result is the lowest surface at or above the DEM from which every cell
//! has a non-ascending path to the raster edge or to a nodata cell: the same
//! surface malstroem's iterative fill converges to. Edge cells and cells next
//! to nodata are outlets and keep their elevation; nodata (NaN) stays NaN.

use crate::grid::{Grid, D8};
use crate::queue::{f32_key, BitSet, RadixHeap};

/// Fills every depression of `dem` in place (elevations in metres).
///
/// `progress` is called now and then with the number of cells settled so far
/// (of `dem.len()`).
pub fn fill_depressions(dem: &mut Grid<f32>, progress: &mut dyn FnMut(u64)) {
    let (w, h) = (dem.width(), dem.height());
    let n = w * h;
    if n == 0 {
        return;
    }
    let z = dem.data_mut();
    let mut closed = BitSet::new(n);
    // Outlets are seeded before anything is popped, and later pushes lie
    // above the level being flooded: the keys are monotone, as the radix
    // heap requires.
    let mut open = RadixHeap::new();
    seed_outlets(z, w, h, &mut closed, &mut |i, v| {
        open.push(f32_key(v), i as u32)
    });

    let mut pit: Vec<u32> = Vec::new();
    let mut trace: Vec<u32> = Vec::new();
    let mut settled: u64 = 0;
    let neighbours = |c: usize| {
        let (r, col) = ((c / w) as isize, (c % w) as isize);
        D8.iter().filter_map(move |&(dr, dc)| {
            let (nr, nc) = (r + dr, col + dc);
            (nr >= 0 && nc >= 0 && nr < h as isize && nc < w as isize)
                .then(|| nr as usize * w + nc as usize)
        })
    };
    loop {
        // A cell of the flood front (from the heap) or of a depression being
        // filled (from the pit queue), settled at the flood level `zc`.
        let c = if let Some(c) = pit.pop() {
            c as usize
        } else if let Some(c) = open.pop() {
            c as usize
        } else {
            break;
        };
        settled += 1;
        if settled & 0xf_ffff == 0 {
            progress(settled);
        }
        let zc = z[c];
        for ni in neighbours(c) {
            if closed.get(ni) {
                continue;
            }
            closed.set(ni);
            if z[ni] <= zc {
                z[ni] = zc;
                pit.push(ni as u32);
                continue;
            }
            // Above the flood level: final as it is. Trace the slope up.
            trace.push(ni as u32);
            while let Some(t) = trace.pop() {
                let t = t as usize;
                settled += 1;
                let zt = z[t];
                let mut spills = false;
                for m in neighbours(t) {
                    if closed.get(m) {
                        continue;
                    }
                    if z[m] >= zt {
                        closed.set(m);
                        trace.push(m as u32);
                    } else {
                        // A lower cell: its level is decided by the flood,
                        // which reaches `t` at `zt` or finds it lower first.
                        spills = true;
                    }
                }
                if spills {
                    // Popped again at `zt`, it floods its lower neighbours.
                    settled -= 1;
                    open.push(f32_key(zt), t as u32);
                }
            }
        }
    }
    progress(n as u64);
}

/// Closes nodata cells and hands every outlet (edge cell or cell next to
/// nodata) with its elevation to `seed`, closing it.
pub(crate) fn seed_outlets(
    z: &[f32],
    w: usize,
    h: usize,
    closed: &mut BitSet,
    seed: &mut dyn FnMut(usize, f32),
) {
    let mut any_nodata = false;
    for (i, v) in z.iter().enumerate() {
        if v.is_nan() {
            closed.set(i);
            any_nodata = true;
        }
    }
    let mut take = |i: usize, closed: &mut BitSet| {
        if !closed.get(i) {
            closed.set(i);
            seed(i, z[i]);
        }
    };
    for c in 0..w {
        take(c, closed);
        take((h - 1) * w + c, closed);
    }
    for r in 0..h {
        take(r * w, closed);
        take(r * w + w - 1, closed);
    }
    if any_nodata {
        for i in 0..w * h {
            if closed.get(i) {
                continue;
            }
            let (r, c) = ((i / w) as isize, (i % w) as isize);
            let next_to_nodata = D8.iter().any(|&(dr, dc)| {
                let (nr, nc) = (r + dr, c + dc);
                nr >= 0
                    && nc >= 0
                    && (nr as usize) < h
                    && (nc as usize) < w
                    && z[nr as usize * w + nc as usize].is_nan()
            });
            if next_to_nodata {
                take(i, closed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_a_pit_to_its_spill_level() {
        #[rustfmt::skip]
        let v = vec![
            5.0, 5.0, 5.0, 5.0, 5.0,
            5.0, 3.0, 3.0, 4.0, 5.0,
            5.0, 3.0, 1.0, 3.0, 2.0,
            5.0, 3.0, 3.0, 3.0, 5.0,
            5.0, 5.0, 5.0, 5.0, 5.0,
        ];
        let mut g = Grid::from_vec(5, 5, v).unwrap();
        fill_depressions(&mut g, &mut |_| {});
        // The pit drains over the 3.0 rim to the edge cell at 2.0.
        assert_eq!(g.get(2, 2), 3.0);
        assert_eq!(g.get(1, 3), 4.0);
        assert_eq!(g.get(2, 4), 2.0);
    }

    #[test]
    fn nodata_is_an_outlet() {
        #[rustfmt::skip]
        let v = vec![
            9.0, 9.0, 9.0, 9.0,
            9.0, 1.0, f32::NAN, 9.0,
            9.0, 2.0, 9.0, 9.0,
            9.0, 9.0, 9.0, 9.0,
        ];
        let mut g = Grid::from_vec(4, 4, v).unwrap();
        fill_depressions(&mut g, &mut |_| {});
        assert_eq!(g.get(1, 1), 1.0);
        assert_eq!(g.get(2, 1), 2.0);
        assert!(g.get(1, 2).is_nan());
    }

    /// The fill by its definition, iterated to a fixed point: each cell is
    /// the higher of its elevation and its lowest neighbour's fill, outlets
    /// (edge cells, cells next to nodata) keep theirs.
    fn oracle(z: &[f32], w: usize, h: usize) -> Vec<f32> {
        let outlet = |i: usize| {
            let (r, c) = ((i / w) as isize, (i % w) as isize);
            r == 0
                || c == 0
                || r == h as isize - 1
                || c == w as isize - 1
                || D8
                    .iter()
                    .any(|&(dr, dc)| z[((r + dr) as usize) * w + (c + dc) as usize].is_nan())
        };
        let mut f: Vec<f32> = (0..w * h)
            .map(|i| {
                if z[i].is_nan() || outlet(i) {
                    z[i]
                } else {
                    f32::INFINITY
                }
            })
            .collect();
        loop {
            let mut changed = false;
            for i in 0..w * h {
                if z[i].is_nan() || outlet(i) {
                    continue;
                }
                let (r, c) = ((i / w) as isize, (i % w) as isize);
                let low = D8
                    .iter()
                    .map(|&(dr, dc)| f[((r + dr) as usize) * w + (c + dc) as usize])
                    .filter(|v| !v.is_nan())
                    .fold(f32::INFINITY, f32::min);
                let v = z[i].max(low);
                if v < f[i] {
                    f[i] = v;
                    changed = true;
                }
            }
            if !changed {
                return f;
            }
        }
    }

    #[test]
    fn random_dems_fill_as_the_definition_says() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for case in 0..300 {
            let (w, h) = (rng.gen_range(1..=14), rng.gen_range(1..=14));
            // Few distinct levels make ties and flats, a smooth trend makes
            // slopes to trace; some cases have nodata holes.
            let levels = rng.gen_range(2..=6);
            let tilt: f32 = rng.gen_range(0.0..0.5);
            let holes = case % 3 == 0;
            let z: Vec<f32> = (0..w * h)
                .map(|i| {
                    if holes && rng.gen_bool(0.08) {
                        f32::NAN
                    } else {
                        rng.gen_range(0..levels) as f32 + tilt * (i % w) as f32
                    }
                })
                .collect();
            let mut g = Grid::from_vec(w, h, z.clone()).unwrap();
            fill_depressions(&mut g, &mut |_| {});
            let want = oracle(&z, w, h);
            for (i, (&a, &b)) in g.data().iter().zip(&want).enumerate() {
                assert!(
                    (a.is_nan() && b.is_nan()) || a == b,
                    "case {case} ({w}x{h}) cell {i}: {a} vs {b}\n{z:?}"
                );
            }
        }
    }
}
