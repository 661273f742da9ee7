//! Cloudburst fill-and-spill over the bluespot network (malstroem's
//! `FinalStateCalculator` without drainage): each bluespot receives the rain
//! of its local watershed plus what its upstream bluespots spill; it holds up
//! to its volume and passes the rest to its downstream bluespot.

use crate::bluespots::Bluespot;
use crate::TerrainError;

/// The final state of one bluespot after a rain event. Volumes in m³.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpillState {
    /// The bluespot's id.
    pub id: u32,
    /// Rain from its own local watershed.
    pub input_m3: f64,
    /// What its upstream bluespots spill into it.
    pub upstream_m3: f64,
    /// What it holds at the end (`v`).
    pub volume_m3: f64,
    /// What it passes downstream (`spillv`).
    pub spill_m3: f64,
    /// Percentage of its capacity held (`pctv`); `None` for zero capacity.
    pub pct_full: Option<f64>,
}

/// Even rain of `mm` millimetres over every local watershed.
pub fn even_rain(bluespots: &[Bluespot], mm: f64) -> Result<Vec<SpillState>, TerrainError> {
    if !(mm.is_finite() && mm >= 0.0) {
        return Err(TerrainError::InvalidParameter {
            name: "rain",
            reason: format!("{mm} mm is not a non-negative amount"),
        });
    }
    let inputs: Vec<f64> = bluespots
        .iter()
        .map(|b| b.watershed_area_m2 * mm * 0.001)
        .collect();
    fill_and_spill(bluespots, &inputs)
}

/// Fill-and-spill with `inputs[i]` m³ of water arriving in the local
/// watershed of `bluespots[i]` (ids must be `i + 1`, as
/// [`crate::bluespots::analyse`] gives them).
pub fn fill_and_spill(
    bluespots: &[Bluespot],
    inputs: &[f64],
) -> Result<Vec<SpillState>, TerrainError> {
    let n = bluespots.len();
    if inputs.len() != n {
        return Err(TerrainError::InvalidParameter {
            name: "inputs",
            reason: format!("{} volumes for {n} bluespots", inputs.len()),
        });
    }
    let index = |id: u32| id as usize - 1;
    let mut indeg = vec![0u32; n];
    for b in bluespots {
        if let Some(d) = b.downstream {
            indeg[index(d)] += 1;
        }
    }
    let mut upstream = vec![0f64; n];
    let mut out: Vec<Option<SpillState>> = vec![None; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    while let Some(i) = ready.pop() {
        let b = &bluespots[i];
        let total = inputs[i] + upstream[i];
        let held = total.min(b.volume_m3);
        let spill = (total - b.volume_m3).max(0.0);
        out[i] = Some(SpillState {
            id: b.id,
            input_m3: inputs[i],
            upstream_m3: upstream[i],
            volume_m3: held,
            spill_m3: spill,
            pct_full: (b.volume_m3 != 0.0).then(|| 100.0 * held / b.volume_m3),
        });
        if let Some(d) = b.downstream {
            let j = index(d);
            upstream[j] += spill;
            indeg[j] -= 1;
            if indeg[j] == 0 {
                ready.push(j);
            }
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, s)| s.ok_or(TerrainError::NetworkCycle(i as u32 + 1)))
        .collect()
}
