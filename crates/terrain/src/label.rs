//! Connected-component labelling and per-label statistics.

use crate::grid::{neighbour, Grid};

/// Statistics of one label's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelStats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Sum of the values.
    pub sum: f64,
    /// Number of cells.
    pub count: u64,
}

impl Default for LabelStats {
    fn default() -> Self {
        LabelStats {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
            count: 0,
        }
    }
}

impl LabelStats {
    fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        if v < self.min {
            self.min = v;
        }
        if v > self.max {
            self.max = v;
        }
    }
}

/// Labels the 8-connected regions of cells where `mask` is true, 1, 2, ... in
/// the raster order of each region's first cell (as scipy's `ndimage.label`
/// numbers them); 0 elsewhere. Returns the labels and how many there are.
pub fn connected_components(mask: &Grid<bool>) -> (Grid<u32>, u32) {
    let (w, h) = (mask.width(), mask.height());
    let m = mask.data();
    let mut labels = vec![0u32; w * h];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !m[start] || labels[start] != 0 {
            continue;
        }
        next += 1;
        labels[start] = next;
        stack.push(start);
        while let Some(c) = stack.pop() {
            for d in 0..8 {
                if let Some(n) = neighbour(c, d, w, h) {
                    if m[n] && labels[n] == 0 {
                        labels[n] = next;
                        stack.push(n);
                    }
                }
            }
        }
    }
    (Grid::from_vec(w, h, labels).expect("sized"), next)
}

/// Statistics of `values` per label, index = label (0 = background), NaN
/// values skipped.
pub fn label_stats<T: Copy + Into<f64>>(
    values: &Grid<T>,
    labels: &Grid<u32>,
    n: u32,
) -> Vec<LabelStats> {
    let mut stats = vec![LabelStats::default(); n as usize + 1];
    for (&v, &l) in values.data().iter().zip(labels.data()) {
        let v: f64 = v.into();
        if !v.is_nan() {
            stats[l as usize].add(v);
        }
    }
    stats
}

/// Per label, the first cell (raster order) holding the label's smallest
/// value, index = label; `None` for a label without cells.
pub fn label_min_index(values: &Grid<f64>, labels: &Grid<u32>, n: u32) -> Vec<Option<usize>> {
    let mut best: Vec<(f64, Option<usize>)> = vec![(f64::INFINITY, None); n as usize + 1];
    for (i, (&v, &l)) in values.data().iter().zip(labels.data()).enumerate() {
        let b = &mut best[l as usize];
        if v < b.0 {
            *b = (v, Some(i));
        }
    }
    best.into_iter().map(|(_, i)| i).collect()
}

/// Cells per label, index = label.
pub fn label_counts(labels: &Grid<u32>, n: u32) -> Vec<u64> {
    let mut c = vec![0u64; n as usize + 1];
    for &l in labels.data() {
        c[l as usize] += 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_cells_join_and_numbering_follows_raster_order() {
        #[rustfmt::skip]
        let m = vec![
            false, true,  false, false,
            true,  false, false, true,
            false, false, false, true,
        ];
        let (l, n) = connected_components(&Grid::from_vec(4, 3, m).unwrap());
        assert_eq!(n, 2);
        assert_eq!(l.data(), &[0, 1, 0, 0, 1, 0, 0, 2, 0, 0, 0, 2]);
    }
}
