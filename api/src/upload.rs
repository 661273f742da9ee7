//! Dataset uploads: `POST /api/v1/owners/{org}/datasets` (multipart) starts
//! a job that reads, validates and stores an owner's network data as one new
//! dataset version, or nothing at all; `GET /api/v1/jobs/{id}` follows it.
//!
//! Parts: one or more `file` parts (the file name decides the format, as in
//! the CLI: `.geojson`/`.json`, `.gml`/`.xml` (LER 2), `.csv`, `.zip` (a KLIC
//! delivery: only the elements whose owner code is `{org}`), anything else
//! GDAL opens), an optional `mapping` part (TOML), optional `dataset`
//! (default `network`) and `lenient` (`true`/`false`) parts or query
//! parameters. Files are streamed to a temporary directory, never held in
//! memory, and deleted when the job ends.
//!
//! [`stage`] is the one "read on a blocking thread, batches through a queue
//! to the store's writer" loop; the CLI's `ingest network` uses it too.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use forsyning_ingest::{
    default_service_area, detect, Mapping, Pipeline, PipelineError, Plan, Progress, Report, Source,
};
use forsyning_model::{NetworkFeature, OrgId, Role};
use forsyning_store::{DatasetVersion, DatasetWriter, Store, StoreError};
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::auth::Principal;
use crate::jobs::{JobEnd, JobState, Jobs};
use crate::{ApiError, AppState};

/// Features per batch handed to the store's writer.
const BATCH: usize = 10_000;
/// Largest `mapping` part, bytes.
const MAX_MAPPING: usize = 1 << 20;
/// Largest `dataset` or `lenient` part, bytes.
const MAX_FIELD: usize = 256;

/// Where uploads go and how large they may be; the binary sets them.
#[derive(Debug, Clone)]
pub struct UploadSettings {
    /// Most bytes of all `file` parts of one upload together.
    pub max_bytes: u64,
    /// Directory for the uploaded files while their job runs; `None`: the
    /// system's temporary directory.
    pub dir: Option<PathBuf>,
}

impl Default for UploadSettings {
    /// 512 MiB in the system's temporary directory.
    fn default() -> Self {
        Self {
            max_bytes: 512 << 20,
            dir: None,
        }
    }
}

/// Why a staged ingest could not be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Read(#[from] PipelineError),
    /// The reading thread stopped abnormally.
    #[error("reading failed: {0}")]
    Reader(String),
}

/// A new dataset version written but not yet current, with the report of
/// reading it: [`Staged::commit`] or [`Staged::abort`] it.
pub struct Staged<'s> {
    writer: Box<dyn DatasetWriter + 's>,
    /// Every feature's outcome and the problems of the files.
    pub report: Report,
    /// Remarks for the user (e.g. the owners skipped in a KLIC delivery).
    pub notes: Vec<String>,
    /// The names of the files with errors.
    pub bad_files: Vec<String>,
}

impl std::fmt::Debug for Staged<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staged")
            .field("report", &self.report)
            .field("notes", &self.notes)
            .field("bad_files", &self.bad_files)
            .finish_non_exhaustive()
    }
}

impl Staged<'_> {
    /// Makes the new version current.
    pub async fn commit(self) -> Result<DatasetVersion, StoreError> {
        self.writer.commit().await
    }

    /// Drops the new version; the stored data is as before.
    pub async fn abort(self) -> Result<(), StoreError> {
        self.writer.abort().await
    }
}

