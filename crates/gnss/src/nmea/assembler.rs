//! Groups the sentences of one receiver epoch into fixes, the way gpsd does.
//!
//! gpsd keeps one fix per device, merges every sentence into it, clears it when
//! a sentence carries a new time of day (more than 10 ms later), and reports
//! ("TPV") when the sentence that last closed a cycle arrives again: the
//! *cycle ender* is learnt from the stream itself (the last timestamped
//! sentence before the time changes). Until an ender is known, every sentence
//! that sets position or mode reports. This module reproduces that logic for
//! GGA, RMC, GLL, GNS, GSA, GST, VTG and ZDA (gpsd 3.25 `driver_nmea0183.c`
//! and `libgpsd_core.c`), so our fixes line up with gpsd's one to one.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::decode::{Gga, Gll, Gns, Gsa, Gst, Rmc, Vtg, Zda};
use super::fields::TimeOfDay;
use super::line::Sentence;
use super::tags::{lookup, TAGS};
use crate::fix::{sigma, Fix, Mode, Quality};

const TIME_SET: u32 = 1;
const LATLON_SET: u32 = 1 << 1;
const ALTITUDE_SET: u32 = 1 << 2;
const MODE_SET: u32 = 1 << 3;
const STATUS_SET: u32 = 1 << 4;
const DOP_SET: u32 = 1 << 5;
const REPORT_IS: u32 = 1 << 6;
const CLEAR_IS: u32 = 1 << 7;
const TRACK_SET: u32 = 1 << 8;
const SPEED_SET: u32 = 1 << 9;
const SATELLITES: u32 = 1 << 10;

// gpsd status numbers.
const STATUS_UNK: u8 = 0;
const STATUS_GPS: u8 = 1;
const STATUS_DGPS: u8 = 2;
const STATUS_RTK_FIX: u8 = 3;
const STATUS_RTK_FLT: u8 = 4;
const STATUS_DR: u8 = 5;
const STATUS_TIME: u8 = 7;
const STATUS_SIM: u8 = 8;
const STATUS_PPS: u8 = 9;

const MODE_NOT_SEEN: u8 = 0;
const MODE_NO_FIX: u8 = 1;
const MODE_2D: u8 = 2;
const MODE_3D: u8 = 3;

/// The working fix: NaN for "unset", as gpsd's `gps_fix_t`.
#[derive(Debug, Clone, Copy)]
struct Work {
    time: Option<DateTime<Utc>>,
    stamp: f64,
    lat: f64,
    lon: f64,
    alt_hae: f64,
    alt_msl: f64,
    geoid_sep: f64,
    mode: u8,
    status: u8,
    speed: f64,
    track: f64,
}

impl Work {
    const CLEAR: Work = Work {
        time: None,
        stamp: f64::NAN,
        lat: f64::NAN,
        lon: f64::NAN,
        alt_hae: f64::NAN,
        alt_msl: f64::NAN,
        geoid_sep: f64::NAN,
        mode: MODE_NOT_SEEN,
        status: STATUS_UNK,
        speed: f64::NAN,
        track: f64::NAN,
    };

    fn has_alt(&self) -> bool {
        self.alt_hae.is_finite() || self.alt_msl.is_finite()
    }
}

/// Epoch assembler: feed it checked sentences in receive order, get fixes.
#[derive(Debug, Clone)]
pub struct Assembler {
    fix: Work,
    new: Work,
    lastfix: Work,
    oldfix: Work,
    hdop: f64,
    vdop: f64,
    satellites_used: i64,
    gga_satellites: Option<i64>,
    date: Option<NaiveDate>,
    hour: u8,
    this_stamp: f64,
    last_stamp: f64,
    latch: bool,
    lasttag: u8,
    enders: [bool; TAGS],
    cycle_continue: bool,
    end_reliable: bool,
    last_gga_talker: u8,
    last_gga_time: ([u8; 16], usize),
    latch_mode: bool,
    last_gsa_talker: u8,
    seen_gsa_not_gp: bool,
    seen_gsa: u32,
    gst: Option<Gst>,
    gsx_more: bool,
}

impl Default for Assembler {
    fn default() -> Self {
        Self::new()
    }
}

