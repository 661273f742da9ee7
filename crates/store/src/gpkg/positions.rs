//! GNSS fixes and proximity alerts in the operations database (see `ops`),
//! beside the outbox so an alert and its webhook event commit together.
//! Not in the GeoPackage: positions of people are not a layer for QGIS.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{Hazard, OrgId};
use rusqlite::{params, Row};
use uuid::Uuid;

use super::ops_io::{read_ops, write_ops};
use crate::codec::{format_time, parse_time, truncate_millis};
use crate::outbox::alert_event;
use crate::positions::{
    Device, FixBatch, PositionStore, ProximityTransition, PrunedPositions, StoredAlert, StoredFix,
    TimeRange,
};
use crate::StoreError;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS gnss_fixes (
    id INTEGER PRIMARY KEY, org_id TEXT NOT NULL, device TEXT NOT NULL,
    received_at TEXT NOT NULL, fix_time TEXT, lat REAL NOT NULL, lon REAL NOT NULL,
    e REAL NOT NULL, n REAL NOT NULL, quality TEXT NOT NULL, sigma_h REAL);
CREATE INDEX IF NOT EXISTS gnss_fixes_device ON gnss_fixes (org_id, device, received_at);
CREATE INDEX IF NOT EXISTS gnss_fixes_received ON gnss_fixes (received_at);
CREATE TABLE IF NOT EXISTS gnss_alerts (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, device TEXT NOT NULL, at TEXT NOT NULL,
    transition TEXT NOT NULL, feature_id TEXT NOT NULL, hazard TEXT NOT NULL,
    distance_m REAL, enter_radius_m REAL NOT NULL, sigma_m REAL NOT NULL,
    dig_request_id TEXT NOT NULL, fix_received_at TEXT NOT NULL, fix_time TEXT,
    lat REAL NOT NULL, lon REAL NOT NULL, e REAL NOT NULL, n REAL NOT NULL,
    quality TEXT NOT NULL, sigma_h REAL);
CREATE INDEX IF NOT EXISTS gnss_alerts_device ON gnss_alerts (org_id, device, at);
CREATE INDEX IF NOT EXISTS gnss_alerts_at ON gnss_alerts (at);
CREATE INDEX IF NOT EXISTS outbox_kind ON outbox (kind, created_at);
";

const FIX_COLUMNS: &str = "received_at, fix_time, lat, lon, e, n, quality, sigma_h";

const ALERT_COLUMNS: &str = "id, org_id, device, at, transition, feature_id, hazard, distance_m, \
    enter_radius_m, sigma_m, dig_request_id, fix_received_at, fix_time, lat, lon, e, n, quality, \
    sigma_h";

fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: reason.to_string(),
    }
}

fn ms(t: DateTime<Utc>) -> String {
    format_time(truncate_millis(t))
}

type FixRaw = (
    String,
    Option<String>,
    f64,
    f64,
    f64,
    f64,
    String,
    Option<f64>,
);

/// The fix columns starting at column `i`.
fn read_fix(r: &Row<'_>, i: usize) -> rusqlite::Result<FixRaw> {
    Ok((
        r.get(i)?,
        r.get(i + 1)?,
        r.get(i + 2)?,
        r.get(i + 3)?,
        r.get(i + 4)?,
        r.get(i + 5)?,
        r.get(i + 6)?,
        r.get(i + 7)?,
    ))
}

fn to_fix(
    (received, time, lat, lon, e, n, quality, sigma_h): FixRaw,
    table: &'static str,
) -> Result<StoredFix, StoreError> {
    Ok(StoredFix {
        received_at: parse_time(&received, table)?,
        time: time.map(|t| parse_time(&t, table)).transpose()?,
        lat,
        lon,
        e,
        n,
        quality,
        sigma_h,
    })
}

type AlertRaw = ([String; 7], Option<f64>, f64, f64, String, FixRaw);

fn read_alert(r: &Row<'_>) -> rusqlite::Result<AlertRaw> {
    Ok((
        [
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ],
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        read_fix(r, 11)?,
    ))
}

fn to_alert(
    ([id, org, device, at, transition, feature, hazard], distance_m, enter, sigma, request, fix): AlertRaw,
) -> Result<StoredAlert, StoreError> {
    const T: &str = "gnss_alerts";
    let uuid = |s: &str| Uuid::parse_str(s).map_err(|e| corrupt(T, e));
    Ok(StoredAlert {
        id: uuid(&id)?,
        device: Device {
            org_id: OrgId::new(org).map_err(|e| corrupt(T, e))?,
            name: device,
        },
        at: parse_time(&at, T)?,
        transition: ProximityTransition::from_code(&transition)
            .ok_or_else(|| corrupt(T, format!("transition {transition:?}")))?,
        feature_id: uuid(&feature)?,
        hazard: Hazard::from_code(&hazard).map_err(|e| corrupt(T, e))?,
        distance_m,
        enter_radius_m: enter,
        sigma_m: sigma,
        dig_request_id: uuid(&request)?,
        fix: to_fix(fix, T)?,
    })
}

