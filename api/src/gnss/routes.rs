//! `POST /api/v1/gnss/{device}/nmea`, the track, the alerts and the
//! dig-request assignment of a device.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use forsyning_gnss::nmea::Decoder;
use forsyning_gnss::proximity::HazardIndex;
use forsyning_model::{DigRequestStatus, Role};
use forsyning_store::TimeRange;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::device::resolve;
use super::hub::{AlertRecord, Assignment, DeviceKey, Ingested, TrackPoint};
use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Malformed lines listed in an answer (the rest are counted).
const LISTED_MALFORMED: usize = 100;

/// One rejected line of a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MalformedLine {
    /// 1-based line number in the batch.
    pub line: usize,
    /// Why it was rejected.
    pub reason: String,
}

/// What a batch of NMEA lines gave.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NmeaReport {
    pub device: String,
    /// Lines in the body.
    pub lines: usize,
    /// Sentences with a valid checksum.
    pub sentences: usize,
    /// Epochs closed (fixes), with or without a position.
    pub fixes: usize,
    /// Fixes with a position: kept in the track (the store) and streamed.
    pub positions: usize,
    /// Rejected lines, all of them.
    pub malformed_count: usize,
    /// The first 100 rejected lines.
    pub malformed: Vec<MalformedLine>,
    /// The dig request whose dangerous features were checked; `null`: none.
    pub dig_request: Option<Uuid>,
    /// Alerts raised by this batch, in order.
    pub alerts: Vec<AlertRecord>,
}

/// The audit action of proximity alerts.
pub(crate) const ALERT_ACTION: &str = "gnss.alert";

/// Alerts disclose dangerous features (ids, distances) of every owner in
/// the dig area, answered or not: safety comes first, and each batch's
/// alerts are an audited disclosure per dig request, written before the
/// alerts leave.
pub(crate) async fn audit_alerts(
    state: &AppState,
    key: &DeviceKey,
    token_id: Option<Uuid>,
    alerts: &[AlertRecord],
) -> Result<(), ApiError> {
    let mut by_request: std::collections::BTreeMap<Uuid, Vec<Uuid>> = Default::default();
    for a in alerts {
        by_request
            .entry(a.dig_request)
            .or_default()
            .push(a.feature_id);
    }
    for (dig_request, ids) in by_request {
        crate::audit::record(
            state.store.as_ref(),
            crate::audit::Disclosed {
                org_id: Some(&key.org),
                token_id,
                action: ALERT_ACTION,
                dig_request_id: Some(dig_request),
            },
            ids,
        )
        .await?;
    }
    Ok(())
}

/// What follows the ingestion of a batch on every path (HTTP, TCP): its
/// alerts are audited, then stored with their webhook events, and its
/// fixes queued for the store.
pub(crate) async fn record_batch(
    state: &AppState,
    key: &DeviceKey,
    token_id: Option<Uuid>,
    ingested: &Ingested,
) -> Result<(), ApiError> {
    audit_alerts(state, key, token_id, &ingested.alerts).await?;
    state.gnss.record(key, ingested).await?;
    Ok(())
}

/// Decodes and checks a batch for `key` (see [`record_batch`] for the rest).
pub(crate) fn ingest_batch(
    state: &AppState,
    key: &DeviceKey,
    body: &[u8],
) -> (NmeaReport, Ingested) {
    let mut decoder = Decoder::new();
    if let Some(date) = state.gnss.last_date(key) {
        decoder.assembler_mut().set_date(date);
    }
    let mut fixes = Vec::new();
    decoder.push_bytes(body, |f| fixes.push(f));
    let report = decoder.finish();
    let ingested = state
        .gnss
        .ingest(key, &fixes, state.native_crs, &state.metrics);
    let report = NmeaReport {
        device: key.name.clone(),
        lines: report.lines,
        sentences: report.sentences,
        fixes: report.fixes,
        positions: ingested.positions,
        malformed_count: report.malformed_count,
        malformed: report
            .malformed
            .iter()
            .take(LISTED_MALFORMED)
            .map(|m| MalformedLine {
                line: m.line,
                reason: m.reason.to_string(),
            })
            .collect(),
        dig_request: state.gnss.assignment(key).map(|a| a.dig_request),
        alerts: ingested.alerts.clone(),
    };
    (report, ingested)
}

