//! The live state of every device: its recent track, its alerts, the alert
//! monitor of its dig-request assignment and the channel of its live feed.
//!
//! **Held in memory only.** Positions are personal data (DESIGN.md,
//! "Positioning"): nothing here reaches the store, a restart forgets every
//! track, and [`GnssHub::purge`] drops fixes and alerts older than the
//! retention (30 days by default). Each device keeps at most
//! [`GnssConfig::max_track`] fixes and [`GnssConfig::max_alerts`] alerts
//! (oldest dropped first), so memory is bounded whatever the devices send.
//! Several API replicas do not share this state: a device must send to one
//! replica (sticky routing) for its alerts to be continuous.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use forsyning_geo::{Crs, Reprojector};
use forsyning_gnss::proximity::{Alert, AlertConfig, HazardIndex, Monitor, Transition};
use forsyning_gnss::{Fix, Quality};
use forsyning_model::{Hazard, OrgId};
use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::Metrics;

/// A device: its organisation and its name (see [`super::device`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceKey {
    pub org: OrgId,
    pub name: String,
}

/// What the hub keeps and for how long.
#[derive(Debug, Clone)]
pub struct GnssConfig {
    /// Thresholds and hysteresis of the proximity rule.
    pub alert: AlertConfig,
    /// Fixes kept per device (oldest dropped first).
    pub max_track: usize,
    /// Alerts kept per device (oldest dropped first).
    pub max_alerts: usize,
    /// Fixes and alerts older than this are deleted by [`GnssHub::purge`].
    pub retention: TimeDelta,
}

impl Default for GnssConfig {
    /// The crate's alert rule, 100 000 fixes (28 h at 1 Hz) and 1 000 alerts
    /// per device, 30 days' retention.
    fn default() -> Self {
        Self {
            alert: AlertConfig::default(),
            max_track: 100_000,
            max_alerts: 1_000,
            retention: TimeDelta::days(30),
        }
    }
}

/// One fix as the server keeps and streams it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackPoint {
    /// When the server received it.
    pub received_at: DateTime<Utc>,
    /// The receiver's UTC time, when known.
    pub time: Option<DateTime<Utc>>,
    /// Degrees north (ETRS89/WGS 84).
    pub lat: f64,
    /// Degrees east.
    pub lon: f64,
    /// Easting, metres in the store's CRS (EPSG:25832 in Denmark).
    pub e: f64,
    /// Northing, metres in the store's CRS.
    pub n: f64,
    /// `autonomous`, `dgps`, `rtk_float`, `rtk_fixed`, ...
    #[schema(value_type = String)]
    pub quality: Quality,
    /// Horizontal 1σ, metres, when the receiver gave what it takes.
    pub sigma_h: Option<f64>,
}

/// One enter or exit of a proximity alert.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertRecord {
    /// When the server raised it.
    pub at: DateTime<Utc>,
    /// `enter` or `exit`.
    pub transition: &'static str,
    /// The dangerous feature.
    pub feature_id: Uuid,
    /// `dangerous` or `very_dangerous`.
    pub hazard: &'static str,
    /// Distance from the fix to the feature, metres; `null` on an exit
    /// farther than the search radius.
    pub distance_m: Option<f64>,
    /// `T + 2σ` of this fix, metres.
    pub enter_radius_m: f64,
    /// σ used, metres (5 m when the fix had none).
    pub sigma_m: f64,
    /// The dig request the device is assigned to.
    pub dig_request: Uuid,
    /// The fix that raised it.
    pub fix: TrackPoint,
}

/// One message of a device's live feed (`GET .../live`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    Fix { device: String, fix: TrackPoint },
    Alert { device: String, alert: AlertRecord },
}

/// A device's dig-request assignment: the request's dangerous features,
/// indexed when it was assigned.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub dig_request: Uuid,
    /// Alerts stop when the request's period ends.
    pub valid_to: DateTime<Utc>,
    pub index: Arc<HazardIndex>,
}

