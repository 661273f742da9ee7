//! How [`Jobs`] are kept in the store: a background task writes the jobs
//! that changed (woken at once when one starts or ends, else once a
//! second) and rewrites running ones every [`HEARTBEAT`] so readers can
//! tell a live job from one whose process died.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use forsyning_store::{Store, StoredJob};
use uuid::Uuid;

use crate::jobs::{Job, JobState, Jobs};
use crate::ApiError;

/// Running jobs are rewritten this often.
const HEARTBEAT: TimeDelta = TimeDelta::seconds(10);
/// A queued or running job not written for this long lost its process.
const STALE: TimeDelta = TimeDelta::seconds(60);
/// Changes are batched for at most this long.
const BATCH: Duration = Duration::from_secs(1);

pub(crate) struct Durable {
    store: Arc<dyn Store>,
    dirty: Mutex<HashSet<Uuid>>,
    wake: tokio::sync::Notify,
    started: std::sync::Once,
    /// One flush at a time, so an older snapshot never lands after a newer one.
    flushing: tokio::sync::Mutex<chrono::DateTime<Utc>>,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Durable")
    }
}

fn stored(job: &Job, now: chrono::DateTime<Utc>) -> Result<StoredJob, serde_json::Error> {
    Ok(StoredJob {
        id: job.id,
        owner_id: job.owner_id.clone(),
        state: job.state.code().to_owned(),
        created_at: job.created_at,
        updated_at: now,
        finished_at: job.finished_at,
        body: serde_json::to_string(job)?,
    })
}

impl Durable {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            dirty: Mutex::default(),
            wake: tokio::sync::Notify::new(),
            started: std::sync::Once::new(),
            flushing: tokio::sync::Mutex::new(Utc::now()),
        }
    }

    fn dirty(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        self.dirty.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Job `id` changed; `now`: write it without waiting for the batch.
    pub(crate) fn touched(self: &Arc<Self>, jobs: &Jobs, id: Uuid, now: bool) {
        self.dirty().insert(id);
        self.start(jobs);
        if now {
            self.wake.notify_one();
        }
    }

    /// Starts the writer task on the first change (there is a runtime then).
    fn start(self: &Arc<Self>, jobs: &Jobs) {
        self.started.call_once(|| {
            let Ok(rt) = tokio::runtime::Handle::try_current() else {
                return;
            };
            let me = Arc::downgrade(self);
            let jobs = jobs.weak();
            rt.spawn(writer(me, jobs));
        });
    }

    /// Writes the changed jobs, and the running ones due for a heartbeat.
    pub(crate) async fn flush(&self, jobs: &Jobs) {
        let mut last_beat = self.flushing.lock().await;
        let now = Utc::now();
        let mut ids: HashSet<Uuid> = std::mem::take(&mut *self.dirty());
        if now - *last_beat >= HEARTBEAT {
            ids.extend(jobs.live());
            *last_beat = now;
        }
        for id in ids {
            let Some(job) = jobs.get(id) else { continue };
            let result = match stored(&job, now) {
                Ok(row) => self.store.put_job(&row).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = result {
                tracing::warn!(job = %id, error = %e, "writing the job to the store; will retry");
                self.dirty().insert(id);
            }
        }
    }

    /// Writes `job` now, whatever the batch.
    pub(crate) async fn write(&self, job: &Job) -> Result<(), ApiError> {
        let row = stored(job, Utc::now()).map_err(|e| ApiError::Internal(e.to_string()))?;
        self.store.put_job(&row).await?;
        Ok(())
    }

    /// What became of the upload of a job whose process died before the
    /// job recorded its end: nothing when no version of its dataset became
    /// current since it began; else the version that did (its own, unless
    /// another upload of the dataset ran at the same time).
    async fn interrupted(&self, job: &Job) -> Result<String, ApiError> {
        if job.kind == crate::flood::JOB_KIND {
            return Ok(
                "interrupted: the server running this flood job stopped before it \
                       recorded its end: start the job again"
                    .into(),
            );
        }
        let datasets = self.store.datasets(Some(&job.owner_id)).await?;
        let newer = match datasets.iter().find(|d| d.name == job.dataset) {
            Some(d) => self
                .store
                .dataset_versions(d.dataset_id)
                .await?
                .into_iter()
                .filter(|v| v.valid_from >= job.created_at)
                .max_by_key(|v| v.version),
            None => None,
        };
        Ok(match newer {
            None => "interrupted: the server running this job stopped before it ended; \
                     nothing was stored, upload again"
                .into(),
            Some(v) => format!(
                "interrupted: the server running this job stopped before it recorded its end; \
                 version {} of {}/{} ({} features) became current at {} after this upload \
                 began, so the upload was most likely stored (unless another upload of the \
                 dataset ran at the same time): compare the feature count with the upload",
                v.version,
                job.owner_id,
                job.dataset,
                v.feature_count,
                v.valid_from
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        })
    }

    /// Job `id` from the store; a stale queued or running one is marked failed.
    pub(crate) async fn load(&self, id: Uuid) -> Result<Option<Job>, ApiError> {
        let Some(row) = self.store.job(id).await? else {
            return Ok(None);
        };
        let mut job: Job = serde_json::from_str(&row.body)
            .map_err(|e| ApiError::Internal(format!("stored job {id}: {e}")))?;
        let now = Utc::now();
        if matches!(job.state, JobState::Queued | JobState::Running) && now - row.updated_at > STALE
        {
            job.state = JobState::Failed;
            job.finished_at = Some(now);
            job.message = Some(self.interrupted(&job).await?);
            let row = stored(&job, now).map_err(|e| ApiError::Internal(e.to_string()))?;
            self.store.put_job(&row).await?;
        }
        Ok(Some(job))
    }
}

async fn writer(me: Weak<Durable>, jobs: crate::jobs::WeakJobs) {
    loop {
        let Some(d) = me.upgrade() else { return };
        // Wakes for a start or an end; otherwise once per batch period.
        // The registry itself is not held while waiting: when its last
        // handle goes, the task ends.
        let _ = tokio::time::timeout(BATCH, d.wake.notified()).await;
        let Some(jobs) = jobs.upgrade() else { return };
        d.flush(&jobs).await;
    }
}
