//! Owner notifications: webhooks and a persisted outbox of events.
//!
//! The store writes an event for every matched owner in the same transaction
//! that stores a dig request (`dig_request.received`) or completes one
//! (`dig_request.completed`), so an event exists exactly when its change
//! does, also across a crash. A dispatcher (in the API) claims due events,
//! posts them to the owner's webhook and records each attempt; an event stays
//! in the outbox until it is delivered, given up, or skipped because its
//! owner had no webhook when it was written.
//!
//! A stored proximity alert writes a `proximity.alert` event for the
//! device's organisation in the same way ([`crate::PositionStore::append_alerts`]);
//! `owner_id` is then that organisation, which need not own networks.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use forsyning_model::OrgId;
use serde::Serialize;
use uuid::Uuid;

use crate::dig::DigRecord;
use crate::positions::StoredAlert;
use crate::StoreError;

/// An owner's webhook. The signing secret is not stored: the API derives it
/// from a server key and `salt`, so a copy of the database signs nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub owner_id: OrgId,
    /// `http://` or `https://` address the events are posted to.
    pub url: String,
    /// Random, public; a new salt (a new registration) gives a new secret.
    pub salt: String,
    pub created_at: DateTime<Utc>,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum EventKind {
    /// A new dig request matched the owner.
    #[serde(rename = "dig_request.received")]
    DigRequestReceived,
    /// The requester completed a request the owner answered.
    #[serde(rename = "dig_request.completed")]
    DigRequestCompleted,
    /// A device of the organisation came near a dangerous feature or left it.
    #[serde(rename = "proximity.alert")]
    ProximityAlert,
}

impl EventKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::DigRequestReceived => "dig_request.received",
            Self::DigRequestCompleted => "dig_request.completed",
            Self::ProximityAlert => "proximity.alert",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::DigRequestReceived,
            Self::DigRequestCompleted,
            Self::ProximityAlert,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// Where an event is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Delivered,
    /// Every attempt failed; no more are made.
    Failed,
    /// The owner had no webhook for it.
    Skipped,
}

impl EventStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed, Self::Skipped]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// One event for one organisation with its delivery state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEvent {
    pub id: Uuid,
    pub owner_id: OrgId,
    pub kind: EventKind,
    pub dig_request_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The JSON body posted to the webhook.
    pub payload: String,
    pub status: EventStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Delivered {
        at: DateTime<Utc>,
    },
    /// Failed; try again at `next`.
    Retry {
        at: DateTime<Utc>,
        error: String,
        next: DateTime<Utc>,
    },
    /// Failed for the last time.
    GiveUp {
        at: DateTime<Utc>,
        error: String,
    },
    /// Not sent: the owner has no webhook for this event.
    Skip {
        at: DateTime<Utc>,
        reason: String,
    },
}