/// Reads `plan`'s files on a blocking thread (PROJ, GDAL and the parsers are
/// synchronous) and writes the accepted features of `owner` into a new
/// version of its dataset `dataset`, in batches through a short queue so
/// memory stays bounded whatever the size of the input. `select` picks the
/// owner's elements of a KLIC delivery. Nothing is visible until the caller
/// commits the result.
pub async fn stage<'s>(
    store: &'s dyn Store,
    owner: &OrgId,
    dataset: &str,
    plan: Arc<Plan>,
    select: Option<String>,
    progress: Arc<dyn Progress>,
) -> Result<Staged<'s>, StageError> {
    let mut writer = store.begin_replace(owner, dataset).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NetworkFeature>>(4);
    // The pipeline (its PROJ context) stays on the reading thread.
    type Read = (Report, Vec<String>, Vec<String>);
    let reader = tokio::task::spawn_blocking(move || -> Result<Read, PipelineError> {
        let mut pipeline = Pipeline::new(&plan);
        let mut batch: Vec<NetworkFeature> = Vec::with_capacity(BATCH);
        let send = |batch: Vec<NetworkFeature>| {
            progress.accepted(batch.len() as u64);
            // A closed queue means the writer failed; its error is reported.
            let _ = tx.blocking_send(batch);
        };
        for source in &plan.files {
            pipeline.read(source, select.as_deref(), progress.as_ref(), &mut |f| {
                batch.push(f);
                if batch.len() >= BATCH {
                    send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            })?;
        }
        if !batch.is_empty() {
            send(batch);
        }
        Ok(pipeline.finish())
    });
    while let Some(batch) = rx.recv().await {
        if let Err(e) = writer.write(batch).await {
            drop(rx);
            let _ = reader.await;
            let _ = writer.abort().await;
            return Err(e.into());
        }
    }
    let (report, notes, bad_files) = match reader.await {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => {
            let _ = writer.abort().await;
            return Err(e.into());
        }
        Err(e) => {
            let _ = writer.abort().await;
            return Err(StageError::Reader(e.to_string()));
        }
    };
    Ok(Staged {
        writer,
        report,
        notes,
        bad_files,
    })
}

pub(crate) fn routes(settings: &UploadSettings) -> Router<AppState> {
    // The parts' headers and boundaries come on top of the files; the
    // handler counts the files' bytes against the limit itself.
    let body = usize::try_from(
        settings
            .max_bytes
            .saturating_add(MAX_MAPPING as u64 + (1 << 20)),
    )
    .unwrap_or(usize::MAX);
    Router::new().route(
        "/api/v1/owners/{org}/datasets",
        post(upload).layer(DefaultBodyLimit::max(body)),
    )
}

/// The owner whose dataset the caller may replace: the owner itself or an
/// admin; 404 for an unknown owner (admins only learn that).
async fn owner_for(state: &AppState, p: &Principal, org: &str) -> Result<OrgId, ApiError> {
    let Some(caller) = p.org() else {
        return Err(ApiError::Unauthorized("uploads need a token"));
    };
    let own = caller.id.as_str() == org && caller.role == Role::Owner;
    if !own && caller.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only the owner itself and admins upload its datasets",
        ));
    }
    let id = OrgId::new(org).map_err(|_| ApiError::NotFound)?;
    match state.store.org(&id).await? {
        Some(o) if o.role == Role::Owner => Ok(id),
        _ => Err(ApiError::NotFound),
    }
}

/// `?dataset=...&lenient=...`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    dataset: Option<String>,
    lenient: Option<bool>,
}

/// What the multipart body held.
#[derive(Debug, Default)]
struct Parts {
    /// Path in the upload directory and the uploaded file name.
    files: Vec<(PathBuf, String)>,
    total_bytes: u64,
    mapping: Option<String>,
    dataset: Option<String>,
    lenient: Option<bool>,
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code,
        message: message.into(),
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::TooLarge(format!(
        "the upload is larger than the limit of {} ({limit} bytes)",
        human_bytes(limit)
    ))
}

/// `512 MiB`, `1.5 KiB`, `10 bytes`.
fn human_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            let v = n as f64 / size as f64;
            return if n % size == 0 {
                format!("{} {unit}", n / size)
            } else {
                format!("{v:.1} {unit}")
            };
        }
    }
    format!("{n} bytes")
}

/// A multipart error: 413 when the body passed the route's limit, else 400.
fn multipart_error(e: MultipartError, limit: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        bad(
            "bad_multipart",
            format!("the multipart body: {}", e.body_text()),
        )
    }
}

