use geo_types::MultiPolygon;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{OrgId, Theme};

/// An owner's interest area (LER `interesseområde`): where dig requests concern it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterestArea {
    pub id: Uuid,
    pub owner_id: OrgId,
    /// The themes of network the owner has in this area.
    pub themes: Vec<Theme>,
    /// EPSG:25832 metres.
    pub geometry: MultiPolygon<f64>,
    /// Who to contact about dig requests here (name, phone, e-mail as free text).
    pub contact: String,
    /// Whether the owner marks its lines on site (påvisning).
    pub marks_on_site: bool,
}