impl Assembler {
    /// A fresh assembler (no date known: fixes have no time until an RMC or ZDA).
    pub fn new() -> Assembler {
        Assembler {
            fix: Work::CLEAR,
            new: Work::CLEAR,
            lastfix: Work::CLEAR,
            oldfix: Work::CLEAR,
            hdop: f64::NAN,
            vdop: f64::NAN,
            satellites_used: 0,
            gga_satellites: None,
            date: None,
            hour: 0,
            this_stamp: 0.0,
            last_stamp: 0.0,
            latch: false,
            lasttag: 0,
            enders: [false; TAGS],
            cycle_continue: false,
            end_reliable: false,
            last_gga_talker: 0,
            last_gga_time: ([0; 16], 0),
            latch_mode: false,
            last_gsa_talker: 0,
            seen_gsa_not_gp: false,
            seen_gsa: 0,
            gst: None,
            gsx_more: false,
        }
    }

    /// Sets the date before the first RMC/ZDA (e.g. from a log header or the
    /// wall clock), so GGA-only streams get full timestamps.
    pub fn set_date(&mut self, date: NaiveDate) {
        self.date = Some(date);
    }

    /// Merges one sentence; returns the fix when this sentence ends an epoch.
    /// `line` is stored in the fix (1-based line of the input).
    pub fn push(&mut self, s: &Sentence<'_>, line: usize) -> Option<Fix> {
        let mask = self.parse(s);
        let report =
            mask & REPORT_IS != 0 || (!self.end_reliable && mask & (LATLON_SET | MODE_SET) != 0);
        self.merge(mask);
        report.then(|| self.snapshot(line))
    }

    /// gpsd's `nmea_parse`: decode, then the end-of-cycle detector.
    fn parse(&mut self, s: &Sentence<'_>) -> u32 {
        self.new = Work::CLEAR;
        self.latch = false;
        let address = s.address();
        let entry = lookup(address);
        let mut thistag = 0u8;
        let mut mask = 0u32;
        let mut new_data = false;
        self.gsx_more = false;
        // Of the Skytraq $PSTI family only 030 (position) is decoded.
        let entry = entry.filter(|_| address != "PSTI" || s.field(1) == "030");
        if let Some(e) = entry {
            if e.decoded && s.count() >= e.min_fields {
                mask = self.decode(s);
                new_data = mask != 0 || e.yields_data;
                self.cycle_continue = e.continues;
                thistag = e.tag;
            }
        }
        // (gpsd's GSV accumulation is not modelled: it never reports a TPV.)
        if !address.get(2..).unwrap_or("").starts_with("GSA") {
            self.last_gsa_talker = 0;
        }
        let lasttag = self.lasttag;
        if self.gsx_more {
            // More GSA/GSV of the series to come: not a cycle boundary.
        } else if self.latch {
            if (self.this_stamp - self.last_stamp).abs() > 0.01 {
                mask |= CLEAR_IS;
                if lasttag > 0 && !self.enders[lasttag as usize] && !self.cycle_continue {
                    self.enders[lasttag as usize] = true;
                    self.end_reliable = true;
                }
            }
        } else {
            // New data right after the cycle ender: gpsd reports again.
            if self.enders[lasttag as usize] && new_data {
                mask |= REPORT_IS;
            }
            if self.cycle_continue {
                self.enders[lasttag as usize] = false;
                self.enders[thistag as usize] = true;
                self.end_reliable = true;
            }
        }
        if (self.latch || self.cycle_continue) && self.enders[thistag as usize] && !self.gsx_more {
            mask |= REPORT_IS;
        }
        if self.latch {
            self.lasttag = thistag;
        }
        // Don't downgrade a 3D fix to 2D within a cycle (RMC has no 2D/3D).
        if mask & MODE_SET != 0
            && self.fix.mode == MODE_3D
            && self.new.mode != MODE_NO_FIX
            && (self.lastfix.has_alt() || self.oldfix.has_alt())
        {
            self.new.mode = self.fix.mode;
        }
        mask
    }

