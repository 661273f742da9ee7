//! The one access policy (DESIGN.md, "Who may see what"). Every handler that
//! discloses network data or dig requests asks it first.
//!
//! | role         | network features                              | dig requests                     |
//! |--------------|-----------------------------------------------|----------------------------------|
//! | anonymous    | none (401)                                    | none (401)                       |
//! | owner        | its own                                       | those it answered: its own answer and features |
//! | contractor   | inside its dig requests whose period covers   | its own: every answer, and the   |
//! |              | now (polygon + buffer), from owners whose     | delivered features until the     |
//! |              | answer delivers                               | period ends                      |
//! | municipality | none (403)                                    | those intersecting its boundary: answers, no features |
//! | admin        | all                                           | all                              |
//!
//! Network features change (as-built surveys) by their owner or an admin
//! only; another owner gets 404, other roles 403.
//!
//! A dig request the caller may not see answers 404, as if it did not exist.

use chrono::{DateTime, Utc};
use forsyning_model::{NetworkFeature, OrgId, Organisation, Role, SearchArea};
use forsyning_store::{DigFilter, DigRecord};
use geo::Intersects;

use crate::auth::Principal;
use crate::dig::Disclosure;
use crate::{ApiError, AppState};

/// Which network features a caller may see.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureScope {
    All,
    Owner(OrgId),
    /// A contractor's grants from its dig requests valid now.
    DigGrants(Vec<DigGrant>),
}

/// What one valid dig request discloses to its contractor.
#[derive(Debug, Clone, PartialEq)]
pub struct DigGrant {
    pub dig_request_id: uuid::Uuid,
    /// The request's polygon and buffer, EPSG:25832 metres.
    pub area: SearchArea,
    /// The owners whose answer delivers their features.
    pub delivered_by: Vec<OrgId>,
}

impl FeatureScope {
    pub fn allows(&self, f: &NetworkFeature) -> bool {
        match self {
            FeatureScope::All => true,
            FeatureScope::Owner(o) => &f.owner_id == o,
            // A report delivers network features only, never the street
            // context of a base map dataset.
            FeatureScope::DigGrants(grants) => {
                !crate::dig::matching::is_basemap(f)
                    && grants.iter().any(|g| {
                        g.delivered_by.contains(&f.owner_id)
                            && forsyning_store::is_near(&f.geometry, &g.area)
                    })
            }
        }
    }
}

/// The grants of `requests` at `now`: one per request whose period covers
/// `now` and that some owner delivered to.
pub fn dig_grants(requests: &[DigRecord], now: DateTime<Utc>) -> Vec<DigGrant> {
    requests
        .iter()
        .filter(|r| r.request.is_valid_at(now))
        .filter_map(|r| {
            let delivered_by = r.delivering_owners();
            let area = SearchArea::new(r.request.polygon.clone(), r.request.buffer_m).ok()?;
            (!delivered_by.is_empty()).then_some(DigGrant {
                dig_request_id: r.request.id,
                area,
                delivered_by,
            })
        })
        .collect()
}

/// The caller's feature scope now, or why it has none.
pub async fn feature_scope(state: &AppState, p: &Principal) -> Result<FeatureScope, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("network data needs a token"));
    };
    match org.role {
        Role::Admin => Ok(FeatureScope::All),
        Role::Owner => Ok(FeatureScope::Owner(org.id.clone())),
        Role::Contractor => {
            let own = state
                .store
                .dig_requests(&DigFilter::Requester(org.id.clone()))
                .await?;
            Ok(FeatureScope::DigGrants(dig_grants(&own, Utc::now())))
        }
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

/// The organisation that may change network features (as-built surveys):
/// an owner (its own features, see [`may_change_feature`]) or an admin.
pub fn feature_editor(p: &Principal) -> Result<&Organisation, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized(
            "changing network features needs a token",
        ));
    };
    match org.role {
        Role::Owner | Role::Admin => Ok(org),
        Role::Contractor | Role::Municipality => Err(ApiError::Forbidden(
            "only the owner of a feature and admins change it",
        )),
    }
}

