//! [`Region`]: where a deployment serves, set in one place.
//!
//! A region names the store's native CRS (all geometry, buffers and
//! distances are in its metres), the service area in that CRS, the dig
//! limits, the answer-deadline rule with its holiday calendar and time zone,
//! the default package format and the viewer's start view. Denmark and the
//! Netherlands are built in ([`Region::builtin`]); any other region is a TOML
//! file with the same keys ([`Region::from_toml`]; `deploy/regions/*.toml`
//! document every key). Parsing a string is all this module does: the
//! binary reads the file.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use geo_types::{coord, Rect};
use serde::Deserialize;

use crate::calendar::{Calendar, HolidayCalendar};
use crate::deadline_rule::DeadlineRule;
use crate::{DigLimits, ModelError};

const DENMARK: &str = include_str!("../../../deploy/regions/denmark.toml");
const NETHERLANDS: &str = include_str!("../../../deploy/regions/netherlands.toml");

/// The format of the GML field package of a dig request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageFormat {
    /// LER 2.2 GML (Denmark).
    Ler22,
    /// IMKL 2.0 GML (the Netherlands' KLIC).
    Imkl20,
}

/// The viewer's start view: WGS 84 longitude, latitude (degrees) and zoom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub lon: f64,
    pub lat: f64,
    pub zoom: f64,
}

/// Everything that differs between the countries a deployment may serve.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Short name, recorded in the store (`denmark`, `netherlands`, ...).
    pub name: String,
    pub title: String,
    /// EPSG code of the native CRS (25832 Denmark, 28992 the Netherlands).
    pub srid: u32,
    /// Where data and dig requests are accepted, native CRS metres.
    pub service_area: Rect<f64>,
    /// Dig-request limits; their `service_area` is the region's.
    pub dig_limits: DigLimits,
    pub deadline: DeadlineRule,
    pub calendar: Calendar,
    pub time_zone: Tz,
    pub package_format: PackageFormat,
    pub view: View,
}

impl Region {
    /// Denmark: EPSG:25832, LER's deadline on Danish working days, LER 2.2 GML.
    pub fn denmark() -> Self {
        Self::from_toml(DENMARK, "built-in region denmark").expect("built-in region parses")
    }

    /// The Netherlands: EPSG:28992, KLIC's deadline on Dutch working days, IMKL 2.0 GML.
    pub fn netherlands() -> Self {
        Self::from_toml(NETHERLANDS, "built-in region netherlands").expect("built-in region parses")
    }

    /// A built-in region by name (`denmark`, `netherlands`).
    pub fn builtin(name: &str) -> Option<Self> {
        match name {
            "denmark" => Some(Self::denmark()),
            "netherlands" => Some(Self::netherlands()),
            _ => None,
        }
    }

    /// The native CRS as `EPSG:<code>`.
    pub fn crs(&self) -> String {
        format!("EPSG:{}", self.srid)
    }

    /// The native CRS as the OGC URN GML and GeoJSON's `crs` member use.
    pub fn crs_urn(&self) -> String {
        format!("urn:ogc:def:crs:EPSG::{}", self.srid)
    }

    /// When the owner must have answered a request received at `received`.
    pub fn answer_deadline(&self, received: DateTime<Utc>) -> DateTime<Utc> {
        self.deadline
            .deadline(received, self.time_zone, &self.calendar)
    }

