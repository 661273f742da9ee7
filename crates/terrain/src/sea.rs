//! Sea-level inundation, the "Havvand på land" way: a cell floods when its
//! terrain lies below the water level AND it is connected to the sea through
//! cells below the level. The sea is the raster border cells below the level,
//! optionally nodata cells (DEMs often leave the sea as nodata), and/or cells
//! the caller marks (a rasterised sea polygon, see [`crate::polygon::rasterise`]).
//! Depth = level − terrain.

use std::collections::VecDeque;

use crate::grid::{Grid, D8};
use crate::TerrainError;

/// Which neighbours water crosses between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connectivity {
    /// Edge neighbours only: water does not slip between two cells that touch
    /// at a corner (a diagonal gap in a dike). The default, conservative.
    #[default]
    Four,
    /// Edge and corner neighbours, as D8 flow.
    Eight,
}

/// Where the sea is.
#[derive(Debug, Clone, Default)]
pub struct SeaSource<'a> {
    /// Raster border cells below the level are sea.
    pub border: bool,
    /// Nodata cells next to the data are sea.
    pub nodata: bool,
    /// Cells marked true are sea (must have the DEM's shape).
    pub mask: Option<&'a Grid<bool>>,
}

/// Water depth (m) of a sea level of `level_m` (same vertical datum as the
/// DEM, DVR90 for Danish DEMs) over `dem`; 0 on dry or unconnected cells, NaN
/// on nodata.
pub fn inundation(
    dem: &Grid<f32>,
    level_m: f64,
    sea: &SeaSource<'_>,
    connectivity: Connectivity,
) -> Result<Grid<f32>, TerrainError> {
    if !level_m.is_finite() {
        return Err(TerrainError::InvalidParameter {
            name: "level",
            reason: format!("{level_m} is not a finite level in metres"),
        });
    }
    if let Some(m) = sea.mask {
        if !m.same_shape(dem) {
            return Err(TerrainError::InvalidGrid(format!(
                "sea mask is {}x{}, the DEM {}x{}",
                m.width(),
                m.height(),
                dem.width(),
                dem.height()
            )));
        }
    }
    let (w, h) = (dem.width(), dem.height());
    let z = dem.data();
    let below = |i: usize| (z[i] as f64) < level_m;
    let mut wet = vec![false; w * h];
    let mut queue = VecDeque::new();
    let mut seed = |i: usize, wet: &mut Vec<bool>| {
        if !wet[i] && below(i) {
            wet[i] = true;
            queue.push_back(i);
        }
    };
    #[allow(clippy::needless_range_loop)] // `i` also names the cell's row and column
    for i in 0..w * h {
        let (r, c) = (i / w, i % w);
        let on_border = r == 0 || c == 0 || r == h - 1 || c == w - 1;
        let marked = sea.mask.is_some_and(|m| m.data()[i]);
        if (sea.border && on_border) || marked {
            seed(i, &mut wet);
        }
        if sea.nodata && z[i].is_nan() {
            for &(dr, dc) in &D8 {
                let (nr, nc) = (r as isize + dr, c as isize + dc);
                if nr >= 0 && nc >= 0 && (nr as usize) < h && (nc as usize) < w {
                    seed(nr as usize * w + nc as usize, &mut wet);
                }
            }
        }
    }
    let dirs: &[(isize, isize)] = match connectivity {
        Connectivity::Four => &[(-1, 0), (0, 1), (1, 0), (0, -1)],
        Connectivity::Eight => &D8,
    };
    while let Some(i) = queue.pop_front() {
        let (r, c) = ((i / w) as isize, (i % w) as isize);
        for &(dr, dc) in dirs {
            let (nr, nc) = (r + dr, c + dc);
            if nr < 0 || nc < 0 || nr >= h as isize || nc >= w as isize {
                continue;
            }
            let n = nr as usize * w + nc as usize;
            if !wet[n] && below(n) {
                wet[n] = true;
                queue.push_back(n);
            }
        }
    }
    let depth = (0..w * h)
        .map(|i| {
            if z[i].is_nan() {
                f32::NAN
            } else if wet[i] {
                (level_m - z[i] as f64) as f32
            } else {
                0.0
            }
        })
        .collect();
    Ok(Grid::from_vec(w, h, depth).expect("sized"))
}