#[utoipa::path(post, path = "/api/v1/gnss/{device}/nmea", tag = "GNSS", params(("device" = String, Path, description = "The device's name (its token's label is `gnss:<name>`)")), request_body(content = String, content_type = "text/plain", description = "NMEA 0183 lines (GGA, RMC, GST, GSA, GNS, ... of any talker)"), responses((status = 200, description = "Counts of the batch and the alerts it raised", body = NmeaReport), (status = 400, description = "No NMEA sentence in the body, or a bad device name", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The device belongs to another organisation", body = crate::openapi::ErrorBody), (status = 404, description = "No such device", body = crate::openapi::ErrorBody), (status = 413, description = "Body over the limit", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn post_nmea(
    State(state): State<AppState>,
    p: Principal,
    Path(device): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<NmeaReport>, ApiError> {
    let key = resolve(&state, &p, &device).await?;
    let body = body?;
    let (report, ingested) = ingest_batch(&state, &key, &body);
    record_batch(&state, &key, p.token_id(), &ingested).await?;
    if report.sentences == 0 {
        let first = report
            .malformed
            .first()
            .map(|m| format!("; line {}: {}", m.line, m.reason))
            .unwrap_or_default();
        return Err(ApiError::BadRequest {
            code: "no_nmea",
            message: format!(
                "body: no valid NMEA sentence among {} lines{first}",
                report.lines
            ),
        });
    }
    Ok(Json(report))
}

#[derive(Debug, Deserialize)]
pub(crate) struct RangeQuery {
    limit: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn limit(q: &RangeQuery) -> Result<u32, ApiError> {
    match q.limit.as_deref() {
        None => Ok(1000),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| ApiError::field("invalid_limit", "limit", "must be 1..=100000")),
    }
}

fn range(q: &RangeQuery) -> Result<TimeRange, ApiError> {
    let time = |field: &'static str, v: &Option<String>| {
        v.as_deref()
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| {
                        ApiError::field(
                            "invalid_time",
                            field,
                            format!("an RFC 3339 time, e.g. 2025-05-01T08:00:00Z: {e}"),
                        )
                    })
            })
            .transpose()
    };
    let range = TimeRange {
        from: time("from", &q.from)?,
        to: time("to", &q.to)?,
    };
    if let (Some(from), Some(to)) = (range.from, range.to) {
        if from > to {
            return Err(ApiError::field("invalid_time", "to", "is before from"));
        }
    }
    Ok(range)
}

#[utoipa::path(get, path = "/api/v1/gnss/{device}/track", tag = "GNSS", params(("device" = String, Path, description = "The device's name"), ("from" = Option<String>, Query, description = "RFC 3339: fixes received at or after this time"), ("to" = Option<String>, Query, description = "RFC 3339: fixes received before this time"), ("limit" = Option<u32>, Query, description = "1..=100000, default 1000: the last this many of the range")), responses((status = 200, description = "The device's last fixes in the range, oldest first, from the store (kept 30 days by default)", body = [TrackPoint]), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The device belongs to another organisation", body = crate::openapi::ErrorBody), (status = 404, description = "No such device", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn track(
    State(state): State<AppState>,
    p: Principal,
    Path(device): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<Vec<TrackPoint>>, ApiError> {
    let key = resolve(&state, &p, &device).await?;
    let (range, limit) = (range(&q)?, limit(&q)?);
    Ok(Json(state.gnss.track(&key, range, limit).await?))
}