/// The uploaded file name as a plain file name: its last path component,
/// with anything but letters, digits, `.`, `-` and `_` replaced.
fn safe_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.').to_owned();
    (!safe.is_empty()).then_some(safe)
}

/// A small text part, at most `max` bytes.
async fn text_part(
    mut field: Field<'_>,
    what: &str,
    max: usize,
    limit: u64,
) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
        if bytes.len() + chunk.len() > max {
            return Err(bad(
                "part_too_large",
                format!("the {what} part is larger than {}", human_bytes(max as u64)),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| bad("bad_part", format!("the {what} part is not UTF-8 text")))
}

fn parse_bool(what: &str, text: &str) -> Result<bool, ApiError> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(bad(
            "bad_part",
            format!("{what}: {other:?} is not true or false"),
        )),
    }
}

/// Streams the parts, the files into `dir`, stopping as soon as the files
/// pass `limit` bytes together.
async fn read_parts(
    multipart: &mut Multipart,
    dir: &std::path::Path,
    limit: u64,
) -> Result<Parts, ApiError> {
    let mut parts = Parts::default();
    let mut names = BTreeSet::new();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(e, limit))?
    {
        let part = field.name().unwrap_or("").to_owned();
        match part.as_str() {
            "file" => {
                let original = field.file_name().unwrap_or("").to_owned();
                let name = safe_name(&original).ok_or_else(|| {
                    bad(
                        "missing_file_name",
                        "a file part needs a file name (filename=...): its extension decides the format",
                    )
                })?;
                if !names.insert(name.clone()) {
                    return Err(bad(
                        "duplicate_file",
                        format!("{original}: a file of that name is already in the upload"),
                    ));
                }
                let path = dir.join(&name);
                let mut out = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
                while let Some(chunk) =
                    field.chunk().await.map_err(|e| multipart_error(e, limit))?
                {
                    parts.total_bytes += chunk.len() as u64;
                    if parts.total_bytes > limit {
                        return Err(too_large(limit));
                    }
                    out.write_all(&chunk)
                        .await
                        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
                }
                out.flush()
                    .await
                    .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
                let shown = if original.is_empty() { name } else { original };
                parts.files.push((path, shown));
            }
            "mapping" | "dataset" | "lenient" => {
                let max = if part == "mapping" {
                    MAX_MAPPING
                } else {
                    MAX_FIELD
                };
                let text = text_part(field, &part, max, limit).await?;
                let seen = match part.as_str() {
                    "mapping" => parts.mapping.replace(text).is_some(),
                    "dataset" => parts.dataset.replace(text.trim().to_owned()).is_some(),
                    _ => parts
                        .lenient
                        .replace(parse_bool("lenient", &text)?)
                        .is_some(),
                };
                if seen {
                    return Err(bad(
                        "duplicate_part",
                        format!("the {part} part is given twice"),
                    ));
                }
            }
            "" => {
                return Err(bad(
                    "unknown_part",
                    "a part without a name: expected file, mapping, dataset or lenient",
                ))
            }
            other => {
                return Err(bad(
                    "unknown_part",
                    format!("unknown part {other:?}: expected file, mapping, dataset or lenient"),
                ))
            }
        }
    }
    Ok(parts)
}

/// One of a query parameter and a part of the same name, or `default`.
fn one_of<T: PartialEq>(
    what: &str,
    query: Option<T>,
    part: Option<T>,
    default: T,
) -> Result<T, ApiError> {
    match (query, part) {
        (Some(q), Some(p)) if q != p => Err(bad(
            "conflicting_parameters",
            format!("{what} is given as a query parameter and as a part, with different values"),
        )),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Ok(default),
    }
}

/// A dataset name: 1–64 letters, digits, `.`, `-` or `_`.
fn check_dataset(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(bad(
            "bad_dataset",
            format!("dataset {name:?}: expected 1-64 letters, digits, '.', '-' or '_'"),
        ))
    }
}

