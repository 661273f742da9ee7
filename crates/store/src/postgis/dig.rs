//! Dig requests in PostGIS (`0003_dig_requests.sql`).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{
    AuditEntry, AuditRecord, DigRequest, DigRequestStatus, DigResponse, DigResponseType, OrgId,
};
use geo_types::Geometry;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::access::append_audit_in;
use super::outbox::insert_events;
use super::PostgisStore;
use crate::codec::{decode_wkb, encode_wkb, now_millis, truncate_millis};
use crate::dig::{
    apply_answer, apply_complete, duplicate_owner, unknown_request, DigFilter, DigRecord, DigStore,
};
use crate::outbox::{dig_events, EventKind};
use crate::StoreError;

const REQUEST_COLUMNS: &str = "id, requester_id, ST_AsBinary(geom), buffer_m, period_from, \
     period_to, purpose, contact, status, received_at";
const ORDER: &str = "ORDER BY received_at, id";

fn corrupt(table: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: e.to_string(),
    }
}

fn read_request(r: &PgRow) -> Result<DigRequest, StoreError> {
    const T: &str = "dig_requests";
    let wkb: Vec<u8> = r.try_get(2)?;
    let polygon = match decode_wkb(&wkb)? {
        Geometry::Polygon(p) => p,
        other => return Err(corrupt(T, format!("polygon is not a polygon: {other:?}"))),
    };
    Ok(DigRequest {
        id: r.try_get(0)?,
        requester_id: OrgId::new(r.try_get::<String, _>(1)?).map_err(|e| corrupt(T, e))?,
        polygon,
        buffer_m: r.try_get(3)?,
        period_from: r.try_get(4)?,
        period_to: r.try_get(5)?,
        purpose: r.try_get(6)?,
        contact: r.try_get(7)?,
        status: DigRequestStatus::from_code(r.try_get(8)?).map_err(|e| corrupt(T, e))?,
        received_at: r.try_get(9)?,
    })
}

fn read_response(r: &PgRow) -> Result<(Uuid, DigResponse), StoreError> {
    const T: &str = "dig_responses";
    Ok((
        r.try_get(0)?,
        DigResponse {
            owner_id: OrgId::new(r.try_get::<String, _>(1)?).map_err(|e| corrupt(T, e))?,
            answer: DigResponseType::from_code(r.try_get(2)?).map_err(|e| corrupt(T, e))?,
            deadline: r.try_get(3)?,
            answered_at: r.try_get(4)?,
            features_count: u64::try_from(r.try_get::<i64, _>(5)?).map_err(|e| corrupt(T, e))?,
        },
    ))
}

/// Adds the responses to `requests`, in one query.
async fn with_responses(
    conn: &mut PgConnection,
    requests: Vec<DigRequest>,
) -> Result<Vec<DigRecord>, StoreError> {
    let ids: Vec<Uuid> = requests.iter().map(|r| r.id).collect();
    let rows = sqlx::query(
        "SELECT dig_request_id, owner_id, answer, deadline, answered_at, features_count
         FROM dig_responses WHERE dig_request_id = ANY($1) ORDER BY dig_request_id, owner_id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_request: HashMap<Uuid, Vec<DigResponse>> = HashMap::new();
    for row in &rows {
        let (id, response) = read_response(row)?;
        by_request.entry(id).or_default().push(response);
    }
    Ok(requests
        .into_iter()
        .map(|request| DigRecord {
            responses: by_request.remove(&request.id).unwrap_or_default(),
            request,
        })
        .collect())
}

/// Request `id` with its responses; `lock` takes a row lock for an update.
async fn load_one(
    conn: &mut PgConnection,
    id: Uuid,
    lock: bool,
) -> Result<Option<DigRecord>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM dig_requests WHERE id = $1 {}",
        if lock { "FOR UPDATE" } else { "" }
    );
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_responses(conn, vec![read_request(&row)?]).await?.pop())
}

async fn upsert_response(
    conn: &mut PgConnection,
    id: Uuid,
    r: &DigResponse,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO dig_responses (dig_request_id, owner_id, answer, deadline, answered_at,
            features_count) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dig_request_id, owner_id) DO UPDATE SET answer = EXCLUDED.answer,
            deadline = EXCLUDED.deadline, answered_at = EXCLUDED.answered_at,
            features_count = EXCLUDED.features_count",
    )
    .bind(id)
    .bind(r.owner_id.as_str())
    .bind(r.answer.code())
    .bind(truncate_millis(r.deadline))
    .bind(r.answered_at.map(truncate_millis))
    .bind(i64::try_from(r.features_count).unwrap_or(i64::MAX))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl PostgisStore {
    /// Locks request `id`, lets `change` update it and writes it back, in one transaction.
    async fn update_dig(
        &self,
        id: Uuid,
        emit: Option<EventKind>,
        change: impl FnOnce(&mut DigRecord) -> Result<(), StoreError> + Send,
    ) -> Result<DigRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut record = load_one(&mut tx, id, true)
            .await?
            .ok_or_else(|| unknown_request(id))?;
        change(&mut record)?;
        sqlx::query("UPDATE dig_requests SET status = $2 WHERE id = $1")
            .bind(id)
            .bind(record.request.status.code())
            .execute(&mut *tx)
            .await?;
        for r in &record.responses {
            upsert_response(&mut tx, id, r).await?;
        }
        if let Some(kind) = emit {
            insert_events(&mut tx, &dig_events(&record, kind, now_millis())).await?;
        }
        tx.commit().await?;
        Ok(record)
    }
}

