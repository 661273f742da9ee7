//! Positions of field devices (issue 12): their fixes and proximity alerts.
//!
//! Positions of people are personal data: both are kept only for the
//! retention the API sets (30 days by default) and deleted by
//! [`PositionStore::prune_positions`]; a device is always read through its
//! organisation ([`Device`]), so the same name in two organisations is two
//! devices. Writing an alert writes, in the same transaction, one
//! `proximity.alert` outbox event for the device's organisation, so the
//! event exists exactly when the stored alert does (see [`crate::OutboxStore`]).

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use forsyning_model::{Hazard, OrgId};
use uuid::Uuid;

use crate::StoreError;

/// A device: its organisation and its name (unique within the organisation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Device {
    pub org_id: OrgId,
    pub name: String,
}

/// One fix as stored. Times are kept to the millisecond.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFix {
    /// When the server received it; retention counts from here.
    pub received_at: DateTime<Utc>,
    /// The receiver's UTC time, when known.
    pub time: Option<DateTime<Utc>>,
    /// Degrees north, ETRS89.
    pub lat: f64,
    /// Degrees east, ETRS89.
    pub lon: f64,
    /// Easting, metres in the store's CRS.
    pub e: f64,
    /// Northing, metres in the store's CRS.
    pub n: f64,
    /// The fix quality's code (`rtk_fixed`, ...), as the API names it.
    pub quality: String,
    /// Horizontal 1σ, metres.
    pub sigma_h: Option<f64>,
}

/// Fixes of one device, in the order received.
#[derive(Debug, Clone, PartialEq)]
pub struct FixBatch {
    pub device: Device,
    pub fixes: Vec<StoredFix>,
}

/// Whether a device came within an alert's radius or left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProximityTransition {
    Enter,
    Exit,
}

impl ProximityTransition {
    pub fn code(self) -> &'static str {
        match self {
            Self::Enter => "enter",
            Self::Exit => "exit",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Enter, Self::Exit]
            .into_iter()
            .find(|t| t.code() == code)
    }
}

/// One proximity alert as stored. Times are kept to the millisecond.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub id: Uuid,
    pub device: Device,
    /// When the server raised it; retention counts from here.
    pub at: DateTime<Utc>,
    pub transition: ProximityTransition,
    /// The dangerous feature.
    pub feature_id: Uuid,
    pub hazard: Hazard,
    /// Metres from the fix to the feature; `None` on an exit beyond the search radius.
    pub distance_m: Option<f64>,
    /// `T + 2σ` of the fix, metres.
    pub enter_radius_m: f64,
    /// σ used, metres.
    pub sigma_m: f64,
    /// The dig request the device was assigned to (it must exist).
    pub dig_request_id: Uuid,
    /// The fix that raised it.
    pub fix: StoredFix,
}

/// A half-open time range `[from, to)`; `None` leaves that side open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// Concrete bounds (both backends compare against values, which their
    /// indexes use): 1970 and the year 9999 for open sides.
    pub(crate) fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let lo = Utc.timestamp_opt(0, 0).single().unwrap_or_default();
        let hi = Utc
            .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
            .single()
            .unwrap_or_default();
        (
            self.from.map_or(lo, crate::codec::truncate_millis),
            self.to.map_or(hi, crate::codec::truncate_millis),
        )
    }
}

/// What [`PositionStore::prune_positions`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrunedPositions {
    pub fixes: u64,
    pub alerts: u64,
    /// `proximity.alert` outbox events (they hold positions too).
    pub events: u64,
}

/// Fixes and proximity alerts of devices.
#[async_trait]
pub trait PositionStore: Send + Sync {
    /// Appends `batches` in one transaction (callers batch: a device sends
    /// 1–10 fixes a second).
    async fn append_fixes(&self, batches: &[FixBatch]) -> Result<(), StoreError>;

    /// Appends `alerts` and one `proximity.alert` outbox event per alert
    /// for the device's organisation, all in one transaction (an event of an
    /// organisation without a webhook is written skipped, as dig events are).
    /// An alert whose id is stored already is left as it is, with no new event.
    async fn append_alerts(&self, alerts: &[StoredAlert]) -> Result<(), StoreError>;

    /// The last `limit` fixes of `device` received in `range`, oldest first.
    async fn track(
        &self,
        device: &Device,
        range: TimeRange,
        limit: u32,
    ) -> Result<Vec<StoredFix>, StoreError>;

    /// The last `limit` alerts of `device` raised in `range`, oldest first.
    async fn alerts(
        &self,
        device: &Device,
        range: TimeRange,
        limit: u32,
    ) -> Result<Vec<StoredAlert>, StoreError>;

    /// Deletes the fixes received, the alerts raised and the
    /// `proximity.alert` events written before `before`, whatever their
    /// delivery state.
    async fn prune_positions(&self, before: DateTime<Utc>) -> Result<PrunedPositions, StoreError>;
}
