//! `GET /api/v1/dig-requests/{id}/coordination?within_m=50`: the other dig
//! requests whose polygon lies within `within_m` metres of this one's
//! (default: the server's setting, 50 m; at most 1,000 m) and whose dig
//! period overlaps this one's, so that works in the same street can be
//! joined. For the requester, an admin, or a municipality that sees the
//! request; owners are not party to coordination (403). Each entry names the
//! other requester and its contact, never network features.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use forsyning_model::{DigRequestStatus, OrgId, Role};
use forsyning_store::DigFilter;
use geo::{BoundingRect, Distance, Euclidean};
use geo_types::{MultiPolygon, Rect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Principal;
use crate::policy::dig_disclosure;
use crate::{ApiError, AppState};

/// The largest distance a caller may ask for, metres.
pub const MAX_COORDINATION_M: f64 = 1000.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CoordinationQuery {
    within_m: Option<f64>,
}

/// The answer: the request, the distance used, and the others.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Coordination {
    pub dig_request_id: Uuid,
    pub within_m: f64,
    pub requests: Vec<Neighbour>,
}

/// Another request to coordinate with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Neighbour {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub requester_id: OrgId,
    #[schema(value_type = String)]
    pub status: DigRequestStatus,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub purpose: String,
    pub contact: String,
    /// Shortest distance between the two polygons, metres (0 when they touch).
    pub distance_m: f64,
    /// The days both periods cover, as an interval.
    pub overlap_from: DateTime<Utc>,
    pub overlap_to: DateTime<Utc>,
}

#[utoipa::path(get, path = "/api/v1/dig-requests/{id}/coordination", tag = "Dig requests", params(("id" = String, Path, description = "The dig request id"), ("within_m" = Option<f64>, Query, description = "Metres, at most 1000 (default: serve --coordination-m)")), responses((status = 200, description = "Nearby requests with overlapping periods", body = Coordination), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(super) async fn coordination(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    query: Result<Query<CoordinationQuery>, QueryRejection>,
) -> Result<Json<Coordination>, ApiError> {
    let org = p
        .org()
        .ok_or(ApiError::Unauthorized("dig requests need a token"))?;
    let Query(q) = query.map_err(|e| ApiError::field("invalid_query", "query", e.body_text()))?;
    let within = q.within_m.unwrap_or(state.coordination_m);
    if !(within.is_finite() && (0.0..=MAX_COORDINATION_M).contains(&within)) {
        return Err(ApiError::field(
            "invalid_query",
            "within_m",
            format!("must be a distance from 0 to {MAX_COORDINATION_M} metres"),
        ));
    }
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let record = state
        .store
        .dig_request(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if dig_disclosure(&p, &record, Utc::now())?.is_none() {
        return Err(ApiError::NotFound);
    }
    let r = &record.request;
    if !(org.role == Role::Admin || org.role == Role::Municipality || r.requester_id == org.id) {
        return Err(ApiError::Forbidden(
            "coordination is for the requester, municipalities and admins",
        ));
    }
    let Some(bounds) = r.polygon.bounding_rect() else {
        return Err(ApiError::Internal(format!(
            "dig request {id} has an empty polygon"
        )));
    };
    let search = Rect::new(
        (bounds.min().x - within, bounds.min().y - within),
        (bounds.max().x + within, bounds.max().y + within),
    );
    let candidates = state
        .store
        .dig_requests(&DigFilter::Intersecting(MultiPolygon(vec![
            search.to_polygon()
        ])))
        .await?;
    let mut requests: Vec<Neighbour> = candidates
        .into_iter()
        .map(|c| c.request)
        .filter(|o| o.id != r.id)
        .filter(|o| o.period_from <= r.period_to && r.period_from <= o.period_to)
        .filter_map(|o| {
            let d = Euclidean.distance(&o.polygon, &r.polygon);
            (d <= within).then(|| Neighbour {
                id: o.id,
                requester_id: o.requester_id,
                status: o.status,
                overlap_from: o.period_from.max(r.period_from),
                overlap_to: o.period_to.min(r.period_to),
                period_from: o.period_from,
                period_to: o.period_to,
                purpose: o.purpose,
                contact: o.contact,
                distance_m: (d * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    requests.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));
    Ok(Json(Coordination {
        dig_request_id: r.id,
        within_m: within,
        requests,
    }))
}