#[utoipa::path(get, path = "/api/v1/gnss/{device}/alerts", tag = "GNSS", params(("device" = String, Path, description = "The device's name"), ("from" = Option<String>, Query, description = "RFC 3339: alerts raised at or after this time"), ("to" = Option<String>, Query, description = "RFC 3339: alerts raised before this time"), ("limit" = Option<u32>, Query, description = "1..=100000, default 1000: the last this many of the range")), responses((status = 200, description = "The device's last proximity alerts in the range, oldest first, from the store (kept 30 days by default)", body = [AlertRecord]), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The device belongs to another organisation", body = crate::openapi::ErrorBody), (status = 404, description = "No such device", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn alerts(
    State(state): State<AppState>,
    p: Principal,
    Path(device): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<Vec<AlertRecord>>, ApiError> {
    let key = resolve(&state, &p, &device).await?;
    let (range, limit) = (range(&q)?, limit(&q)?);
    Ok(Json(state.gnss.alerts(&key, range, limit).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    /// The dig request's id.
    pub dig_request: Uuid,
}

/// A device's assignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub device: String,
    pub dig_request: Uuid,
    /// Dangerous and very dangerous features watched.
    pub watched_features: usize,
    /// Alerts stop at the end of the request's period.
    pub valid_to: chrono::DateTime<Utc>,
}

#[utoipa::path(put, path = "/api/v1/gnss/{device}/assignment", tag = "GNSS", params(("device" = String, Path, description = "The device's name")), request_body = AssignmentBody, responses((status = 200, description = "The device now watches the dangerous features of the request's area (polygon + buffer), as stored now", body = AssignmentView), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The device belongs to another organisation", body = crate::openapi::ErrorBody), (status = 404, description = "No such device, or no such dig request of the caller's", body = crate::openapi::ErrorBody), (status = 409, description = "The request is complete or outside its period", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn assign(
    State(state): State<AppState>,
    p: Principal,
    Path(device): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AssignmentView>, ApiError> {
    let key = resolve(&state, &p, &device).await?;
    let body: AssignmentBody = serde_json::from_slice(&body?)
        .map_err(|e| ApiError::field("invalid_assignment", "body", e))?;
    let record = state
        .store
        .dig_request(body.dig_request)
        .await?
        .ok_or(ApiError::NotFound)?;
    let caller = p.org().ok_or(ApiError::NotFound)?;
    let mine = record.request.requester_id == key.org && record.request.requester_id == caller.id;
    if !(mine || caller.role == Role::Admin && record.request.requester_id == key.org) {
        // The requests of others do not exist for the caller (policy.rs).
        return Err(ApiError::NotFound);
    }
    let now = Utc::now();
    if record.request.status == DigRequestStatus::Complete {
        return Err(ApiError::Conflict(
            "the dig request is complete: no machine digs under it".into(),
        ));
    }
    if !record.request.is_valid_at(now) {
        return Err(ApiError::Conflict(
            "the dig request's period does not cover now".into(),
        ));
    }
    let area = crate::dig::service::area_of(&record)?;
    // Safety first: every owner's dangerous features in the area count,
    // also those of owners who have not answered yet.
    let features = crate::dig::matching::network_near(state.store.as_ref(), &area).await?;
    let index = HazardIndex::new(features.iter().map(|f| f.as_ref()));
    let view = AssignmentView {
        device: key.name.clone(),
        dig_request: record.request.id,
        watched_features: index.len(),
        valid_to: record.request.period_to,
    };
    state.gnss.assign(
        &key,
        Some(Assignment {
            dig_request: record.request.id,
            valid_to: record.request.period_to,
            index: std::sync::Arc::new(index),
        }),
    );
    tracing::info!(device = %key.name, org = %key.org, dig_request = %record.request.id, watched = view.watched_features, "GNSS device assigned");
    Ok(Json(view))
}

#[utoipa::path(delete, path = "/api/v1/gnss/{device}/assignment", tag = "GNSS", params(("device" = String, Path, description = "The device's name")), responses((status = 204, description = "The device watches nothing"), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The device belongs to another organisation", body = crate::openapi::ErrorBody), (status = 404, description = "No such device", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn unassign(
    State(state): State<AppState>,
    p: Principal,
    Path(device): Path<String>,
) -> Result<StatusCode, ApiError> {
    let key = resolve(&state, &p, &device).await?;
    state.gnss.assign(&key, None);
    Ok(StatusCode::NO_CONTENT)
}
