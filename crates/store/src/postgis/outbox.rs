//! Webhooks and the outbox in PostGIS (`0004_outbox.sql`).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use forsyning_model::OrgId;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::PostgisStore;
use crate::codec::truncate_millis;
use crate::outbox::{
    after_attempt, Attempt, EventKind, EventStatus, OutboxEvent, OutboxStore, Webhook,
};
use crate::StoreError;

const COLUMNS: &str = "id, owner_id, kind, dig_request_id, payload, created_at, status, \
    attempts, next_attempt_at, delivered_at, last_error";

fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: reason.to_string(),
    }
}

/// Writes `events` on `conn` (inside the caller's transaction).
pub(super) async fn insert_events(
    conn: &mut PgConnection,
    events: &[OutboxEvent],
) -> Result<(), StoreError> {
    for e in events {
        sqlx::query(&format!(
            "INSERT INTO outbox ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6,
                CASE WHEN EXISTS (SELECT 1 FROM webhooks WHERE owner_id = $2) THEN $7 ELSE 'skipped' END,
                $8, $9, $10,
                CASE WHEN EXISTS (SELECT 1 FROM webhooks WHERE owner_id = $2) THEN $11
                     ELSE $2 || ' had no webhook when the event was written' END)"
        ))
        .bind(e.id)
        .bind(e.owner_id.as_str())
        .bind(e.kind.code())
        .bind(e.dig_request_id)
        .bind(&e.payload)
        .bind(truncate_millis(e.created_at))
        .bind(e.status.code())
        .bind(i32::try_from(e.attempts).unwrap_or(i32::MAX))
        .bind(truncate_millis(e.next_attempt_at))
        .bind(e.delivered_at.map(truncate_millis))
        .bind(&e.last_error)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn read_event(r: &PgRow) -> Result<OutboxEvent, StoreError> {
    const T: &str = "outbox";
    let kind: String = r.try_get(2)?;
    let status: String = r.try_get(6)?;
    Ok(OutboxEvent {
        id: r.try_get(0)?,
        owner_id: OrgId::new(r.try_get::<String, _>(1)?).map_err(|e| corrupt(T, e))?,
        kind: EventKind::from_code(&kind).ok_or_else(|| corrupt(T, format!("kind {kind:?}")))?,
        dig_request_id: r.try_get(3)?,
        payload: r.try_get(4)?,
        created_at: r.try_get(5)?,
        status: EventStatus::from_code(&status)
            .ok_or_else(|| corrupt(T, format!("status {status:?}")))?,
        attempts: u32::try_from(r.try_get::<i32, _>(7)?).map_err(|e| corrupt(T, e))?,
        next_attempt_at: r.try_get(8)?,
        delivered_at: r.try_get(9)?,
        last_error: r.try_get(10)?,
    })
}

#[async_trait]
impl OutboxStore for PostgisStore {
    async fn set_webhook(&self, hook: &Webhook) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO webhooks (owner_id, url, salt, created_at)
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM organisations WHERE id = $1)
             ON CONFLICT (owner_id) DO UPDATE SET url = EXCLUDED.url, salt = EXCLUDED.salt,
                created_at = EXCLUDED.created_at",
        )
        .bind(hook.owner_id.as_str())
        .bind(&hook.url)
        .bind(&hook.salt)
        .bind(truncate_millis(hook.created_at))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "organisation {}",
                hook.owner_id
            )));
        }
        Ok(())
    }

    async fn remove_webhook(&self, owner: &OrgId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM webhooks WHERE owner_id = $1")
            .bind(owner.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn webhook(&self, owner: &OrgId) -> Result<Option<Webhook>, StoreError> {
        let row =
            sqlx::query("SELECT owner_id, url, salt, created_at FROM webhooks WHERE owner_id = $1")
                .bind(owner.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(Webhook {
                owner_id: OrgId::new(r.try_get::<String, _>(0)?)
                    .map_err(|e| corrupt("webhooks", e))?,
                url: r.try_get(1)?,
                salt: r.try_get(2)?,
                created_at: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn claim_events(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        // SKIP LOCKED: replicas claiming at once take different events.
        let rows = sqlx::query(&format!(
            "UPDATE outbox SET next_attempt_at = $2 WHERE id IN (
                SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
                ORDER BY next_attempt_at, created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        ))
        .bind(truncate_millis(now))
        .bind(truncate_millis(now + lease))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut events = rows.iter().map(read_event).collect::<Result<Vec<_>, _>>()?;
        events.sort_by_key(|e| (e.created_at, e.id));
        Ok(events)
    }

    async fn record_attempt(&self, id: Uuid, attempt: &Attempt) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query("SELECT attempts FROM outbox WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(StoreError::NotFound(format!("outbox event {id}")));
        };
        let attempts = u32::try_from(row.try_get::<i32, _>(0)?).unwrap_or(0);
        let u = after_attempt(attempts, attempt);
        sqlx::query(
            "UPDATE outbox SET status = $2, attempts = $3,
                next_attempt_at = COALESCE($4, next_attempt_at), delivered_at = $5,
                last_error = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(u.status.code())
        .bind(i32::try_from(u.attempts).unwrap_or(i32::MAX))
        .bind(u.next.map(truncate_millis))
        .bind(u.delivered_at.map(truncate_millis))
        .bind(u.last_error)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn events(
        &self,
        owner: Option<&OrgId>,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE $1::text IS NULL OR owner_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(owner.map(OrgId::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read_event).collect()
    }
}