    /// Parses a region file. `source` names it in errors (the file path),
    /// which also name the key: `hamburg.toml: [deadline] days: ...`.
    pub fn from_toml(text: &str, source: &str) -> Result<Self, ModelError> {
        let err = |key: &str, message: String| ModelError::InvalidRegion {
            file: source.to_owned(),
            key: key.to_owned(),
            message,
        };
        let raw: RawRegion = toml::from_str(text).map_err(|e| err("", e.message().to_owned()))?;
        if raw.name.is_empty()
            || !raw
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(err("name", format!("{:?}: use A-Z a-z 0-9 - _", raw.name)));
        }
        let srid = raw
            .crs
            .strip_prefix("EPSG:")
            .and_then(|c| c.parse::<u32>().ok())
            .ok_or_else(|| err("crs", format!("{:?}: expected EPSG:<code>", raw.crs)))?;
        let time_zone: Tz = raw.time_zone.parse().map_err(|_| {
            err(
                "time_zone",
                format!("unknown time zone {:?}", raw.time_zone),
            )
        })?;
        let package_format = match raw.package_format.as_str() {
            "ler-2.2" => PackageFormat::Ler22,
            "imkl-2.0" => PackageFormat::Imkl20,
            other => {
                return Err(err(
                    "package_format",
                    format!("{other:?}: expected \"ler-2.2\" or \"imkl-2.0\""),
                ))
            }
        };
        let a = &raw.service_area;
        let finite = [a.min_x, a.min_y, a.max_x, a.max_y]
            .iter()
            .all(|v| v.is_finite());
        if !finite || a.min_x >= a.max_x || a.min_y >= a.max_y {
            return Err(err(
                "service_area",
                "corners must be finite with min below max".into(),
            ));
        }
        let service_area = Rect::new(
            coord! {x: a.min_x, y: a.min_y},
            coord! {x: a.max_x, y: a.max_y},
        );
        let dig_limits = raw
            .dig_limits
            .limits(service_area)
            .map_err(|(k, m)| err(k, m))?;
        let deadline = raw.deadline.rule().map_err(|(k, m)| err(k, m))?;
        let calendar = raw.holidays.calendar().map_err(|(k, m)| err(k, m))?;
        let [lon, lat] = raw.view.center;
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(err("view.center", "longitude, latitude in degrees".into()));
        }
        Ok(Self {
            name: raw.name,
            title: raw.title,
            srid,
            service_area,
            dig_limits,
            deadline,
            calendar,
            time_zone,
            package_format,
            view: View {
                lon,
                lat,
                zoom: raw.view.zoom,
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    name: String,
    #[serde(default)]
    title: String,
    crs: String,
    time_zone: String,
    package_format: String,
    service_area: RawArea,
    view: RawView,
    dig_limits: RawLimits,
    deadline: RawDeadline,
    holidays: RawHolidays,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawView {
    center: [f64; 2],
    zoom: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_extent_m: f64,
    max_area_m2: f64,
    max_vertices: usize,
    max_buffer_m: f64,
    max_period_days: i64,
    max_start_in_past_days: i64,
}

type KeyError = (&'static str, String);

impl RawLimits {
    fn limits(&self, service_area: Rect<f64>) -> Result<DigLimits, KeyError> {
        for (key, v) in [
            ("dig_limits.max_extent_m", self.max_extent_m),
            ("dig_limits.max_area_m2", self.max_area_m2),
            ("dig_limits.max_buffer_m", self.max_buffer_m),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err((key, format!("{v}: must be a finite number >= 0")));
            }
        }
        if self.max_vertices < 3 {
            return Err(("dig_limits.max_vertices", "at least 3".into()));
        }
        if !(1..=3660).contains(&self.max_period_days)
            || !(0..=3660).contains(&self.max_start_in_past_days)
        {
            return Err((
                "dig_limits",
                "periods are 0-3660 days (period at least 1)".into(),
            ));
        }
        Ok(DigLimits {
            max_extent_m: self.max_extent_m,
            max_area_m2: self.max_area_m2,
            max_vertices: self.max_vertices,
            max_buffer_m: self.max_buffer_m,
            max_period: Duration::days(self.max_period_days),
            max_start_in_past: Duration::days(self.max_start_in_past_days),
            service_area,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    rule: String,
    days: Option<u32>,
    open: Option<String>,
    close: Option<String>,
    within_hours: Option<i64>,
    next_at: Option<String>,
}

impl RawDeadline {
    fn rule(&self) -> Result<DeadlineRule, KeyError> {
        let time = |key: &'static str, v: &Option<String>| -> Result<NaiveTime, KeyError> {
            let v = v.as_deref().ok_or((key, "missing".to_owned()))?;
            NaiveTime::parse_from_str(v, "%H:%M")
                .map_err(|_| (key, format!("{v:?}: expected HH:MM")))
        };
        match self.rule.as_str() {
            "working_days" => {
                let days = self.days.ok_or(("deadline.days", "missing".to_owned()))?;
                if !(1..=30).contains(&days) {
                    return Err(("deadline.days", format!("{days}: expected 1-30")));
                }
                Ok(DeadlineRule::WorkingDays { days })
            }
            "business_hours" => {
                let hours = self
                    .within_hours
                    .ok_or(("deadline.within_hours", "missing".to_owned()))?;
                if !(1..=72).contains(&hours) {
                    return Err(("deadline.within_hours", format!("{hours}: expected 1-72")));
                }
                Ok(DeadlineRule::BusinessHours {
                    open: time("deadline.open", &self.open)?,
                    close: time("deadline.close", &self.close)?,
                    within: Duration::hours(hours),
                    next_at: time("deadline.next_at", &self.next_at)?,
                })
            }
            other => Err((
                "deadline.rule",
                format!("{other:?}: expected \"working_days\" or \"business_hours\""),
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHolidays {
    calendar: String,
    #[serde(default)]
    fixed: Vec<String>,
    #[serde(default)]
    easter_offsets: Vec<i64>,
    #[serde(default)]
    extra: Vec<String>,
}

impl RawHolidays {
    fn calendar(&self) -> Result<Calendar, KeyError> {
        let base = match self.calendar.as_str() {
            "denmark" => HolidayCalendar::Denmark,
            "netherlands" => HolidayCalendar::Netherlands,
            "rules" => HolidayCalendar::Rules,
            other => {
                return Err((
                    "holidays.calendar",
                    format!("{other:?}: expected \"denmark\", \"netherlands\" or \"rules\""),
                ))
            }
        };
        let mut c = Calendar::of(base);
        for f in &self.fixed {
            let d = NaiveDate::parse_from_str(&format!("2000-{f}"), "%Y-%m-%d")
                .map_err(|_| ("holidays.fixed", format!("{f:?}: expected MM-DD")))?;
            c.fixed
                .push((chrono::Datelike::month(&d), chrono::Datelike::day(&d)));
        }
        for &o in &self.easter_offsets {
            if !(-60..=70).contains(&o) {
                return Err(("holidays.easter_offsets", format!("{o}: expected -60..70")));
            }
            c.easter_offsets.push(o);
        }
        for e in &self.extra {
            let d = NaiveDate::parse_from_str(e, "%Y-%m-%d")
                .map_err(|_| ("holidays.extra", format!("{e:?}: expected YYYY-MM-DD")))?;
            c.extra.push(d);
        }
        Ok(c)
    }
}
