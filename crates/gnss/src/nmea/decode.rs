//! Typed decoders of the position sentences: GGA, RMC, GLL, GNS, GSA, GST,
//! VTG, ZDA. Each reads the fields of a checked [`Sentence`] without copying.
//!
//! Units: degrees (WGS 84 / ETRS89 as the receiver states them), metres,
//! metres per second, degrees from true north.

use super::fields::{atoi, ddmmyy, lat_lon, num, time_of_day, TimeOfDay};
use super::line::Sentence;

/// Knots to metres per second.
pub const KNOTS_TO_MPS: f64 = 1852.0 / 3600.0;

/// GGA: fix data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gga {
    /// UTC time of the fix.
    pub time: Option<TimeOfDay>,
    /// Latitude, longitude in degrees.
    pub lat_lon: Option<(f64, f64)>,
    /// Fix quality indicator (0 none, 1 GPS, 2 DGPS, 3 PPS, 4 RTK fixed,
    /// 5 RTK float, 6 dead reckoning, 7 manual, 8 simulator).
    pub quality: Option<i64>,
    /// Satellites used (0 when empty).
    pub satellites: i64,
    /// Horizontal dilution of precision.
    pub hdop: Option<f64>,
    /// Antenna height above mean sea level (the receiver's geoid), metres.
    pub alt_msl: Option<f64>,
    /// Geoid separation: geoid height above the ellipsoid, metres.
    pub geoid_sep: Option<f64>,
    /// Age of differential corrections, seconds.
    pub dgps_age: Option<f64>,
    /// Differential reference station id.
    pub dgps_station: Option<i64>,
}

impl Gga {
    /// Decodes a GGA sentence (any talker).
    pub fn decode(s: &Sentence<'_>) -> Gga {
        Gga {
            time: time_of_day(s.field(1)),
            lat_lon: lat_lon(s.field(2), s.field(3), s.field(4), s.field(5)),
            quality: (!s.field(6).is_empty()).then(|| atoi(s.field(6))),
            satellites: atoi(s.field(7)),
            hdop: num(s.field(8)),
            alt_msl: num(s.field(9)),
            geoid_sep: num(s.field(11)),
            dgps_age: num(s.field(13)),
            dgps_station: (!s.field(14).is_empty()).then(|| atoi(s.field(14))),
        }
    }
}

/// RMC: recommended minimum data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rmc {
    /// UTC time of the fix.
    pub time: Option<TimeOfDay>,
    /// `A` valid, `V` invalid (`D` from some receivers: differential).
    pub status: u8,
    /// Latitude, longitude in degrees.
    pub lat_lon: Option<(f64, f64)>,
    /// Speed over ground, m/s.
    pub speed: Option<f64>,
    /// Course over ground, degrees true.
    pub track: Option<f64>,
    /// Date (year, month, day).
    pub date: Option<(i32, u32, u32)>,
    /// Whether the date field is present at all.
    pub has_date_field: bool,
    /// FAA mode indicator (NMEA 2.3+), `0` when absent or empty.
    pub faa: Option<u8>,
}

impl Rmc {
    /// Decodes an RMC sentence.
    pub fn decode(s: &Sentence<'_>) -> Rmc {
        Rmc {
            time: time_of_day(s.field(1)),
            status: s.field(2).bytes().next().unwrap_or(0),
            lat_lon: lat_lon(s.field(3), s.field(4), s.field(5), s.field(6)),
            speed: num(s.field(7)).map(|k| k * KNOTS_TO_MPS),
            track: num(s.field(8)),
            date: ddmmyy(s.field(9)),
            has_date_field: !s.field(9).is_empty() && s.count() > 9,
            faa: (s.count() >= 13).then(|| s.field(12).bytes().next().unwrap_or(0)),
        }
    }
}

/// GLL: geographic position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gll {
    /// Latitude, longitude in degrees.
    pub lat_lon: Option<(f64, f64)>,
    /// UTC time.
    pub time: Option<TimeOfDay>,
    /// `A` valid, `V` invalid, `0` empty.
    pub status: u8,
    /// FAA mode (count >= 8), `0` when empty.
    pub faa: Option<u8>,
}

