//! A position fix, its quality and its uncertainty model.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Fix quality, from GGA's indicator, RMC/GNS mode letters and GSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Quality {
    /// No position.
    None,
    /// Stand-alone GNSS.
    Autonomous,
    /// Differential (SBAS or code DGPS), also the PPS/precise indicator.
    Dgps,
    /// RTK with float ambiguities (decimetres).
    RtkFloat,
    /// RTK with fixed integer ambiguities (centimetres).
    RtkFixed,
    /// Dead reckoning (estimated).
    DeadReckoning,
    /// Manual input or surveyed position.
    Manual,
    /// Simulator.
    Simulated,
}

impl Quality {
    /// From gpsd's `status` number (the TPV `status` field; 0 = unknown).
    pub fn from_gpsd_status(status: u8, mode: Mode) -> Quality {
        match status {
            _ if mode < Mode::TwoD => Quality::None,
            2 | 9 => Quality::Dgps,
            3 => Quality::RtkFixed,
            4 => Quality::RtkFloat,
            5 | 6 => Quality::DeadReckoning,
            7 => Quality::Manual,
            8 => Quality::Simulated,
            _ => Quality::Autonomous,
        }
    }

    /// Snake-case name, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::None => "none",
            Quality::Autonomous => "autonomous",
            Quality::Dgps => "dgps",
            Quality::RtkFloat => "rtk_float",
            Quality::RtkFixed => "rtk_fixed",
            Quality::DeadReckoning => "dead_reckoning",
            Quality::Manual => "manual",
            Quality::Simulated => "simulated",
        }
    }

    /// User-equivalent range error (1 σ, metres) of the DOP model: the
    /// horizontal σ is `HDOP × UERE` when the receiver sends no GST.
    ///
    /// | quality | UERE |
    /// |---|---|
    /// | autonomous | 4.0 m |
    /// | DGPS / SBAS | 1.0 m |
    /// | RTK float | 0.20 m |
    /// | RTK fixed | 0.02 m |
    /// | dead reckoning | 10 m |
    ///
    /// None for no fix, manual and simulated positions (nothing to model).
    pub fn uere(self) -> Option<f64> {
        match self {
            Quality::Autonomous => Some(4.0),
            Quality::Dgps => Some(1.0),
            Quality::RtkFloat => Some(0.20),
            Quality::RtkFixed => Some(0.02),
            Quality::DeadReckoning => Some(10.0),
            _ => None,
        }
    }
}

/// gpsd's fix mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Nothing seen yet (gpsd 0).
    NotSeen,
    /// No fix (gpsd 1).
    NoFix,
    /// 2D (gpsd 2).
    TwoD,
    /// 3D (gpsd 3).
    ThreeD,
}

impl Mode {
    /// gpsd's number (0-3).
    pub fn gpsd(self) -> u8 {
        self as u8
    }

    /// From gpsd's number; anything above 3 is 3D, negative/0 not seen.
    pub fn from_gpsd(m: i64) -> Mode {
        match m {
            1 => Mode::NoFix,
            2 => Mode::TwoD,
            m if m >= 3 => Mode::ThreeD,
            _ => Mode::NotSeen,
        }
    }
}

/// Where a fix's σ came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SigmaSource {
    /// The receiver's GST error statistics.
    Gst,
    /// HDOP/VDOP times the UERE of [`Quality::uere`].
    Dop,
}

/// One fix: the state of an epoch when the receiver's cycle ends.
///
/// Angles in degrees (WGS 84 / ETRS89 as the receiver reports them; for
/// Denmark the difference is below the receivers' accuracy), heights and σ in
/// metres. Latitude/longitude are `None` below a 2D fix, heights below 3D.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// 1-based line of the sentence that closed the epoch.
    pub line: usize,
    /// UTC time (None until a date is known from RMC or ZDA).
    pub time: Option<DateTime<Utc>>,
    /// Fix mode.
    pub mode: Mode,
    /// gpsd's status number (0 unknown, 1 GPS, 2 DGPS, 3 RTK fixed, 4 RTK float,
    /// 5 DR, 6 GNSS+DR, 7 time/surveyed, 8 simulated, 9 PPS).
    pub status: u8,
    /// Quality derived from status and mode.
    pub quality: Quality,
    /// Latitude, degrees north.
    pub lat: Option<f64>,
    /// Longitude, degrees east.
    pub lon: Option<f64>,
    /// Ellipsoidal height (height above the ellipsoid), metres: `alt_msl + geoid_sep`.
    pub alt_hae: Option<f64>,
    /// Height above mean sea level as the receiver reports it (its own geoid model).
    pub alt_msl: Option<f64>,
    /// The receiver's geoid separation, metres.
    pub geoid_sep: Option<f64>,
    /// Satellites used in the solution.
    pub satellites: Option<u32>,
    /// Horizontal dilution of precision.
    pub hdop: Option<f64>,
    /// Vertical dilution of precision.
    pub vdop: Option<f64>,
    /// Speed over ground, m/s.
    pub speed: Option<f64>,
    /// Course over ground, degrees true.
    pub track: Option<f64>,
    /// Horizontal 1σ (DRMS), metres.
    pub sigma_h: Option<f64>,
    /// Vertical 1σ, metres.
    pub sigma_v: Option<f64>,
    /// Where σ came from.
    pub sigma_source: Option<SigmaSource>,
}

impl Fix {
    /// Whether the fix has a horizontal position.
    pub fn has_position(&self) -> bool {
        self.lat.is_some() && self.lon.is_some()
    }
}

/// The σ model: GST when it describes this epoch, else DOP × UERE.
///
/// GST gives σ_lat and σ_lon; σ_h is their DRMS `sqrt(σlat² + σlon²)` (2·σ_h
/// is then a 95-98 % radius). Without GST, σ_h = HDOP × UERE and σ_v = VDOP ×
/// UERE with the UERE of the quality ([`Quality::uere`]).
pub fn sigma(
    quality: Quality,
    gst: Option<(Option<f64>, Option<f64>)>,
    hdop: Option<f64>,
    vdop: Option<f64>,
) -> (Option<f64>, Option<f64>, Option<SigmaSource>) {
    if quality == Quality::None {
        return (None, None, None);
    }
    if let Some((Some(h), v)) = gst {
        return (Some(h), v, Some(SigmaSource::Gst));
    }
    match (quality.uere(), hdop) {
        (Some(u), Some(h)) => (Some(h * u), vdop.map(|v| v * u), Some(SigmaSource::Dop)),
        _ => (None, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_prefers_gst_then_dop() {
        let (h, v, s) = sigma(
            Quality::RtkFixed,
            Some((Some(0.03), Some(0.05))),
            Some(0.8),
            None,
        );
        assert_eq!((h, v, s), (Some(0.03), Some(0.05), Some(SigmaSource::Gst)));
        let (h, v, s) = sigma(Quality::Autonomous, None, Some(1.5), Some(2.0));
        assert_eq!((h, v, s), (Some(6.0), Some(8.0), Some(SigmaSource::Dop)));
        assert_eq!(
            sigma(Quality::Autonomous, None, None, None),
            (None, None, None)
        );
        assert_eq!(
            sigma(Quality::None, None, Some(1.0), None),
            (None, None, None)
        );
    }
}
