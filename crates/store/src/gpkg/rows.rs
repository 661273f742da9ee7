//! Feature and interest-area rows in the GeoPackage.

use forsyning_model::{InterestArea, NetworkFeature, OrgId, Theme};
use geo_types::Geometry;
use rusqlite::{params, Connection, Row, Statement};
use uuid::Uuid;

use super::geom;
use crate::codec::{format_time, parse_time, FeatureRow, FEATURE_COLUMNS};
use crate::StoreError;

/// `id, owner_id, ..., valid_from, valid_to, geom`: the select list of a feature.
pub(crate) fn select_list() -> String {
    format!("{}, valid_to, geom", FEATURE_COLUMNS.join(", "))
}

pub(crate) fn insert_sql(table: &str) -> String {
    let cols = select_list();
    let marks: Vec<String> = (1..=FEATURE_COLUMNS.len() + 2)
        .map(|i| format!("?{i}"))
        .collect();
    format!("INSERT INTO {table} ({cols}) VALUES ({})", marks.join(", "))
}

/// Inserts `f` with `stmt` (prepared from [`insert_sql`]) and returns the
/// envelope `[minx, maxx, miny, maxy]` written in its geometry's header
/// (`None` for an empty geometry).
pub(crate) fn insert_feature(
    stmt: &mut Statement<'_>,
    f: &NetworkFeature,
    srid: i32,
) -> Result<Option<[f64; 4]>, StoreError> {
    let r = FeatureRow::from_feature(f)?;
    let envelope = geom::envelope_of(&f.geometry);
    let blob = geom::with_envelope(envelope, &r.wkb, srid);
    stmt.execute(params![
        r.id.to_string(),
        r.owner_id,
        r.dataset_id.to_string(),
        r.version,
        r.source_id,
        r.source_format,
        r.source_class,
        r.theme,
        r.kind,
        r.status,
        r.hazard,
        r.safety_note,
        r.accuracy_xy,
        r.accuracy_z,
        r.drawing_method,
        r.depth_mm,
        r.diameter_mm,
        r.voltage_kv,
        r.pressure_bar,
        r.material,
        r.installed,
        r.heights,
        format_time(r.valid_from),
        r.valid_to.map(format_time),
        blob,
    ])
    .map_err(|e| StoreError::BadFeature {
        feature: f.source_id.clone(),
        reason: e.to_string(),
    })?;
    Ok(envelope)
}

fn uuid_col(row: &Row<'_>, i: usize, table: &'static str) -> Result<Uuid, StoreError> {
    let s: String = row.get(i).map_err(|e| corrupt(table, e))?;
    Uuid::parse_str(&s).map_err(|e| corrupt(table, e))
}

fn corrupt(table: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: e.to_string(),
    }
}

/// Reads a row selected with [`select_list`].
pub(crate) fn read_feature(
    row: &Row<'_>,
    table: &'static str,
) -> Result<NetworkFeature, StoreError> {
    let c = |e: rusqlite::Error| corrupt(table, e);
    let blob: Vec<u8> = row.get(24).map_err(c)?;
    let header = geom::parse(&blob)?;
    let valid_from: String = row.get(22).map_err(c)?;
    let valid_to: Option<String> = row.get(23).map_err(c)?;
    FeatureRow {
        id: uuid_col(row, 0, table)?,
        owner_id: row.get(1).map_err(c)?,
        dataset_id: uuid_col(row, 2, table)?,
        version: row.get(3).map_err(c)?,
        source_id: row.get(4).map_err(c)?,
        source_format: row.get(5).map_err(c)?,
        source_class: row.get(6).map_err(c)?,
        theme: row.get(7).map_err(c)?,
        kind: row.get(8).map_err(c)?,
        status: row.get(9).map_err(c)?,
        hazard: row.get(10).map_err(c)?,
        safety_note: row.get(11).map_err(c)?,
        accuracy_xy: row.get(12).map_err(c)?,
        accuracy_z: row.get(13).map_err(c)?,
        drawing_method: row.get(14).map_err(c)?,
        depth_mm: row.get(15).map_err(c)?,
        diameter_mm: row.get(16).map_err(c)?,
        voltage_kv: row.get(17).map_err(c)?,
        pressure_bar: row.get(18).map_err(c)?,
        material: row.get(19).map_err(c)?,
        installed: row.get(20).map_err(c)?,
        heights: row.get(21).map_err(c)?,
        valid_from: parse_time(&valid_from, table)?,
        valid_to: valid_to.map(|t| parse_time(&t, table)).transpose()?,
        wkb: header.wkb.to_vec(),
    }
    .into_feature(table)
}

/// Runs `sql` (selecting [`select_list`]) and reads every row.
pub(crate) fn query_features(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    table: &'static str,
) -> Result<Vec<NetworkFeature>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| corrupt(table, e))?;
    let mut rows = stmt.query(params).map_err(|e| corrupt(table, e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| corrupt(table, e))? {
        out.push(read_feature(row, table)?);
    }
    Ok(out)
}

pub(crate) fn insert_area(
    conn: &Connection,
    a: &InterestArea,
    srid: i32,
) -> Result<(), StoreError> {
    let themes: Vec<&str> = a.themes.iter().map(|t| t.code()).collect();
    let blob = geom::encode(&Geometry::MultiPolygon(a.geometry.clone()), srid)?;
    conn.prepare_cached(
        "INSERT INTO interest_areas (id, owner_id, themes, contact, marks_on_site, geom)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            a.id.to_string(),
            a.owner_id.as_str(),
            themes.join(","),
            a.contact,
            a.marks_on_site,
            blob
        ])
    })
    .map_err(|e| StoreError::BadFeature {
        feature: a.id.to_string(),
        reason: e.to_string(),
    })?;
    Ok(())
}

pub(crate) fn read_areas(conn: &Connection) -> Result<Vec<InterestArea>, StoreError> {
    const T: &str = "interest_areas";
    let mut stmt = conn
        .prepare("SELECT id, owner_id, themes, contact, marks_on_site, geom FROM interest_areas ORDER BY fid")
        .map_err(|e| corrupt(T, e))?;
    let mut rows = stmt.query([]).map_err(|e| corrupt(T, e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| corrupt(T, e))? {
        let c = |e: rusqlite::Error| corrupt(T, e);
        let owner: String = row.get(1).map_err(c)?;
        let themes: String = row.get(2).map_err(c)?;
        let blob: Vec<u8> = row.get(5).map_err(c)?;
        let geometry = match crate::codec::decode_wkb(geom::parse(&blob)?.wkb)? {
            Geometry::MultiPolygon(mp) => mp,
            Geometry::Polygon(p) => p.into(),
            other => return Err(corrupt(T, format!("not a polygon: {other:?}"))),
        };
        out.push(InterestArea {
            id: uuid_col(row, 0, T)?,
            owner_id: OrgId::new(owner).map_err(|e| corrupt(T, e))?,
            themes: themes
                .split(',')
                .filter(|s| !s.is_empty())
                .map(Theme::from_code)
                .collect::<Result<_, _>>()
                .map_err(|e| corrupt(T, e))?,
            contact: row.get(3).map_err(c)?,
            marks_on_site: row.get(4).map_err(c)?,
            geometry,
        });
    }
    Ok(out)
}
