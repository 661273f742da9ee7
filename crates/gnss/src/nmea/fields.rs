//! Field decoders shared by the sentence decoders: numbers, lat/lon, time of day.
//!
//! They follow gpsd's `safe_atof`/`strtol` leniency where receivers rely on
//! it (a trailing unit letter, a leading `+`), but never invent a value for an
//! empty field: that is `None`.

/// UTC time of day from an `hhmmss[.sss]` field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeOfDay {
    /// Hours 0-23.
    pub hour: u8,
    /// Minutes 0-59.
    pub minute: u8,
    /// Seconds 0-60 (60 for a leap second).
    pub second: u8,
    /// Nanoseconds of the fractional second.
    pub nanos: u32,
    /// The whole field read as a number (`132819.6`): what gpsd compares to
    /// detect a new epoch (a change of more than 0.01).
    pub stamp: f64,
}

/// A decimal number; `None` when the field is empty or has no leading number.
#[inline]
pub fn num(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    if let Ok(v) = s.parse::<f64>() {
        return v.is_finite().then_some(v);
    }
    let end = s
        .bytes()
        .position(|b| !(b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+'))
        .unwrap_or(s.len());
    s[..end].parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A leading integer like C's `atoi`: 0 when there is none.
#[inline]
pub fn atoi(s: &str) -> i64 {
    let b = s.as_bytes();
    let (neg, mut i) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let mut v: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() && v < i64::MAX / 20 {
        v = v * 10 + i64::from(b[i] - b'0');
        i += 1;
    }
    if neg {
        -v
    } else {
        v
    }
}

/// Degrees from NMEA `[d]ddmm.mmmm` as gpsd 3.25 computes them: integer
/// minutes first, then the fractional minutes added, then one multiply by 1/60,
/// so the result agrees with gpsd to the last printed (9th) decimal.
#[inline]
pub fn degrees(s: &str) -> Option<f64> {
    let dot = s.find('.')?;
    let int = &s[..dot];
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || int.len() > 5 {
        return None;
    }
    let whole = atoi(int);
    let deg = whole / 100;
    let minutes = (whole - deg * 40) as f64;
    let frac = if s.len() > dot + 1 {
        s[dot..].parse::<f64>().ok()?
    } else {
        0.0
    };
    let v = (minutes + frac) * (1.0 / 60.0);
    v.is_finite().then_some(v)
}

/// A latitude/longitude pair from four fields (value, N/S, value, E/W), in
/// degrees (south and west negative). `None` if any field is empty or bad.
#[inline]
pub fn lat_lon(lat: &str, ns: &str, lon: &str, ew: &str) -> Option<(f64, f64)> {
    if lat.is_empty() || ns.is_empty() || lon.is_empty() || ew.is_empty() {
        return None;
    }
    let mut la = degrees(lat)?;
    let mut lo = degrees(lon)?;
    if ns.starts_with('S') {
        la = -la;
    }
    if ew.starts_with('W') {
        lo = -lo;
    }
    Some((la, lo))
}

/// `hhmmss[.s...]`; `None` unless the first six characters are digits.
#[inline]
pub fn time_of_day(s: &str) -> Option<TimeOfDay> {
    let b = s.as_bytes();
    if b.len() < 6 || !b[..6].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let dd = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    let mut nanos = 0u32;
    if b.len() > 7 && b[6] == b'.' {
        let frac = &b[7..];
        let mut scale = 100_000_000u32;
        for &c in frac.iter().take(9) {
            if !c.is_ascii_digit() {
                break;
            }
            nanos += u32::from(c - b'0') * scale;
            scale /= 10;
        }
    }
    let (hour, minute, second) = (dd(0), dd(2), dd(4));
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(TimeOfDay {
        hour,
        minute,
        second,
        nanos,
        stamp: num(s)?,
    })
}

/// `ddmmyy` (RMC) to (year, month, day) with years 80-99 as 19xx, else 20xx.
pub fn ddmmyy(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let dd = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let (d, m, y) = (dd(0), dd(2), dd(4) as i32);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some((if y >= 80 { 1900 + y } else { 2000 + y }, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_match_hand_values() {
        // 41 deg 34.49795459 min = 41.574965909833...
        assert_eq!(
            format!("{:.9}", degrees("4134.49795459").unwrap()),
            "41.574965910"
        );
        assert_eq!(
            format!("{:.9}", degrees("09345.03431408").unwrap()),
            "93.750571901"
        );
        assert_eq!(degrees("4134"), None);
        assert_eq!(degrees(""), None);
        let (la, lo) = lat_lon("4807.038", "S", "01131.000", "W").unwrap();
        assert!((la + 48.1173).abs() < 1e-12 && (lo + (11.0 + 31.0 / 60.0)).abs() < 1e-12);
    }

    #[test]
    fn time_and_numbers() {
        let t = time_of_day("132819.60").unwrap();
        assert_eq!(
            (t.hour, t.minute, t.second, t.nanos),
            (13, 28, 19, 600_000_000)
        );
        assert!((t.stamp - 132819.6).abs() < 1e-9);
        assert_eq!(time_of_day("1328"), None);
        assert_eq!(time_of_day("256000"), None);
        assert_eq!(num("2.5M"), Some(2.5));
        assert_eq!(num(""), None);
        assert_eq!(atoi("08"), 8);
        assert_eq!(atoi(""), 0);
        assert_eq!(ddmmyy("180320"), Some((2020, 3, 18)));
        assert_eq!(ddmmyy("311299"), Some((1999, 12, 31)));
        assert_eq!(ddmmyy("-10101"), None);
    }
}
