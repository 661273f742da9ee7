//! The conflict report of a dig request: who answered what, and the
//! delivered network features, dangerous ones first. Shared by the API and
//! the `forsyning dig request` command.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use forsyning_model::{
    AccuracyClass, DigRequestStatus, DigResponseType, Hazard, Kind, NetworkFeature, OrgId, Region,
    Status, Theme,
};
use forsyning_store::DigRecord;
use geo_types::{Geometry, Polygon};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::geojson::{write_geometry, GeoJson};

/// What a caller may see of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disclosure {
    /// Every response and the features of every delivering owner.
    Full,
    /// Every response, no feature.
    ResponsesOnly,
    /// This owner's response and, when it delivers, its own features.
    Owner(OrgId),
}

/// The report of one dig request. Times are UTC; geometries GeoJSON in the
/// region's native CRS (metres, easting first).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DigReport {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub status: DigRequestStatus,
    #[schema(value_type = String)]
    pub requester_id: OrgId,
    pub received: DateTime<Utc>,
    /// When every owner must have answered (the region's rule).
    pub deadline: DateTime<Utc>,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub buffer_m: f64,
    pub purpose: String,
    pub contact: String,
    /// The region's native CRS, `EPSG:25832` in Denmark, `EPSG:28992` in
    /// the Netherlands.
    pub crs: String,
    #[schema(value_type = Object)]
    pub polygon: Value,
    pub owners: Vec<OwnerAnswer>,
    /// Absent when the caller may see no feature of this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<ReportFeature>>,
}

/// One owner's answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnerAnswer {
    #[schema(value_type = String)]
    pub owner_id: OrgId,
    #[schema(value_type = String)]
    pub answer: DigResponseType,
    /// The answer's LER 2.2 term.
    pub answer_ler: &'static str,
    /// From the owner's interest areas near the request; `null` without one.
    pub contact: Option<String>,
    pub feature_count: u64,
    pub deadline: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// One delivered feature.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportFeature {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub owner_id: OrgId,
    #[schema(value_type = String)]
    pub theme: Theme,
    #[schema(value_type = String)]
    pub kind: Kind,
    #[schema(value_type = Option<String>)]
    pub status: Option<Status>,
    #[schema(value_type = Option<String>)]
    pub hazard: Option<Hazard>,
    pub safety_note: Option<String>,
    /// True for dangerous and very dangerous lines: call the owner before digging.
    pub contact_owner_before_digging: bool,
    /// Indicative depth below terrain, millimetres.
    pub depth_mm: Option<u32>,
    #[schema(value_type = String)]
    pub accuracy_xy: AccuracyClass,
    #[schema(value_type = String)]
    pub accuracy_z: AccuracyClass,
    /// Exact distance to the dig polygon, metres (0 inside it).
    pub distance_m: f64,
    #[schema(value_type = Object)]
    pub geometry: FeatureGeometry,
}

/// A feature's geometry in a report: the stored feature, shared, written as
/// GeoJSON when the report is serialised.
#[derive(Debug, Clone)]
pub struct FeatureGeometry(Arc<NetworkFeature>);

impl FeatureGeometry {
    pub fn geometry(&self) -> &Geometry<f64> {
        &self.0.geometry
    }
}

impl Serialize for FeatureGeometry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        GeoJson(&self.0.geometry).serialize(s)
    }
}

fn hazard_rank(h: Option<Hazard>) -> u8 {
    match h {
        Some(Hazard::VeryDangerous) => 0,
        Some(Hazard::Dangerous) => 1,
        _ => 2,
    }
}