/// What to read: the formats checked, the mapping parsed, before the job starts.
fn plan(
    parts: Parts,
    owner: &OrgId,
    region: &forsyning_model::Region,
    native: forsyning_geo::Crs,
) -> Result<Plan, ApiError> {
    if parts.files.is_empty() {
        return Err(bad(
            "no_file",
            "the upload has no file part (multipart field \"file\")",
        ));
    }
    let mapping = match &parts.mapping {
        None => Mapping::default(),
        Some(text) => Mapping::from_toml(text, "mapping")
            .map_err(|e| bad("bad_mapping", format!("invalid mapping: {e}")))?,
    };
    let mut files = Vec::new();
    for (path, name) in parts.files {
        let format = detect(&path, &name).map_err(|e| bad("unsupported_format", e.to_string()))?;
        if parts.mapping.is_some() && !format.takes_mapping() {
            return Err(bad(
                "mapping_not_applicable",
                format!(
                    "{name}: a mapping applies to GeoJSON, CSV and GDAL formats, not to {}",
                    format.describe()
                ),
            ));
        }
        files.push(Source { path, name, format });
    }
    // Denmark keeps the Netherlands (in EPSG:25832) for KLIC zips, as before
    // regions, unless `serve --service-area` set another area; other regions
    // accept data in their own service area.
    let overridden = region.service_area != forsyning_model::Region::denmark().service_area;
    let service_area = if region.name == "denmark" && !overridden {
        default_service_area(files.iter().map(|s| s.format))
    } else {
        region.service_area
    };
    Ok(Plan {
        service_area,
        target_crs: native,
        files,
        mapping,
        total_bytes: parts.total_bytes,
        klic_hint: format!(" (a KLIC delivery is read for the owner {owner} only)"),
    })
}

/// `POST /api/v1/owners/{org}/datasets`: 202 with the job.
#[utoipa::path(post, path = "/api/v1/owners/{org}/datasets", tag = "Network", params(("org" = String, Path, description = "The owner"), ("dataset" = Option<String>, Query, description = "Dataset name, default network"), ("lenient" = Option<bool>, Query, description = "Store the valid features even when some are rejected")), request_body(content = crate::openapi::UploadFormDoc, content_type = "multipart/form-data"), responses((status = 202, description = "The job; Location names it", body = crate::openapi::JobCreatedDoc), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody), (status = 413, description = "Body too large", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn upload(
    State(state): State<AppState>,
    p: Principal,
    Path(org): Path<String>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let owner = owner_for(&state, &p, &org).await?;
    let Query(query) = query.map_err(|e| bad("bad_query", e.body_text()))?;
    let mut multipart = multipart.map_err(|e| bad("bad_multipart", e.body_text()))?;
    let settings = &state.uploads;
    let mut builder = tempfile::Builder::new();
    builder.prefix("forsyning-upload-");
    let dir = match &settings.dir {
        Some(d) => builder.tempdir_in(d),
        None => builder.tempdir(),
    }
    .map_err(|e| ApiError::Internal(format!("creating an upload directory: {e}")))?;
    // On any error below, `dir` is dropped and the files with it.
    let parts = read_parts(&mut multipart, dir.path(), settings.max_bytes).await?;
    let dataset = one_of(
        "dataset",
        query.dataset,
        parts.dataset.clone(),
        "network".to_owned(),
    )?;
    check_dataset(&dataset)?;
    let lenient = one_of("lenient", query.lenient, parts.lenient, false)?;
    let owner_for_plan = owner.clone();
    let (region, native) = (state.region.clone(), state.native_crs);
    // Opening files with GDAL to check them blocks.
    let plan = tokio::task::spawn_blocking(move || plan(parts, &owner_for_plan, &region, native))
        .await
        .map_err(|e| ApiError::Internal(format!("checking the upload: {e}")))??;
    let id = state.jobs.start(
        "dataset_upload",
        owner.clone(),
        dataset.clone(),
        plan.total_bytes,
    );
    // Accepted means a restart still knows the job.
    if let Err(e) = state.jobs.persist(id).await {
        state.jobs.finish(
            id,
            failed("the job could not be recorded; nothing was stored"),
        );
        return Err(e);
    }
    let job = Job {
        jobs: state.jobs.clone(),
        store: state.store.clone(),
        id,
        owner,
        dataset,
        strict: !lenient,
    };
    let jobs = state.jobs.clone();
    let work = tokio::spawn(job.run(Arc::new(plan), dir));
    // Should the job's task panic, the job still ends.
    tokio::spawn(async move {
        if let Err(e) = work.await {
            tracing::error!(job = %id, error = %e, "upload job stopped abnormally");
            jobs.finish(id, failed("the job stopped abnormally; nothing was stored"));
        }
    });
    let href = format!("/api/v1/jobs/{id}");
    Ok((
        StatusCode::ACCEPTED,
        [(LOCATION, href.clone())],
        Json(json!({"job": id, "href": href})),
    )
        .into_response())
}

