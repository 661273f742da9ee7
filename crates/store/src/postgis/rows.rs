//! Reading rows of the PostGIS tables.

use forsyning_model::{DatasetId, InterestArea, NetworkFeature, OrgId, Theme};
use geo_types::Geometry;
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::codec::{decode_wkb, FeatureRow};
use crate::store::DatasetVersion;
use crate::StoreError;

/// The select list of a feature; the geometry comes last as ISO WKB.
pub(crate) const SELECT_LIST: &str =
    "id, owner_id, dataset_id, version, source_id, source_format, \
    source_class, theme, kind, status, hazard, safety_note, accuracy_xy, accuracy_z, \
    drawing_method, depth_mm, diameter_mm, voltage_kv, pressure_bar, material, installed, \
    heights, valid_from, valid_to, ST_AsBinary(geom)";

pub(crate) const AREA_SELECT_LIST: &str =
    "id, owner_id, themes, contact, marks_on_site, ST_AsBinary(geom)";

pub(crate) fn read_feature(r: &PgRow, table: &'static str) -> Result<NetworkFeature, StoreError> {
    FeatureRow {
        id: r.try_get(0)?,
        owner_id: r.try_get(1)?,
        dataset_id: r.try_get(2)?,
        version: i64::from(r.try_get::<i32, _>(3)?),
        source_id: r.try_get(4)?,
        source_format: r.try_get(5)?,
        source_class: r.try_get(6)?,
        theme: r.try_get(7)?,
        kind: r.try_get(8)?,
        status: r.try_get(9)?,
        hazard: r.try_get(10)?,
        safety_note: r.try_get(11)?,
        accuracy_xy: r.try_get(12)?,
        accuracy_z: r.try_get(13)?,
        drawing_method: r.try_get(14)?,
        depth_mm: r.try_get(15)?,
        diameter_mm: r.try_get(16)?,
        voltage_kv: r.try_get(17)?,
        pressure_bar: r.try_get(18)?,
        material: r.try_get(19)?,
        installed: r.try_get(20)?,
        heights: r.try_get(21)?,
        valid_from: r.try_get(22)?,
        valid_to: r.try_get(23)?,
        wkb: r.try_get(24)?,
    }
    .into_feature(table)
}

pub(crate) fn read_version(r: &PgRow) -> Result<DatasetVersion, StoreError> {
    let corrupt = |e: String| StoreError::CorruptRow {
        table: "dataset_versions",
        reason: e,
    };
    Ok(DatasetVersion {
        dataset_id: DatasetId(r.try_get(0)?),
        version: u32::try_from(r.try_get::<i32, _>(1)?).map_err(|e| corrupt(e.to_string()))?,
        feature_count: u64::try_from(r.try_get::<i64, _>(2)?)
            .map_err(|e| corrupt(e.to_string()))?,
        valid_from: r.try_get(3)?,
        valid_to: r.try_get(4)?,
    })
}

pub(crate) fn read_area(r: &PgRow) -> Result<InterestArea, StoreError> {
    const T: &str = "interest_areas";
    let corrupt = |e: String| StoreError::CorruptRow {
        table: T,
        reason: e,
    };
    let themes: String = r.try_get(2)?;
    let wkb: Vec<u8> = r.try_get(5)?;
    let geometry = match decode_wkb(&wkb)? {
        Geometry::MultiPolygon(mp) => mp,
        other => return Err(corrupt(format!("not a multipolygon: {other:?}"))),
    };
    Ok(InterestArea {
        id: r.try_get(0)?,
        owner_id: OrgId::new(r.try_get::<String, _>(1)?).map_err(|e| corrupt(e.to_string()))?,
        themes: themes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(Theme::from_code)
            .collect::<Result<_, _>>()
            .map_err(|e| corrupt(e.to_string()))?,
        contact: r.try_get(3)?,
        marks_on_site: r.try_get(4)?,
        geometry,
    })
}
