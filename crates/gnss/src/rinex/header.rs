//! The RINEX header (and the CRINEX preamble before it).

use std::io::BufRead;

use chrono::{NaiveDate, NaiveDateTime};

use super::{ecef_to_llh, Antenna, FileKind, Lines, Receiver, RinexIndex};
use crate::GnssError;

/// Most header lines read before `END OF HEADER` is required.
const MAX_HEADER_LINES: usize = 5000;

fn label(l: &str) -> &str {
    l.get(60..).unwrap_or("").trim()
}

fn col(l: &str, a: usize, b: usize) -> &str {
    let b = b.min(l.len());
    l.get(a.min(b)..b).unwrap_or("").trim()
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// `yyyy mm dd hh mm ss.sssssss` from whitespace-separated fields.
pub(super) fn date_time(s: &str) -> Option<NaiveDateTime> {
    let mut it = s.split_whitespace();
    let y: i32 = it.next()?.parse().ok()?;
    let mo: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    let h: u32 = it.next()?.parse().ok()?;
    let mi: u32 = it.next()?.parse().ok()?;
    let sec: f64 = it.next()?.parse().ok()?;
    if !(0.0..61.0).contains(&sec) {
        return None;
    }
    let whole = sec.trunc() as u32;
    let nanos = ((sec - sec.trunc()) * 1e9).round() as u32;
    NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_nano_opt(
        h,
        mi,
        whole.min(59),
        nanos.min(999_999_999),
    )
}

pub(super) fn read<R: BufRead>(lines: &mut Lines<'_, R>) -> Result<RinexIndex, GnssError> {
    let mut ix = RinexIndex {
        version: String::new(),
        kind: FileKind::Other,
        hatanaka: false,
        gzip: false,
        marker_name: None,
        marker_number: None,
        receiver: None,
        antenna: None,
        approx_xyz: None,
        approx_llh: None,
        interval_s: None,
        first_epoch: None,
        last_epoch: None,
        records: 0,
        time_system: None,
        systems: Vec::new(),
        header_first_obs: None,
        header_last_obs: None,
    };
    let mut seen_version = false;
    for _ in 0..MAX_HEADER_LINES {
        let l: String = match lines.next()? {
            Some(l) => l.to_owned(),
            None => return Err(lines.err("end of file before END OF HEADER".into())),
        };
        let l = l.as_str();
        let lab = label(l);
        match lab {
            "CRINEX VERS   / TYPE" => ix.hatanaka = true,
            "CRINEX PROG / DATE" => {}
            "RINEX VERSION / TYPE" => {
                seen_version = true;
                ix.version = col(l, 0, 9).to_string();
                ix.kind = match l.as_bytes().get(20) {
                    Some(b'O') => FileKind::Observation,
                    Some(b'N') => FileKind::Navigation,
                    _ => FileKind::Other,
                };
                let major: f64 = ix.version.parse().unwrap_or(0.0);
                if !(3.0..5.0).contains(&major) {
                    return Err(
                        lines.err(format!("RINEX version {} (3 or 4 supported)", ix.version))
                    );
                }
                if ix.kind == FileKind::Navigation {
                    if let Some(&s) = l.as_bytes().get(40) {
                        if s.is_ascii_uppercase() && s != b'M' {
                            ix.systems.push(s as char);
                        }
                    }
                }
            }
            "MARKER NAME" => ix.marker_name = some(col(l, 0, 60)),
            "MARKER NUMBER" => ix.marker_number = some(col(l, 0, 20)),
            "REC # / TYPE / VERS" => {
                ix.receiver = Some(Receiver {
                    number: col(l, 0, 20).to_string(),
                    kind: col(l, 20, 40).to_string(),
                    version: col(l, 40, 60).to_string(),
                })
            }
            "ANT # / TYPE" => {
                ix.antenna = Some(Antenna {
                    number: col(l, 0, 20).to_string(),
                    kind: col(l, 20, 40).to_string(),
                })
            }
            "APPROX POSITION XYZ" => {
                let v: Vec<f64> = col(l, 0, 60)
                    .split_whitespace()
                    .filter_map(|s| s.parse().ok())
                    .collect();
                if v.len() == 3 && v.iter().any(|c| c.abs() > 1.0) {
                    let xyz = [v[0], v[1], v[2]];
                    ix.approx_xyz = Some(xyz);
                    ix.approx_llh = Some(ecef_to_llh(xyz));
                }
            }
            "INTERVAL" => ix.interval_s = col(l, 0, 10).parse().ok(),
            "SYS / # / OBS TYPES" => {
                if let Some(&s) = l.as_bytes().first() {
                    if s.is_ascii_uppercase() && !ix.systems.contains(&(s as char)) {
                        ix.systems.push(s as char);
                    }
                }
            }
            "TIME OF FIRST OBS" => {
                ix.header_first_obs = date_time(col(l, 0, 43));
                ix.time_system = some(col(l, 48, 51));
            }
            "TIME OF LAST OBS" => ix.header_last_obs = date_time(col(l, 0, 43)),
            "END OF HEADER" => {
                if !seen_version {
                    return Err(lines.err("no RINEX VERSION / TYPE line".into()));
                }
                return Ok(ix);
            }
            _ => {}
        }
    }
    Err(lines.err(format!(
        "no END OF HEADER in the first {MAX_HEADER_LINES} lines"
    )))
}