#[async_trait]
impl PositionStore for super::GpkgStore {
    async fn append_fixes(&self, batches: &[FixBatch]) -> Result<(), StoreError> {
        let batches = batches.to_vec();
        write_ops(&self.inner.ops, move |c| {
            let mut s = c.prepare_cached(&format!(
                "INSERT INTO gnss_fixes (org_id, device, {FIX_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))?;
            for b in &batches {
                for f in &b.fixes {
                    s.execute(params![
                        b.device.org_id.as_str(),
                        b.device.name,
                        ms(f.received_at),
                        f.time.map(ms),
                        f.lat,
                        f.lon,
                        f.e,
                        f.n,
                        f.quality,
                        f.sigma_h,
                    ])?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn append_alerts(&self, alerts: &[StoredAlert]) -> Result<(), StoreError> {
        let alerts = alerts.to_vec();
        let now = crate::codec::now_millis();
        write_ops(&self.inner.ops, move |c| {
            let mut events = Vec::new();
            {
                let mut s = c.prepare_cached(&format!(
                    "INSERT INTO gnss_alerts ({ALERT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                        ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
                     ON CONFLICT (id) DO NOTHING"
                ))?;
                for a in &alerts {
                    let f = &a.fix;
                    let n = s.execute(params![
                        a.id.to_string(),
                        a.device.org_id.as_str(),
                        a.device.name,
                        ms(a.at),
                        a.transition.code(),
                        a.feature_id.to_string(),
                        a.hazard.code(),
                        a.distance_m,
                        a.enter_radius_m,
                        a.sigma_m,
                        a.dig_request_id.to_string(),
                        ms(f.received_at),
                        f.time.map(ms),
                        f.lat,
                        f.lon,
                        f.e,
                        f.n,
                        f.quality,
                        f.sigma_h,
                    ])?;
                    if n == 1 {
                        events.push(alert_event(a, now));
                    }
                }
            }
            super::outbox::insert_events(c, &events)
        })
        .await
    }

    async fn track(
        &self,
        device: &Device,
        range: TimeRange,
        limit: u32,
    ) -> Result<Vec<StoredFix>, StoreError> {
        let (from, to) = range.bounds();
        let (org, name, from, to) = (
            device.org_id.to_string(),
            device.name.clone(),
            ms(from),
            ms(to),
        );
        let raws = read_ops(&self.inner.ops, move |c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {FIX_COLUMNS} FROM gnss_fixes
                 WHERE org_id = ?1 AND device = ?2 AND received_at >= ?3 AND received_at < ?4
                 ORDER BY received_at DESC, id DESC LIMIT ?5"
            ))?;
            let rows = s.query_map(params![org, name, from, to, limit], |r| read_fix(r, 0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
        let mut fixes = raws
            .into_iter()
            .map(|r| to_fix(r, "gnss_fixes"))
            .collect::<Result<Vec<_>, _>>()?;
        fixes.reverse();
        Ok(fixes)
    }

    async fn alerts(
        &self,
        device: &Device,
        range: TimeRange,
        limit: u32,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let (from, to) = range.bounds();
        let (org, name, from, to) = (
            device.org_id.to_string(),
            device.name.clone(),
            ms(from),
            ms(to),
        );
        let raws = read_ops(&self.inner.ops, move |c| {
            // rowid breaks ties of one millisecond in insertion order.
            let mut s = c.prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM gnss_alerts
                 WHERE org_id = ?1 AND device = ?2 AND at >= ?3 AND at < ?4
                 ORDER BY at DESC, rowid DESC LIMIT ?5"
            ))?;
            let rows = s.query_map(params![org, name, from, to, limit], read_alert)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
        let mut alerts = raws
            .into_iter()
            .map(to_alert)
            .collect::<Result<Vec<_>, _>>()?;
        alerts.reverse();
        Ok(alerts)
    }

    async fn prune_positions(&self, before: DateTime<Utc>) -> Result<PrunedPositions, StoreError> {
        let before = ms(before);
        write_ops(&self.inner.ops, move |c| {
            let fixes = c.execute("DELETE FROM gnss_fixes WHERE received_at < ?1", [&before])?;
            let alerts = c.execute("DELETE FROM gnss_alerts WHERE at < ?1", [&before])?;
            let events = c.execute(
                "DELETE FROM outbox WHERE kind = 'proximity.alert' AND created_at < ?1",
                [&before],
            )?;
            Ok(PrunedPositions {
                fixes: fixes as u64,
                alerts: alerts as u64,
                events: events as u64,
            })
        })
        .await
    }
}
