//! The live state of every device: the alert monitor of its dig-request
//! assignment and the channel of its live feed; and where its fixes and
//! alerts are kept.
//!
//! **Fixes and alerts are kept in the store** when the hub has one
//! ([`GnssHub::with_store`], what `AppState` builds): alerts are written
//! with their `proximity.alert` webhook events before the request that
//! raised them answers; fixes go through a bounded queue to a background
//! writer that appends them in groups ([`super::persist`]). The track and
//! alerts routes read the store, so a restart forgets neither.
//! Positions are personal data (DESIGN.md, "Positioning"): [`GnssHub::purge`]
//! deletes fixes, alerts and their webhook events older than the retention
//! (30 days by default) from the store; a device is read only through its
//! organisation. A hub without a store ([`GnssHub::new`]) keeps at most
//! [`GnssConfig::max_track`] fixes and [`GnssConfig::max_alerts`] alerts per
//! device in memory instead (oldest dropped first).
//!
//! In memory either way: the alert monitors, assignments and live feeds.
//! Several API replicas do not share them: a device must send to one
//! replica (sticky routing) for its alerts to be continuous, and a restart
//! starts each monitor afresh (a device inside an alert radius then gets a
//! new `enter`) and forgets assignments.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use forsyning_geo::{Crs, Reprojector};
use forsyning_gnss::proximity::{Alert, AlertConfig, HazardIndex, Monitor, Transition};
use forsyning_gnss::{Fix, Quality};
use forsyning_model::{Hazard, OrgId};
use forsyning_store::{FixBatch, PrunedPositions, Store, StoreError, TimeRange};
use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::persist::{self, FixWriter};
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
    /// Fixes kept in memory per device by a hub without a store (oldest
    /// dropped first).
    pub max_track: usize,
    /// Alerts kept in memory per device by a hub without a store.
    pub max_alerts: usize,
    /// Fixes and alerts older than this are deleted by [`GnssHub::purge`],
    /// from the store too.
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
    /// The alert's id: the same in the batch's answer, the live feed, the
    /// TCP `ALERT` line, the alerts route and the `proximity.alert` webhook.
    pub id: Uuid,
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
    /// Where fixes and alerts are kept; `None`: in memory.
    store: Option<Arc<dyn Store>>,
    /// Started on the first fixes (there is a runtime then).
    writer: OnceLock<FixWriter>,
}

/// What one batch of fixes did.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Fixes with a horizontal position (kept and streamed).
    pub positions: usize,
    /// Fixes that could not be projected to the store's CRS.
    pub unprojected: usize,
    /// The positions, in order; [`GnssHub::record`] stores them.
    pub fixes: Vec<TrackPoint>,
    /// Alerts raised, in order.
    pub alerts: Vec<AlertRecord>,
}

