//! Who may do what with flood maps (DESIGN.md, "Who may see what"):
//!
//! | caller       | run jobs | results (bluespots, flood, depth) | assets at risk            | summary of assets              |
//! |--------------|----------|-----------------------------------|---------------------------|--------------------------------|
//! | anonymous    | 401      | yes                               | 401                       | 401                            |
//! | owner        | 403      | yes                               | its own features          | its own features               |
//! | contractor   | 403      | yes                               | inside its valid requests | inside its valid requests      |
//! | municipality | yes      | yes                               | 403 (no network features) | every owner's, in its boundary |
//! | admin        | yes      | yes                               | all                       | all                            |
//!
//! Assets at risk disclose network features, so they follow the one feature
//! policy ([`crate::policy::feature_scope`]) and are audited.

use forsyning_model::{NetworkFeature, Organisation, Role};
use geo::Intersects;
use geo_types::MultiPolygon;

use crate::auth::Principal;
use crate::policy::{feature_scope, FeatureScope};
use crate::{ApiError, AppState};

/// The organisation that may start a flood job: a municipality or an admin.
pub(crate) fn flood_runner(p: &Principal) -> Result<&Organisation, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("flood jobs need a token"));
    };
    match org.role {
        Role::Municipality | Role::Admin => Ok(org),
        Role::Owner | Role::Contractor => Err(ApiError::Forbidden(
            "only municipalities and admins run flood jobs",
        )),
    }
}

/// Which features a summary of assets at risk counts.
#[derive(Debug, Clone)]
pub(crate) enum SummaryScope {
    /// The caller's feature scope.
    Features(FeatureScope),
    /// A municipality: every owner's features touching its boundary.
    Boundary(MultiPolygon<f64>),
}

impl SummaryScope {
    pub(crate) fn allows(&self, f: &NetworkFeature) -> bool {
        match self {
            SummaryScope::Features(s) => s.allows(f),
            SummaryScope::Boundary(b) => f.geometry.intersects(b),
        }
    }
}

/// What the caller's summary counts, or why it gets none.
pub(crate) async fn summary_scope(
    state: &AppState,
    p: &Principal,
) -> Result<SummaryScope, ApiError> {
    if let Some(org) = p.org() {
        if org.role == Role::Municipality {
            return org
                .boundary
                .clone()
                .map(SummaryScope::Boundary)
                .ok_or(ApiError::Forbidden(
                    "the municipality has no boundary to summarise assets in",
                ));
        }
    }
    Ok(SummaryScope::Features(feature_scope(state, p).await?))
}