impl Gll {
    /// Decodes a GLL sentence.
    pub fn decode(s: &Sentence<'_>) -> Gll {
        Gll {
            lat_lon: lat_lon(s.field(1), s.field(2), s.field(3), s.field(4)),
            time: time_of_day(s.field(5)),
            status: s.field(6).bytes().next().unwrap_or(0),
            faa: (s.count() >= 8).then(|| s.field(7).bytes().next().unwrap_or(0)),
        }
    }
}

/// GNS: multi-constellation fix data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gns {
    /// UTC time.
    pub time: Option<TimeOfDay>,
    /// Latitude, longitude in degrees.
    pub lat_lon: Option<(f64, f64)>,
    /// First mode character (GPS), `0` when empty.
    pub mode: u8,
    /// Satellites used.
    pub satellites: i64,
    /// HDOP.
    pub hdop: Option<f64>,
    /// Height above mean sea level, metres.
    pub alt_msl: Option<f64>,
    /// Geoid separation, metres.
    pub geoid_sep: Option<f64>,
    /// Navigational status (NMEA 4.1): `S` safe, `C` caution, `U` unsafe, `V` invalid.
    pub nav_status: u8,
}

impl Gns {
    /// Decodes a GNS sentence.
    pub fn decode(s: &Sentence<'_>) -> Gns {
        Gns {
            time: time_of_day(s.field(1)),
            lat_lon: lat_lon(s.field(2), s.field(3), s.field(4), s.field(5)),
            mode: s.field(6).bytes().next().unwrap_or(0),
            satellites: atoi(s.field(7)),
            hdop: num(s.field(8)),
            alt_msl: num(s.field(9)),
            geoid_sep: num(s.field(10)),
            nav_status: s.field(13).bytes().next().unwrap_or(0),
        }
    }
}

/// GSA: DOP and active satellites.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gsa {
    /// Fix mode field as text's first byte: `1` none, `2` 2D, `3` 3D (`E` DR on Antaris).
    pub mode: u8,
    /// Satellites listed as used.
    pub used: usize,
    /// Position DOP.
    pub pdop: Option<f64>,
    /// Horizontal DOP.
    pub hdop: Option<f64>,
    /// Vertical DOP.
    pub vdop: Option<f64>,
    /// Whether the sentence has the 18 fields gpsd needs.
    pub complete: bool,
}

impl Gsa {
    /// Decodes a GSA sentence.
    pub fn decode(s: &Sentence<'_>) -> Gsa {
        let complete = s.count() >= 18;
        let dop = |i| num(s.field(i)).filter(|d| *d < 99.0);
        let ok = complete && s.count() <= 19;
        Gsa {
            mode: s.field(2).bytes().next().unwrap_or(0),
            used: (3..s.count().saturating_sub(3).min(15))
                .filter(|&i| atoi(s.field(i)) > 0)
                .count(),
            pdop: if ok { dop(15) } else { None },
            hdop: if ok { dop(16) } else { None },
            vdop: if ok { dop(17) } else { None },
            complete,
        }
    }
}

/// GST: pseudorange error statistics, metres (1 sigma).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gst {
    /// UTC time of the fix it describes.
    pub time: Option<TimeOfDay>,
    /// RMS of the range residuals.
    pub rms: Option<f64>,
    /// Semi-major axis of the error ellipse.
    pub major: Option<f64>,
    /// Semi-minor axis.
    pub minor: Option<f64>,
    /// Orientation of the semi-major axis, degrees true.
    pub orientation: Option<f64>,
    /// Standard deviation of latitude error.
    pub lat_sd: Option<f64>,
    /// Standard deviation of longitude error.
    pub lon_sd: Option<f64>,
    /// Standard deviation of altitude error.
    pub alt_sd: Option<f64>,
}

impl Gst {
    /// Decodes a GST sentence.
    pub fn decode(s: &Sentence<'_>) -> Gst {
        Gst {
            time: time_of_day(s.field(1)),
            rms: num(s.field(2)),
            major: num(s.field(3)),
            minor: num(s.field(4)),
            orientation: num(s.field(5)),
            lat_sd: num(s.field(6)),
            lon_sd: num(s.field(7)),
            alt_sd: num(s.field(8)),
        }
    }