impl GnssHub {
    /// A hub keeping fixes and alerts in memory only (bounded by `config`).
    pub fn new(config: GnssConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// A hub keeping fixes and alerts in `store`.
    pub fn with_store(config: GnssConfig, store: Arc<dyn Store>) -> Self {
        Self {
            config,
            store: Some(store),
            ..Self::default()
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

    /// Checks `fixes` of `key` against the device's assignment (if any,
    /// while valid) and streams fixes and alerts; a hub without a store
    /// keeps them in memory, one with a store leaves that to
    /// [`GnssHub::record`]. Positions are projected from ETRS89 to `crs`.
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
            // To the millisecond, as the store keeps times.
            let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis())
                .unwrap_or_else(Utc::now);
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
            out.fixes.push(point.clone());
            if self.store.is_none() {
                if d.track.len() >= self.config.max_track {
                    d.track.pop_front();
                }
                d.track.push_back(point.clone());
            }
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
                if self.store.is_none() {
                    if d.alerts.len() >= self.config.max_alerts {
                        d.alerts.pop_front();
                    }
                    d.alerts.push_back(record.clone());
                }
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

    /// Stores what [`GnssHub::ingest`] gave (a no-op without a store): the
    /// alerts with their webhook events now, the fixes through the
    /// background writer (this waits only while its queue is full).
    pub async fn record(&self, key: &DeviceKey, ingested: &Ingested) -> Result<(), StoreError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        if !ingested.alerts.is_empty() {
            let alerts: Vec<_> = ingested
                .alerts
                .iter()
                .map(|a| persist::stored_alert(key, a))
                .collect();
            store.append_alerts(&alerts).await?;
        }
        if let Some(writer) = self.writer() {
            writer
                .send(FixBatch {
                    device: persist::device(key),
                    fixes: ingested.fixes.iter().map(persist::stored_fix).collect(),
                })
                .await;
        }
        Ok(())
    }

    fn writer(&self) -> Option<&FixWriter> {
        let store = self.store.as_ref()?;
        Some(self.writer.get_or_init(|| FixWriter::spawn(store.clone())))
    }

    /// Waits until the fixes recorded so far are in the store (at once
    /// without a store or before any fix).
    pub async fn flush(&self) {
        if let Some(writer) = self.writer.get() {
            writer.flush().await;
        }
    }

    /// The last `limit` fixes received in `range`, oldest first: from the
    /// store (after a [`flush`](Self::flush), so the caller's own fixes are
    /// in), else from memory.
    pub async fn track(
        &self,
        key: &DeviceKey,
        range: TimeRange,
        limit: u32,
    ) -> Result<Vec<TrackPoint>, StoreError> {
        if let Some(store) = &self.store {
            self.flush().await;
            let fixes = store.track(&persist::device(key), range, limit).await?;
            return Ok(fixes.into_iter().map(persist::track_point).collect());
        }
        let device = self.device(key);
        let d = lock(&device);
        Ok(last_in(&d.track, range, limit, |p| p.received_at))
    }

    /// The last `limit` alerts raised in `range`, oldest first: from the
    /// store, else from memory.
    pub async fn alerts(
        &self,
        key: &DeviceKey,
        range: TimeRange,
        limit: u32,
    ) -> Result<Vec<AlertRecord>, StoreError> {
        if let Some(store) = &self.store {
            let alerts = store.alerts(&persist::device(key), range, limit).await?;
            return Ok(alerts.into_iter().map(persist::alert_record).collect());
        }
        let device = self.device(key);
        let d = lock(&device);
        Ok(last_in(&d.alerts, range, limit, |a| a.at))
    }

    /// A receiver of the device's live feed.
    pub fn subscribe(&self, key: &DeviceKey) -> broadcast::Receiver<LiveEvent> {
        lock(&self.device(key)).live.subscribe()
    }

    /// Deletes fixes and alerts received before `now − retention`, and
    /// their `proximity.alert` webhook events, from the store (after a
    /// [`flush`](Self::flush)) and from memory; says what went (from the
    /// store when there is one). Devices left with nothing in memory are
    /// forgotten.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<PrunedPositions, StoreError> {
        let cutoff = now - self.config.retention;
        let mut purged = PrunedPositions::default();
        {
            let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
            devices.retain(|_, device| {
                let mut d = lock(device);
                let (fixes, alerts) = (d.track.len(), d.alerts.len());
                d.track.retain(|p| p.received_at >= cutoff);
                d.alerts.retain(|a| a.at >= cutoff);
                purged.fixes += (fixes - d.track.len()) as u64;
                purged.alerts += (alerts - d.alerts.len()) as u64;
                !(d.track.is_empty()
                    && d.alerts.is_empty()
                    && d.assignment.is_none()
                    && d.live.receiver_count() == 0)
            });
        }
        match &self.store {
            Some(store) => {
                self.flush().await;
                store.prune_positions(cutoff).await
            }
            None => Ok(purged),
        }
    }
}

/// The last `limit` items of `items` whose time is in `range`, oldest first.
fn last_in<T: Clone>(
    items: &VecDeque<T>,
    range: TimeRange,
    limit: u32,
    time: impl Fn(&T) -> DateTime<Utc>,
) -> Vec<T> {
    let inside = |t: DateTime<Utc>| {
        range.from.is_none_or(|from| t >= from) && range.to.is_none_or(|to| t < to)
    };
    let mut out: Vec<T> = items
        .iter()
        .rev()
        .filter(|i| inside(time(i)))
        .take(limit as usize)
        .cloned()
        .collect();
    out.reverse();
    out
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn alert_record(ev: &Alert, dig_request: Uuid, at: DateTime<Utc>, fix: &TrackPoint) -> AlertRecord {
    AlertRecord {
        // Time-ordered (v7), like the store's other ids.
        id: Uuid::now_v7(),
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
