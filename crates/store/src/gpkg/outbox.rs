//! Webhooks and the outbox in the operations database (see `ops`).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use forsyning_model::OrgId;
use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::ops_io::{read_ops, write_ops};
use crate::codec::{format_time, parse_time, truncate_millis};
use crate::outbox::{
    after_attempt, Attempt, EventKind, EventStatus, OutboxEvent, OutboxStore, Webhook,
};
use crate::StoreError;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS webhooks (
    owner_id TEXT PRIMARY KEY REFERENCES organisations (id), url TEXT NOT NULL,
    salt TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, kind TEXT NOT NULL,
    dig_request_id TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL,
    delivered_at TEXT, last_error TEXT);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_owner ON outbox (owner_id, created_at);
";

const COLUMNS: &str = "id, owner_id, kind, dig_request_id, payload, created_at, status, \
    attempts, next_attempt_at, delivered_at, last_error";

/// Writes `events` on `conn` (inside the caller's transaction).
pub(super) fn insert_events(conn: &Connection, events: &[OutboxEvent]) -> rusqlite::Result<()> {
    let mut s = conn.prepare_cached(&format!(
        "INSERT INTO outbox ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6,
            CASE WHEN EXISTS (SELECT 1 FROM webhooks WHERE owner_id = ?2) THEN ?7 ELSE 'skipped' END,
            ?8, ?9, ?10,
            CASE WHEN EXISTS (SELECT 1 FROM webhooks WHERE owner_id = ?2) THEN ?11
                 ELSE ?2 || ' had no webhook when the event was written' END)"
    ))?;
    for e in events {
        s.execute(params![
            e.id.to_string(),
            e.owner_id.as_str(),
            e.kind.code(),
            e.dig_request_id.to_string(),
            e.payload,
            format_time(e.created_at),
            e.status.code(),
            e.attempts,
            format_time(e.next_attempt_at),
            e.delivered_at.map(format_time),
            e.last_error,
        ])?;
    }
    Ok(())
}

/// One outbox row as read, checked by [`to_event`].
struct RawEvent {
    id: String,
    owner: String,
    kind: String,
    request: String,
    payload: String,
    created: String,
    status: String,
    attempts: u32,
    next: String,
    delivered_at: Option<String>,
    last_error: Option<String>,
}

fn read_event(r: &Row<'_>) -> rusqlite::Result<RawEvent> {
    Ok(RawEvent {
        id: r.get(0)?,
        owner: r.get(1)?,
        kind: r.get(2)?,
        request: r.get(3)?,
        payload: r.get(4)?,
        created: r.get(5)?,
        status: r.get(6)?,
        attempts: r.get(7)?,
        next: r.get(8)?,
        delivered_at: r.get(9)?,
        last_error: r.get(10)?,
    })
}

fn to_event(raw: RawEvent) -> Result<OutboxEvent, StoreError> {
    const T: &str = "outbox";
    let c = |reason: String| StoreError::CorruptRow { table: T, reason };
    Ok(OutboxEvent {
        id: Uuid::parse_str(&raw.id).map_err(|e| c(e.to_string()))?,
        owner_id: OrgId::new(raw.owner).map_err(|e| c(e.to_string()))?,
        kind: EventKind::from_code(&raw.kind).ok_or_else(|| c(format!("kind {:?}", raw.kind)))?,
        dig_request_id: Uuid::parse_str(&raw.request).map_err(|e| c(e.to_string()))?,
        payload: raw.payload,
        created_at: parse_time(&raw.created, T)?,
        status: EventStatus::from_code(&raw.status)
            .ok_or_else(|| c(format!("status {:?}", raw.status)))?,
        attempts: raw.attempts,
        next_attempt_at: parse_time(&raw.next, T)?,
        delivered_at: raw
            .delivered_at
            .as_deref()
            .map(|t| parse_time(t, T))
            .transpose()?,
        last_error: raw.last_error,
    })
}

fn read_hook(r: &Row<'_>) -> rusqlite::Result<[String; 4]> {
    Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?])
}

fn to_hook([owner, url, salt, created]: [String; 4]) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        owner_id: OrgId::new(owner).map_err(|e| StoreError::CorruptRow {
            table: "webhooks",
            reason: e.to_string(),
        })?,
        url,
        salt,
        created_at: parse_time(&created, "webhooks")?,
    })
}

