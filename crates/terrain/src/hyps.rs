//! Hypsometry of bluespots (cells per elevation bin) and the water level a
//! given volume reaches, as malstroem's `hyps` and `approx` modules compute
//! them: the bluespot is assumed to fill in order of cell elevation.

use crate::grid::Grid;

/// Cells of one bluespot per elevation bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Hypsometry {
    /// Lower bound of the first bin, m.
    pub lower_m: f64,
    /// Bin height, m.
    pub resolution_m: f64,
    /// Cells per bin.
    pub counts: Vec<u64>,
    /// Lowest DEM cell, m.
    pub zmin: f64,
    /// Highest DEM cell, m.
    pub zmax: f64,
}

/// Hypsometries of labels `1..=n` of `labels` over `dem` (index = label - 1),
/// bins of `resolution` metres aligned on multiples of it (malstroem uses
/// 0.1 m).
pub fn hypsometries(
    dem: &Grid<f32>,
    labels: &Grid<u32>,
    n: u32,
    resolution: f64,
) -> Vec<Hypsometry> {
    let mut values: Vec<Vec<f32>> = vec![Vec::new(); n as usize];
    for (&z, &l) in dem.data().iter().zip(labels.data()) {
        if l != 0 && !z.is_nan() {
            values[l as usize - 1].push(z);
        }
    }
    values.iter().map(|v| histogram(v, resolution)).collect()
}

fn histogram(v: &[f32], resolution: f64) -> Hypsometry {
    let zmin = v.iter().fold(f64::INFINITY, |m, &z| m.min(z as f64));
    let zmax = v.iter().fold(f64::NEG_INFINITY, |m, &z| m.max(z as f64));
    // malstroem's histogram_bins: int() truncates towards zero.
    let scale = 1.0 / resolution;
    let min_scaled = (zmin * scale).trunc() as i64;
    let max_scaled = (zmax * scale).trunc() as i64;
    let num_bins = (max_scaled - min_scaled + 1).max(1) as usize;
    let lower = min_scaled as f64 * resolution;
    let upper = lower + num_bins as f64 * resolution;
    // numpy.histogram with equal bins over [lower, upper].
    let edges: Vec<f64> = (0..=num_bins)
        .map(|k| lower + (upper - lower) * k as f64 / num_bins as f64)
        .collect();
    let norm = num_bins as f64 / (upper - lower);
    let mut counts = vec![0u64; num_bins];
    for &z in v {
        let z = z as f64;
        if z < lower || z > upper {
            continue;
        }
        let mut k = ((z - lower) * norm) as usize;
        if k == num_bins {
            k -= 1;
        }
        if z < edges[k] {
            k -= 1;
        } else if k + 1 < num_bins && z >= edges[k + 1] {
            k += 1;
        }
        counts[k] += 1;
    }
    Hypsometry {
        lower_m: lower,
        resolution_m: resolution,
        counts,
        zmin,
        zmax,
    }
}

impl Hypsometry {
    /// The water level (m) that `volume_m3` reaches in a bluespot of
    /// `capacity_m3` and `max_depth_m`, with `cell_area_m2` per cell.
    ///
    /// As malstroem's `approx_water_level`: a bluespot more than 99.99 % full
    /// stands at `zmin + max_depth`; otherwise the level is interpolated
    /// linearly in the cumulative volume below each bin centre, from
    /// (0 m³, zmin) to (capacity, zmax).
    pub fn level_for(
        &self,
        volume_m3: f64,
        capacity_m3: f64,
        max_depth_m: f64,
        cell_area_m2: f64,
    ) -> f64 {
        if capacity_m3 <= 0.0 || volume_m3 / capacity_m3 > 0.9999 {
            return self.zmin + max_depth_m;
        }
        let nb = self.counts.len();
        // Volume below each bin: cells below the bin times one bin height, summed.
        let mut xs = Vec::with_capacity(nb + 1);
        let mut zs = Vec::with_capacity(nb + 1);
        let mut below = 0f64;
        let mut cum = 0f64;
        for k in 0..nb {
            cum += cell_area_m2 * self.resolution_m * below;
            below += self.counts[k] as f64;
            let centre = k as f64 * self.resolution_m + self.lower_m + self.resolution_m * 0.5;
            if k == 0 {
                xs.push(0.0);
                zs.push(self.zmin);
            } else if k + 1 < nb {
                xs.push(cum);
                zs.push(centre);
            }
        }
        xs.push(capacity_m3);
        zs.push(self.zmax);
        interp(volume_m3, &xs, &zs)
    }
}

/// numpy.interp: clamps outside, binary search inside (xs assumed ascending).
fn interp(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len();
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    // Largest j with xs[j] <= x.
    let j = xs.partition_point(|&v| v <= x) - 1;
    let (x0, x1, y0, y1) = (xs[j], xs[j + 1], ys[j], ys[j + 1]);
    if x1 == x0 {
        return y0;
    }
    y0 + (x - x0) * (y1 - y0) / (x1 - x0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_fills_linearly() {
        // 4 cells at 10.0, 10.05 .. flat floor: one bin, level from zmin to zmax.
        let h = histogram(&[10.0, 10.0, 10.0, 10.0], 0.1);
        assert_eq!(h.counts, vec![4]);
        assert_eq!(h.level_for(0.0, 8.0, 0.5, 1.0), 10.0);
        assert_eq!(h.level_for(8.0, 8.0, 0.5, 1.0), 10.5);
    }
}
