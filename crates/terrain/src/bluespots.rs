//! Bluespots (the Danish method, as malstroem computes it): depressions of
//! the filled DEM, labelled, filtered, with their local watersheds, pour
//! points and the rain that fills them.

use crate::fill::fill_depressions;
use crate::flow::{downstream, flow_directions, watersheds};
use crate::grid::{Georef, Grid};
use crate::label::{connected_components, label_counts, label_min_index, label_stats};
use crate::noflats::fill_no_flats;
use crate::TerrainError;

/// Which raw depressions count as bluespots. A depression is kept when it
/// passes every threshold that is set (all are "greater than").
///
/// The default is malstroem's test-suite filter: maximum depth > 0.05 m,
/// more than 5 cells, sum of cell depths > 1 m.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BluespotFilter {
    /// Maximum depth must exceed this, metres.
    pub max_depth_gt: Option<f64>,
    /// Cell count must exceed this.
    pub cells_gt: Option<u64>,
    /// Sum of the cell depths must exceed this, metres (volume / cell area).
    pub depth_sum_gt: Option<f64>,
    /// Area must exceed this, m².
    pub area_gt: Option<f64>,
    /// Volume must exceed this, m³.
    pub volume_gt: Option<f64>,
}

impl Default for BluespotFilter {
    fn default() -> Self {
        BluespotFilter {
            max_depth_gt: Some(0.05),
            cells_gt: Some(5),
            depth_sum_gt: Some(1.0),
            area_gt: None,
            volume_gt: None,
        }
    }
}

impl BluespotFilter {
    /// Keeps every depression.
    pub fn none() -> BluespotFilter {
        BluespotFilter {
            max_depth_gt: None,
            cells_gt: None,
            depth_sum_gt: None,
            area_gt: None,
            volume_gt: None,
        }
    }

    fn keeps(&self, max_depth: f64, cells: u64, depth_sum: f64, cell_area: f64) -> bool {
        self.max_depth_gt.is_none_or(|t| max_depth > t)
            && self.cells_gt.is_none_or(|t| cells > t)
            && self.depth_sum_gt.is_none_or(|t| depth_sum > t)
            && self.area_gt.is_none_or(|t| cells as f64 * cell_area > t)
            && self.volume_gt.is_none_or(|t| depth_sum * cell_area > t)
    }
}

/// One bluespot. Areas in m², volumes in m³, depths and elevations in metres
/// (DVR90 for Danish DEMs), positions in the DEM's CRS (EPSG:25832).
#[derive(Debug, Clone, PartialEq)]
pub struct Bluespot {
    /// Label in [`Bluespots::labels`], 1-based.
    pub id: u32,
    /// Number of cells.
    pub cells: u64,
    /// Area, m².
    pub area_m2: f64,
    /// Largest depth (filled − DEM), m.
    pub max_depth_m: f64,
    /// Volume when full to the spill level, m³.
    pub volume_m3: f64,
    /// Lowest DEM elevation inside, m.
    pub bottom_m: f64,
    /// Spill level (the filled surface), m.
    pub spill_level_m: f64,
    /// Pour point (row, col): where the full bluespot overflows.
    pub pour_cell: (usize, usize),
    /// Pour point cell centre (x, y).
    pub pour_xy: (f64, f64),
    /// Cells of the local watershed (the bluespot included).
    pub watershed_cells: u64,
    /// Local watershed area, m².
    pub watershed_area_m2: f64,
    /// Rain over the local watershed that fills the bluespot, mm.
    pub fill_rain_mm: f64,
    /// The bluespot its overflow runs into first, `None` when it leaves the raster.
    pub downstream: Option<u32>,
}

/// The outcome of a bluespot analysis of one DEM.
#[derive(Debug, Clone)]
pub struct Bluespots {
    /// The depression-filled DEM (m).
    pub filled: Grid<f32>,
    /// D8 flow directions on the flat-resolved filled DEM (malstroem codes).
    pub flow: Grid<u8>,
    /// Bluespot labels (0 = none).
    pub labels: Grid<u32>,
    /// Local watershed labels (0 = drains off the raster without a bluespot).
    pub watersheds: Grid<u32>,
    /// The bluespots, `bluespots[i].id == i + 1`.
    pub bluespots: Vec<Bluespot>,
    /// Depressions before filtering.
    pub raw_count: u32,
}

