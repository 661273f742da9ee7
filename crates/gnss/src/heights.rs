//! Heights: ellipsoidal stays ellipsoidal; a DVR90 (or any national) height
//! exists only when a geoid model is configured.
//!
//! - `alt_hae` (height above the GRS80/WGS 84 ellipsoid) = `alt_msl + geoid_sep`
//!   from the receiver's own GGA/GNS.
//! - `alt_msl` is what the receiver reports, with *its* geoid (usually
//!   EGM96/EGM2008 at coarse resolution), not DVR90.
//! - [`national_height`] = `alt_hae − N(lat, lon)` with N from a configured
//!   [`GeoidModel`] (for Denmark the DVR90 geoid grid, e.g. `dkgeoid` as GTX);
//!   without a model it is `None`, never the ellipsoidal height.

use crate::fix::Fix;

/// A geoid model: the geoid's height above the ellipsoid at a position.
pub trait GeoidModel: std::fmt::Debug + Send + Sync {
    /// N in metres at latitude/longitude in degrees; `None` outside the model.
    fn undulation(&self, lat: f64, lon: f64) -> Option<f64>;
    /// A short name for reports (e.g. `DVR90 dkgeoid13b`).
    fn name(&self) -> &str;
}

/// The national height (DVR90 with a Danish geoid) of a fix, metres; `None`
/// without a model, without an ellipsoidal height, or outside the model.
pub fn national_height(fix: &Fix, model: Option<&dyn GeoidModel>) -> Option<f64> {
    let model = model?;
    let h = fix.alt_hae?;
    let n = model.undulation(fix.lat?, fix.lon?)?;
    Some(h - n)
}

/// A regular latitude/longitude grid of undulations, bilinearly interpolated.
#[derive(Debug, Clone)]
pub struct GridGeoid {
    name: String,
    lat0: f64,
    lon0: f64,
    dlat: f64,
    dlon: f64,
    rows: usize,
    cols: usize,
    values: Vec<f32>,
}

/// Most cells accepted from a grid file (a 1'×1' grid of Denmark has ~0.5 M).
pub const MAX_GRID_CELLS: usize = 50_000_000;

impl GridGeoid {
    /// A grid from its south-west node (degrees), spacing (degrees) and
    /// row-major values starting in the south-west (row = latitude).
    pub fn new(
        name: &str,
        (lat0, lon0): (f64, f64),
        (dlat, dlon): (f64, f64),
        (rows, cols): (usize, usize),
        values: Vec<f32>,
    ) -> Result<GridGeoid, String> {
        if rows < 2 || cols < 2 || values.len() != rows * cols || !(dlat > 0.0 && dlon > 0.0) {
            return Err(format!(
                "{name}: grid of {rows}×{cols} with {} values",
                values.len()
            ));
        }
        Ok(GridGeoid {
            name: name.to_string(),
            lat0,
            lon0,
            dlat,
            dlon,
            rows,
            cols,
            values,
        })
    }

    /// Parses a GTX grid (NOAA VDatum / PROJ format): big-endian header of
    /// lat0, lon0, dlat, dlon (f64, degrees) and rows, cols (i32), then
    /// rows×cols f32 values from the south-west; −88.8888 marks no data.
    pub fn from_gtx(name: &str, bytes: &[u8]) -> Result<GridGeoid, String> {
        if bytes.len() < 40 {
            return Err(format!(
                "{name}: GTX header needs 40 bytes, file has {}",
                bytes.len()
            ));
        }
        let f = |i: usize| f64::from_be_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
        let n = |i: usize| i32::from_be_bytes(bytes[i..i + 4].try_into().unwrap_or([0; 4]));
        let (lat0, mut lon0, dlat, dlon) = (f(0), f(8), f(16), f(24));
        let (rows, cols) = (n(32), n(36));
        if rows <= 0 || cols <= 0 || (rows as usize).saturating_mul(cols as usize) > MAX_GRID_CELLS
        {
            return Err(format!("{name}: GTX size {rows}×{cols} out of range"));
        }
        let (rows, cols) = (rows as usize, cols as usize);
        let need = 40 + rows * cols * 4;
        if bytes.len() < need {
            return Err(format!(
                "{name}: GTX needs {need} bytes, file has {}",
                bytes.len()
            ));
        }
        if lon0 > 180.0 {
            lon0 -= 360.0;
        }
        let values = bytes[40..need]
            .chunks_exact(4)
            .map(|c| f32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        GridGeoid::new(name, (lat0, lon0), (dlat, dlon), (rows, cols), values)
    }
}

impl GeoidModel for GridGeoid {
    fn undulation(&self, lat: f64, lon: f64) -> Option<f64> {
        let y = (lat - self.lat0) / self.dlat;
        let x = (lon - self.lon0) / self.dlon;
        if !(y >= 0.0 && x >= 0.0 && y <= (self.rows - 1) as f64 && x <= (self.cols - 1) as f64) {
            return None;
        }
        let (r, c) = (
            (y as usize).min(self.rows - 2),
            (x as usize).min(self.cols - 2),
        );
        let (fy, fx) = (y - r as f64, x - c as f64);
        let v = |r: usize, c: usize| {
            let v = self.values[r * self.cols + c];
            (v > -88.0).then_some(f64::from(v))
        };
        let (a, b, cc, d) = (v(r, c)?, v(r, c + 1)?, v(r + 1, c)?, v(r + 1, c + 1)?);
        Some((a * (1.0 - fx) + b * fx) * (1.0 - fy) + (cc * (1.0 - fx) + d * fx) * fy)
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{Mode, Quality};

    fn fix(lat: f64, lon: f64, hae: Option<f64>) -> Fix {
        Fix {
            line: 1,
            time: None,
            mode: Mode::ThreeD,
            status: 1,
            quality: Quality::Autonomous,
            lat: Some(lat),
            lon: Some(lon),
            alt_hae: hae,
            alt_msl: hae.map(|h| h - 40.0),
            geoid_sep: Some(40.0),
            satellites: Some(8),
            hdop: Some(1.0),
            vdop: None,
            speed: None,
            track: None,
            sigma_h: None,
            sigma_v: None,
            sigma_source: None,
        }
    }

    fn gtx() -> Vec<u8> {
        // 2×2 grid at 55..56 N, 12..13 E: N = 36, 37 (south row), 38, 39 (north row).
        let mut b = Vec::new();
        for v in [55.0f64, 12.0, 1.0, 1.0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&2i32.to_be_bytes());
        b.extend_from_slice(&2i32.to_be_bytes());
        for v in [36.0f32, 37.0, 38.0, 39.0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b
    }

    #[test]
    fn no_model_means_no_national_height() {
        assert_eq!(national_height(&fix(55.5, 12.5, Some(80.0)), None), None);
    }

    #[test]
    fn gtx_model_interpolates_bilinearly() {
        let g = GridGeoid::from_gtx("test", &gtx()).unwrap();
        // centre: mean of the four nodes = 37.5; 80 - 37.5 = 42.5
        let h = national_height(&fix(55.5, 12.5, Some(80.0)), Some(&g)).unwrap();
        assert!((h - 42.5).abs() < 1e-9);
        // south-east node: 37
        assert!((g.undulation(55.0, 13.0).unwrap() - 37.0).abs() < 1e-9);
        assert_eq!(g.undulation(57.0, 12.5), None);
        assert_eq!(national_height(&fix(55.5, 12.5, None), Some(&g)), None);
        assert!(GridGeoid::from_gtx("short", &gtx()[..50]).is_err());
    }
}
