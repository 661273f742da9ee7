//! How the hub's fixes and alerts reach the store.
//!
//! - **Alerts** are written by the request that raised them, before it
//!   answers, with their `proximity.alert` webhook events in the same
//!   transaction: they are few, and none may be lost.
//! - **Fixes** go through a bounded queue to one background writer, which
//!   gathers what arrives within [`LINGER`] (up to [`MAX_ROWS`] fixes) and
//!   appends it in one transaction: a device sends 1–10 fixes a second, so
//!   one transaction per fix would cost a commit each. A full queue makes
//!   the senders wait (backpressure), it does not drop fixes. A write that
//!   fails is tried [`ATTEMPTS`] times, then the group is dropped and logged.
//!   [`FixWriter::flush`] returns once everything queued before it was
//!   written, so a reader after a flush sees its own fixes.

use std::sync::Arc;
use std::time::Duration;

use forsyning_gnss::Quality;
use forsyning_model::Hazard;
use forsyning_store::{Device, FixBatch, ProximityTransition, Store, StoredAlert, StoredFix};
use tokio::sync::{mpsc, oneshot};

use super::hub::{AlertRecord, DeviceKey, TrackPoint};

/// Batches (one per request or TCP read) the queue holds before senders wait.
const QUEUE: usize = 1024;
/// How long the writer waits for more fixes before it writes a group.
pub(crate) const LINGER: Duration = Duration::from_millis(200);
/// Fixes written in one transaction at most.
const MAX_ROWS: usize = 10_000;
/// Tries of one group's write before it is dropped.
const ATTEMPTS: u32 = 3;

pub(crate) fn device(key: &DeviceKey) -> Device {
    Device {
        org_id: key.org.clone(),
        name: key.name.clone(),
    }
}

const QUALITIES: [Quality; 8] = [
    Quality::None,
    Quality::Autonomous,
    Quality::Dgps,
    Quality::RtkFloat,
    Quality::RtkFixed,
    Quality::DeadReckoning,
    Quality::Manual,
    Quality::Simulated,
];

/// The quality's API code (`rtk_fixed`, ...), as serde writes it.
fn quality_code(q: Quality) -> String {
    serde_json::to_value(q)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "none".into())
}

fn quality_of(code: &str) -> Quality {
    QUALITIES
        .into_iter()
        .find(|q| quality_code(*q) == code)
        .unwrap_or(Quality::None)
}

pub(crate) fn stored_fix(p: &TrackPoint) -> StoredFix {
    StoredFix {
        received_at: p.received_at,
        time: p.time,
        lat: p.lat,
        lon: p.lon,
        e: p.e,
        n: p.n,
        quality: quality_code(p.quality),
        sigma_h: p.sigma_h,
    }
}

pub(crate) fn track_point(f: StoredFix) -> TrackPoint {
    TrackPoint {
        received_at: f.received_at,
        time: f.time,
        lat: f.lat,
        lon: f.lon,
        e: f.e,
        n: f.n,
        quality: quality_of(&f.quality),
        sigma_h: f.sigma_h,
    }
}

pub(crate) fn stored_alert(key: &DeviceKey, a: &AlertRecord) -> StoredAlert {
    StoredAlert {
        id: a.id,
        device: device(key),
        at: a.at,
        transition: if a.transition == "exit" {
            ProximityTransition::Exit
        } else {
            ProximityTransition::Enter
        },
        feature_id: a.feature_id,
        hazard: if a.hazard == "very_dangerous" {
            Hazard::VeryDangerous
        } else {
            Hazard::Dangerous
        },
        distance_m: a.distance_m,
        enter_radius_m: a.enter_radius_m,
        sigma_m: a.sigma_m,
        dig_request_id: a.dig_request,
        fix: stored_fix(&a.fix),
    }
}

pub(crate) fn alert_record(a: StoredAlert) -> AlertRecord {
    AlertRecord {
        id: a.id,
        at: a.at,
        transition: a.transition.code(),
        feature_id: a.feature_id,
        hazard: match a.hazard {
            Hazard::VeryDangerous => "very_dangerous",
            _ => "dangerous",
        },
        distance_m: a.distance_m,
        enter_radius_m: a.enter_radius_m,
        sigma_m: a.sigma_m,
        dig_request: a.dig_request_id,
        fix: track_point(a.fix),
    }
}

enum Msg {
    Fixes(FixBatch),
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// The queue to the background fix writer (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct FixWriter {
    tx: mpsc::Sender<Msg>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Fixes(b) => write!(f, "Fixes({})", b.fixes.len()),
            Msg::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl FixWriter {
    /// Starts the writer on the current runtime; it ends when the last
    /// `FixWriter` is dropped, after writing what was queued.
    pub(crate) fn spawn(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, rx));
        Self { tx }
    }

    /// Queues `batch`; waits while the queue is full.
    pub(crate) async fn send(&self, batch: FixBatch) {
        if batch.fixes.is_empty() {
            return;
        }
        if self.tx.send(Msg::Fixes(batch)).await.is_err() {
            tracing::error!("GNSS: the fix writer has stopped; fixes not stored");
        }
    }

    /// Returns once every batch queued before this call was written (or given up).
    pub(crate) async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// What the writer gathered for one transaction.
#[derive(Default)]
struct Group {
    batches: Vec<FixBatch>,
    acks: Vec<oneshot::Sender<()>>,
    rows: usize,
}

impl Group {
    fn take(&mut self, m: Msg) {
        match m {
            Msg::Fixes(b) => {
                self.rows += b.fixes.len();
                self.batches.push(b);
            }
            Msg::Flush(ack) => self.acks.push(ack),
        }
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Msg>) {
    while let Some(first) = rx.recv().await {
        let mut group = Group::default();
        group.take(first);
        let until = tokio::time::Instant::now() + LINGER;
        // A flush ends the wait: its caller is waiting for the write.
        while group.acks.is_empty() && group.rows < MAX_ROWS {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Ok(Some(m)) => group.take(m),
                Ok(None) | Err(_) => break,
            }
        }
        write(store.as_ref(), &group.batches).await;
        for ack in group.acks {
            let _ = ack.send(());
        }
    }
}

async fn write(store: &dyn Store, batches: &[FixBatch]) {
    if batches.is_empty() {
        return;
    }
    let fixes: usize = batches.iter().map(|b| b.fixes.len()).sum();
    for attempt in 1..=ATTEMPTS {
        match store.append_fixes(batches).await {
            Ok(()) => return,
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!(error = %e, fixes, attempt, "GNSS: storing fixes failed; trying again");
                tokio::time::sleep(Duration::from_millis(250) * attempt).await;
            }
            Err(e) => {
                tracing::error!(error = %e, fixes, "GNSS: storing fixes failed; these fixes are lost");
            }
        }
    }
}
