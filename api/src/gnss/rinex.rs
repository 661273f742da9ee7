//! Reference-station data: the RINEX 3/4 files of a folder (`serve
//! --rinex-dir`), indexed once at start with `forsyning_gnss::rinex`, listed
//! by station and time and downloaded as they are.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/v1/rinex?station=&from=&to=&kind=` | the files, newest first |
//! | `GET /api/v1/rinex/{file}` | one file's bytes |
//!
//! Reference-station observations are open data (the Danish stations'
//! are published by SDFI), so the routes need no token.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDateTime, Utc};
use forsyning_gnss::rinex::{index, FileKind, RinexIndex};
use serde::Serialize;

use crate::{ApiError, AppState};

/// Largest file indexed (a day of 1 Hz multi-GNSS observations, compressed,
/// is a few hundred MB).
const MAX_FILE: u64 = 2 << 30;

/// One indexed file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RinexFile {
    /// The file's name in the folder; download at `href`.
    pub name: String,
    pub href: String,
    /// The 4-character station: `MARKER NAME`, else the file name's first
    /// four characters (RINEX 3 long names start with the 9-character id).
    pub station: String,
    pub bytes: u64,
    #[schema(value_type = Object)]
    pub index: RinexIndex,
}

/// The files of the folder, as indexed at start.
#[derive(Debug, Default)]
pub struct RinexArchive {
    dir: PathBuf,
    files: Vec<RinexFile>,
    /// Files that are not RINEX (or unreadable), with why: listed in the log.
    pub skipped: Vec<(String, String)>,
}

impl RinexArchive {
    /// Indexes every file directly in `dir` (synchronous: run it in a
    /// blocking task). A file that is not RINEX is skipped, not an error.
    pub fn open(dir: &Path) -> std::io::Result<RinexArchive> {
        let mut names: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            // Plain names only: they go into URLs and a download header.
            .filter(|n| {
                !n.starts_with('.')
                    && n.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            })
            .collect();
        names.sort();
        let mut archive = RinexArchive {
            dir: dir.to_owned(),
            ..Default::default()
        };
        for name in names {
            let path = dir.join(&name);
            let bytes = std::fs::metadata(&path)?.len();
            if bytes > MAX_FILE {
                archive
                    .skipped
                    .push((name, format!("larger than {MAX_FILE} bytes")));
                continue;
            }
            match index(&name, &std::fs::read(&path)?) {
                Ok(ix) => {
                    let station = ix
                        .marker_name
                        .as_deref()
                        .map(|m| m.trim().chars().take(4).collect::<String>())
                        .filter(|m| m.len() == 4)
                        .unwrap_or_else(|| name.chars().take(4).collect())
                        .to_uppercase();
                    archive.files.push(RinexFile {
                        href: format!("/api/v1/rinex/{name}"),
                        name,
                        station,
                        bytes,
                        index: ix,
                    });
                }
                Err(e) => archive.skipped.push((name, e.to_string())),
            }
        }
        Ok(archive)
    }

    /// The files of `station` (any when `None`) of `kind` whose time span
    /// meets `[from, to]`, newest first.
    pub fn list(
        &self,
        station: Option<&str>,
        kind: Option<FileKind>,
        from: Option<NaiveDateTime>,
        to: Option<NaiveDateTime>,
    ) -> Vec<&RinexFile> {
        let mut out: Vec<&RinexFile> = self
            .files
            .iter()
            .filter(|f| station.is_none_or(|s| f.station.eq_ignore_ascii_case(s)))
            .filter(|f| kind.is_none_or(|k| f.index.kind == k))
            .filter(|f| {
                let (first, last) = (
                    f.index.first_epoch,
                    f.index.last_epoch.or(f.index.first_epoch),
                );
                from.is_none_or(|t| last.is_none_or(|l| l >= t))
                    && to.is_none_or(|t| first.is_none_or(|s| s <= t))
            })
            .collect();
        out.sort_by(|a, b| {
            b.index
                .first_epoch
                .cmp(&a.index.first_epoch)
                .then(a.name.cmp(&b.name))
        });
        out
    }

    fn file(&self, name: &str) -> Option<&RinexFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The server's files; none without `--rinex-dir`.
fn archive(state: &AppState) -> &RinexArchive {
    static NONE: std::sync::OnceLock<RinexArchive> = std::sync::OnceLock::new();
    state
        .rinex
        .as_deref()
        .unwrap_or_else(|| NONE.get_or_init(RinexArchive::default))
}

fn bad(field: &str, message: String) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        message: format!("{field}: {message}"),
    }
}

/// An RFC 3339 time as the naive time of the files' epochs (their time
/// system, GPS time, is ahead of UTC by the leap seconds, 18 s since 2017:
/// negligible for choosing hour and day files).
fn time(q: &HashMap<String, String>, field: &str) -> Result<Option<NaiveDateTime>, ApiError> {
    q.get(field)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .map_err(|e| bad(field, format!("{v:?} is not an RFC 3339 time ({e})")))
        })
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/rinex", tag = "GNSS",
    params(
        ("station" = Option<String>, Query, description = "4-character station, e.g. KMS3"),
        ("kind" = Option<String>, Query, description = "observation or navigation"),
        ("from" = Option<String>, Query, description = "RFC 3339: files whose span ends at or after it"),
        ("to" = Option<String>, Query, description = "RFC 3339: files whose span starts at or before it"),
    ),
    responses(
        (status = 200, description = "The reference-station files, newest first", body = [RinexFile]),
        (status = 400, description = "A bad parameter (the message names it)", body = crate::openapi::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let a = archive(&state);
    if let Some(k) = q
        .keys()
        .find(|k| !["station", "kind", "from", "to"].contains(&k.as_str()))
    {
        return Err(bad(
            k,
            "unknown parameter; use station, kind, from, to".into(),
        ));
    }
    let kind = match q.get("kind").map(String::as_str) {
        None => None,
        Some("observation") => Some(FileKind::Observation),
        Some("navigation") => Some(FileKind::Navigation),
        Some(other) => {
            return Err(bad(
                "kind",
                format!("{other:?} is not observation or navigation"),
            ))
        }
    };
    let (from, to) = (time(&q, "from")?, time(&q, "to")?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(bad("from", "is after to".into()));
        }
    }
    let files = a.list(q.get("station").map(String::as_str), kind, from, to);
    Ok(([(CACHE_CONTROL, "no-cache")], Json(files)).into_response())
}

#[utoipa::path(get, path = "/api/v1/rinex/{file}", tag = "GNSS",
    params(("file" = String, Path, description = "A file name from the list")),
    responses(
        (status = 200, description = "The file as stored (Hatanaka and gzip as they are)", content_type = "application/octet-stream"),
        (status = 404, description = "No such file", body = crate::openapi::ErrorBody),
    ))]
pub(crate) async fn download(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
) -> Result<Response, ApiError> {
    let a = archive(&state);
    // Only names of the index: nothing else of the disk can be asked for.
    let f = a.file(&file).ok_or(ApiError::NotFound)?;
    let bytes = tokio::fs::read(a.dir.join(&f.name))
        .await
        .map_err(|e| ApiError::Internal(format!("reading {}: {e}", f.name)))?;
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", f.name),
            ),
            (CACHE_CONTROL, "public, max-age=3600".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