    fn decode(&mut self, s: &Sentence<'_>) -> u32 {
        if s.address() == "PSTI" {
            return self.psti030(s);
        }
        if s.address() == "PGRMZ" {
            return self.pgrmz(s);
        }
        match s.address().get(2..).unwrap_or("") {
            "GGA" => self.gga(s),
            "RMC" => self.rmc(s),
            "GLL" => self.gll(s),
            "GNS" => self.gns(s),
            "GSA" => self.gsa(s),
            "GST" => {
                self.gst = Some(Gst::decode(s));
                0
            }
            "VTG" => self.vtg(s),
            "GSV" => {
                // Only the last part of a GSV series completes the sky view.
                let (total, part) = (
                    super::fields::atoi(s.field(1)),
                    super::fields::atoi(s.field(2)),
                );
                if s.count() > 3 && part >= 1 && part < total {
                    self.gsx_more = true;
                    0
                } else if s.count() > 3 && part >= 1 {
                    SATELLITES
                } else {
                    0
                }
            }
            "ZDA" => self.zda(s),
            _ => 0,
        }
    }

    /// gpsd's `merge_hhmmss` + `register_fractional_time`.
    fn set_time(&mut self, t: TimeOfDay, latch: bool) {
        if t.hour < self.hour {
            self.date = self.date.and_then(|d| d.checked_add_days(Days::new(1)));
        }
        self.hour = t.hour;
        self.new.time = self.date.and_then(|d| {
            d.and_hms_nano_opt(
                u32::from(t.hour),
                u32::from(t.minute),
                u32::from(t.second.min(59)),
                t.nanos,
            )
            .map(|n| n.and_utc())
        });
        self.new.stamp = t.stamp;
        if latch {
            self.last_stamp = self.this_stamp;
            self.this_stamp = t.stamp;
            self.latch = true;
        }
    }

    fn gga(&mut self, s: &Sentence<'_>) -> u32 {
        let g = Gga::decode(s);
        let talker = s.address().as_bytes()[1];
        let last_talker = self.last_gga_talker;
        self.last_gga_talker = talker;
        let mut mask = 0;
        let status = match g.quality {
            None => None,
            Some(0) => {
                if g.time.is_none() {
                    mask |= REPORT_IS | TIME_SET;
                    self.date = None;
                    self.end_reliable = false;
                }
                Some(STATUS_UNK)
            }
            Some(1) => Some(STATUS_GPS),
            Some(2) => Some(STATUS_DGPS),
            Some(3) => Some(STATUS_PPS),
            Some(4) => Some(STATUS_RTK_FIX),
            Some(5) => Some(STATUS_RTK_FLT),
            Some(6) => Some(STATUS_DR),
            Some(7) => Some(STATUS_TIME),
            Some(8) => Some(STATUS_SIM),
            Some(_) => None,
        };
        if let Some(st) = status {
            self.new.status = st;
            mask |= STATUS_SET;
        }
        let stamp = s.field(1).as_bytes();
        let (buf, len) = &self.last_gga_time;
        if last_talker != 0 && last_talker != talker {
            self.latch_mode = false;
        } else {
            self.latch_mode = buf[..*len] == stamp[..stamp.len().min(16)];
        }
        if self.latch_mode {
            self.new.status = STATUS_UNK;
            self.new.mode = MODE_NO_FIX;
            mask |= MODE_SET | STATUS_SET;
        } else {
            let n = stamp.len().min(16);
            self.last_gga_time.0[..n].copy_from_slice(&stamp[..n]);
            self.last_gga_time.1 = n;
        }
        if let Some(t) = g.time {
            self.set_time(t, true);
            if self.date.is_some() {
                mask |= TIME_SET;
            }
        }
        if let Some((lat, lon)) = g.lat_lon {
            self.new.lat = lat;
            self.new.lon = lon;
            self.new.mode = MODE_2D;
            mask |= LATLON_SET;
            if let Some(sep) = g.geoid_sep {
                self.new.geoid_sep = sep;
            }
            if let Some(alt) = g.alt_msl {
                self.new.alt_msl = alt;
                mask |= ALTITUDE_SET;
                if g.satellites >= 4 {
                    self.new.mode = MODE_3D;
                }
            }
            if g.satellites < 3 {
                self.new.mode = MODE_NO_FIX;
            }
        } else {
            self.new.mode = MODE_NO_FIX;
        }
        mask |= MODE_SET;
        if let Some(h) = g.hdop.filter(|h| *h < 99.0) {
            self.hdop = h;
            mask |= DOP_SET;
        }
        self.gga_satellites = Some(g.satellites);
        mask
    }

