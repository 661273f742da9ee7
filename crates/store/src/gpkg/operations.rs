//! Jobs, incidents and outbox upkeep in the operations database (see `ops`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::OrgId;
use rusqlite::{params, OptionalExtension, Row};
use uuid::Uuid;

use super::ops_io::{read_ops, write_ops};
use crate::codec::{format_time, parse_time, truncate_millis};
use crate::operations::{Incident, OperationsStore, OutboxStats, Severity, StoredJob};
use crate::StoreError;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, state TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_at);
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, message TEXT NOT NULL, severity TEXT NOT NULL,
    component TEXT, posted_by TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, resolved_at TEXT);
CREATE INDEX IF NOT EXISTS outbox_delivered ON outbox (status, delivered_at);
";

/// Tables whose presence says the schema of this build is in place.
const TABLES: [&str; 8] = [
    "organisations",
    "api_tokens",
    "audit_log",
    "outbox",
    "jobs",
    "incidents",
    "gnss_fixes",
    "gnss_alerts",
];

fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: reason.to_string(),
    }
}

type JobRaw = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
);

fn read_job(r: &Row<'_>) -> rusqlite::Result<JobRaw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_job(
    (id, owner, state, created, updated, finished, body): JobRaw,
) -> Result<StoredJob, StoreError> {
    const T: &str = "jobs";
    Ok(StoredJob {
        id: Uuid::parse_str(&id).map_err(|e| corrupt(T, e))?,
        owner_id: OrgId::new(owner).map_err(|e| corrupt(T, e))?,
        state,
        created_at: parse_time(&created, T)?,
        updated_at: parse_time(&updated, T)?,
        finished_at: finished.map(|t| parse_time(&t, T)).transpose()?,
        body,
    })
}

const INCIDENT_COLUMNS: &str =
    "id, title, message, severity, component, posted_by, created_at, updated_at, resolved_at";

type IncidentRaw = [Option<String>; 9];

fn read_incident(r: &Row<'_>) -> rusqlite::Result<IncidentRaw> {
    let mut out: IncidentRaw = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = r.get(i)?;
    }
    Ok(out)
}

fn to_incident(raw: IncidentRaw) -> Result<Incident, StoreError> {
    const T: &str = "incidents";
    let [id, title, message, severity, component, posted_by, created, updated, resolved] = raw;
    let need = |v: Option<String>, col: &str| v.ok_or_else(|| corrupt(T, format!("{col} is null")));
    let severity = need(severity, "severity")?;
    Ok(Incident {
        id: Uuid::parse_str(&need(id, "id")?).map_err(|e| corrupt(T, e))?,
        title: need(title, "title")?,
        message: need(message, "message")?,
        severity: Severity::from_code(&severity)
            .ok_or_else(|| corrupt(T, format!("severity {severity:?}")))?,
        component,
        posted_by: OrgId::new(need(posted_by, "posted_by")?).map_err(|e| corrupt(T, e))?,
        created_at: parse_time(&need(created, "created_at")?, T)?,
        updated_at: parse_time(&need(updated, "updated_at")?, T)?,
        resolved_at: resolved.map(|t| parse_time(&t, T)).transpose()?,
    })
}

#[async_trait]
impl OperationsStore for super::GpkgStore {
    async fn put_job(&self, job: &StoredJob) -> Result<(), StoreError> {
        let j = job.clone();
        write_ops(&self.inner.ops, move |c| {
            c.execute(
                "INSERT INTO jobs (id, owner_id, state, created_at, updated_at, finished_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state,
                    updated_at = excluded.updated_at, finished_at = excluded.finished_at,
                    body = excluded.body",
                params![
                    j.id.to_string(),
                    j.owner_id.as_str(),
                    j.state,
                    format_time(truncate_millis(j.created_at)),
                    format_time(truncate_millis(j.updated_at)),
                    j.finished_at.map(|t| format_time(truncate_millis(t))),
                    j.body,
                ],
            )
        })
        .await?;
        Ok(())
    }