#[async_trait]
impl OutboxStore for super::GpkgStore {
    async fn set_webhook(&self, hook: &Webhook) -> Result<(), StoreError> {
        let hook = hook.clone();
        let owner = hook.owner_id.clone();
        let known = write_ops(&self.inner.ops, move |c| {
            let known = c
                .query_row(
                    "SELECT 1 FROM organisations WHERE id = ?1",
                    [hook.owner_id.as_str()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if known {
                c.execute(
                    "INSERT INTO webhooks (owner_id, url, salt, created_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (owner_id) DO UPDATE SET url = excluded.url,
                        salt = excluded.salt, created_at = excluded.created_at",
                    params![
                        hook.owner_id.as_str(),
                        hook.url,
                        hook.salt,
                        format_time(truncate_millis(hook.created_at))
                    ],
                )?;
            }
            Ok(known)
        })
        .await?;
        if known {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("organisation {owner}")))
        }
    }

    async fn remove_webhook(&self, owner: &OrgId) -> Result<bool, StoreError> {
        let owner = owner.to_string();
        write_ops(&self.inner.ops, move |c| {
            Ok(c.execute("DELETE FROM webhooks WHERE owner_id = ?1", [owner])? > 0)
        })
        .await
    }

    async fn webhook(&self, owner: &OrgId) -> Result<Option<Webhook>, StoreError> {
        let owner = owner.to_string();
        let raw = read_ops(&self.inner.ops, move |c| {
            c.query_row(
                "SELECT owner_id, url, salt, created_at FROM webhooks WHERE owner_id = ?1",
                [owner],
                read_hook,
            )
            .optional()
        })
        .await?;
        raw.map(to_hook).transpose()
    }

    async fn claim_events(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let until = truncate_millis(now + lease);
        let (now, until_text) = (format_time(truncate_millis(now)), format_time(until));
        let raws = write_ops(&self.inner.ops, move |c| {
            let tx = c;
            let raws = {
                let mut s = tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1
                     ORDER BY next_attempt_at, created_at, id LIMIT ?2"
                ))?;
                let raws = s
                    .query_map(params![now, limit], read_event)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut u =
                    tx.prepare_cached("UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1")?;
                for r in &raws {
                    u.execute(params![r.id, until_text])?;
                }
                raws
            };
            Ok(raws)
        })
        .await?;
        raws.into_iter()
            .map(|raw| {
                let mut e = to_event(raw)?;
                e.next_attempt_at = until;
                Ok(e)
            })
            .collect()
    }

    async fn record_attempt(&self, id: Uuid, attempt: &Attempt) -> Result<(), StoreError> {
        let attempt = attempt.clone();
        let key = id.to_string();
        let found = write_ops(&self.inner.ops, move |tx| {
            let Some(attempts) = tx
                .query_row("SELECT attempts FROM outbox WHERE id = ?1", [&key], |r| {
                    r.get::<_, u32>(0)
                })
                .optional()?
            else {
                return Ok(false);
            };
            let u = after_attempt(attempts, &attempt);
            tx.execute(
                "UPDATE outbox SET status = ?2, attempts = ?3,
                    next_attempt_at = COALESCE(?4, next_attempt_at), delivered_at = ?5,
                    last_error = ?6 WHERE id = ?1",
                params![
                    key,
                    u.status.code(),
                    u.attempts,
                    u.next.map(|t| format_time(truncate_millis(t))),
                    u.delivered_at.map(|t| format_time(truncate_millis(t))),
                    u.last_error,
                ],
            )?;
            Ok(true)
        })
        .await?;
        if found {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("outbox event {id}")))
        }
    }

    async fn events(
        &self,
        owner: Option<&OrgId>,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let owner = owner.map(|o| o.to_string());
        let raws = read_ops(&self.inner.ops, move |c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE ?1 IS NULL OR owner_id = ?1
                 ORDER BY created_at DESC, id DESC LIMIT ?2"
            ))?;
            let raws = s
                .query_map(params![owner, limit], read_event)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(raws)
        })
        .await?;
        raws.into_iter().map(to_event).collect()
    }
}