    fn rmc(&mut self, s: &Sentence<'_>) -> u32 {
        let r = Rmc::decode(s);
        let mut mask = 0;
        match r.status {
            b'A' | b'D' => {
                if let (Some(t), Some((y, m, d))) = (r.time, r.date) {
                    self.date = NaiveDate::from_ymd_opt(y, m, d);
                    self.hour = t.hour;
                    self.set_time(t, true);
                    mask |= TIME_SET;
                }
                let mut status;
                if let Some((lat, lon)) = r.lat_lon {
                    status = if r.status == b'D' {
                        STATUS_DGPS
                    } else {
                        STATUS_GPS
                    };
                    self.new.lat = lat;
                    self.new.lon = lon;
                    mask |= LATLON_SET;
                    if self.lastfix.mode <= MODE_2D {
                        self.new.mode = MODE_2D;
                        mask |= MODE_SET;
                    } else if self.lastfix.mode == MODE_3D {
                        self.new.mode = MODE_3D;
                        mask |= MODE_SET;
                    }
                } else {
                    status = STATUS_UNK;
                    self.new.mode = MODE_NO_FIX;
                    mask |= MODE_SET;
                }
                if let Some(v) = r.speed {
                    self.new.speed = v;
                    mask |= SPEED_SET;
                }
                if let Some(v) = r.track {
                    self.new.track = v;
                    mask |= TRACK_SET;
                }
                if let Some(faa) = r.faa {
                    status = faa_status(faa);
                }
                if self.satellites_used > 3 || self.fix.has_alt() {
                    self.new.mode = MODE_3D;
                    mask |= MODE_SET;
                }
                self.new.status = status;
                mask |= STATUS_SET;
            }
            _ => {
                self.new.mode = MODE_NO_FIX;
                if s.field(1).is_empty() || s.field(9).is_empty() {
                    self.date = None;
                    self.end_reliable = false;
                    mask |= REPORT_IS | TIME_SET;
                }
                mask |= STATUS_SET | MODE_SET;
            }
        }
        mask
    }

    fn gll(&mut self, s: &Sentence<'_>) -> u32 {
        let g = Gll::decode(s);
        let mut mask = 0;
        if let Some(t) = g.time {
            self.set_time(t, true);
            if self.date.is_some() {
                mask = TIME_SET;
            }
        }
        let faa_ok = g.faa.is_none_or(|f| f != b'N');
        match (g.status, g.lat_lon) {
            (0 | b'V', _) => {
                self.new.status = STATUS_UNK;
                self.new.mode = MODE_NO_FIX;
            }
            (b'A', Some((lat, lon))) if faa_ok => {
                mask |= LATLON_SET;
                self.new.lat = lat;
                self.new.lon = lon;
                let status = g.faa.map_or(STATUS_GPS, faa_status);
                if self.fix.has_alt() || self.satellites_used > 3 {
                    self.new.mode = MODE_3D;
                } else if self.fix.mode < MODE_2D || !self.oldfix.has_alt() {
                    self.new.mode = MODE_2D;
                }
                self.new.status = status;
            }
            _ => {
                self.new.status = STATUS_UNK;
                self.new.mode = MODE_NO_FIX;
            }
        }
        mask | STATUS_SET | MODE_SET
    }

    fn gns(&mut self, s: &Sentence<'_>) -> u32 {
        let g = Gns::decode(s);
        let mut mask = 0;
        if let Some(t) = g.time {
            self.set_time(t, true);
            if self.date.is_some() {
                mask = TIME_SET;
            }
        }
        if g.mode == 0 || g.mode == b'N' {
            self.new.mode = MODE_NO_FIX;
            return mask | MODE_SET;
        }
        if g.nav_status == b'U' || g.nav_status == b'V' {
            return mask;
        }
        if let Some((lat, lon)) = g.lat_lon {
            mask |= LATLON_SET;
            self.new.lat = lat;
            self.new.lon = lon;
            self.new.mode = MODE_2D;
            if let Some(alt) = g.alt_msl {
                self.new.alt_msl = alt;
                mask |= ALTITUDE_SET;
                if g.satellites > 3 {
                    self.new.mode = MODE_3D;
                }
            }
            if let Some(sep) = g.geoid_sep {
                self.new.geoid_sep = sep;
            }
        } else {
            self.new.mode = MODE_NO_FIX;
            mask |= MODE_SET;
        }
        if let Some(h) = g.hdop {
            self.hdop = h;
            mask |= DOP_SET;
        }
        self.new.status = faa_status(g.mode);
        mask | MODE_SET | STATUS_SET
    }