/// Whether `editor` (from [`feature_editor`]) may change `f`: an admin any
/// feature, an owner its own.
pub fn may_change_feature(editor: &Organisation, f: &NetworkFeature) -> bool {
    editor.role == Role::Admin || (editor.role == Role::Owner && f.owner_id == editor.id)
}

/// Contractors and admins file dig requests; owners and municipalities do not.
pub fn may_file_dig_requests(org: &Organisation) -> Result<(), ApiError> {
    match org.role {
        Role::Contractor | Role::Admin => Ok(()),
        Role::Owner | Role::Municipality => Err(ApiError::Forbidden(
            "only contractors and admins file dig requests",
        )),
    }
}

/// The organisation that may file a dig request: a contractor or an admin.
pub fn dig_requester(p: &Principal) -> Result<&Organisation, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("dig requests need a token"));
    };
    may_file_dig_requests(org)?;
    Ok(org)
}

/// What the caller may see of `record` at `now`; `None` when it may not
/// know the request exists.
pub fn dig_disclosure(
    p: &Principal,
    record: &DigRecord,
    now: DateTime<Utc>,
) -> Result<Option<Disclosure>, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("dig requests need a token"));
    };
    let r = &record.request;
    if org.role == Role::Admin {
        return Ok(Some(Disclosure::Full));
    }
    if r.requester_id == org.id {
        return Ok(Some(if now <= r.period_to {
            Disclosure::Full
        } else {
            Disclosure::ResponsesOnly
        }));
    }
    Ok(match org.role {
        Role::Owner if record.response_of(&org.id).is_some() => {
            Some(Disclosure::Owner(org.id.clone()))
        }
        Role::Municipality
            if org
                .boundary
                .as_ref()
                .is_some_and(|b| r.polygon.intersects(b)) =>
        {
            Some(Disclosure::ResponsesOnly)
        }
        _ => None,
    })
}

/// The requests to consider when listing for the caller (each still goes
/// through [`dig_disclosure`]); `None` when there are none.
pub fn dig_list_filter(p: &Principal) -> Result<Option<DigFilter>, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("dig requests need a token"));
    };
    Ok(match org.role {
        Role::Admin => Some(DigFilter::All),
        Role::Contractor => Some(DigFilter::Requester(org.id.clone())),
        Role::Owner => Some(DigFilter::Owner(org.id.clone())),
        Role::Municipality => org.boundary.clone().map(DigFilter::Intersecting),
    })
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use forsyning_model::{DigRequest, DigRequestStatus, DigResponse, DigResponseType};
    use geo_types::polygon;

    use super::*;

    fn record(from: i64, to: i64, answers: &[(&str, DigResponseType)]) -> DigRecord {
        let now = Utc::now();
        DigRecord {
            request: DigRequest {
                id: uuid::Uuid::new_v4(),
                requester_id: OrgId::new("CON").unwrap(),
                polygon: polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0)],
                buffer_m: 1.0,
                period_from: now + Duration::days(from),
                period_to: now + Duration::days(to),
                purpose: "p".into(),
                contact: "c".into(),
                status: DigRequestStatus::Answered,
                received_at: now,
            },
            responses: answers
                .iter()
                .map(|(o, a)| DigResponse {
                    owner_id: OrgId::new(*o).unwrap(),
                    answer: *a,
                    deadline: now,
                    answered_at: Some(now),
                    features_count: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn grants_come_from_requests_valid_now_and_delivering_owners() {
        use DigResponseType::*;
        let current = record(
            -1,
            1,
            &[
                ("A", Delivered),
                ("B", NoLinesInArea),
                ("C", OnSiteMarkingDelivered),
                ("D", TakenForManualHandling),
            ],
        );
        let future = record(1, 2, &[("A", Delivered)]);
        let past = record(-3, -1, &[("A", Delivered)]);
        let nothing = record(-1, 1, &[("B", NoLinesInArea), ("E", NotDelivered)]);
        let grants = dig_grants(&[current.clone(), future, past, nothing], Utc::now());
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].dig_request_id, current.request.id);
        let owners: Vec<&str> = grants[0].delivered_by.iter().map(OrgId::as_str).collect();
        assert_eq!(owners, ["A", "C"]);
        assert_eq!(grants[0].area.buffer_m(), 1.0);
    }
}
