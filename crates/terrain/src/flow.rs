//! D8 flow directions (malstroem's codes and tie-breaking), flow accumulation
//! and the local watersheds of labelled cells.

use crate::grid::{neighbour, Grid, D8};

/// "No direction" in a flow-direction grid (nodata).
pub const NODIR: u8 = 8;

/// D8 flow directions over a surface without flats (see
/// [`crate::noflats::fill_no_flats`]): each interior cell drains to the
/// neighbour with the steepest drop (diagonal drops divided by √2, first of
/// equals in the order up, up-right, right, ... up-left); edge cells drain
/// straight off the raster; cells next to nodata drain into it; nodata is
/// [`NODIR`]. Codes are malstroem's: 0 = up (north) ... 7 = up-left.
///
/// Assumes square cells, as malstroem does.
pub fn flow_directions(surface: &Grid<f64>) -> Grid<u8> {
    let (w, h) = (surface.width(), surface.height());
    let z = surface.data();
    let mut dirs = vec![NODIR; w * h];
    let inv_sqrt2 = 1.0 / 2f64.sqrt();
    for r in 0..h {
        for c in 0..w {
            let i = r * w + c;
            let zc = z[i];
            if zc.is_nan() {
                continue;
            }
            if r == 0 || c == 0 || r == h - 1 || c == w - 1 {
                dirs[i] = edge_direction(r, c, w, h);
                continue;
            }
            let mut best = NODIR;
            let mut dzmax = 0.0;
            for (d, &(dr, dc)) in D8.iter().enumerate() {
                let zn = z[(r as isize + dr) as usize * w + (c as isize + dc) as usize];
                if zn.is_nan() {
                    best = d as u8;
                    break;
                }
                let mut dz = zc - zn;
                if d % 2 == 1 {
                    dz *= inv_sqrt2;
                }
                if dz > dzmax {
                    dzmax = dz;
                    best = d as u8;
                }
            }
            dirs[i] = best;
        }
    }
    Grid::from_vec(w, h, dirs).expect("sized")
}

fn edge_direction(r: usize, c: usize, w: usize, h: usize) -> u8 {
    let (top, bottom, left, right) = (r == 0, r == h - 1, c == 0, c == w - 1);
    match (top, bottom, left, right) {
        (true, _, true, _) => 7,
        (true, _, _, true) => 1,
        (_, true, true, _) => 5,
        (_, true, _, true) => 3,
        (true, _, _, _) => 0,
        (_, true, _, _) => 4,
        (_, _, true, _) => 6,
        _ => 2,
    }
}

/// The cell a cell drains to, or `None` when it drains off the raster, into
/// nodata or nowhere.
#[inline]
pub fn downstream(dirs: &Grid<u8>, i: usize) -> Option<usize> {
    let d = dirs.data()[i];
    if d >= NODIR {
        return None;
    }
    let n = neighbour(i, d as usize, dirs.width(), dirs.height())?;
    (dirs.data()[n] != NODIR).then_some(n)
}

/// Whether the neighbour of `i` in direction `d` drains into `i`.
#[inline]
fn drains_into(dirs: &[u8], i: usize, d: usize, w: usize, h: usize) -> Option<usize> {
    let n = neighbour(i, d, w, h)?;
    (dirs[n] as usize == (d + 4) % 8).then_some(n)
}

/// Flow accumulation: the number of cells (itself included) draining through
/// each cell; 0 on nodata.
pub fn accumulation(dirs: &Grid<u8>) -> Grid<u32> {
    let (w, h) = (dirs.width(), dirs.height());
    let d = dirs.data();
    let mut indeg = vec![0u8; w * h];
    for i in 0..w * h {
        if let Some(n) = downstream(dirs, i) {
            indeg[n] += 1;
        }
    }
    let mut acc = vec![0u32; w * h];
    let mut stack: Vec<usize> = (0..w * h)
        .filter(|&i| indeg[i] == 0 && d[i] != NODIR)
        .collect();
    while let Some(i) = stack.pop() {
        acc[i] += 1;
        if let Some(n) = downstream(dirs, i) {
            acc[n] += acc[i];
            indeg[n] -= 1;
            if indeg[n] == 0 {
                stack.push(n);
            }
        }
    }
    Grid::from_vec(w, h, acc).expect("sized")
}

/// Local watersheds: every cell gets the label of the first labelled cell on
/// its downstream path (itself included), 0 when the path leaves the raster
/// without meeting one. This is malstroem's `watersheds_from_labels`.
pub fn watersheds(dirs: &Grid<u8>, labels: &Grid<u32>) -> Grid<u32> {
    let (w, h) = (dirs.width(), dirs.height());
    let d = dirs.data();
    let lab = labels.data();
    let mut ws = lab.to_vec();
    let mut stack: Vec<(usize, u32)> = Vec::new();
    for i in 0..w * h {
        if d[i] == NODIR || downstream(dirs, i).is_some() {
            continue;
        }
        // An outlet: walk everything upstream of it.
        stack.push((i, 0));
        while let Some((c, down_label)) = stack.pop() {
            let mut l = lab[c];
            if l == 0 {
                ws[c] = down_label;
                l = down_label;
            }
            for dir in 0..8 {
                if let Some(n) = drains_into(d, c, dir, w, h) {
                    stack.push((n, l));
                }
            }
        }
    }
    Grid::from_vec(w, h, ws).expect("sized")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulation_counts_upstream_cells() {
        // A tilted plane draining east: each row accumulates along columns.
        let v: Vec<f64> = (0..5 * 5).map(|i| (10 - (i % 5)) as f64).collect();
        let dirs = flow_directions(&Grid::from_vec(5, 5, v).unwrap());
        assert_eq!(dirs.get(2, 2), 2);
        let acc = accumulation(&dirs);
        // Interior row: cells 1..3 drain east; the west edge cell drains off.
        assert_eq!(acc.get(2, 1), 1);
        assert_eq!(acc.get(2, 3), 3);
        assert_eq!(acc.get(2, 4), 4);
    }
}
