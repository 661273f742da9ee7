//! What the operations of a deployment keep in the store: the long jobs
//! (dataset uploads) so that any replica answers for them and a restart
//! forgets nothing, the incidents admins post on the status page, and the
//! figures of the webhook outbox (its lag, its retention).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::OrgId;
use serde::Serialize;
use uuid::Uuid;

use crate::StoreError;

/// A job as stored: the columns the store filters on, and the job itself as
/// JSON (its shape belongs to the API).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    pub id: Uuid,
    pub owner_id: OrgId,
    /// `queued`, `running`, `succeeded`, `rejected` or `failed`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    /// When a process last wrote the job (a heartbeat while it runs).
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The job as the API shows it, JSON.
    pub body: String,
}

/// How bad an incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Degraded: slower, or one function out.
    Minor,
    /// A main function is out (dig requests, uploads, tiles).
    Major,
    /// The service is down.
    Critical,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Self::Minor => "minor",
            Self::Major => "major",
            Self::Critical => "critical",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Minor, Self::Major, Self::Critical]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// An incident an admin posted on the status page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: Uuid,
    pub title: String,
    pub message: String,
    pub severity: Severity,
    /// The component it concerns (`store`, `ingest`, `tiles`, `outbox`), if one.
    pub component: Option<String>,
    /// The admin organisation that posted it.
    pub posted_by: OrgId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `None` while the incident is open.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// The webhook outbox in figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutboxStats {
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
    pub skipped: u64,
    /// When the oldest pending event was written; `None` when none is pending.
    pub oldest_pending: Option<DateTime<Utc>>,
}

impl OutboxStats {
    /// Seconds the oldest pending event has waited at `now` (0 when none waits).
    pub fn lag_s(&self, now: DateTime<Utc>) -> f64 {
        self.oldest_pending
            .map(|t| ((now - t).num_milliseconds() as f64 / 1000.0).max(0.0))
            .unwrap_or(0.0)
    }
}

/// Jobs, incidents and outbox upkeep. Times are kept to the millisecond.
#[async_trait]
pub trait OperationsStore: Send + Sync {
    /// Writes `job`, replacing the stored one of the same id.
    async fn put_job(&self, job: &StoredJob) -> Result<(), StoreError>;

    async fn job(&self, id: Uuid) -> Result<Option<StoredJob>, StoreError>;

    /// Deletes the jobs that finished before `before`; returns how many.
    async fn prune_jobs(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Writes `incident`, replacing the stored one of the same id.
    async fn put_incident(&self, incident: &Incident) -> Result<(), StoreError>;

    async fn incident(&self, id: Uuid) -> Result<Option<Incident>, StoreError>;

    /// The open incidents and those resolved at or after `resolved_since`,
    /// newest first, at most `limit`.
    async fn incidents(
        &self,
        resolved_since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Incident>, StoreError>;

    /// Counts of the outbox's events by status, and the oldest pending one.
    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;

    /// Retention: deletes the events delivered before `before` and the
    /// skipped events written before `before`; pending and failed events
    /// stay. Returns how many were deleted.
    async fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Whether every schema migration this build knows has been applied.
    async fn schema_current(&self) -> Result<bool, StoreError>;
}