/// Webhooks and the outbox. Times are kept to the millisecond.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Registers (or replaces) `hook.owner_id`'s webhook; the organisation must exist.
    async fn set_webhook(&self, hook: &Webhook) -> Result<(), StoreError>;

    /// Removes the owner's webhook; false when there was none.
    async fn remove_webhook(&self, owner: &OrgId) -> Result<bool, StoreError>;

    async fn webhook(&self, owner: &OrgId) -> Result<Option<Webhook>, StoreError>;

    /// Takes up to `limit` pending events due at `now` (oldest first) and
    /// moves their next attempt to `now + lease`, so that another dispatcher
    /// does not take them meanwhile.
    async fn claim_events(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError>;

    /// Records an attempt at event `id`. [`StoreError::NotFound`] for an unknown id.
    async fn record_attempt(&self, id: Uuid, attempt: &Attempt) -> Result<(), StoreError>;

    /// Events, newest first, of one owner or of all.
    async fn events(
        &self,
        owner: Option<&OrgId>,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError>;
}

/// The events a change of `record` writes: one per matched owner.
pub(crate) fn dig_events(
    record: &DigRecord,
    kind: EventKind,
    at: DateTime<Utc>,
) -> Vec<OutboxEvent> {
    let r = &record.request;
    record
        .responses
        .iter()
        .map(|response| {
            // Time-ordered (v7): new rows go to the end of the id index
            // instead of dirtying a random page of it on every insert.
            let id = Uuid::now_v7();
            let payload = serde_json::json!({
                "id": id,
                "event": kind.code(),
                "created_at": crate::codec::format_time(at),
                "owner_id": response.owner_id,
                "dig_request": {
                    "id": r.id,
                    "href": format!("/api/v1/dig-requests/{}", r.id),
                    "status": r.status.code(),
                    "received_at": crate::codec::format_time(r.received_at),
                    "period_from": crate::codec::format_time(r.period_from),
                    "period_to": crate::codec::format_time(r.period_to),
                    "bbox": bbox(&r.polygon),
                    "buffer_m": r.buffer_m,
                },
                "answer": response.answer.code(),
                "deadline": crate::codec::format_time(response.deadline),
            });
            OutboxEvent {
                id,
                owner_id: response.owner_id.clone(),
                kind,
                dig_request_id: r.id,
                created_at: at,
                payload: payload.to_string(),
                status: EventStatus::Pending,
                attempts: 0,
                next_attempt_at: at,
                delivered_at: None,
                last_error: None,
            }
        })
        .collect()
}

/// The event a stored alert writes: one for the device's organisation.
pub(crate) fn alert_event(alert: &StoredAlert, at: DateTime<Utc>) -> OutboxEvent {
    let id = Uuid::now_v7();
    let time = crate::codec::format_time;
    let fix = &alert.fix;
    let payload = serde_json::json!({
        "id": id,
        "event": EventKind::ProximityAlert.code(),
        "created_at": time(at),
        "owner_id": alert.device.org_id,
        "device": alert.device.name,
        "transition": alert.transition.code(),
        "alert": {
            "id": alert.id,
            "at": time(alert.at),
            "transition": alert.transition.code(),
            "feature_id": alert.feature_id,
            "hazard": alert.hazard.code(),
            "distance_m": alert.distance_m,
            "enter_radius_m": alert.enter_radius_m,
            "sigma_m": alert.sigma_m,
            "dig_request": alert.dig_request_id,
            "fix": {
                "received_at": time(fix.received_at),
                "time": fix.time.map(time),
                "lat": fix.lat,
                "lon": fix.lon,
                "e": fix.e,
                "n": fix.n,
                "quality": fix.quality,
                "sigma_h": fix.sigma_h,
            },
        },
        "dig_request": {
            "id": alert.dig_request_id,
            "href": format!("/api/v1/dig-requests/{}", alert.dig_request_id),
        },
    });
    OutboxEvent {
        id,
        owner_id: alert.device.org_id.clone(),
        kind: EventKind::ProximityAlert,
        dig_request_id: alert.dig_request_id,
        created_at: at,
        payload: payload.to_string(),
        status: EventStatus::Pending,
        attempts: 0,
        next_attempt_at: at,
        delivered_at: None,
        last_error: None,
    }
}

fn bbox(p: &geo_types::Polygon<f64>) -> Option<[f64; 4]> {
    geo::BoundingRect::bounding_rect(p).map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The columns an attempt changes.
#[derive(Debug)]
pub(crate) struct AttemptUpdate {
    pub status: EventStatus,
    pub attempts: u32,
    /// `None`: keep the current next-attempt time.
    pub next: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The new state of an event that had `attempts` after `attempt`.
pub(crate) fn after_attempt(attempts: u32, attempt: &Attempt) -> AttemptUpdate {
    let (status, attempts, next, delivered_at, last_error) = match attempt {
        Attempt::Delivered { at } => (EventStatus::Delivered, attempts + 1, None, Some(*at), None),
        Attempt::Retry { error, next, .. } => (
            EventStatus::Pending,
            attempts + 1,
            Some(*next),
            None,
            Some(error.clone()),
        ),
        Attempt::GiveUp { error, .. } => (
            EventStatus::Failed,
            attempts + 1,
            None,
            None,
            Some(error.clone()),
        ),
        Attempt::Skip { reason, .. } => (
            EventStatus::Skipped,
            attempts,
            None,
            None,
            Some(reason.clone()),
        ),
    };
    AttemptUpdate {
        status,
        attempts,
        next,
        delivered_at,
        last_error,
    }
}