/// Runs the analysis: fill, depths, labels, filter, flat-resolved flow,
/// watersheds, pour points, network. `progress(stage, done, total)` reports
/// cells per stage.
pub fn analyse(
    dem: &Grid<f32>,
    georef: &Georef,
    filter: &BluespotFilter,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Bluespots, TerrainError> {
    if dem.is_empty() {
        return Err(TerrainError::InvalidGrid("the DEM has no cells".into()));
    }
    if (georef.cell_w - georef.cell_h).abs() > 0.01 * georef.cell_w {
        return Err(TerrainError::InvalidGrid(format!(
            "cells must be square for D8 flow (they are {} x {} m)",
            georef.cell_w, georef.cell_h
        )));
    }
    let total = dem.len() as u64;
    let cell_area = georef.cell_area();
    let mut filled = dem.clone();
    fill_depressions(&mut filled, &mut |d| progress("fill", d, total));

    // Raw depressions: 8-connected cells with depth > 0.
    let depth_of = |i: usize| filled.data()[i] - dem.data()[i];
    let mask = Grid::from_vec(
        dem.width(),
        dem.height(),
        (0..dem.len()).map(|i| depth_of(i) > 0.0).collect(),
    )
    .expect("sized");
    let (raw, raw_n) = connected_components(&mask);
    drop(mask);
    let depths = Grid::from_vec(
        dem.width(),
        dem.height(),
        (0..dem.len()).map(depth_of).collect(),
    )
    .expect("sized");
    let raw_stats = label_stats(&depths, &raw, raw_n);
    let mut new_id = vec![0u32; raw_n as usize + 1];
    let mut n = 0u32;
    for (l, s) in raw_stats.iter().enumerate().skip(1) {
        if filter.keeps(s.max, s.count, s.sum, cell_area) {
            n += 1;
            new_id[l] = n;
        }
    }
    let labels = raw.map(|l| new_id[l as usize]);
    drop(raw);
    let stats = label_stats(&depths, &labels, n);
    drop(depths);
    progress("label", total, total);

    let no_flats = fill_no_flats(dem, &mut |d| progress("flats", d, total));
    let flow = flow_directions(&no_flats);
    let pour = label_min_index(&no_flats, &labels, n);
    drop(no_flats);
    let sheds = watersheds(&flow, &labels);
    let shed_cells = label_counts(&sheds, n);
    let bottoms = label_stats(dem, &labels, n);
    progress("watersheds", total, total);

    let mut bluespots = Vec::with_capacity(n as usize);
    for id in 1..=n {
        let s = &stats[id as usize];
        let p = pour[id as usize].expect("every kept label has cells");
        let (row, col) = (p / dem.width(), p % dem.width());
        let volume = s.sum * cell_area;
        let shed_area = shed_cells[id as usize] as f64 * cell_area;
        bluespots.push(Bluespot {
            id,
            cells: s.count,
            area_m2: s.count as f64 * cell_area,
            max_depth_m: s.max,
            volume_m3: volume,
            bottom_m: bottoms[id as usize].min,
            spill_level_m: filled.data()[p] as f64,
            pour_cell: (row, col),
            pour_xy: georef.cell_centre(row, col),
            watershed_cells: shed_cells[id as usize],
            watershed_area_m2: shed_area,
            fill_rain_mm: 1000.0 * volume / shed_area,
            downstream: next_downstream(&flow, &labels, p),
        });
    }
    Ok(Bluespots {
        filled,
        flow,
        labels,
        watersheds: sheds,
        bluespots,
        raw_count: raw_n,
    })
}

/// The first other bluespot on the flow path from `start`, as malstroem's
/// `next_downstream_label` finds it.
fn next_downstream(flow: &Grid<u8>, labels: &Grid<u32>, start: usize) -> Option<u32> {
    let src = labels.data()[start];
    let mut c = start;
    let mut steps = 0usize;
    loop {
        let l = labels.data()[c];
        if l != src && l != 0 {
            return Some(l);
        }
        c = downstream(flow, c)?;
        steps += 1;
        if steps > labels.len() {
            return None; // cannot happen on a flat-free surface; never loop
        }
    }
}
