//! Submitting a dig request and viewing one: the steps the API and the CLI share.

use chrono::{DateTime, Utc};
use forsyning_model::{DigRequest, DigRequestStatus, OrgId, Region, SearchArea};
use forsyning_store::{DigRecord, Store};
use uuid::Uuid;

use super::intake::DigIntake;
use super::matching::{contacts, match_owners_in, network_near};
use super::report::{build_report_in, DigReport, Disclosure};
use crate::audit::{self, Disclosed};
use crate::ApiError;

/// The audit action of every report that discloses features.
pub const REPORT_ACTION: &str = "dig_request.report";

/// Who asks, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub org_id: &'a OrgId,
    /// `None` for the command line, which has no token.
    pub token_id: Option<Uuid>,
}

/// `t` to the millisecond, the precision the store keeps.
fn millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Matches the owners of a checked request, stores it with their answers,
/// writes the disclosure to the audit log and returns the full report.
pub async fn submit(
    store: &dyn Store,
    caller: Caller<'_>,
    intake: DigIntake,
    received: DateTime<Utc>,
    region: &Region,
) -> Result<DigReport, ApiError> {
    let received = millis(received);
    let matched = match_owners_in(store, &intake.area, received, region).await?;
    let request = DigRequest {
        // Time-ordered (v7, 74 random bits): the store's indexes on the
        // request id grow at one end instead of at random pages.
        id: Uuid::now_v7(),
        requester_id: caller.org_id.clone(),
        polygon: intake.area.polygon().clone(),
        buffer_m: intake.area.buffer_m(),
        period_from: millis(intake.period_from),
        period_to: millis(intake.period_to),
        purpose: intake.purpose,
        contact: intake.contact,
        status: DigRequestStatus::Received.after_answers(&matched.responses),
        received_at: received,
    };
    let record = DigRecord {
        request,
        responses: matched.responses,
    };
    let report = build_report_in(
        &record,
        &matched.contacts,
        matched.features,
        &Disclosure::Full,
        region,
    );
    // The request and the disclosure of its report commit together.
    let disclosure = audit::disclosure(
        Disclosed {
            org_id: Some(caller.org_id),
            token_id: caller.token_id,
            action: REPORT_ACTION,
            dig_request_id: Some(report.id),
        },
        report.features.iter().flatten().map(|f| f.id),
    );
    store
        .insert_dig_request_audited(&record.request, &record.responses, disclosure)
        .await?;
    Ok(report)
}

/// The search area of a stored request.
pub fn area_of(record: &DigRecord) -> Result<SearchArea, ApiError> {
    SearchArea::new(record.request.polygon.clone(), record.request.buffer_m)
        .map_err(|e| ApiError::Internal(format!("stored dig request {}: {e}", record.request.id)))
}

/// The report of a stored request as `disclosure` allows, with the
/// network as it is now. Audited when it discloses features.
pub async fn view(
    store: &dyn Store,
    caller: Caller<'_>,
    record: &DigRecord,
    disclosure: &Disclosure,
    region: &Region,
) -> Result<DigReport, ApiError> {
    let area = area_of(record)?;
    let contacts = contacts(&store.interest_areas_near_shared(&area).await?);
    let features = if *disclosure == Disclosure::ResponsesOnly {
        Vec::new()
    } else {
        network_near(store, &area).await?
    };
    let report = build_report_in(record, &contacts, features, disclosure, region);
    audit_report(store, caller, &report).await?;
    Ok(report)
}

/// A report in a list: every answer and contact, no feature.
pub async fn summary(
    store: &dyn Store,
    record: &DigRecord,
    disclosure: &Disclosure,
    region: &Region,
) -> Result<DigReport, ApiError> {
    let contacts = contacts(&store.interest_areas_near_shared(&area_of(record)?).await?);
    let mut report = build_report_in(record, &contacts, Vec::new(), disclosure, region);
    report.features = None;
    Ok(report)
}

async fn audit_report(
    store: &dyn Store,
    caller: Caller<'_>,
    report: &DigReport,
) -> Result<(), ApiError> {
    let Some(features) = &report.features else {
        return Ok(());
    };
    let what = Disclosed {
        org_id: Some(caller.org_id),
        token_id: caller.token_id,
        action: REPORT_ACTION,
        dig_request_id: Some(report.id),
    };
    audit::record(store, what, features.iter().map(|f| f.id)).await
}
