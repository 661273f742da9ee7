//! A cloudburst scenario end to end: even rain over the bluespot network,
//! fill-and-spill, the water level each bluespot reaches (hypsometry) and the
//! water-depth raster.

use crate::bluespots::Bluespots;
use crate::grid::Grid;
use crate::hyps::hypsometries;
use crate::spill::{even_rain, SpillState};
use crate::TerrainError;

/// Hypsometry bin height, metres (malstroem's default).
pub const HYPSOMETRY_BIN_M: f64 = 0.1;

/// The outcome of [`cloudburst`].
#[derive(Debug, Clone)]
pub struct Cloudburst {
    /// Per bluespot (index = id − 1): volumes held and spilled.
    pub states: Vec<SpillState>,
    /// Per bluespot: the water level reached, metres.
    pub levels_m: Vec<f64>,
    /// Per bluespot: the deepest water, metres (level − lowest cell).
    pub max_depth_m: Vec<f64>,
    /// Water depth per cell, metres (0 outside bluespots, NaN on nodata).
    pub depth: Grid<f32>,
}

/// Even rain of `mm` over `dem`, whose bluespot analysis is `b`
/// (`cell_area_m2` from its georeference).
pub fn cloudburst(
    dem: &Grid<f32>,
    b: &Bluespots,
    cell_area_m2: f64,
    mm: f64,
) -> Result<Cloudburst, TerrainError> {
    if !dem.same_shape(&b.labels) {
        return Err(TerrainError::InvalidGrid(
            "DEM and bluespot labels differ in size".into(),
        ));
    }
    let states = even_rain(&b.bluespots, mm)?;
    let hyps = hypsometries(dem, &b.labels, b.bluespots.len() as u32, HYPSOMETRY_BIN_M);
    let levels_m: Vec<f64> = b
        .bluespots
        .iter()
        .zip(&states)
        .zip(&hyps)
        .map(|((s, st), h)| {
            if st.volume_m3 <= 0.0 {
                h.zmin
            } else {
                h.level_for(st.volume_m3, s.volume_m3, s.max_depth_m, cell_area_m2)
            }
        })
        .collect();
    let max_depth_m = levels_m
        .iter()
        .zip(&hyps)
        .map(|(l, h)| l - h.zmin)
        .collect();
    let depth = Grid::from_vec(
        dem.width(),
        dem.height(),
        dem.data()
            .iter()
            .zip(b.labels.data())
            .map(|(&z, &l)| {
                if z.is_nan() {
                    f32::NAN
                } else if l == 0 {
                    0.0
                } else {
                    ((levels_m[l as usize - 1] - z as f64).max(0.0)) as f32
                }
            })
            .collect(),
    )
    .expect("sized");
    Ok(Cloudburst {
        states,
        levels_m,
        max_depth_m,
        depth,
    })
}