/// The features of `candidates` that `disclosure` lets out of `record`:
/// those of owners whose answer delivers, and for an owner only its own.
pub fn disclosed<'a>(
    record: &'a DigRecord,
    candidates: Vec<Arc<NetworkFeature>>,
    disclosure: &'a Disclosure,
) -> impl Iterator<Item = Arc<NetworkFeature>> + 'a {
    let delivering = record.delivering_owners();
    candidates.into_iter().filter(move |f| {
        delivering.contains(&f.owner_id)
            && match disclosure {
                Disclosure::Full => true,
                Disclosure::ResponsesOnly => false,
                Disclosure::Owner(o) => &f.owner_id == o,
            }
    })
}

/// [`build_report_in`] for Denmark (EPSG:25832, LER's deadline).
pub fn build_report(
    record: &DigRecord,
    contacts: &BTreeMap<OrgId, String>,
    features: Vec<Arc<NetworkFeature>>,
    disclosure: &Disclosure,
) -> DigReport {
    build_report_in(record, contacts, features, disclosure, denmark())
}

fn denmark() -> &'static Region {
    static DENMARK: std::sync::OnceLock<Region> = std::sync::OnceLock::new();
    DENMARK.get_or_init(Region::denmark)
}

/// Builds the report of `record` as `disclosure` allows, in `region`'s CRS
/// with its deadline rule. `features` are the features within the request's
/// polygon + buffer (filtered here), and `contacts` the owners' contacts.
pub fn build_report_in(
    record: &DigRecord,
    contacts: &BTreeMap<OrgId, String>,
    features: Vec<Arc<NetworkFeature>>,
    disclosure: &Disclosure,
    region: &Region,
) -> DigReport {
    let r = &record.request;
    let owners = record
        .responses
        .iter()
        .filter(|s| match disclosure {
            Disclosure::Owner(o) => &s.owner_id == o,
            _ => true,
        })
        .map(|s| OwnerAnswer {
            owner_id: s.owner_id.clone(),
            answer: s.answer,
            answer_ler: s.answer.ler_term(),
            contact: contacts.get(&s.owner_id).cloned(),
            feature_count: s.features_count,
            deadline: s.deadline,
            answered_at: s.answered_at,
        })
        .collect();
    let polygon = Geometry::Polygon(r.polygon.clone());
    let features = (*disclosure != Disclosure::ResponsesOnly).then(|| {
        let mut out: Vec<ReportFeature> = disclosed(record, features, disclosure)
            .map(|f| report_feature(f, &r.polygon))
            .collect();
        out.sort_by(|a, b| {
            hazard_rank(a.hazard)
                .cmp(&hazard_rank(b.hazard))
                .then(
                    a.distance_m
                        .partial_cmp(&b.distance_m)
                        .unwrap_or(Ordering::Equal),
                )
                .then(a.id.cmp(&b.id))
        });
        out
    });
    DigReport {
        id: r.id,
        status: r.status,
        requester_id: r.requester_id.clone(),
        received: r.received_at,
        deadline: region.answer_deadline(r.received_at),
        period_from: r.period_from,
        period_to: r.period_to,
        buffer_m: r.buffer_m,
        purpose: r.purpose.clone(),
        contact: r.contact.clone(),
        crs: region.crs(),
        polygon: write_geometry(&polygon),
        owners,
        features,
    }
}

fn report_feature(f: Arc<NetworkFeature>, polygon: &Polygon<f64>) -> ReportFeature {
    let distance = forsyning_store::distance_to_polygon(&f.geometry, polygon);
    ReportFeature {
        id: f.id,
        theme: f.theme,
        kind: f.kind,
        status: f.status,
        hazard: f.hazard,
        contact_owner_before_digging: f.hazard.is_some_and(Hazard::is_dangerous),
        safety_note: f.safety_note.clone(),
        depth_mm: f.measures.depth_mm,
        accuracy_xy: f.accuracy_xy,
        accuracy_z: f.accuracy_z,
        // Millimetres are plenty; fewer digits keep the JSON short.
        distance_m: (distance * 1000.0).round() / 1000.0,
        owner_id: f.owner_id.clone(),
        geometry: FeatureGeometry(f),
    }
}