    fn gsa(&mut self, s: &Sentence<'_>) -> u32 {
        let g = Gsa::decode(s);
        let talker = s.address().as_bytes()[1];
        let last_talker = self.last_gsa_talker;
        let mut mask = 0;
        if g.complete && !self.latch_mode {
            self.new.mode = Mode::from_gpsd(super::fields::atoi(s.field(2))).gpsd();
            if g.mode != b'E' {
                mask = MODE_SET;
            }
            if let Some(h) = g.hdop {
                self.hdop = h;
                mask |= DOP_SET;
            }
            if let Some(v) = g.vdop {
                self.vdop = v;
                mask |= DOP_SET;
            }
            if last_talker == 0 || (last_talker == talker && talker != b'N') {
                self.satellites_used = 0;
            }
            self.last_gsa_talker = talker;
            self.seen_gsa |= 1 << (talker & 31);
            if talker != b'P' {
                self.seen_gsa_not_gp = true;
            }
            self.satellites_used += g.used as i64;
        }
        if self.seen_gsa_not_gp && talker == b'P' {
            mask = 0;
        } else if last_talker != b'N' && talker == b'N' {
            mask = MODE_SET;
        }
        mask
    }

    /// Skytraq `$PSTI,030`: recommended minimum 3D GNSS data (time, date,
    /// position, MSL height, velocity, mode).
    fn psti030(&mut self, s: &Sentence<'_>) -> u32 {
        use super::fields::{ddmmyy, lat_lon, num, time_of_day};
        if s.field(3) != "A" {
            self.new.mode = MODE_NO_FIX;
            return MODE_SET;
        }
        let mut mask = 0;
        if let (Some(t), Some((y, m, d))) = (time_of_day(s.field(2)), ddmmyy(s.field(12))) {
            self.date = NaiveDate::from_ymd_opt(y, m, d);
            self.hour = t.hour;
            self.set_time(t, true);
            mask |= TIME_SET;
        }
        if let Some((lat, lon)) = lat_lon(s.field(4), s.field(5), s.field(6), s.field(7)) {
            self.new.lat = lat;
            self.new.lon = lon;
            self.new.mode = MODE_2D;
            mask |= LATLON_SET;
            if let Some(alt) = num(s.field(8)) {
                self.new.alt_msl = alt;
                self.new.mode = MODE_3D;
                mask |= ALTITUDE_SET;
            }
        } else {
            self.new.mode = MODE_NO_FIX;
        }
        self.new.status = faa_status(s.field(13).bytes().next().unwrap_or(0));
        mask | MODE_SET | STATUS_SET
    }

    fn vtg(&mut self, s: &Sentence<'_>) -> u32 {
        let v = Vtg::decode(s);
        if v.track.is_none() || v.speed.is_none() || s.count() > 9 && matches!(v.mode, b'E' | b'N')
        {
            return 0;
        }
        self.new.track = v.track.unwrap_or(f64::NAN);
        self.new.speed = v.speed.unwrap_or(f64::NAN);
        TRACK_SET | SPEED_SET
    }

    /// Garmin's `$PGRMZ,<altitude>,f,<fix>`: the altitude above mean sea
    /// level in feet, which gpsd takes as altMSL in place of the GGA's. It
    /// is coarser (whole feet against the GGA's 0.1 m), far below what such
    /// a receiver's vertical accuracy can tell apart; taken as gpsd takes
    /// it so the two agree. Kept only with a 3D fix (`3`): a 2D fix's
    /// altitude is not measured.
    fn pgrmz(&mut self, s: &Sentence<'_>) -> u32 {
        const METRES_PER_FOOT: f64 = 0.3048;
        let feet = s.field(1);
        if s.field(2) != "f" || s.field(3) != "3" || feet.is_empty() {
            return 0;
        }
        match feet.parse::<i64>() {
            Ok(ft) => {
                self.new.alt_msl = ft as f64 * METRES_PER_FOOT;
                ALTITUDE_SET
            }
            Err(_) => 0,
        }
    }

    fn zda(&mut self, s: &Sentence<'_>) -> u32 {
        let z = Zda::decode(s);
        match (z.time, z.date) {
            (Some(t), Some((y, m, d))) => {
                self.date = NaiveDate::from_ymd_opt(y, m, d);
                self.hour = t.hour;
                self.set_time(t, true);
                TIME_SET
            }
            _ => 0,
        }
    }

