//! Flat resolution the way malstroem does it: a depression-filled surface in
//! float64 that rises by at least `short` between edge neighbours and `diag`
//! between corner neighbours away from the outlets, so that every cell has a
//! strictly descending D8 path to an outlet and flats drain towards their
//! spill point.
//!
//! malstroem (`fill_terrain_no_flats`) iterates
//! `filled[c] = max(dem[c], min_n(filled[n] + step(c, n)))` to a fixed point
//! from +inf with the edges fixed at the DEM. Because `max(dem, v + step)`
//! never decreases in `v`, that fixed point is found in one label-setting pass
//! (Dijkstra from the outlets), with the same float64 sums, so the surface is
//! the same to the last bit. `short` is 10 units in the last place of the
//! largest |elevation| as float64 × 1024 and `diag = short·√2`, as malstroem's
//! `minimum_safe_short_and_diag`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::fill::seed_outlets;
use crate::grid::{Grid, D8};
use crate::queue::{f64_key, BitSet};

/// malstroem's minimum safe elevation steps `(short, diag)` in metres for a
/// DEM whose largest absolute elevation is `max_abs`.
pub fn minimum_safe_steps(max_abs: f32) -> (f64, f64) {
    let m = max_abs as f64;
    let next = f64::from_bits(m.to_bits() + 1);
    let short = (next - m) * 1024.0;
    (short, short * 2f64.sqrt())
}

/// The no-flats filled surface of `dem` (metres, float64), NaN where `dem` is.
pub fn fill_no_flats(dem: &Grid<f32>, progress: &mut dyn FnMut(u64)) -> Grid<f64> {
    let max_abs = dem
        .data()
        .iter()
        .filter(|v| !v.is_nan())
        .fold(0f32, |m, v| m.max(v.abs()));
    let (short, diag) = minimum_safe_steps(max_abs);
    fill_no_flats_with(dem, short, diag, progress)
}

/// [`fill_no_flats`] with explicit steps (metres).
pub fn fill_no_flats_with(
    dem: &Grid<f32>,
    short: f64,
    diag: f64,
    progress: &mut dyn FnMut(u64),
) -> Grid<f64> {
    let (w, h) = (dem.width(), dem.height());
    let n = w * h;
    let z = dem.data();
    let mut out: Vec<f64> = z
        .iter()
        .map(|&v| if v.is_nan() { f64::NAN } else { f64::INFINITY })
        .collect();
    if n == 0 {
        return Grid::from_vec(w, h, out).expect("sized");
    }
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    let mut closed = BitSet::new(n);
    seed_outlets(z, w, h, &mut closed, &mut |i, v| {
        out[i] = v as f64;
        heap.push(Reverse((f64_key(v as f64), i as u32)));
    });
    // `closed` now marks nodata and outlets: neither is ever raised.
    let steps: [f64; 8] = std::array::from_fn(|d| if d % 2 == 1 { diag } else { short });
    let mut done: u64 = 0;
    while let Some(Reverse((k, c))) = heap.pop() {
        let c = c as usize;
        let v = out[c];
        if f64_key(v) != k {
            continue; // a stale entry: the cell was lowered after this push
        }
        done += 1;
        if done & 0xf_ffff == 0 {
            progress(done);
        }
        let (r, col) = ((c / w) as isize, (c % w) as isize);
        for (d, &(dr, dc)) in D8.iter().enumerate() {
            let (nr, nc) = (r + dr, col + dc);
            if nr < 0 || nc < 0 || nr >= h as isize || nc >= w as isize {
                continue;
            }
            let ni = nr as usize * w + nc as usize;
            if closed.get(ni) {
                continue;
            }
            let cand = (v + steps[d]).max(z[ni] as f64);
            if cand < out[ni] {
                out[ni] = cand;
                heap.push(Reverse((f64_key(cand), ni as u32)));
            }
        }
    }
    progress(n as u64);
    Grid::from_vec(w, h, out).expect("sized")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// malstroem's iteration, run to its fixed point: the oracle.
    fn iterate(dem: &Grid<f32>, short: f64, diag: f64) -> Vec<f64> {
        let (w, h) = (dem.width(), dem.height());
        let mut f = vec![f64::INFINITY; w * h];
        for r in 0..h {
            for c in 0..w {
                if r == 0 || c == 0 || r == h - 1 || c == w - 1 {
                    f[r * w + c] = dem.get(r, c) as f64;
                }
            }
        }
        loop {
            let mut changed = false;
            for r in 1..h - 1 {
                for c in 1..w - 1 {
                    let i = r * w + c;
                    let mut m = f[i];
                    for (d, &(dr, dc)) in D8.iter().enumerate() {
                        let ni = ((r as isize + dr) as usize) * w + (c as isize + dc) as usize;
                        let s = if d % 2 == 1 { diag } else { short };
                        m = m.min(f[ni] + s);
                    }
                    let nv = m.max(dem.get(r, c) as f64);
                    if nv != f[i] {
                        f[i] = nv;
                        changed = true;
                    }
                }
            }
            if !changed {
                return f;
            }
        }
    }

    #[test]
    fn equals_the_iterative_fixed_point_on_random_dems() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..30 {
            let (w, h) = (rng.gen_range(3..14), rng.gen_range(3..14));
            let v: Vec<f32> = (0..w * h).map(|_| rng.gen_range(0..6) as f32).collect();
            let dem = Grid::from_vec(w, h, v).unwrap();
            let (s, d) = minimum_safe_steps(6.0);
            let got = fill_no_flats_with(&dem, s, d, &mut |_| {});
            assert_eq!(got.data(), &iterate(&dem, s, d)[..]);
        }
    }
}
