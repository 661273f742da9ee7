use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{
    AuditEntry, AuditRecord, DigRequest, DigRequestStatus, DigResponse, DigResponseType, OrgId,
};
use geo_types::MultiPolygon;
use uuid::Uuid;

use crate::StoreError;

/// A stored dig request with one response per matched owner, ordered by owner id.
#[derive(Debug, Clone, PartialEq)]
pub struct DigRecord {
    pub request: DigRequest,
    pub responses: Vec<DigResponse>,
}

impl DigRecord {
    /// The response of `owner`, if it was matched.
    pub fn response_of(&self, owner: &OrgId) -> Option<&DigResponse> {
        self.responses.iter().find(|r| &r.owner_id == owner)
    }

    /// The owners whose answer delivers their network information.
    pub fn delivering_owners(&self) -> Vec<OrgId> {
        self.responses
            .iter()
            .filter(|r| r.answer.delivers_features())
            .map(|r| r.owner_id.clone())
            .collect()
    }
}

/// Which dig requests to list.
#[derive(Debug, Clone, PartialEq)]
pub enum DigFilter {
    All,
    /// Those asked by this organisation.
    Requester(OrgId),
    /// Those with a response from this owner.
    Owner(OrgId),
    /// Those whose polygon intersects this area (e.g. a municipality's
    /// boundary), EPSG:25832 metres. The buffer is not counted.
    Intersecting(MultiPolygon<f64>),
}

/// Dig requests (LER `graveforespørgsler`) and the owners' answers.
///
/// The embedded backend keeps them in the operations database beside the
/// GeoPackage (like [`AccessStore`](crate::AccessStore)), so a request is never
/// held up by a dataset replacement; PostGIS keeps them in the same database.
/// Times are kept to the millisecond. Lists are ordered by `received_at`, then id.
#[async_trait]
pub trait DigStore: Send + Sync {
    /// Stores a new request with its responses, all or nothing; an existing
    /// id or two responses of one owner are a [`StoreError::Conflict`]. The
    /// request's status is stored as given.
    async fn insert_dig_request(
        &self,
        request: &DigRequest,
        responses: &[DigResponse],
    ) -> Result<(), StoreError>;

    /// Like [`DigStore::insert_dig_request`], and appends `disclosure` (the
    /// audit record of the report the requester is about to get) to the
    /// audit chain in the same transaction: one commit for both.
    async fn insert_dig_request_audited(
        &self,
        request: &DigRequest,
        responses: &[DigResponse],
        disclosure: AuditRecord,
    ) -> Result<AuditEntry, StoreError>;

    async fn dig_request(&self, id: Uuid) -> Result<Option<DigRecord>, StoreError>;

    async fn dig_requests(&self, filter: &DigFilter) -> Result<Vec<DigRecord>, StoreError>;

    /// Records `owner`'s (manual) answer: sets its answer type and feature
    /// count, and `answered_at = at` when the answer is final (`None` for
    /// "taken for manual handling"); then moves the request between
    /// `received` and `answered` ([`DigRequestStatus::after_answers`]).
    /// [`StoreError::NotFound`] when the request or the owner's response does
    /// not exist; [`StoreError::Conflict`] when the request is complete.
    async fn answer_dig_request(
        &self,
        id: Uuid,
        owner: &OrgId,
        answer: DigResponseType,
        features_count: u64,
        at: DateTime<Utc>,
    ) -> Result<DigRecord, StoreError>;

    /// Marks an answered request complete. [`StoreError::NotFound`] for an
    /// unknown id; [`StoreError::Conflict`] unless it is `answered`.
    async fn complete_dig_request(&self, id: Uuid) -> Result<DigRecord, StoreError>;
}

/// The checks of [`DigStore::answer_dig_request`], shared by the backends:
/// applies the answer to `record` in memory, or says why it cannot.
pub(crate) fn apply_answer(
    record: &mut DigRecord,
    owner: &OrgId,
    answer: DigResponseType,
    features_count: u64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id = record.request.id;
    if record.request.status == DigRequestStatus::Complete {
        return Err(StoreError::Conflict(format!(
            "dig request {id} is complete; its answers no longer change"
        )));
    }
    let response = record
        .responses
        .iter_mut()
        .find(|r| &r.owner_id == owner)
        .ok_or_else(|| {
            StoreError::NotFound(format!("no response of {owner} to dig request {id}"))
        })?;
    response.answer = answer;
    response.features_count = features_count;
    response.answered_at = answer.is_final().then_some(at);
    record.request.status = record.request.status.after_answers(&record.responses);
    Ok(())
}

/// The checks of [`DigStore::complete_dig_request`], shared by the backends.
pub(crate) fn apply_complete(record: &mut DigRecord) -> Result<(), StoreError> {
    if record.request.status != DigRequestStatus::Answered {
        return Err(StoreError::Conflict(format!(
            "dig request {} is {}; only an answered request can be completed",
            record.request.id,
            record.request.status.code()
        )));
    }
    record.request.status = DigRequestStatus::Complete;
    Ok(())
}

pub(crate) fn unknown_request(id: Uuid) -> StoreError {
    StoreError::NotFound(format!("dig request {id}"))
}

pub(crate) fn duplicate_owner(
    request: &DigRequest,
    responses: &[DigResponse],
) -> Option<StoreError> {
    let mut owners: Vec<&OrgId> = responses.iter().map(|r| &r.owner_id).collect();
    owners.sort();
    owners.windows(2).find(|w| w[0] == w[1]).map(|w| {
        StoreError::Conflict(format!(
            "dig request {}: two responses of owner {}",
            request.id, w[0]
        ))
    })
}
