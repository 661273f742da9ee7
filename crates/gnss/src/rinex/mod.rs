//! RINEX 3/4 indexing: the header facts and time span of observation and
//! navigation files, plain, Hatanaka-compressed (CRINEX 3) and/or gzipped.
//!
//! Only what a catalogue needs is decoded: the header, and for observation
//! files the epoch lines (CRINEX epoch lines are text-differenced, so each is
//! rebuilt from the previous one; the observation records are skipped).

mod epochs;
mod header;

use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::GnssError;

/// Most decompressed bytes read from one file (a day of 1 Hz multi-GNSS
/// observations is ~1 GB uncompressed).
pub const MAX_DECOMPRESSED: u64 = 4 << 30;

/// Longest line accepted (CRINEX epoch lines carry the satellite list).
pub const MAX_LINE: usize = 4096;

/// Observation or navigation data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// `O`: observations.
    Observation,
    /// `N`: navigation messages (ephemerides).
    Navigation,
    /// Anything else (meteo, clock...).
    Other,
}

/// Receiver as stated in `REC # / TYPE / VERS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receiver {
    /// Serial number.
    pub number: String,
    /// Type (IGS name), e.g. `SEPT POLARX5`.
    pub kind: String,
    /// Firmware version.
    pub version: String,
}

/// Antenna as stated in `ANT # / TYPE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Antenna {
    /// Serial number.
    pub number: String,
    /// Type and radome (IGS name), e.g. `ASH701945E_M    NONE`.
    pub kind: String,
}

/// What the index keeps of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RinexIndex {
    /// RINEX format version, e.g. `4.00`.
    pub version: String,
    /// Observation or navigation.
    pub kind: FileKind,
    /// Whether the file was Hatanaka-compressed.
    pub hatanaka: bool,
    /// Whether the file was gzipped.
    pub gzip: bool,
    /// `MARKER NAME` (the station, e.g. `KMS3`).
    pub marker_name: Option<String>,
    /// `MARKER NUMBER`.
    pub marker_number: Option<String>,
    /// Receiver.
    pub receiver: Option<Receiver>,
    /// Antenna.
    pub antenna: Option<Antenna>,
    /// `APPROX POSITION XYZ`: ECEF metres (ITRF/ETRF as the provider states).
    pub approx_xyz: Option<[f64; 3]>,
    /// The same position as latitude, longitude (degrees) and ellipsoidal
    /// height (metres) on GRS80.
    pub approx_llh: Option<[f64; 3]>,
    /// `INTERVAL` in seconds.
    pub interval_s: Option<f64>,
    /// First epoch (observation) or first ephemeris reference time (navigation), in the file's time system.
    pub first_epoch: Option<NaiveDateTime>,
    /// Last epoch, found by reading the epoch lines (not trusted from `TIME OF LAST OBS`).
    pub last_epoch: Option<NaiveDateTime>,
    /// Observation epochs or navigation records counted.
    pub records: usize,
    /// Time system (`GPS`, `GAL`...), observation files.
    pub time_system: Option<String>,
    /// Satellite systems present: `G` GPS, `R` GLONASS, `E` Galileo, `C` BeiDou, `J` QZSS, `S` SBAS, `I` NavIC.
    pub systems: Vec<char>,
    /// `TIME OF FIRST OBS` as stated in the header.
    pub header_first_obs: Option<NaiveDateTime>,
    /// `TIME OF LAST OBS` as stated in the header.
    pub header_last_obs: Option<NaiveDateTime>,
}

/// Indexes one file from its bytes (gzip detected by its magic number).
/// `name` labels errors.
pub fn index(name: &str, bytes: &[u8]) -> Result<RinexIndex, GnssError> {
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    if gzip {
        let dec = flate2::read::MultiGzDecoder::new(bytes).take(MAX_DECOMPRESSED);
        index_reader(name, BufReader::new(dec), true)
    } else {
        index_reader(name, BufReader::new(bytes), false)
    }
}

/// Indexes a stream (already decompressed from gzip if it was).
pub fn index_reader<R: BufRead>(name: &str, r: R, gzip: bool) -> Result<RinexIndex, GnssError> {
    let mut lines = Lines {
        r,
        buf: String::new(),
        line: 0,
        name,
    };
    let mut ix = header::read(&mut lines)?;
    ix.gzip = gzip;
    match ix.kind {
        FileKind::Observation => epochs::observation(&mut lines, &mut ix)?,
        FileKind::Navigation => epochs::navigation(&mut lines, &mut ix)?,
        FileKind::Other => {}
    }
    Ok(ix)
}

/// Line reader with a cap and line numbers for errors.
struct Lines<'n, R> {
    r: R,
    buf: String,
    line: usize,
    name: &'n str,
}

impl<R: BufRead> Lines<'_, R> {
    /// The next line without its end, or `None` at the end of input.
    fn next(&mut self) -> Result<Option<&str>, GnssError> {
        self.buf.clear();
        let read = (&mut self.r)
            .take(MAX_LINE as u64 + 2)
            .read_line(&mut self.buf);
        let n = read.map_err(|e| self.err(format!("read failed: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if n > MAX_LINE && !self.buf.ends_with('\n') {
            return Err(self.err(format!("line longer than {MAX_LINE} bytes")));
        }
        let t = self.buf.trim_end_matches(['\n', '\r']);
        Ok(Some(t))
    }

    fn err(&self, reason: String) -> GnssError {
        GnssError::Rinex {
            file: self.name.to_string(),
            line: self.line,
            reason,
        }
    }
}

/// ECEF (metres) to latitude, longitude (degrees) and height (metres) on GRS80.
pub fn ecef_to_llh([x, y, z]: [f64; 3]) -> [f64; 3] {
    const A: f64 = 6_378_137.0;
    const F: f64 = 1.0 / 298.257_222_101;
    let e2 = F * (2.0 - F);
    let p = x.hypot(y);
    let lon = y.atan2(x);
    let mut lat = z.atan2(p * (1.0 - e2));
    let mut h = 0.0;
    for _ in 0..10 {
        let n = A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        h = p / lat.cos() - n;
        lat = z.atan2(p * (1.0 - e2 * n / (n + h)));
    }
    [lat.to_degrees(), lon.to_degrees(), h]
}
