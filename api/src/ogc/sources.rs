//! What each collection holds for a caller, through the one policy
//! (`crate::policy`): network features as `/api/v1/features` discloses
//! them, interest areas to their owner and admins, dig requests as
//! `/api/v1/dig-requests` lists them. Geometries stay in EPSG:25832 here.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use forsyning_ingest::geojson::GeoJsonProperties;
use forsyning_model::{Bbox, InterestArea, NetworkFeature, Role};
use forsyning_store::DigRecord;
use geo::{BoundingRect, Intersects};
use geo_types::{Geometry, Rect};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::Collection;
use crate::auth::Principal;
use crate::dig::summary;
use crate::policy::{dig_disclosure, dig_list_filter, feature_scope, FeatureScope};
use crate::{ApiError, AppState};

/// One item of a collection, geometry in EPSG:25832 metres.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub geometry: Geometry<f64>,
    pub properties: Map<String, Value>,
    /// The item's time (a feature's validity, a dig request's period);
    /// `None` ends are open. Interest areas have none: both `None`.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// Everything of the store, EPSG:25832 metres, when no bbox narrows a query.
fn everything() -> Bbox {
    Bbox::new(-1.0e7, -1.0e7, 1.0e7, 2.0e7).expect("a valid box")
}

fn to_bbox(r: &Rect<f64>) -> Result<Bbox, ApiError> {
    Bbox::new(r.min().x, r.min().y, r.max().x, r.max().y)
        .map_err(|e| ApiError::Internal(format!("bbox envelope: {e}")))
}

fn touches(bounds: Option<Rect<f64>>, envelope: Option<&Rect<f64>>) -> bool {
    envelope.is_none_or(|e| bounds.is_some_and(|b| b.intersects(e)))
}

fn network_item(f: &NetworkFeature) -> Item {
    let mut properties = match serde_json::to_value(GeoJsonProperties(f)) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    properties.insert("owner_id".into(), json!(f.owner_id));
    properties.insert("dataset_id".into(), json!(f.dataset_id.0));
    properties.insert("version".into(), json!(f.version));
    properties.insert("valid_from".into(), json!(f.valid_from));
    Item {
        id: f.id.to_string(),
        geometry: f.geometry.clone(),
        properties,
        start: Some(f.valid_from),
        end: f.valid_to,
    }
}

fn area_item(a: &InterestArea) -> Item {
    let properties = json!({
        "owner_id": a.owner_id,
        "themes": a.themes.iter().map(|t| t.code()).collect::<Vec<_>>(),
        "contact": a.contact,
        "marks_on_site": a.marks_on_site,
    });
    Item {
        id: a.id.to_string(),
        geometry: Geometry::MultiPolygon(a.geometry.clone()),
        properties: properties.as_object().cloned().unwrap_or_default(),
        start: None,
        end: None,
    }
}

async fn dig_item(
    state: &AppState,
    p: &Principal,
    record: &DigRecord,
) -> Result<Option<Item>, ApiError> {
    let Some(disclosure) = dig_disclosure(p, record, Utc::now())? else {
        return Ok(None);
    };
    let report = summary(state.store.as_ref(), record, &disclosure, &state.region).await?;
    let mut properties = match serde_json::to_value(&report) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for geometry_member in ["id", "crs", "polygon", "features"] {
        properties.remove(geometry_member);
    }
    Ok(Some(Item {
        id: record.request.id.to_string(),
        geometry: Geometry::Polygon(record.request.polygon.clone()),
        properties,
        start: Some(record.request.period_from),
        end: Some(record.request.period_to),
    }))
}

/// The owner whose interest areas the caller sees; `None` for all (admins).
fn interest_scope(p: &Principal) -> Result<Option<forsyning_model::OrgId>, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("interest areas need a token"));
    };
    match org.role {
        Role::Admin => Ok(None),
        Role::Owner => Ok(Some(org.id.clone())),
        Role::Contractor | Role::Municipality => Err(ApiError::Forbidden(
            "only owners (their own) and admins see interest areas",
        )),
    }
}

async fn network(
    state: &AppState,
    scope: &FeatureScope,
    envelope: Option<&Rect<f64>>,
) -> Result<Vec<Item>, ApiError> {
    let mut features = Vec::new();
    if let FeatureScope::DigGrants(grants) = scope {
        // A contractor sees only what lies near its valid requests: ask
        // for those areas instead of the whole bbox.
        let mut seen = HashSet::new();
        for g in grants {
            for f in state.store.features_near_shared(&g.area).await? {
                if seen.insert(f.id)
                    && scope.allows(&f)
                    && touches(f.geometry.bounding_rect(), envelope)
                {
                    features.push(network_item(&f));
                }
            }
        }
        return Ok(features);
    }
    let bbox = envelope
        .map(to_bbox)
        .transpose()?
        .unwrap_or_else(everything);
    for f in state.store.features_in_bbox(&bbox).await? {
        if scope.allows(&f) {
            features.push(network_item(&f));
        }
    }
    Ok(features)
}

/// The items of `collection` the caller may see whose bounding box meets
/// `envelope` (EPSG:25832; `None`: all). The bbox test is a prefilter: the
/// caller tests the geometry itself.
pub async fn items(
    state: &AppState,
    p: &Principal,
    collection: Collection,
    envelope: Option<&Rect<f64>>,
) -> Result<Vec<Item>, ApiError> {
    match collection {
        Collection::Network => network(state, &feature_scope(state, p).await?, envelope).await,
        Collection::InterestAreas => {
            let owner = interest_scope(p)?;
            Ok(state
                .store
                .interest_areas(owner.as_ref())
                .await?
                .iter()
                .filter(|a| touches(a.geometry.bounding_rect(), envelope))
                .map(area_item)
                .collect())
        }
        Collection::DigRequests => {
            let Some(filter) = dig_list_filter(p)? else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for record in state.store.dig_requests(&filter).await? {
                if touches(record.request.polygon.bounding_rect(), envelope) {
                    out.extend(dig_item(state, p, &record).await?);
                }
            }
            Ok(out)
        }
    }
}

/// One item by id, if the caller may see it; `None` otherwise (the same
/// answer as for an id that does not exist).
pub async fn item(
    state: &AppState,
    p: &Principal,
    collection: Collection,
    fid: &str,
) -> Result<Option<Item>, ApiError> {
    let Ok(id) = Uuid::parse_str(fid) else {
        // Policy errors first: an anonymous caller learns nothing from the id.
        match collection {
            Collection::Network => {
                feature_scope(state, p).await?;
            }
            Collection::InterestAreas => {
                interest_scope(p)?;
            }
            Collection::DigRequests => {
                dig_list_filter(p)?;
            }
        }
        return Ok(None);
    };
    match collection {
        Collection::Network => {
            let scope = feature_scope(state, p).await?;
            Ok(state
                .store
                .feature(id)
                .await?
                .filter(|f| f.valid_to.is_none() && scope.allows(f))
                .map(|f| network_item(&f)))
        }
        Collection::InterestAreas => {
            let owner = interest_scope(p)?;
            Ok(state
                .store
                .interest_areas(owner.as_ref())
                .await?
                .iter()
                .find(|a| a.id == id)
                .map(area_item))
        }
        Collection::DigRequests => {
            dig_list_filter(p)?;
            match state.store.dig_request(id).await? {
                Some(record) => dig_item(state, p, &record).await,
                None => Ok(None),
            }
        }
    }
}
