//! Dig-request rows of the operations database: the schema, and conversions
//! between rows and [`DigRecord`]s. The polygon is ISO WKB (EPSG:25832) with
//! its bounding box in four columns, so area filters can skip most rows in SQL.

use forsyning_model::{DigRequest, DigRequestStatus, DigResponse, DigResponseType, OrgId};
use geo::BoundingRect;
use geo_types::{Geometry, Polygon};
use rusqlite::{params, Connection, Row};
use uuid::Uuid;

use crate::codec::{decode_wkb, encode_wkb, format_time, parse_time};
use crate::dig::DigRecord;
use crate::StoreError;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS dig_requests (
    id TEXT PRIMARY KEY, requester_id TEXT NOT NULL, polygon BLOB NOT NULL,
    min_x REAL NOT NULL, min_y REAL NOT NULL, max_x REAL NOT NULL, max_y REAL NOT NULL,
    buffer_m REAL NOT NULL, period_from TEXT NOT NULL, period_to TEXT NOT NULL,
    purpose TEXT NOT NULL, contact TEXT NOT NULL, status TEXT NOT NULL,
    received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dig_requests_requester ON dig_requests (requester_id);
CREATE INDEX IF NOT EXISTS dig_requests_received ON dig_requests (received_at, id);
CREATE TABLE IF NOT EXISTS dig_responses (
    dig_request_id TEXT NOT NULL REFERENCES dig_requests (id), owner_id TEXT NOT NULL,
    answer TEXT NOT NULL, deadline TEXT NOT NULL, answered_at TEXT,
    features_count INTEGER NOT NULL, PRIMARY KEY (dig_request_id, owner_id));
CREATE INDEX IF NOT EXISTS dig_responses_owner ON dig_responses (owner_id);
";

/// The select list matching [`read_request`].
pub(super) const REQUEST_COLUMNS: &str = "id, requester_id, polygon, buffer_m, period_from, \
     period_to, purpose, contact, status, received_at";

/// A request row as SQLite returns it.
pub(super) type RawRequest = (
    String,
    String,
    Vec<u8>,
    f64,
    String,
    String,
    String,
    String,
    String,
    String,
);

pub(super) fn read_request(r: &Row<'_>) -> rusqlite::Result<RawRequest> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

/// A response row: owner, answer, deadline, answered_at, features_count.
pub(super) type RawResponse = (String, String, String, Option<String>, i64);

/// The responses of request `id`, ordered by owner.
pub(super) fn load_responses(conn: &Connection, id: &str) -> rusqlite::Result<Vec<RawResponse>> {
    let mut s = conn.prepare_cached(
        "SELECT owner_id, answer, deadline, answered_at, features_count FROM dig_responses
         WHERE dig_request_id = ?1 ORDER BY owner_id",
    )?;
    let rows = s.query_map(params![id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    rows.collect()
}

fn corrupt(table: &'static str) -> impl Fn(String) -> StoreError {
    move |reason| StoreError::CorruptRow { table, reason }
}

pub(super) fn to_record(
    raw: RawRequest,
    responses: Vec<RawResponse>,
) -> Result<DigRecord, StoreError> {
    const T: &str = "dig_requests";
    let c = corrupt(T);
    let polygon = match decode_wkb(&raw.2)? {
        Geometry::Polygon(p) => p,
        other => return Err(c(format!("polygon is not a polygon: {other:?}"))),
    };
    let request = DigRequest {
        id: Uuid::parse_str(&raw.0).map_err(|e| c(e.to_string()))?,
        requester_id: OrgId::new(raw.1).map_err(|e| c(e.to_string()))?,
        polygon,
        buffer_m: raw.3,
        period_from: parse_time(&raw.4, T)?,
        period_to: parse_time(&raw.5, T)?,
        purpose: raw.6,
        contact: raw.7,
        status: DigRequestStatus::from_code(&raw.8).map_err(|e| c(e.to_string()))?,
        received_at: parse_time(&raw.9, T)?,
    };
    let responses = responses
        .into_iter()
        .map(to_response)
        .collect::<Result<_, _>>()?;
    Ok(DigRecord { request, responses })
}

fn to_response(raw: RawResponse) -> Result<DigResponse, StoreError> {
    const T: &str = "dig_responses";
    let c = corrupt(T);
    Ok(DigResponse {
        owner_id: OrgId::new(raw.0).map_err(|e| c(e.to_string()))?,
        answer: DigResponseType::from_code(&raw.1).map_err(|e| c(e.to_string()))?,
        deadline: parse_time(&raw.2, T)?,
        answered_at: raw.3.map(|t| parse_time(&t, T)).transpose()?,
        features_count: u64::try_from(raw.4).map_err(|e| c(e.to_string()))?,
    })
}

/// The values of a request row, ready to bind, in [`insert_request`]'s order.
#[derive(Debug)]
pub(super) struct RequestValues {
    id: String,
    requester: String,
    wkb: Vec<u8>,
    bbox: [f64; 4],
    buffer_m: f64,
    period: (String, String),
    purpose: String,
    contact: String,
    status: &'static str,
    received: String,
}

impl RequestValues {
    pub(super) fn new(r: &DigRequest) -> Result<Self, StoreError> {
        let bbox = bbox_of(&r.polygon).ok_or_else(|| {
            StoreError::Geometry(format!("dig request {}: the polygon is empty", r.id))
        })?;
        Ok(Self {
            id: r.id.to_string(),
            requester: r.requester_id.to_string(),
            wkb: encode_wkb(&Geometry::Polygon(r.polygon.clone()))?,
            bbox,
            buffer_m: r.buffer_m,
            period: (format_time(r.period_from), format_time(r.period_to)),
            purpose: r.purpose.clone(),
            contact: r.contact.clone(),
            status: r.status.code(),
            received: format_time(r.received_at),
        })
    }
}

pub(super) fn bbox_of(p: &Polygon<f64>) -> Option<[f64; 4]> {
    let r = p.bounding_rect()?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Inserts the request row; `false` when its id exists already.
pub(super) fn insert_request(conn: &Connection, v: &RequestValues) -> rusqlite::Result<bool> {
    // Cached statements: parsing the SQL was a fifth of the server's time
    // when filing requests at 1,000/s.
    let n = conn
        .prepare_cached(
            "INSERT INTO dig_requests (id, requester_id, polygon, min_x, min_y, max_x, max_y,
            buffer_m, period_from, period_to, purpose, contact, status, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            v.id,
            v.requester,
            v.wkb,
            v.bbox[0],
            v.bbox[1],
            v.bbox[2],
            v.bbox[3],
            v.buffer_m,
            v.period.0,
            v.period.1,
            v.purpose,
            v.contact,
            v.status,
            v.received
        ])?;
    Ok(n == 1)
}

/// Inserts or overwrites the response of `r.owner_id` to request `id`.
pub(super) fn upsert_response(
    conn: &Connection,
    id: &str,
    r: &DigResponse,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO dig_responses (dig_request_id, owner_id, answer, deadline, answered_at,
            features_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (dig_request_id, owner_id) DO UPDATE SET answer = excluded.answer,
            deadline = excluded.deadline, answered_at = excluded.answered_at,
            features_count = excluded.features_count",
    )?
    .execute(params![
        id,
        r.owner_id.as_str(),
        r.answer.code(),
        format_time(r.deadline),
        r.answered_at.map(format_time),
        i64::try_from(r.features_count).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}
