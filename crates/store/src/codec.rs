//! The columns both backends store for a feature, and their conversions.

use chrono::{DateTime, Utc};
use forsyning_model::{
    AccuracyClass, DatasetId, DrawingMethod, Hazard, Kind, Measures, NetworkFeature, OrgId,
    SourceFormat, Status, Theme,
};
use geo_types::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb};
use uuid::Uuid;

use crate::StoreError;

/// Attribute columns of `network_features` in table order (the geometry and
/// the backend's own row id come apart).
pub(crate) const FEATURE_COLUMNS: [&str; 23] = [
    "id",
    "owner_id",
    "dataset_id",
    "version",
    "source_id",
    "source_format",
    "source_class",
    "theme",
    "kind",
    "status",
    "hazard",
    "safety_note",
    "accuracy_xy",
    "accuracy_z",
    "drawing_method",
    "depth_mm",
    "diameter_mm",
    "voltage_kv",
    "pressure_bar",
    "material",
    "installed",
    "heights",
    "valid_from",
];

/// A feature as plain column values.
#[derive(Debug, Clone)]
pub(crate) struct FeatureRow {
    pub id: Uuid,
    pub owner_id: String,
    pub dataset_id: Uuid,
    pub version: i64,
    pub source_id: String,
    pub source_format: String,
    pub source_class: String,
    pub theme: String,
    pub kind: String,
    pub status: Option<String>,
    pub hazard: Option<String>,
    pub safety_note: Option<String>,
    pub accuracy_xy: String,
    pub accuracy_z: String,
    pub drawing_method: Option<String>,
    pub depth_mm: Option<i64>,
    pub diameter_mm: Option<i64>,
    pub voltage_kv: Option<f64>,
    pub pressure_bar: Option<f64>,
    pub material: Option<String>,
    pub installed: Option<String>,
    /// JSON array of per-vertex DVR90 heights, `null` where unknown.
    pub heights: Option<String>,
    pub valid_from: DateTime<Utc>,
    pub valid_to: Option<DateTime<Utc>>,
    /// ISO WKB, 2D.
    pub wkb: Vec<u8>,
}

impl FeatureRow {
    pub fn from_feature(f: &NetworkFeature) -> Result<Self, StoreError> {
        let bad = |reason: String| StoreError::BadFeature {
            feature: f.source_id.clone(),
            reason,
        };
        let heights = match &f.heights {
            Some(h) => Some(serde_json::to_string(h).map_err(|e| bad(e.to_string()))?),
            None => None,
        };
        Ok(Self {
            id: f.id,
            owner_id: f.owner_id.to_string(),
            dataset_id: f.dataset_id.0,
            version: i64::from(f.version),
            source_id: f.source_id.clone(),
            source_format: f.source_format.code().to_owned(),
            source_class: f.source_class.clone(),
            theme: f.theme.code().to_owned(),
            kind: f.kind.code().to_owned(),
            status: f.status.map(|s| s.code().to_owned()),
            hazard: f.hazard.map(|h| h.code().to_owned()),
            safety_note: f.safety_note.clone(),
            accuracy_xy: f.accuracy_xy.code().to_owned(),
            accuracy_z: f.accuracy_z.code().to_owned(),
            drawing_method: f.drawing_method.map(|d| d.code().to_owned()),
            depth_mm: f.measures.depth_mm.map(i64::from),
            diameter_mm: f.measures.diameter_mm.map(i64::from),
            voltage_kv: f.measures.voltage_kv,
            pressure_bar: f.measures.pressure_bar,
            material: f.measures.material.clone(),
            installed: f.measures.installed.map(|d| d.to_string()),
            heights,
            valid_from: f.valid_from,
            valid_to: f.valid_to,
            wkb: encode_wkb(&f.geometry).map_err(|e| bad(e.to_string()))?,
        })
    }

    pub fn into_feature(self, table: &'static str) -> Result<NetworkFeature, StoreError> {
        let corrupt = |reason: String| StoreError::CorruptRow { table, reason };
        let code = |e: forsyning_model::ModelError| corrupt(e.to_string());
        let unsigned = |v: Option<i64>, what: &str| -> Result<Option<u32>, StoreError> {
            v.map(|x| u32::try_from(x).map_err(|_| corrupt(format!("{what} {x} out of range"))))
                .transpose()
        };
        Ok(NetworkFeature {
            id: self.id,
            owner_id: OrgId::new(self.owner_id).map_err(code)?,
            dataset_id: DatasetId(self.dataset_id),
            version: u32::try_from(self.version)
                .map_err(|_| corrupt(format!("version {}", self.version)))?,
            source_id: self.source_id,
            source_format: SourceFormat::from_code(&self.source_format).map_err(code)?,
            source_class: self.source_class,
            theme: Theme::from_code(&self.theme).map_err(code)?,
            kind: Kind::from_code(&self.kind).map_err(code)?,
            status: self
                .status
                .as_deref()
                .map(Status::from_code)
                .transpose()
                .map_err(code)?,
            hazard: self
                .hazard
                .as_deref()
                .map(Hazard::from_code)
                .transpose()
                .map_err(code)?,
            safety_note: self.safety_note,
            accuracy_xy: AccuracyClass::from_code(&self.accuracy_xy).map_err(code)?,
            accuracy_z: AccuracyClass::from_code(&self.accuracy_z).map_err(code)?,
            drawing_method: self
                .drawing_method
                .as_deref()
                .map(DrawingMethod::from_code)
                .transpose()
                .map_err(code)?,
            measures: Measures {
                depth_mm: unsigned(self.depth_mm, "depth_mm")?,
                diameter_mm: unsigned(self.diameter_mm, "diameter_mm")?,
                voltage_kv: self.voltage_kv,
                pressure_bar: self.pressure_bar,
                material: self.material,
                installed: self
                    .installed
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(code)?,
            },
            geometry: decode_wkb(&self.wkb).map_err(|e| corrupt(e.to_string()))?,
            heights: self
                .heights
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt(format!("heights: {e}")))?,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        })
    }
}

pub(crate) fn encode_wkb(geometry: &Geometry<f64>) -> Result<Vec<u8>, StoreError> {
    geometry
        .to_wkb(CoordDimensions::xy())
        .map_err(|e| StoreError::Geometry(e.to_string()))
}

pub(crate) fn decode_wkb(wkb: &[u8]) -> Result<Geometry<f64>, StoreError> {
    geozero::wkb::Wkb(wkb)
        .to_geo()
        .map_err(|e| StoreError::Geometry(e.to_string()))
}

/// Timestamps are stored as GeoPackage DATETIME text: `YYYY-MM-DDTHH:MM:SS.SSSZ`.
pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_time(s: &str, table: &'static str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::CorruptRow {
            table,
            reason: format!("time {s:?}: {e}"),
        })
}

/// The store's clock: now, to the millisecond, the precision both backends keep.
pub(crate) fn now_millis() -> DateTime<Utc> {
    truncate_millis(Utc::now())
}

/// `t` without its sub-millisecond part.
pub(crate) fn truncate_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}
