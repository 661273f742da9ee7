//! Dig requests in the operations database (see `ops`): writes never wait
//! behind a dataset replacement in the GeoPackage.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{AuditEntry, AuditRecord, DigRequest, DigResponse, DigResponseType, OrgId};
use geo::Intersects;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection};
use uuid::Uuid;

use super::audit::chain;
use super::dig_rows::{
    insert_request, load_responses, read_request, to_record, upsert_response, RawRequest,
    RawResponse, RequestValues, REQUEST_COLUMNS,
};
use super::ops_io::{read_ops, write_ops};
use super::outbox::insert_events;
use crate::codec::{now_millis, truncate_millis};
use crate::dig::{
    apply_answer, apply_complete, duplicate_owner, unknown_request, DigFilter, DigRecord, DigStore,
};
use crate::outbox::{dig_events, EventKind};
use crate::StoreError;

type Raw = (RawRequest, Vec<RawResponse>);

/// Requests matching `condition` (a fixed SQL condition with bound `values`), with their responses.
fn load(conn: &Connection, condition: &str, values: Vec<Value>) -> rusqlite::Result<Vec<Raw>> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM dig_requests WHERE {condition} ORDER BY received_at, id"
    );
    let mut s = conn.prepare_cached(&sql)?;
    let requests = s
        .query_map(params_from_iter(values), read_request)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    requests
        .into_iter()
        .map(|r| {
            let responses = load_responses(conn, &r.0)?;
            Ok((r, responses))
        })
        .collect()
}

fn load_one(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Raw>> {
    Ok(load(conn, "id = ?1", vec![Value::Text(id.to_string())])?.pop())
}

fn to_records(raws: Vec<Raw>) -> Result<Vec<DigRecord>, StoreError> {
    raws.into_iter().map(|(r, s)| to_record(r, s)).collect()
}

/// Reads request `id`, lets `change` update it, and writes the request's
/// status and every response back, as one write of the group commit.
async fn update(
    store: &super::GpkgStore,
    id: Uuid,
    emit: Option<EventKind>,
    change: impl FnOnce(&mut DigRecord) -> Result<(), StoreError> + Send + 'static,
) -> Result<DigRecord, StoreError> {
    let outcome = write_ops(&store.inner.ops, move |tx| {
        let Some((req, resp)) = load_one(tx, id)? else {
            return Ok(Err(unknown_request(id)));
        };
        let mut record = match to_record(req, resp) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        if let Err(e) = change(&mut record) {
            return Ok(Err(e));
        }
        let key = id.to_string();
        tx.prepare_cached("UPDATE dig_requests SET status = ?2 WHERE id = ?1")?
            .execute(params![key, record.request.status.code()])?;
        for r in &record.responses {
            upsert_response(tx, &key, r)?;
        }
        if let Some(kind) = emit {
            insert_events(tx, &dig_events(&record, kind, now_millis()))?;
        }
        Ok(Ok(record))
    })
    .await?;
    outcome
}

/// Inserts `request` with its responses and events, and appends
/// `disclosure` to the audit chain, in one write.
async fn insert(
    store: &super::GpkgStore,
    request: &DigRequest,
    responses: &[DigResponse],
    disclosure: Option<AuditRecord>,
) -> Result<Option<AuditEntry>, StoreError> {
    if let Some(e) = duplicate_owner(request, responses) {
        return Err(e);
    }
    let values = RequestValues::new(request)?;
    let (key, responses) = (request.id.to_string(), responses.to_vec());
    let record = DigRecord {
        request: request.clone(),
        responses: responses.clone(),
    };
    let events = dig_events(&record, EventKind::DigRequestReceived, now_millis());
    let inserted = write_ops(&store.inner.ops, move |tx| {
        if !insert_request(tx, &values)? {
            return Ok(None);
        }
        for r in &responses {
            upsert_response(tx, &key, r)?;
        }
        insert_events(tx, &events)?;
        let entry = disclosure.map(|d| chain(tx, d)).transpose()?;
        Ok(Some(entry))
    })
    .await?;
    inserted
        .ok_or_else(|| StoreError::Conflict(format!("dig request {} exists already", request.id)))
}

#[async_trait]
impl DigStore for super::GpkgStore {
    async fn insert_dig_request(
        &self,
        request: &DigRequest,
        responses: &[DigResponse],
    ) -> Result<(), StoreError> {
        insert(self, request, responses, None).await.map(|_| ())
    }

    async fn insert_dig_request_audited(
        &self,
        request: &DigRequest,
        responses: &[DigResponse],
        mut disclosure: AuditRecord,
    ) -> Result<AuditEntry, StoreError> {
        disclosure.at = truncate_millis(disclosure.at);
        let entry = insert(self, request, responses, Some(disclosure)).await?;
        entry.ok_or_else(|| StoreError::Task("the audit entry was not written".into()))
    }

    async fn dig_request(&self, id: Uuid) -> Result<Option<DigRecord>, StoreError> {
        let raw = read_ops(&self.inner.ops, move |c| load_one(c, id)).await?;
        raw.map(|(r, s)| to_record(r, s)).transpose()
    }

    async fn dig_requests(&self, filter: &DigFilter) -> Result<Vec<DigRecord>, StoreError> {
        let text = |o: &OrgId| vec![Value::Text(o.to_string())];
        let (condition, values) = match filter {
            DigFilter::All => ("1 = 1", vec![]),
            DigFilter::Requester(o) => ("requester_id = ?1", text(o)),
            DigFilter::Owner(o) => (
                "id IN (SELECT dig_request_id FROM dig_responses WHERE owner_id = ?1)",
                text(o),
            ),
            DigFilter::Intersecting(area) => {
                let Some(r) = geo::BoundingRect::bounding_rect(area) else {
                    return Ok(Vec::new());
                };
                (
                    "max_x >= ?1 AND max_y >= ?2 AND min_x <= ?3 AND min_y <= ?4",
                    [r.min().x, r.min().y, r.max().x, r.max().y]
                        .into_iter()
                        .map(Value::Real)
                        .collect(),
                )
            }
        };
        let raws = read_ops(&self.inner.ops, move |c| load(c, condition, values)).await?;
        let mut records = to_records(raws)?;
        if let DigFilter::Intersecting(area) = filter {
            records.retain(|r| r.request.polygon.intersects(area));
        }
        Ok(records)
    }

    async fn answer_dig_request(
        &self,
        id: Uuid,
        owner: &OrgId,
        answer: DigResponseType,
        features_count: u64,
        at: DateTime<Utc>,
    ) -> Result<DigRecord, StoreError> {
        let (owner, at) = (owner.clone(), truncate_millis(at));
        update(self, id, None, move |record| {
            apply_answer(record, &owner, answer, features_count, at)
        })
        .await
    }

    async fn complete_dig_request(&self, id: Uuid) -> Result<DigRecord, StoreError> {
        update(
            self,
            id,
            Some(EventKind::DigRequestCompleted),
            apply_complete,
        )
        .await
    }
}
