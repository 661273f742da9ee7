//! Which owners a dig request concerns, and their automatic answers.
//!
//! An owner is matched when one of its interest areas lies within the buffer
//! of the polygon, or when one of its features does: an owner with features
//! but no interest area there still answers. Owners with features in the area
//! deliver them (`delivered`, or `on_site_marking_delivered` when an interest
//! area near the polygon says the owner marks on site); the others answer
//! `no_lines_in_area`. Every answer is final at once.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use forsyning_model::{
    DatasetId, DigResponse, DigResponseType, InterestArea, NetworkFeature, OrgId, Region,
    SearchArea,
};
use forsyning_store::Store;

use super::package::map::BASEMAP_DATASET;
use crate::ApiError;

/// The outcome of matching: one response per owner (ordered by owner id),
/// each owner's contact, and the features found.
#[derive(Debug, Clone)]
pub struct Matched {
    pub responses: Vec<DigResponse>,
    pub contacts: BTreeMap<OrgId, String>,
    pub features: Vec<Arc<NetworkFeature>>,
}

/// Each owner's contact from its interest areas near the dig area; several
/// different contacts of one owner are joined with "; ".
pub fn contacts<A: Borrow<InterestArea>>(areas: &[A]) -> BTreeMap<OrgId, String> {
    let mut out: BTreeMap<OrgId, Vec<&str>> = BTreeMap::new();
    for a in areas {
        let a: &InterestArea = a.borrow();
        let list = out.entry(a.owner_id.clone()).or_default();
        let c = a.contact.trim();
        if !c.is_empty() && !list.contains(&c) {
            list.push(c);
        }
    }
    out.into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.join("; ")))
        .collect()
}

/// The owners' automatic answers for `areas` and `features` near a request
/// received at `received`, with LER's (Danish) deadline.
pub fn answers<A: Borrow<InterestArea>>(
    areas: &[A],
    features: &[Arc<NetworkFeature>],
    received: DateTime<Utc>,
) -> Vec<DigResponse> {
    answers_due(
        areas,
        features,
        received,
        forsyning_model::deadline::answer_deadline(received),
    )
}

/// The owners' automatic answers, each due at `deadline`.
pub fn answers_due<A: Borrow<InterestArea>>(
    areas: &[A],
    features: &[Arc<NetworkFeature>],
    received: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Vec<DigResponse> {
    #[derive(Default)]
    struct Owner {
        features: u64,
        marks_on_site: bool,
    }
    let mut owners: BTreeMap<&OrgId, Owner> = BTreeMap::new();
    for a in areas {
        let a: &InterestArea = a.borrow();
        owners.entry(&a.owner_id).or_default().marks_on_site |= a.marks_on_site;
    }
    for f in features {
        owners.entry(&f.owner_id).or_default().features += 1;
    }
    owners
        .into_iter()
        .map(|(owner, o)| DigResponse {
            owner_id: owner.clone(),
            answer: match (o.features, o.marks_on_site) {
                (0, _) => DigResponseType::NoLinesInArea,
                (_, true) => DigResponseType::OnSiteMarkingDelivered,
                (_, false) => DigResponseType::Delivered,
            },
            deadline,
            answered_at: Some(received),
            features_count: o.features,
        })
        .collect()
}

/// Whether `f` belongs to a base map dataset (street context for the
/// printed map, [`BASEMAP_DATASET`]), which is nobody's network.
pub fn is_basemap(f: &NetworkFeature) -> bool {
    f.dataset_id == DatasetId::for_owner(&f.owner_id, BASEMAP_DATASET)
}

/// The network features within `area`: every stored feature there but
/// those of base map datasets.
pub async fn network_near(
    store: &dyn Store,
    area: &SearchArea,
) -> Result<Vec<Arc<NetworkFeature>>, ApiError> {
    let mut features = store.features_near_shared(area).await?;
    features.retain(|f| !is_basemap(f));
    Ok(features)
}

/// Matches the owners of `area` in a Danish `store` (EPSG:25832 metres).
pub async fn match_owners(
    store: &dyn Store,
    area: &SearchArea,
    received: DateTime<Utc>,
) -> Result<Matched, ApiError> {
    let areas = store.interest_areas_near_shared(area).await?;
    let features = network_near(store, area).await?;
    Ok(Matched {
        responses: answers(&areas, &features, received),
        contacts: contacts(&areas),
        features,
    })
}

/// Matches the owners of `area` (the region's native CRS, metres) with the
/// region's deadline rule.
pub async fn match_owners_in(
    store: &dyn Store,
    area: &SearchArea,
    received: DateTime<Utc>,
    region: &Region,
) -> Result<Matched, ApiError> {
    let areas = store.interest_areas_near_shared(area).await?;
    let features = network_near(store, area).await?;
    Ok(Matched {
        responses: answers_due(
            &areas,
            &features,
            received,
            region.answer_deadline(received),
        ),
        contacts: contacts(&areas),
        features,
    })
}
