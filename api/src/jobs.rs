//! Long jobs (dataset uploads) and their status: `GET /api/v1/jobs/{id}`
//! gives the state, the progress and, when done, the validation report.
//!
//! A job runs in the process that took the upload and is kept in the store
//! too (`durable`, as `AppState::new` makes them): its state is written
//! when it changes (batched, at most about once a second, and at once when
//! it ends) and every 10 s while it runs, so any replica answers for it and
//! a restart forgets nothing. A job whose process died (no write for a
//! minute while queued or running) is shown, and stored, as failed: the
//! dataset replacement is atomic, so it left the stored data as it was.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use forsyning_model::{OrgId, Role};
use forsyning_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    /// Done; the data is stored.
    Succeeded,
    /// Done; the upload broke the rules and nothing was stored.
    Rejected,
    /// Could not run to the end (e.g. the store failed); nothing was stored.
    Failed,
}

impl JobState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }
}

/// A job as `GET /api/v1/jobs/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    #[schema(value_type = String)]
    pub owner_id: OrgId,
    pub dataset: String,
    pub state: JobState,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub progress: Progress,
    /// The validation report, when the job has read everything.
    #[schema(value_type = Option<Object>)]
    pub report: Option<Value>,
    /// What went wrong, for a failed or rejected job.
    pub message: Option<String>,
    /// The stored version, for a succeeded job.
    pub version: Option<u32>,
}

/// How far a job has come.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    /// 0–100, from the bytes read.
    pub percent: f64,
    pub features_accepted: u64,
}

/// How long a finished job stays visible.
pub(crate) const KEEP_FINISHED: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// Most finished jobs kept; the oldest go first.
const MAX_FINISHED: usize = 10_000;

/// The jobs of this process. Finished jobs are forgotten after a day, and
/// beyond the newest 10 000, so the registry does not grow forever (the
/// store's copies are pruned by `retention`).
#[derive(Debug, Default, Clone)]
pub struct Jobs {
    jobs: Arc<Mutex<HashMap<Uuid, Job>>>,
    durable: Option<Arc<super::jobs_store::Durable>>,
    /// Counts finished jobs (`forsyning_ingest_jobs_finished_total`).
    metrics: Option<Arc<crate::Metrics>>,
}

impl Jobs {
    /// Jobs that are also kept in `store`.
    pub fn durable(store: Arc<dyn Store>) -> Self {
        Self {
            jobs: Arc::default(),
            durable: Some(Arc::new(super::jobs_store::Durable::new(store))),
            metrics: None,
        }
    }

