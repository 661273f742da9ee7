use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use geo_types::Geometry;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    AccuracyClass, DatasetId, DrawingMethod, Hazard, Kind, ModelError, OrgId, SourceFormat, Status,
    Theme,
};

/// One network feature in the normalised model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkFeature {
    /// Our id, unique across the store.
    pub id: Uuid,
    pub owner_id: OrgId,
    pub dataset_id: DatasetId,
    /// The dataset version this feature belongs to (1, 2, ...). Set by the store.
    pub version: u32,
    /// The feature's id in its source (`gml:id`, a GeoJSON `id`, ...).
    pub source_id: String,
    pub source_format: SourceFormat,
    /// The source's class name (`Elledning`, `imkl:Kabel`, ...), for reports per class.
    pub source_class: String,
    pub theme: Theme,
    pub kind: Kind,
    /// `None` when the source does not say; LER 2 uploads must say.
    pub status: Option<Status>,
    /// `None` when the source does not say; LER 2 uploads must say.
    pub hazard: Option<Hazard>,
    /// Free-text safety note (LER `sikkerhedshensyn`).
    pub safety_note: Option<String>,
    pub accuracy_xy: AccuracyClass,
    pub accuracy_z: AccuracyClass,
    pub drawing_method: Option<DrawingMethod>,
    pub measures: Measures,
    /// Geometry in EPSG:25832, metres.
    pub geometry: Geometry<f64>,
    /// DVR90 height in metres of each vertex, in the order of the geometry's
    /// coordinates; `None` for a vertex whose height is unknown (LER writes -99).
    /// `None` as a whole when the source is 2D.
    pub heights: Option<Vec<Option<f64>>>,
    /// When this feature's dataset version became current.
    pub valid_from: DateTime<Utc>,
    /// When it was replaced by a newer version; `None` while current.
    pub valid_to: Option<DateTime<Utc>>,
}

/// Measures with their units in the field names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    /// Indicative depth below terrain (LER `vejledendeDybde`), millimetres.
    pub depth_mm: Option<u32>,
    /// Outer diameter, millimetres.
    pub diameter_mm: Option<u32>,
    /// Operating voltage, kilovolts.
    pub voltage_kv: Option<f64>,
    /// Operating pressure, bar.
    pub pressure_bar: Option<f64>,
    pub material: Option<String>,
    /// Installation date, as precise as the source knows it.
    pub installed: Option<PartialDate>,
}

/// A date known to the year, the month or the day: `2019`, `2019-04`, `2019-04-30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    year: i32,
    month: Option<u8>,
    day: Option<u8>,
}

impl PartialDate {
    pub fn year(year: i32) -> Self {
        Self {
            year,
            month: None,
            day: None,
        }
    }

    pub fn year_month(year: i32, month: u8) -> Result<Self, ModelError> {
        format!("{year:04}-{month:02}").parse()
    }

    pub fn ymd(year: i32, month: u8, day: u8) -> Result<Self, ModelError> {
        format!("{year:04}-{month:02}-{day:02}").parse()
    }
}

impl FromStr for PartialDate {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ModelError::InvalidPartialDate(s.to_owned());
        let mut parts = s.split('-');
        let year_part = parts.next().ok_or_else(bad)?;
        if year_part.len() != 4 {
            return Err(bad());
        }
        let year: i32 = year_part.parse().map_err(|_| bad())?;
        let month = match parts.next() {
            Some(m) if m.len() == 2 => Some(m.parse::<u8>().map_err(|_| bad())?),
            Some(_) => return Err(bad()),
            None => None,
        };
        let day = match parts.next() {
            Some(d) if d.len() == 2 => Some(d.parse::<u8>().map_err(|_| bad())?),
            Some(_) => return Err(bad()),
            None => None,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
        }
        if let (Some(m), Some(d)) = (month, day) {
            if chrono::NaiveDate::from_ymd_opt(year, m.into(), d.into()).is_none() {
                return Err(bad());
            }
        }
        Ok(Self { year, month, day })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_and_print() {
        for s in ["2019", "2019-04", "2019-04-30", "2024-02-29"] {
            assert_eq!(s.parse::<PartialDate>().unwrap().to_string(), s);
        }
        for s in [
            "19",
            "2019-4",
            "2019-13",
            "2019-02-30",
            "2023-02-29",
            "2019-04-30-1",
            "",
        ] {
            assert!(s.parse::<PartialDate>().is_err(), "{s} should be rejected");
        }
        assert!(PartialDate::year(1990) < PartialDate::ymd(1990, 1, 1).unwrap());
    }
}
