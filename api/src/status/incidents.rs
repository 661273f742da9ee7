//! Incidents on the status page, posted and resolved by admins:
//!
//! - `GET /api/v1/status/incidents`: open ones and those resolved in the
//!   last 7 days (anyone);
//! - `POST /api/v1/status/incidents` with `{"title", "message", "severity":
//!   "minor"|"major"|"critical", "component"?}`: 201 and the incident (admins);
//! - `PUT /api/v1/status/incidents/{id}` with any of those fields and
//!   `"resolved": true|false` (admins).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use forsyning_model::{OrgId, Role};
use forsyning_store::{Incident, Severity};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Components an incident may name.
const COMPONENTS: [&str; 4] = ["store", "ingest", "tiles", "outbox"];
const MAX_TITLE: usize = 200;
const MAX_MESSAGE: usize = 4000;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/status/incidents", get(list).post(create))
        .route("/api/v1/status/incidents/{id}", axum::routing::put(update))
        .route("/status.css", get(css))
}

#[utoipa::path(get, path = "/status.css", tag = "Meta", responses((status = 200, description = "The status page's style sheet", content_type = "text/css")))]
pub(crate) async fn css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        super::page::CSS,
    )
}

fn admin(p: &Principal) -> Result<OrgId, ApiError> {
    let org = p.org().ok_or(ApiError::Unauthorized(
        "posting incidents needs an admin token",
    ))?;
    if org.role == Role::Admin {
        Ok(org.id.clone())
    } else {
        Err(ApiError::Forbidden("only admins post incidents"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    title: Option<String>,
    message: Option<String>,
    severity: Option<String>,
    component: Option<String>,
    resolved: Option<bool>,
}

fn bad(field: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::field("invalid_incident", field, problem)
}

fn text(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(bad(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(bad(field, format!("at most {max} characters")));
    }
    Ok(value)
}

fn parse(body: Result<Bytes, BytesRejection>) -> Result<Change, ApiError> {
    serde_json::from_slice(&body?).map_err(|e| bad("body", e))
}

/// Applies `change` to `i`, checking every field it sets.
fn apply(i: &mut Incident, change: Change) -> Result<(), ApiError> {
    if let Some(t) = change.title {
        i.title = text("title", t, MAX_TITLE)?;
    }
    if let Some(m) = change.message {
        i.message = text("message", m, MAX_MESSAGE)?;
    }
    if let Some(s) = change.severity {
        i.severity = Severity::from_code(&s)
            .ok_or_else(|| bad("severity", format!("{s:?} is not minor, major or critical")))?;
    }
    if let Some(c) = change.component {
        if !COMPONENTS.contains(&c.as_str()) {
            return Err(bad(
                "component",
                format!("{c:?} is not one of {COMPONENTS:?}"),
            ));
        }
        i.component = Some(c);
    }
    let now = Utc::now();
    match change.resolved {
        Some(true) if i.resolved_at.is_none() => i.resolved_at = Some(now),
        Some(false) => i.resolved_at = None,
        _ => {}
    }
    i.updated_at = now;
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/status/incidents", tag = "Meta", responses((status = 200, description = "Open incidents and those resolved in the last 7 days")))]
pub(crate) async fn list(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let incidents = state
        .store
        .incidents(Utc::now() - super::RESOLVED_SHOWN, 200)
        .await?;
    Ok(([(CACHE_CONTROL, "no-store")], Json(incidents)))
}

#[utoipa::path(post, path = "/api/v1/status/incidents", tag = "Meta", responses((status = 201, description = "The incident, posted"), (status = 400, description = "A bad field", body = crate::openapi::ErrorBody), (status = 401, description = "No token", body = crate::openapi::ErrorBody), (status = 403, description = "Not an admin", body = crate::openapi::ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    p: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let by = admin(&p)?;
    let change = parse(body)?;
    let (Some(_), Some(_), Some(_)) = (&change.title, &change.message, &change.severity) else {
        return Err(bad("body", "title, message and severity are required"));
    };
    let now = Utc::now();
    let mut incident = Incident {
        id: Uuid::now_v7(),
        title: String::new(),
        message: String::new(),
        severity: Severity::Minor,
        component: None,
        posted_by: by,
        created_at: now,
        updated_at: now,
        resolved_at: None,
    };
    apply(&mut incident, change)?;
    state.store.put_incident(&incident).await?;
    tracing::info!(incident = %incident.id, severity = incident.severity.code(), "incident posted");
    let location = format!("/api/v1/status/incidents/{}", incident.id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(incident),
    ))
}

#[utoipa::path(put, path = "/api/v1/status/incidents/{id}", tag = "Meta", params(("id" = String, Path, description = "The incident")), responses((status = 200, description = "The incident, changed"), (status = 400, description = "A bad field", body = crate::openapi::ErrorBody), (status = 401, description = "No token", body = crate::openapi::ErrorBody), (status = 403, description = "Not an admin", body = crate::openapi::ErrorBody), (status = 404, description = "No such incident", body = crate::openapi::ErrorBody)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Incident>, ApiError> {
    admin(&p)?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let change = parse(body)?;
    let mut incident = state.store.incident(id).await?.ok_or(ApiError::NotFound)?;
    apply(&mut incident, change)?;
    state.store.put_incident(&incident).await?;
    Ok(Json(incident))
}
