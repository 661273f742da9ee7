//! `POST /api/v1/flood/jobs`: starts a flood job on the server's DEM. The
//! job is one of the process's [`crate::Jobs`] (kind `flood`), followed at
//! `/api/v1/jobs/{id}`; it computes on a blocking thread, one job at a time.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use uuid::Uuid;

use super::access::flood_runner;
use super::compute::{self, ComputeError};
use super::scenario::{self, Scenario};
use super::FloodSettings;
use crate::auth::Principal;
use crate::jobs::{JobEnd, JobState, Jobs};
use crate::{ApiError, AppState};

/// The job kind in `/api/v1/jobs/{id}`.
pub(crate) const KIND: &str = "flood";

/// The answer to a new flood job: where to follow it and find its results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct FloodJobCreated {
    pub job: Uuid,
    /// The job's state and progress: `/api/v1/jobs/{id}` (the caller's organisation).
    pub href: String,
    /// The results once it has succeeded: `/api/v1/flood/jobs/{id}` (anyone).
    pub results: String,
    /// The scenario as it will run (a climate scenario resolved to its level).
    #[schema(value_type = Object)]
    pub scenario: Scenario,
}

fn failed(message: String) -> JobEnd {
    JobEnd {
        state: JobState::Failed,
        report: None,
        message: Some(message),
        version: None,
        features_accepted: None,
    }
}

#[utoipa::path(post, path = "/api/v1/flood/jobs", tag = "Flood",
    request_body(content = super::scenario::FloodJobBody, description = "`{\"kind\":\"rain\",\"mm\":20}`, `{\"kind\":\"sea\",\"level\":1.5}` or `{\"kind\":\"sea\",\"year\":2100,\"scenario\":\"ssp245\",\"station\":\"Gedser\"}`"),
    responses(
        (status = 202, description = "The job is queued (and recorded): follow `href`, then read `results`", body = FloodJobCreated),
        (status = 400, description = "A malformed or unknown scenario (the message names the member)", body = crate::openapi::ErrorBody),
        (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody),
        (status = 403, description = "Only municipalities and admins run flood jobs", body = crate::openapi::ErrorBody),
        (status = 409, description = "The server has no DEM (`serve --flood-dem`)", body = crate::openapi::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn create(
    State(state): State<AppState>,
    p: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let org = flood_runner(&p)?;
    let body = body?;
    let settings = state.flood.clone();
    let scenario = scenario::parse(&body, &settings.climate, &settings.climate_source)?;
    let dem = settings.dem.clone().ok_or_else(|| {
        ApiError::Conflict(
            "this server has no DEM for flood jobs: start it with --flood-dem".into(),
        )
    })?;
    let id = state.jobs.start(KIND, org.id.clone(), scenario.label(), 0);
    // Accepted means a restart still knows the job.
    if let Err(e) = state.jobs.persist(id).await {
        state
            .jobs
            .finish(id, failed("the job could not be recorded".into()));
        return Err(e);
    }
    let input = compute::Input {
        id,
        dem,
        max_cells: settings.max_cells,
        scenario: scenario.clone(),
        results_dir: settings.results_dir.clone(),
    };
    let jobs = state.jobs.clone();
    let work = tokio::spawn(run(jobs.clone(), settings, input));
    // Should the job's task panic, the job still ends.
    tokio::spawn(async move {
        if let Err(e) = work.await {
            tracing::error!(job = %id, error = %e, "flood job stopped abnormally");
            jobs.finish(id, failed("the flood job stopped abnormally".into()));
        }
    });
    let href = format!("/api/v1/jobs/{id}");
    let body = FloodJobCreated {
        job: id,
        href: href.clone(),
        results: format!("/api/v1/flood/jobs/{id}"),
        scenario,
    };
    Ok((StatusCode::ACCEPTED, [(LOCATION, href)], Json(body)).into_response())
}

/// What a failure tells the job's reader: no paths of the server.
fn public_message(e: &ComputeError, input: &compute::Input) -> String {
    let mut m = e.to_string();
    let dem = input.dem.display().to_string();
    let name = input
        .dem
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "the DEM".into());
    m = m.replace(&dem, &name);
    let results = input.results_dir.display().to_string();
    if !results.is_empty() {
        m = m.replace(&results, "<results>");
    }
    format!("the flood computation failed: {m}")
}

async fn run(jobs: Jobs, settings: Arc<FloodSettings>, input: compute::Input) {
    let id = input.id;
    // Queued until the one slot is free.
    let Ok(_slot) = settings.slots.clone().acquire_owned().await else {
        jobs.finish(id, failed("the server is stopping".into()));
        return;
    };
    jobs.running(id);
    let progress_jobs = jobs.clone();
    let task_input = input.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut last = -1.0;
        compute::run(&task_input, &mut |percent| {
            // A write per whole percent at most.
            if percent - last >= 1.0 || percent >= 100.0 {
                last = percent;
                progress_jobs.update(id, |j| j.progress.percent = percent.min(100.0));
            }
        })
    })
    .await;
    match out {
        Ok(Ok(result)) => {
            let message = format!(
                "{} flooded cells ({:.0} m²); results at /api/v1/flood/jobs/{id}",
                result.flooded_cells, result.flooded_area_m2
            );
            jobs.finish(
                id,
                JobEnd {
                    state: JobState::Succeeded,
                    report: serde_json::to_value(&result).ok(),
                    message: Some(message),
                    version: None,
                    features_accepted: None,
                },
            );
        }
        Ok(Err(e)) => {
            tracing::warn!(job = %id, error = %e, "flood job failed");
            jobs.finish(id, failed(public_message(&e, &input)));
        }
        Err(e) => {
            tracing::error!(job = %id, error = %e, "flood job stopped abnormally");
            jobs.finish(id, failed("the flood job stopped abnormally".into()));
        }
    }
}