    /// gpsd's `gps_merge_fix` + the altitude part of `gpsd_error_model`.
    fn merge(&mut self, mask: u32) {
        if mask & CLEAR_IS != 0 {
            if mask & DOP_SET == 0 {
                self.hdop = f64::NAN;
                self.vdop = f64::NAN;
            }
            self.fix = Work::CLEAR;
        }
        let (f, n) = (&mut self.fix, &self.new);
        if mask & TIME_SET != 0 {
            f.time = n.time;
            f.stamp = n.stamp;
        }
        if mask & LATLON_SET != 0 {
            f.lat = n.lat;
            f.lon = n.lon;
        }
        if mask & MODE_SET != 0 {
            f.mode = n.mode;
        }
        if mask & STATUS_SET != 0 && f.status < n.status {
            f.status = n.status;
        }
        if mask & ALTITUDE_SET != 0 {
            if n.alt_hae.is_finite() {
                f.alt_hae = n.alt_hae;
            }
            if n.alt_msl.is_finite() {
                f.alt_msl = n.alt_msl;
            }
        }
        if mask & TRACK_SET != 0 {
            f.track = n.track;
        }
        if mask & SPEED_SET != 0 {
            f.speed = n.speed;
        }
        if n.geoid_sep.is_finite() {
            f.geoid_sep = n.geoid_sep;
        }
        if !(f.lat.is_finite() && f.lon.is_finite()) || f.lat.abs() > 90.0 || f.lon.abs() > 180.0 {
            f.lat = f64::NAN;
            f.lon = f64::NAN;
        }
        if f.geoid_sep.is_finite() {
            if f.alt_hae.is_finite() && !f.alt_msl.is_finite() {
                f.alt_msl = f.alt_hae - f.geoid_sep;
            } else if !f.alt_hae.is_finite() && f.alt_msl.is_finite() {
                f.alt_hae = f.alt_msl + f.geoid_sep;
            }
        }
        if f.time.is_some() {
            let moved =
                (f.stamp - self.lastfix.stamp).abs() > 0.0099 || self.lastfix.time.is_none();
            if moved {
                self.oldfix = self.lastfix;
            }
            self.lastfix = *f;
        }
    }

    fn snapshot(&self, line: usize) -> Fix {
        let f = &self.fix;
        let mode = Mode::from_gpsd(i64::from(f.mode));
        let quality = Quality::from_gpsd_status(f.status, mode);
        let fin = |v: f64| v.is_finite().then_some(v);
        let pos = mode >= Mode::TwoD;
        let alt = mode >= Mode::ThreeD;
        let hdop = fin(self.hdop);
        let vdop = fin(self.vdop);
        let gst = self
            .gst
            .filter(|g| g.time.is_some_and(|t| (t.stamp - f.stamp).abs() < 0.01))
            .map(|g| (g.sigma_h(), g.alt_sd));
        let (sigma_h, sigma_v, sigma_source) = sigma(quality, gst, hdop, vdop);
        let satellites = self
            .gga_satellites
            .filter(|n| *n > 0)
            .or((self.satellites_used > 0).then_some(self.satellites_used))
            .map(|n| n.clamp(0, 1000) as u32);
        Fix {
            line,
            time: f.time,
            mode,
            status: f.status,
            quality,
            lat: if pos { fin(f.lat) } else { None },
            lon: if pos { fin(f.lon) } else { None },
            alt_hae: if alt { fin(f.alt_hae) } else { None },
            alt_msl: if alt { fin(f.alt_msl) } else { None },
            geoid_sep: fin(f.geoid_sep),
            satellites,
            hdop,
            vdop,
            speed: fin(f.speed),
            track: fin(f.track),
            sigma_h,
            sigma_v,
            sigma_source,
        }
    }
}

/// gpsd's `faa_mode`: FAA mode letter to status.
fn faa_status(c: u8) -> u8 {
    match c {
        0 | b'C' | b'N' | b'U' => STATUS_UNK,
        b'D' | b'P' => STATUS_DGPS,
        b'E' => STATUS_DR,
        b'F' => STATUS_RTK_FLT,
        b'R' => STATUS_RTK_FIX,
        b'M' | b'S' => STATUS_SIM,
        _ => STATUS_GPS,
    }
}