/// Inserts `request` with its responses and its `received` events in `tx`.
async fn insert_in(
    tx: &mut PgConnection,
    request: &DigRequest,
    responses: &[DigResponse],
    srid: i32,
) -> Result<(), StoreError> {
    if let Some(e) = duplicate_owner(request, responses) {
        return Err(e);
    }
    let r = request;
    let wkb = encode_wkb(&Geometry::Polygon(r.polygon.clone()))?;
    let done = sqlx::query(&format!(
        "INSERT INTO dig_requests (id, requester_id, geom, buffer_m, period_from, period_to,
            purpose, contact, status, received_at)
         VALUES ($1, $2, ST_GeomFromWKB($3, {srid}), $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING"
    ))
    .bind(r.id)
    .bind(r.requester_id.as_str())
    .bind(wkb)
    .bind(r.buffer_m)
    .bind(truncate_millis(r.period_from))
    .bind(truncate_millis(r.period_to))
    .bind(&r.purpose)
    .bind(&r.contact)
    .bind(r.status.code())
    .bind(truncate_millis(r.received_at))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "dig request {} exists already",
            r.id
        )));
    }
    for response in responses {
        upsert_response(tx, r.id, response).await?;
    }
    let record = DigRecord {
        request: request.clone(),
        responses: responses.to_vec(),
    };
    let events = dig_events(&record, EventKind::DigRequestReceived, now_millis());
    insert_events(tx, &events).await?;
    Ok(())
}

#[async_trait]
impl DigStore for PostgisStore {
    async fn insert_dig_request(
        &self,
        request: &DigRequest,
        responses: &[DigResponse],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_in(&mut tx, request, responses, self.srid).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_dig_request_audited(
        &self,
        request: &DigRequest,
        responses: &[DigResponse],
        mut disclosure: AuditRecord,
    ) -> Result<AuditEntry, StoreError> {
        disclosure.at = truncate_millis(disclosure.at);
        let mut tx = self.pool.begin().await?;
        insert_in(&mut tx, request, responses, self.srid).await?;
        let entry = append_audit_in(&mut tx, disclosure).await?;
        tx.commit().await?;
        Ok(entry)
    }

    async fn dig_request(&self, id: Uuid) -> Result<Option<DigRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        load_one(&mut conn, id, false).await
    }

    async fn dig_requests(&self, filter: &DigFilter) -> Result<Vec<DigRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let select = format!("SELECT {REQUEST_COLUMNS} FROM dig_requests");
        let rows = match filter {
            DigFilter::All => {
                sqlx::query(&format!("{select} {ORDER}"))
                    .fetch_all(&mut *conn)
                    .await?
            }
            DigFilter::Requester(o) => {
                sqlx::query(&format!("{select} WHERE requester_id = $1 {ORDER}"))
                    .bind(o.as_str())
                    .fetch_all(&mut *conn)
                    .await?
            }
            DigFilter::Owner(o) => {
                sqlx::query(&format!(
                    "{select} WHERE id IN
                        (SELECT dig_request_id FROM dig_responses WHERE owner_id = $1) {ORDER}"
                ))
                .bind(o.as_str())
                .fetch_all(&mut *conn)
                .await?
            }
            DigFilter::Intersecting(area) => {
                let wkb = encode_wkb(&Geometry::MultiPolygon(area.clone()))?;
                sqlx::query(&format!(
                    "{select} WHERE ST_Intersects(geom, ST_GeomFromWKB($1, {})) {ORDER}",
                    self.srid
                ))
                .bind(wkb)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        let requests = rows.iter().map(read_request).collect::<Result<_, _>>()?;
        with_responses(&mut conn, requests).await
    }

    async fn answer_dig_request(
        &self,
        id: Uuid,
        owner: &OrgId,
        answer: DigResponseType,
        features_count: u64,
        at: DateTime<Utc>,
    ) -> Result<DigRecord, StoreError> {
        let at = truncate_millis(at);
        self.update_dig(id, None, |record| {
            apply_answer(record, owner, answer, features_count, at)
        })
        .await
    }

    async fn complete_dig_request(&self, id: Uuid) -> Result<DigRecord, StoreError> {
        self.update_dig(id, Some(EventKind::DigRequestCompleted), apply_complete)
            .await
    }
}