    async fn job(&self, id: Uuid) -> Result<Option<StoredJob>, StoreError> {
        let raw = read_ops(&self.inner.ops, move |c| {
            c.query_row(
                "SELECT id, owner_id, state, created_at, updated_at, finished_at, body
                 FROM jobs WHERE id = ?1",
                [id.to_string()],
                read_job,
            )
            .optional()
        })
        .await?;
        raw.map(to_job).transpose()
    }

    async fn prune_jobs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = format_time(truncate_millis(before));
        let n = write_ops(&self.inner.ops, move |c| {
            c.execute(
                "DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?1",
                [before],
            )
        })
        .await?;
        Ok(n as u64)
    }

    async fn put_incident(&self, incident: &Incident) -> Result<(), StoreError> {
        let i = incident.clone();
        write_ops(&self.inner.ops, move |c| {
            c.execute(
                &format!(
                    "INSERT INTO incidents ({INCIDENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (id) DO UPDATE SET title = excluded.title,
                        message = excluded.message, severity = excluded.severity,
                        component = excluded.component, updated_at = excluded.updated_at,
                        resolved_at = excluded.resolved_at"
                ),
                params![
                    i.id.to_string(),
                    i.title,
                    i.message,
                    i.severity.code(),
                    i.component,
                    i.posted_by.as_str(),
                    format_time(truncate_millis(i.created_at)),
                    format_time(truncate_millis(i.updated_at)),
                    i.resolved_at.map(|t| format_time(truncate_millis(t))),
                ],
            )
        })
        .await?;
        Ok(())
    }

    async fn incident(&self, id: Uuid) -> Result<Option<Incident>, StoreError> {
        let raw = read_ops(&self.inner.ops, move |c| {
            c.query_row(
                &format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?1"),
                [id.to_string()],
                read_incident,
            )
            .optional()
        })
        .await?;
        raw.map(to_incident).transpose()
    }

    async fn incidents(
        &self,
        resolved_since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Incident>, StoreError> {
        let since = format_time(truncate_millis(resolved_since));
        let raws = read_ops(&self.inner.ops, move |c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {INCIDENT_COLUMNS} FROM incidents
                 WHERE resolved_at IS NULL OR resolved_at >= ?1
                 ORDER BY created_at DESC, id DESC LIMIT ?2"
            ))?;
            let rows = s.query_map(params![since, limit], read_incident)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
        raws.into_iter().map(to_incident).collect()
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let (counts, oldest) = read_ops(&self.inner.ops, |c| {
            let c = c.transaction()?;
            let counts = {
                let mut s =
                    c.prepare_cached("SELECT status, count(*) FROM outbox GROUP BY status")?;
                let rows =
                    s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let oldest: Option<String> = c.query_row(
                "SELECT min(created_at) FROM outbox WHERE status = 'pending'",
                [],
                |r| r.get(0),
            )?;
            Ok((counts, oldest))
        })
        .await?;
        let mut stats = OutboxStats {
            oldest_pending: oldest.map(|t| parse_time(&t, "outbox")).transpose()?,
            ..OutboxStats::default()
        };
        for (status, n) in counts {
            let n = n as u64;
            match status.as_str() {
                "pending" => stats.pending = n,
                "delivered" => stats.delivered = n,
                "failed" => stats.failed = n,
                "skipped" => stats.skipped = n,
                other => return Err(corrupt("outbox", format!("status {other:?}"))),
            }
        }
        Ok(stats)
    }

    async fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = format_time(truncate_millis(before));
        let n = write_ops(&self.inner.ops, move |c| {
            c.execute(
                "DELETE FROM outbox WHERE (status = 'delivered' AND delivered_at < ?1)
                    OR (status = 'skipped' AND created_at < ?1)",
                [before],
            )
        })
        .await?;
        Ok(n as u64)
    }

    async fn schema_current(&self) -> Result<bool, StoreError> {
        let n = read_ops(&self.inner.ops, |c| {
            let list = TABLES.map(|t| format!("'{t}'")).join(", ");
            c.query_row(
                &format!(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({list})"
                ),
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .await?;
        Ok(n as usize == TABLES.len())
    }
}