#[derive(Debug)]
struct DeviceState {
    track: VecDeque<TrackPoint>,
    alerts: VecDeque<AlertRecord>,
    monitor: Monitor,
    assignment: Option<Assignment>,
    live: broadcast::Sender<LiveEvent>,
    /// The date of the last dated fix, for a batch that starts before its RMC.
    last_date: Option<NaiveDate>,
}

/// Messages a slow live client may lag behind before it misses some.
const LIVE_BUFFER: usize = 1024;

/// Every device's live state (see the module docs for what is kept).
#[derive(Debug, Default)]
pub struct GnssHub {
    config: GnssConfig,
    devices: Mutex<HashMap<DeviceKey, Arc<Mutex<DeviceState>>>>,
}

/// What one batch of fixes did.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Fixes with a horizontal position (kept and streamed).
    pub positions: usize,
    /// Fixes that could not be projected to the store's CRS.
    pub unprojected: usize,
    /// Alerts raised, in order.
    pub alerts: Vec<AlertRecord>,
}

impl GnssHub {
    pub fn new(config: GnssConfig) -> Self {
        Self {
            config,
            devices: Mutex::default(),
        }
    }

    pub fn config(&self) -> &GnssConfig {
        &self.config
    }

    fn device(&self, key: &DeviceKey) -> Arc<Mutex<DeviceState>> {
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        devices
            .entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Mutex::new(DeviceState {
                    track: VecDeque::new(),
                    alerts: VecDeque::new(),
                    monitor: Monitor::new(self.config.alert),
                    assignment: None,
                    live: broadcast::channel(LIVE_BUFFER).0,
                    last_date: None,
                }))
            })
            .clone()
    }

    /// The date to assume for a batch before its first RMC/ZDA.
    pub fn last_date(&self, key: &DeviceKey) -> Option<NaiveDate> {
        lock(&self.device(key)).last_date
    }

    /// Records `fixes` of `key`, checks each against the device's
    /// assignment (if any, while valid) and streams fixes and alerts.
    /// Positions are projected from ETRS89 to `crs`.
    pub fn ingest(&self, key: &DeviceKey, fixes: &[Fix], crs: Crs, metrics: &Metrics) -> Ingested {
        let device = self.device(key);
        let mut d = lock(&device);
        let mut out = Ingested::default();
        let mut events: Vec<Alert> = Vec::new();
        for fix in fixes {
            if let Some(t) = fix.time {
                d.last_date = Some(t.date_naive());
            }
            let (Some(lat), Some(lon)) = (fix.lat, fix.lon) else {
                continue;
            };
            let Some((e, n)) = project(crs, lat, lon) else {
                out.unprojected += 1;
                continue;
            };
            let now = Utc::now();
            let point = TrackPoint {
                received_at: now,
                time: fix.time,
                lat,
                lon,
                e,
                n,
                quality: fix.quality,
                sigma_h: fix.sigma_h,
            };
            out.positions += 1;
            if d.track.len() >= self.config.max_track {
                d.track.pop_front();
            }
            d.track.push_back(point.clone());
            let _ = d.live.send(LiveEvent::Fix {
                device: key.name.clone(),
                fix: point.clone(),
            });
            let Some(a) = d.assignment.clone().filter(|a| now <= a.valid_to) else {
                continue;
            };
            events.clear();
            d.monitor.check(&a.index, e, n, fix.sigma_h, &mut events);
            for ev in &events {
                let record = alert_record(ev, a.dig_request, now, &point);
                if ev.transition == Transition::Enter {
                    metrics.proximity_alert(record.hazard);
                }
                if d.alerts.len() >= self.config.max_alerts {
                    d.alerts.pop_front();
                }
                d.alerts.push_back(record.clone());
                let _ = d.live.send(LiveEvent::Alert {
                    device: key.name.clone(),
                    alert: record.clone(),
                });
                out.alerts.push(record);
            }
        }
        out
    }

    /// Assigns `key` to a dig request (or clears it with `None`); the alert
    /// state starts afresh either way.
    pub fn assign(&self, key: &DeviceKey, assignment: Option<Assignment>) {
        let device = self.device(key);
        let mut d = lock(&device);
        d.assignment = assignment;
        d.monitor = Monitor::new(self.config.alert);
    }

    /// The device's assignment, if any.
    pub fn assignment(&self, key: &DeviceKey) -> Option<Assignment> {
        lock(&self.device(key)).assignment.clone()
    }

    /// The last `limit` fixes, oldest first.
    pub fn track(&self, key: &DeviceKey, limit: usize) -> Vec<TrackPoint> {
        let device = self.device(key);
        let d = lock(&device);
        let skip = d.track.len().saturating_sub(limit);
        d.track.iter().skip(skip).cloned().collect()
    }

    /// The last `limit` alerts, oldest first.
    pub fn alerts(&self, key: &DeviceKey, limit: usize) -> Vec<AlertRecord> {
        let device = self.device(key);
        let d = lock(&device);
        let skip = d.alerts.len().saturating_sub(limit);
        d.alerts.iter().skip(skip).cloned().collect()
    }

    /// A receiver of the device's live feed.
    pub fn subscribe(&self, key: &DeviceKey) -> broadcast::Receiver<LiveEvent> {
        lock(&self.device(key)).live.subscribe()
    }

    /// Deletes fixes and alerts received before `now − retention`; returns
    /// how many fixes went. Devices left with nothing are forgotten.
    pub fn purge(&self, now: DateTime<Utc>) -> usize {
        let cutoff = now - self.config.retention;
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        let mut purged = 0;
        devices.retain(|_, device| {
            let mut d = lock(device);
            let before = d.track.len();
            d.track.retain(|p| p.received_at >= cutoff);
            purged += before - d.track.len();
            d.alerts.retain(|a| a.at >= cutoff);
            !(d.track.is_empty()
                && d.alerts.is_empty()
                && d.assignment.is_none()
                && d.live.receiver_count() == 0)
        });
        purged
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn alert_record(ev: &Alert, dig_request: Uuid, at: DateTime<Utc>, fix: &TrackPoint) -> AlertRecord {
    AlertRecord {
        at,
        transition: match ev.transition {
            Transition::Enter => "enter",
            Transition::Exit => "exit",
        },
        feature_id: ev.feature.id,
        hazard: match ev.feature.hazard {
            Hazard::VeryDangerous => "very_dangerous",
            _ => "dangerous",
        },
        distance_m: ev.distance_m.is_finite().then_some(ev.distance_m),
        enter_radius_m: ev.enter_radius_m,
        sigma_m: ev.sigma_m,
        dig_request,
        fix: fix.clone(),
    }
}

thread_local! {
    /// PROJ operations are not `Send`: one per worker thread and target CRS.
    static FROM_ETRS89: RefCell<HashMap<Crs, Option<Reprojector>>> = RefCell::new(HashMap::new());
}

/// Latitude/longitude (degrees, ETRS89) to `crs` metres. The receivers'
/// WGS 84 differs from ETRS89 by well under a metre in Europe, below an
/// autonomous fix's own uncertainty.
fn project(crs: Crs, lat: f64, lon: f64) -> Option<(f64, f64)> {
    FROM_ETRS89.with(|ops| {
        let mut ops = ops.borrow_mut();
        let op = ops.entry(crs).or_insert_with(|| {
            let from = Crs::epsg(4258).ok()?;
            Reprojector::new(&from, &crs)
                .map_err(
                    |e| tracing::error!(error = %e, "GNSS: no PROJ operation to the store's CRS"),
                )
                .ok()
        });
        // EPSG:4258 is latitude first.
        let c = op
            .as_ref()?
            .transform_coord(geo_types::Coord { x: lat, y: lon })
            .ok()?;
        (c.x.is_finite() && c.y.is_finite()).then_some((c.x, c.y))
    })
}