    /// These jobs, counting each that ends in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    fn touched(&self, id: Uuid, now: bool) {
        if let Some(d) = &self.durable {
            d.touched(self, id, now);
        }
    }

    /// Writes every changed job to the store now (a no-op without one).
    pub async fn flush(&self) {
        if let Some(d) = &self.durable {
            d.flush(self).await;
        }
    }

    /// Writes job `id` to the store now and says whether it could: a job is
    /// answered `202 Accepted` only once a restart would still know it.
    pub async fn persist(&self, id: Uuid) -> Result<(), ApiError> {
        match (&self.durable, self.get(id)) {
            (Some(d), Some(job)) => d.write(&job).await,
            _ => Ok(()),
        }
    }

    /// Job `id`: from this process, else from the store (another replica's,
    /// or one from before a restart). `None` when neither knows it.
    pub async fn find(&self, id: Uuid) -> Result<Option<Job>, ApiError> {
        if let Some(job) = self.get(id) {
            return Ok(Some(job));
        }
        match &self.durable {
            Some(d) => d.load(id).await,
            None => Ok(None),
        }
    }

    pub(crate) fn weak(&self) -> WeakJobs {
        WeakJobs(
            Arc::downgrade(&self.jobs),
            self.durable.clone().map(|d| Arc::downgrade(&d)),
            self.metrics.clone(),
        )
    }

    /// The ids of the jobs of this process still queued or running.
    pub(crate) fn live(&self) -> Vec<Uuid> {
        self.lock()
            .values()
            .filter(|j| matches!(j.state, JobState::Queued | JobState::Running))
            .map(|j| j.id)
            .collect()
    }

    /// Registers a queued job and returns its id.
    pub fn start(
        &self,
        kind: &'static str,
        owner: OrgId,
        dataset: String,
        bytes_total: u64,
    ) -> Uuid {
        let id = Uuid::new_v4();
        let job = Job {
            id,
            kind: kind.to_owned(),
            owner_id: owner,
            dataset,
            state: JobState::Queued,
            created_at: Utc::now(),
            finished_at: None,
            progress: Progress {
                bytes_total,
                ..Progress::default()
            },
            report: None,
            message: None,
            version: None,
        };
        let mut jobs = self.lock();
        prune(&mut jobs, Utc::now());
        jobs.insert(id, job);
        drop(jobs);
        self.touched(id, true);
        id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Job>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes job `id` (no-op for an unknown id).
    pub fn update(&self, id: Uuid, change: impl FnOnce(&mut Job)) {
        let ended = {
            let mut jobs = self.lock();
            let Some(job) = jobs.get_mut(&id) else {
                return;
            };
            let was = job.finished_at.is_some();
            change(job);
            !was && job.finished_at.is_some()
        };
        self.touched(id, ended);
    }

    /// Marks job `id` as running.
    pub fn running(&self, id: Uuid) {
        self.update(id, |j| {
            if j.state == JobState::Queued {
                j.state = JobState::Running;
            }
        });
    }

    /// Records that `bytes` more were read.
    pub fn read(&self, id: Uuid, bytes: u64) {
        self.update(id, |j| {
            let p = &mut j.progress;
            p.bytes_read += bytes;
            p.percent = if p.bytes_total == 0 {
                0.0
            } else {
                (p.bytes_read as f64 * 100.0 / p.bytes_total as f64).min(100.0)
            };
        });
    }

    /// Records that `n` more features were accepted.
    pub fn accepted(&self, id: Uuid, n: u64) {
        self.update(id, |j| j.progress.features_accepted += n);
    }

    /// Ends job `id` as `end` says.
    pub fn finish(&self, id: Uuid, end: JobEnd) {
        if let Some(m) = &self.metrics {
            m.inc(
                crate::metrics::JOBS_FINISHED,
                crate::metrics::JOBS_FINISHED_HELP,
                &[("state", end.state.code())],
            );
        }
        self.update(id, |j| {
            j.state = end.state;
            j.finished_at = Some(Utc::now());
            if let Some(accepted) = end.features_accepted {
                j.progress.features_accepted = accepted;
            }
            j.report = end.report;
            j.message = end.message;
            j.version = end.version;
        });
    }

    /// How many jobs this process knows in each state.
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        let jobs = self.lock();
        [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Rejected,
            JobState::Failed,
        ]
        .into_iter()
        .map(|s| {
            (
                s.code(),
                jobs.values().filter(|j| j.state == s).count() as u64,
            )
        })
        .collect()
    }

    /// Job `id` as this process has it now.
    pub fn get(&self, id: Uuid) -> Option<Job> {
        self.lock().get(&id).cloned()
    }
}

/// [`Jobs`] that do not keep the registry alive (for the writer task).
#[derive(Debug)]
pub(crate) struct WeakJobs(
    std::sync::Weak<Mutex<HashMap<Uuid, Job>>>,
    Option<std::sync::Weak<super::jobs_store::Durable>>,
    Option<Arc<crate::Metrics>>,
);

impl WeakJobs {
    pub(crate) fn upgrade(&self) -> Option<Jobs> {
        let jobs = self.0.upgrade()?;
        let durable = match &self.1 {
            Some(w) => Some(w.upgrade()?),
            None => None,
        };
        Some(Jobs {
            jobs,
            durable,
            metrics: self.2.clone(),
        })
    }
}

