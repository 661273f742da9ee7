//! Writing disclosures to the audit log: who, when, which request, which features.

use chrono::Utc;
use forsyning_model::{AuditRecord, OrgId};
use forsyning_store::Store;
use uuid::Uuid;

use crate::ApiError;

/// One disclosure, as the log keeps it.
#[derive(Debug, Clone, Copy)]
pub struct Disclosed<'a> {
    pub org_id: Option<&'a OrgId>,
    pub token_id: Option<Uuid>,
    /// e.g. `features.read`, `dig_request.report`.
    pub action: &'a str,
    pub dig_request_id: Option<Uuid>,
}

/// Appends `what` with the digest of `feature_ids`; the answer must not
/// leave before this returns.
pub async fn record(
    store: &dyn Store,
    what: Disclosed<'_>,
    feature_ids: impl IntoIterator<Item = Uuid>,
) -> Result<(), ApiError> {
    store.append_audit(disclosure(what, feature_ids)).await?;
    Ok(())
}

/// The audit record of `what`, now, with the digest of `feature_ids`.
pub fn disclosure(what: Disclosed<'_>, feature_ids: impl IntoIterator<Item = Uuid>) -> AuditRecord {
    let (feature_count, feature_digest) = AuditRecord::digest_ids(feature_ids);
    AuditRecord {
        at: Utc::now(),
        org_id: what.org_id.cloned(),
        token_id: what.token_id,
        action: what.action.to_owned(),
        dig_request_id: what.dig_request_id,
        feature_count,
        feature_digest,
    }
}
