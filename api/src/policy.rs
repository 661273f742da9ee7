//! The one access policy (DESIGN.md, "Who may see what"). Every handler that
//! discloses network data asks it first.
//!
//! | role         | network features                                        |
//! |--------------|---------------------------------------------------------|
//! | anonymous    | none (401)                                              |
//! | owner        | its own                                                 |
//! | contractor   | inside its valid dig requests' polygon + buffer, from   |
//! |              | owners whose answer is "delivered" (dig requests: to come) |
//! | municipality | none (403): dig requests and risk summaries only        |
//! | admin        | all                                                     |

use forsyning_model::{NetworkFeature, OrgId, Role};

use crate::auth::Principal;
use crate::ApiError;

/// Which network features a caller may see.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureScope {
    All,
    Owner(OrgId),
    /// A contractor's grants from its dig requests; none until dig requests exist.
    DigGrants(Vec<DigGrant>),
}

/// What one valid dig request discloses to its contractor.
#[derive(Debug, Clone, PartialEq)]
pub struct DigGrant {
    pub dig_request_id: uuid::Uuid,
    pub area: forsyning_model::SearchArea,
    pub delivered_by: Vec<OrgId>,
}

impl FeatureScope {
    pub fn allows(&self, f: &NetworkFeature) -> bool {
        match self {
            FeatureScope::All => true,
            FeatureScope::Owner(o) => &f.owner_id == o,
            FeatureScope::DigGrants(grants) => grants.iter().any(|g| {
                g.delivered_by.contains(&f.owner_id)
                    && forsyning_store::is_near(&f.geometry, &g.area)
            }),
        }
    }
}

/// The caller's feature scope, or why it has none.
pub fn feature_scope(p: &Principal) -> Result<FeatureScope, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("network data needs a token"));
    };
    match org.role {
        Role::Admin => Ok(FeatureScope::All),
        Role::Owner => Ok(FeatureScope::Owner(org.id.clone())),
        Role::Contractor => Ok(FeatureScope::DigGrants(Vec::new())),
        Role::Municipality => Err(ApiError::Forbidden(
            "municipalities do not see network features",
        )),
    }
}

/// Whether the caller may see the datasets of `owner`.
pub fn may_see_datasets_of(p: &Principal, owner: &OrgId) -> Result<bool, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("datasets need a token"));
    };
    match org.role {
        Role::Admin => Ok(true),
        Role::Owner => Ok(&org.id == owner),
        Role::Contractor | Role::Municipality => {
            Err(ApiError::Forbidden("only owners and admins see datasets"))
        }
    }
}
