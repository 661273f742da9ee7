//! Jobs, incidents and outbox upkeep in PostGIS (`0013_operations.sql`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::OrgId;
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

use super::PostgisStore;
use crate::codec::truncate_millis;
use crate::operations::{Incident, OperationsStore, OutboxStats, Severity, StoredJob};
use crate::StoreError;

fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: reason.to_string(),
    }
}

fn read_job(r: &PgRow) -> Result<StoredJob, StoreError> {
    Ok(StoredJob {
        id: r.try_get(0)?,
        owner_id: OrgId::new(r.try_get::<String, _>(1)?).map_err(|e| corrupt("jobs", e))?,
        state: r.try_get(2)?,
        created_at: r.try_get(3)?,
        updated_at: r.try_get(4)?,
        finished_at: r.try_get(5)?,
        body: r.try_get(6)?,
    })
}

const INCIDENT_COLUMNS: &str =
    "id, title, message, severity, component, posted_by, created_at, updated_at, resolved_at";

fn read_incident(r: &PgRow) -> Result<Incident, StoreError> {
    const T: &str = "incidents";
    let severity: String = r.try_get(3)?;
    Ok(Incident {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        message: r.try_get(2)?,
        severity: Severity::from_code(&severity)
            .ok_or_else(|| corrupt(T, format!("severity {severity:?}")))?,
        component: r.try_get(4)?,
        posted_by: OrgId::new(r.try_get::<String, _>(5)?).map_err(|e| corrupt(T, e))?,
        created_at: r.try_get(6)?,
        updated_at: r.try_get(7)?,
        resolved_at: r.try_get(8)?,
    })
}

#[async_trait]
impl OperationsStore for PostgisStore {
    async fn put_job(&self, j: &StoredJob) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO jobs (id, owner_id, state, created_at, updated_at, finished_at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state,
                updated_at = EXCLUDED.updated_at, finished_at = EXCLUDED.finished_at,
                body = EXCLUDED.body",
        )
        .bind(j.id)
        .bind(j.owner_id.as_str())
        .bind(&j.state)
        .bind(truncate_millis(j.created_at))
        .bind(truncate_millis(j.updated_at))
        .bind(j.finished_at.map(truncate_millis))
        .bind(&j.body)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn job(&self, id: Uuid) -> Result<Option<StoredJob>, StoreError> {
        let row = sqlx::query(
            "SELECT id, owner_id, state, created_at, updated_at, finished_at, body
             FROM jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(read_job).transpose()
    }

    async fn prune_jobs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < $1")
                .bind(truncate_millis(before))
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected())
    }

    async fn put_incident(&self, i: &Incident) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO incidents ({INCIDENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, message = EXCLUDED.message,
                severity = EXCLUDED.severity, component = EXCLUDED.component,
                updated_at = EXCLUDED.updated_at, resolved_at = EXCLUDED.resolved_at"
        ))
        .bind(i.id)
        .bind(&i.title)
        .bind(&i.message)
        .bind(i.severity.code())
        .bind(&i.component)
        .bind(i.posted_by.as_str())
        .bind(truncate_millis(i.created_at))
        .bind(truncate_millis(i.updated_at))
        .bind(i.resolved_at.map(truncate_millis))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn incident(&self, id: Uuid) -> Result<Option<Incident>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(read_incident).transpose()
    }

    async fn incidents(
        &self,
        resolved_since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Incident>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents
             WHERE resolved_at IS NULL OR resolved_at >= $1
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(truncate_millis(resolved_since))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(read_incident).collect()
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let rows = sqlx::query(
            "SELECT status, count(*), min(created_at) FILTER (WHERE status = 'pending')
             FROM outbox GROUP BY status",
        )
        .fetch_all(self.pool())
        .await?;
        let mut stats = OutboxStats::default();
        for r in &rows {
            let status: String = r.try_get(0)?;
            let n = u64::try_from(r.try_get::<i64, _>(1)?).map_err(|e| corrupt("outbox", e))?;
            match status.as_str() {
                "pending" => {
                    stats.pending = n;
                    stats.oldest_pending = r.try_get(2)?;
                }
                "delivered" => stats.delivered = n,
                "failed" => stats.failed = n,
                "skipped" => stats.skipped = n,
                other => return Err(corrupt("outbox", format!("status {other:?}"))),
            }
        }
        Ok(stats)
    }

    async fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM outbox WHERE (status = 'delivered' AND delivered_at < $1)
                OR (status = 'skipped' AND created_at < $1)",
        )
        .bind(truncate_millis(before))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    async fn schema_current(&self) -> Result<bool, StoreError> {
        let known = sqlx::migrate!("./migrations");
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(known
            .iter()
            .all(|m| applied.binary_search(&m.version).is_ok()))
    }
}
