//! A request's life after intake: owners answer by hand, the requester
//! closes it (received → answered → complete).
//!
//! - `PUT /api/v1/dig-requests/{id}/responses/{owner}` (the owner itself or
//!   an admin) with `{"answer": "<code>"}`, one of the codes of
//!   [`DigResponseType`]. "taken_for_manual_handling" keeps the owner's part
//!   open; any other answer closes it. The feature count is the owner's
//!   features in the area now. An owner that has features in the area cannot
//!   answer "no_lines_in_area" (422): the contractor would dig blind. The
//!   answer is the report as the owner sees it.
//! - `POST /api/v1/dig-requests/{id}/complete` (the requester or an admin)
//!   closes an answered request; 409 while an owner has not answered.
//!
//! A request the caller may not know of is a 404, as for `GET`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use forsyning_model::{DigResponseType, OrgId, Role};
use forsyning_store::{DigRecord, StoreError};
use serde::Deserialize;
use uuid::Uuid;

use super::report::{DigReport, Disclosure};
use super::service::{area_of, view, Caller};
use crate::auth::Principal;
use crate::policy::dig_disclosure;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    answer: String,
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(_) => ApiError::NotFound,
        StoreError::Conflict(why) => ApiError::Conflict(why),
        other => other.into(),
    }
}

async fn load(state: &AppState, id: &str) -> Result<DigRecord, ApiError> {
    // A malformed id names no request: the same answer as an unknown one.
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    state.store.dig_request(id).await?.ok_or(ApiError::NotFound)
}

#[utoipa::path(put, path = "/api/v1/dig-requests/{id}/responses/{owner}", tag = "Dig requests", params(("id" = String, Path, description = "The dig request id"), ("owner" = String, Path, description = "The answering owner")), request_body = crate::openapi::AnswerBodyDoc, responses((status = 200, description = "The updated report", body = DigReport), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody), (status = 409, description = "The resource's state does not allow this", body = crate::openapi::ErrorBody), (status = 422, description = "Breaks a rule (the error code names it)", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(super) async fn answer(
    State(state): State<AppState>,
    p: Principal,
    Path((id, owner)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DigReport>, ApiError> {
    let org = p
        .org()
        .ok_or(ApiError::Unauthorized("dig requests need a token"))?;
    let owner = OrgId::new(owner).map_err(|_| ApiError::NotFound)?;
    let record = load(&state, &id).await?;
    if dig_disclosure(&p, &record, Utc::now())?.is_none() || record.response_of(&owner).is_none() {
        return Err(ApiError::NotFound);
    }
    if !(org.role == Role::Admin || (org.role == Role::Owner && org.id == owner)) {
        return Err(ApiError::Forbidden(
            "only the owner itself or an admin answers for an owner",
        ));
    }
    let body: AnswerBody =
        serde_json::from_slice(&body?).map_err(|e| ApiError::field("invalid_answer", "body", e))?;
    let answer = DigResponseType::from_code(&body.answer)
        .map_err(|e| ApiError::field("invalid_answer", "answer", e))?;
    let area = area_of(&record)?;
    let count = super::matching::network_near(state.store.as_ref(), &area)
        .await?
        .iter()
        .filter(|f| f.owner_id == owner)
        .count() as u64;
    if answer == DigResponseType::NoLinesInArea && count > 0 {
        return Err(ApiError::Unprocessable {
            code: "owner_has_lines",
            message: format!(
                "answer: {owner} has {count} features in the dig area; \
                 answer delivered, not_delivered or an on-site marking instead"
            ),
        });
    }
    let updated = state
        .store
        .answer_dig_request(record.request.id, &owner, answer, count, Utc::now())
        .await
        .map_err(store_error)?;
    let caller = Caller {
        org_id: &org.id,
        token_id: p.token_id(),
    };
    let disclosure = if org.role == Role::Admin {
        Disclosure::Full
    } else {
        Disclosure::Owner(owner)
    };
    Ok(Json(
        view(
            state.store.as_ref(),
            caller,
            &updated,
            &disclosure,
            &state.region,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/dig-requests/{id}/complete", tag = "Dig requests", params(("id" = String, Path, description = "The dig request id")), responses((status = 200, description = "The completed report", body = DigReport), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody), (status = 409, description = "The resource's state does not allow this", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(super) async fn complete(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<DigReport>, ApiError> {
    let org = p
        .org()
        .ok_or(ApiError::Unauthorized("dig requests need a token"))?;
    let record = load(&state, &id).await?;
    let Some(disclosure) = dig_disclosure(&p, &record, Utc::now())? else {
        return Err(ApiError::NotFound);
    };
    if !(org.role == Role::Admin || record.request.requester_id == org.id) {
        return Err(ApiError::Forbidden(
            "only the requester or an admin completes a dig request",
        ));
    }
    let updated = state
        .store
        .complete_dig_request(record.request.id)
        .await
        .map_err(store_error)?;
    let caller = Caller {
        org_id: &org.id,
        token_id: p.token_id(),
    };
    Ok(Json(
        view(
            state.store.as_ref(),
            caller,
            &updated,
            &disclosure,
            &state.region,
        )
        .await?,
    ))
}