/// How a job ended.
#[derive(Debug, Clone)]
pub struct JobEnd {
    /// Succeeded, rejected or failed.
    pub state: JobState,
    /// The validation report, when everything was read.
    pub report: Option<Value>,
    /// What went wrong, or what was stored.
    pub message: Option<String>,
    /// The stored version.
    pub version: Option<u32>,
    /// The features the report accepted, when everything was read.
    pub features_accepted: Option<u64>,
}

/// Forgets finished jobs older than [`KEEP_FINISHED`], and the oldest
/// beyond [`MAX_FINISHED`].
fn prune(jobs: &mut HashMap<Uuid, Job>, now: DateTime<Utc>) {
    jobs.retain(|_, j| j.finished_at.is_none_or(|t| now - t < KEEP_FINISHED));
    let mut finished: Vec<(DateTime<Utc>, Uuid)> = jobs
        .values()
        .filter_map(|j| Some((j.finished_at?, j.id)))
        .collect();
    if finished.len() > MAX_FINISHED {
        finished.sort_unstable();
        for (_, id) in &finished[..finished.len() - MAX_FINISHED] {
            jobs.remove(id);
        }
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/jobs/{id}", get(show))
}

/// The job's owner (its organisation) or an admin; 404 for anyone else,
/// so job ids of others are not confirmed. Never cached: it changes.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "Network", params(("id" = String, Path, description = "The job id")), responses((status = 200, description = "The job: state, progress, report", body = Job), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn show(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = p.org().ok_or(ApiError::Unauthorized("jobs need a token"))?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let job = state.jobs.find(id).await?.ok_or(ApiError::NotFound)?;
    if org.role == Role::Admin || org.id == job.owner_id {
        Ok(([(CACHE_CONTROL, "no-store")], Json(job)).into_response())
    } else {
        Err(ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(jobs: &Jobs, at: DateTime<Utc>) -> Uuid {
        let id = jobs.start("test", OrgId::new("OWN").unwrap(), "network".into(), 10);
        jobs.update(id, |j| {
            j.state = JobState::Succeeded;
            j.finished_at = Some(at);
        });
        id
    }

    #[test]
    fn progress_counts_bytes_and_features() {
        let metrics = Arc::new(crate::Metrics::new());
        let jobs = Jobs::default().with_metrics(metrics.clone());
        let id = jobs.start("test", OrgId::new("OWN").unwrap(), "network".into(), 400);
        assert_eq!(jobs.get(id).unwrap().state, JobState::Queued);
        jobs.running(id);
        jobs.read(id, 100);
        jobs.read(id, 200);
        jobs.accepted(id, 7);
        let j = jobs.get(id).unwrap();
        assert_eq!(j.state, JobState::Running);
        assert_eq!(j.progress.bytes_read, 300);
        assert_eq!(j.progress.percent, 75.0);
        assert_eq!(j.progress.features_accepted, 7);
        jobs.finish(
            id,
            JobEnd {
                state: JobState::Succeeded,
                report: None,
                message: None,
                version: Some(3),
                features_accepted: Some(9),
            },
        );
        let j = jobs.get(id).unwrap();
        assert_eq!(
            (j.state, j.version, j.progress.features_accepted),
            (JobState::Succeeded, Some(3), 9)
        );
        assert!(j.finished_at.is_some());
        assert_eq!(
            metrics.value(crate::metrics::JOBS_FINISHED, &[("state", "succeeded")]),
            Some(1.0)
        );
    }

    #[test]
    fn old_finished_jobs_are_forgotten_running_ones_kept() {
        let jobs = Jobs::default();
        let old = finished(&jobs, Utc::now() - chrono::TimeDelta::hours(25));
        let recent = finished(&jobs, Utc::now() - chrono::TimeDelta::hours(1));
        let running = jobs.start("test", OrgId::new("OWN").unwrap(), "network".into(), 1);
        jobs.update(running, |j| j.created_at -= chrono::TimeDelta::days(3));
        // The next start prunes.
        let new = jobs.start("test", OrgId::new("OWN").unwrap(), "network".into(), 1);
        assert!(jobs.get(old).is_none());
        for id in [recent, running, new] {
            assert!(jobs.get(id).is_some());
        }
    }
}
