//! Long jobs (dataset uploads) and their status: `GET /api/v1/jobs/{id}`
//! gives the state, the progress and, when done, the validation report.
//!
//! Jobs live in the serving process: a job started on one replica is seen on
//! that replica, and a restart forgets finished jobs (the data they stored,
//! and the audit of it, stay). A job still running when the process stops
//! leaves the stored data as it was: the dataset replacement is atomic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use forsyning_model::{OrgId, Role};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// A job as `GET /api/v1/jobs/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: Uuid,
    pub kind: &'static str,
    pub owner_id: OrgId,
    pub dataset: String,
    pub state: JobState,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub progress: Progress,
    /// The validation report, when the job has read everything.
    pub report: Option<Value>,
    /// What went wrong, for a failed or rejected job.
    pub message: Option<String>,
    /// The stored version, for a succeeded job.
    pub version: Option<u32>,
}

/// How far a job has come.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    /// 0–100, from the bytes read.
    pub percent: f64,
    pub features_accepted: u64,
}

/// The jobs of this process.
#[derive(Debug, Default, Clone)]
pub struct Jobs {
    jobs: Arc<Mutex<HashMap<Uuid, Job>>>,
}

impl Jobs {
    /// Registers a queued job and returns its id.
    pub fn start(&self, kind: &'static str, owner: OrgId, dataset: String, bytes_total: u64) -> Uuid {
        let id = Uuid::new_v4();
        let job = Job {
            id,
            kind,
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
        self.lock().insert(id, job);
        id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Job>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes job `id` (no-op for an unknown id).
    pub fn update(&self, id: Uuid, change: impl FnOnce(&mut Job)) {
        if let Some(job) = self.lock().get_mut(&id) {
            change(job);
        }
    }

    /// Records that `bytes` more were read.
    pub fn read(&self, id: Uuid, bytes: u64) {
        self.update(id, |j| {
            j.state = JobState::Running;
            let p = &mut j.progress;
            p.bytes_read += bytes;
            p.percent = if p.bytes_total == 0 {
                0.0
            } else {
                (p.bytes_read as f64 * 100.0 / p.bytes_total as f64).min(100.0)
            };
        });
    }

    /// Ends job `id` in `state`.
    pub fn finish(&self, id: Uuid, state: JobState, report: Option<Value>, message: Option<String>) {
        self.update(id, |j| {
            j.state = state;
            j.finished_at = Some(Utc::now());
            j.report = report;
            j.message = message;
        });
    }

    pub fn get(&self, id: Uuid) -> Option<Job> {
        self.lock().get(&id).cloned()
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/jobs/{id}", get(show))
}

/// The job's owner (its organisation) or an admin; 404 for anyone else.
async fn show(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    let org = p
        .org()
        .ok_or(ApiError::Unauthorized("jobs need a token"))?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let job = state.jobs.get(id).ok_or(ApiError::NotFound)?;
    if org.role == Role::Admin || org.id == job.owner_id {
        Ok(Json(job))
    } else {
        Err(ApiError::NotFound)
    }
}