fn failed(message: &str) -> JobEnd {
    JobEnd {
        state: JobState::Failed,
        report: None,
        message: Some(message.to_owned()),
        version: None,
        features_accepted: None,
    }
}

/// A job's progress: bytes read and features accepted.
struct JobProgress {
    jobs: Jobs,
    id: Uuid,
}

impl Progress for JobProgress {
    fn read(&self, bytes: u64) {
        self.jobs.read(self.id, bytes);
    }

    fn accepted(&self, n: u64) {
        self.jobs.accepted(self.id, n);
    }
}

/// An upload job's work.
struct Job {
    jobs: Jobs,
    store: Arc<dyn Store>,
    id: Uuid,
    owner: OrgId,
    dataset: String,
    strict: bool,
}

impl Job {
    async fn run(self, plan: Arc<Plan>, dir: tempfile::TempDir) {
        self.jobs.running(self.id);
        let end = self.ingest(plan).await;
        if let Err(e) = dir.close() {
            tracing::warn!(job = %self.id, error = %e, "removing the upload's files");
        }
        self.jobs.finish(self.id, end);
    }

    async fn ingest(&self, plan: Arc<Plan>) -> JobEnd {
        let progress = Arc::new(JobProgress {
            jobs: self.jobs.clone(),
            id: self.id,
        });
        let staged = match stage(
            self.store.as_ref(),
            &self.owner,
            &self.dataset,
            plan,
            Some(self.owner.as_str().to_owned()),
            progress,
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(job = %self.id, error = %e, "upload job failed");
                return failed("reading or storing the upload failed; nothing was stored");
            }
        };
        let report = serde_json::to_value(&staged.report).ok();
        let accepted = Some(staged.report.accepted());
        let (owner, dataset) = (&self.owner, &self.dataset);
        if staged.report.is_rejected(self.strict) {
            let message = format!(
                "upload rejected: {} errors{}; the stored data of {owner} is unchanged{}",
                staged.report.errors(),
                if staged.bad_files.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", staged.bad_files.join(", "))
                },
                if self.strict {
                    " (strict mode: any error rejects the upload; lenient=true stores the valid features)"
                } else {
                    ""
                }
            );
            if let Err(e) = staged.abort().await {
                tracing::error!(job = %self.id, error = %e, "aborting a rejected upload");
            }
            return JobEnd {
                state: JobState::Rejected,
                report,
                message: Some(message),
                version: None,
                features_accepted: accepted,
            };
        }
        let notes = staged.notes.clone();
        match staged.commit().await {
            Ok(v) => {
                let mut message = format!(
                    "stored {owner}/{dataset} version {} with {} features",
                    v.version, v.feature_count
                );
                for n in notes {
                    message.push_str("; ");
                    message.push_str(&n);
                }
                JobEnd {
                    state: JobState::Succeeded,
                    report,
                    message: Some(message),
                    version: Some(v.version),
                    features_accepted: accepted,
                }
            }
            Err(e) => {
                tracing::error!(job = %self.id, error = %e, "committing an upload");
                JobEnd {
                    report,
                    ..failed("storing the upload failed; nothing was stored")
                }
            }
        }
    }
}
