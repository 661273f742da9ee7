use chrono::{DateTime, Utc};
use geo_types::Polygon;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::OrgId;

/// A contractor's dig request (LER `graveforespørgsel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigRequest {
    pub id: Uuid,
    pub requester_id: OrgId,
    /// The dig area in EPSG:25832 metres.
    pub polygon: Polygon<f64>,
    /// Metres around the polygon that also count.
    pub buffer_m: f64,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub purpose: String,
    pub contact: String,
    pub status: DigRequestStatus,
    pub received_at: DateTime<Utc>,
}

/// Where a dig request is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigRequestStatus {
    Received,
    Answered,
    Complete,
}

/// An owner's answer to a dig request (LER `GraveforespoergselssvartypeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigResponseType {
    NoLinesInArea,
    NotDelivered,
    Delivered,
    TakenForManualHandling,
    OnSiteMarkingNotDelivered,
    OnSiteMarkingDelivered,
}

impl DigResponseType {
    /// The LER 2.2 term.
    pub fn ler_term(self) -> &'static str {
        match self {
            Self::NoLinesInArea => "ingen ledninger i graveområde",
            Self::NotDelivered => "ledningsoplysninger udleveres ikke",
            Self::Delivered => "ledningsoplysninger udleveret",
            Self::TakenForManualHandling => "udtaget til manuel behandling",
            Self::OnSiteMarkingNotDelivered => {
                "udtaget til påvisning - ledningsoplysninger udleveres ikke"
            }
            Self::OnSiteMarkingDelivered => "udtaget til påvisning - ledningsoplysninger udleveret",
        }
    }
}