    /// Horizontal standard deviation as DRMS, `sqrt(σlat² + σlon²)`, metres.
    pub fn sigma_h(&self) -> Option<f64> {
        match (self.lat_sd, self.lon_sd) {
            (Some(a), Some(b)) if a >= 0.0 && b >= 0.0 => Some(a.hypot(b)),
            _ => None,
        }
    }
}

/// VTG: course and speed over ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vtg {
    /// Course, degrees true.
    pub track: Option<f64>,
    /// Speed, m/s (from the knots field).
    pub speed: Option<f64>,
    /// Mode indicator, `0` when absent.
    pub mode: u8,
}

impl Vtg {
    /// Decodes a VTG sentence.
    pub fn decode(s: &Sentence<'_>) -> Vtg {
        Vtg {
            track: num(s.field(1)),
            speed: num(s.field(5)).map(|k| k * KNOTS_TO_MPS),
            mode: s.field(9).bytes().next().unwrap_or(0),
        }
    }
}

/// ZDA: UTC date and time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zda {
    /// UTC time.
    pub time: Option<TimeOfDay>,
    /// (year, month, day) when all three are valid.
    pub date: Option<(i32, u32, u32)>,
}

impl Zda {
    /// Decodes a ZDA sentence.
    pub fn decode(s: &Sentence<'_>) -> Zda {
        let (d, m, y) = (atoi(s.field(2)), atoi(s.field(3)), atoi(s.field(4)));
        let ok = !s.field(2).is_empty()
            && (1..=31).contains(&d)
            && (1..=12).contains(&m)
            && (1900..=2200).contains(&y);
        Zda {
            time: time_of_day(s.field(1)),
            date: ok.then_some((y as i32, m as u32, d as u32)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::line::with_checksum;
    use super::*;

    #[test]
    fn gga_fields() {
        let line = with_checksum("GNGGA,132819.60,4134.49795459,N,09345.03431408,W,2,10,0.9,278.161,M,-31.442,M,6.6,0133");
        let g = Gga::decode(&Sentence::parse(line.as_bytes()).unwrap());
        assert_eq!(g.quality, Some(2));
        assert_eq!(g.satellites, 10);
        assert_eq!(g.hdop, Some(0.9));
        assert_eq!(g.alt_msl, Some(278.161));
        assert_eq!(g.geoid_sep, Some(-31.442));
        assert_eq!(g.dgps_station, Some(133));
        let (la, lo) = g.lat_lon.unwrap();
        assert_eq!(format!("{la:.9} {lo:.9}"), "41.574965910 -93.750571901");
    }

    #[test]
    fn gst_sigma_is_drms() {
        let line = with_checksum("GPGST,172814.0,0.006,0.023,0.020,273.6,0.023,0.020,0.031");
        let g = Gst::decode(&Sentence::parse(line.as_bytes()).unwrap());
        assert!(
            (g.sigma_h().unwrap() - (0.023f64.powi(2) + 0.020f64.powi(2)).sqrt()).abs() < 1e-12
        );
        assert_eq!(g.alt_sd, Some(0.031));
    }

    #[test]
    fn rmc_gsa_zda() {
        let l =
            with_checksum("GPRMC,183530.00,A,2037.7601,N,08704.0737,W,10.0,359.4,231207,01,W,A");
        let r = Rmc::decode(&Sentence::parse(l.as_bytes()).unwrap());
        assert_eq!(r.date, Some((2007, 12, 23)));
        assert_eq!(r.faa, Some(b'A'));
        assert!((r.speed.unwrap() - 5.144_444).abs() < 1e-5);
        let l = with_checksum("GNGSA,A,3,08,24,02,18,27,23,32,10,,,,,1.12,0.62,0.94,1");
        let g = Gsa::decode(&Sentence::parse(l.as_bytes()).unwrap());
        assert_eq!((g.mode, g.used, g.hdop), (b'3', 8, Some(0.62)));
        let l = with_checksum("GPZDA,183531.00,23,12,2007,00,00");
        let z = Zda::decode(&Sentence::parse(l.as_bytes()).unwrap());
        assert_eq!(z.date, Some((2007, 12, 23)));
    }
}
