//! GNSS fixes and proximity alerts in PostGIS (`0014_positions.sql`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{Hazard, OrgId};
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::PostgisStore;
use crate::codec::{now_millis, truncate_millis};
use crate::outbox::alert_event;
use crate::positions::{
    Device, FixBatch, PositionStore, ProximityTransition, PrunedPositions, StoredAlert, StoredFix,
    TimeRange,
};
use crate::StoreError;

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

/// The fix columns starting at column `i`.
fn read_fix(r: &PgRow, i: usize) -> Result<StoredFix, StoreError> {
    Ok(StoredFix {
        received_at: r.try_get(i)?,
        time: r.try_get(i + 1)?,
        lat: r.try_get(i + 2)?,
        lon: r.try_get(i + 3)?,
        e: r.try_get(i + 4)?,
        n: r.try_get(i + 5)?,
        quality: r.try_get(i + 6)?,
        sigma_h: r.try_get(i + 7)?,
    })
}

fn read_alert(r: &PgRow) -> Result<StoredAlert, StoreError> {
    const T: &str = "gnss_alerts";
    let transition: String = r.try_get(4)?;
    let hazard: String = r.try_get(6)?;
    Ok(StoredAlert {
        id: r.try_get(0)?,
        device: Device {
            org_id: OrgId::new(r.try_get::<String, _>(1)?).map_err(|e| corrupt(T, e))?,
            name: r.try_get(2)?,
        },
        at: r.try_get(3)?,
        transition: ProximityTransition::from_code(&transition)
            .ok_or_else(|| corrupt(T, format!("transition {transition:?}")))?,
        feature_id: r.try_get(5)?,
        hazard: Hazard::from_code(&hazard).map_err(|e| corrupt(T, e))?,
        distance_m: r.try_get(7)?,
        enter_radius_m: r.try_get(8)?,
        sigma_m: r.try_get(9)?,
        dig_request_id: r.try_get(10)?,
        fix: read_fix(r, 11)?,
    })
}

/// One array per column of `gnss_fixes`, for an `UNNEST` insert.
#[derive(Default)]
struct FixColumns {
    org: Vec<String>,
    device: Vec<String>,
    received_at: Vec<DateTime<Utc>>,
    time: Vec<Option<DateTime<Utc>>>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    e: Vec<f64>,
    n: Vec<f64>,
    quality: Vec<String>,
    sigma_h: Vec<Option<f64>>,
}

#[async_trait]
impl PositionStore for PostgisStore {
    async fn append_fixes(&self, batches: &[FixBatch]) -> Result<(), StoreError> {
        let mut c = FixColumns::default();
        for b in batches {
            for f in &b.fixes {
                c.org.push(b.device.org_id.to_string());
                c.device.push(b.device.name.clone());
                c.received_at.push(truncate_millis(f.received_at));
                c.time.push(f.time.map(truncate_millis));
                c.lat.push(f.lat);
                c.lon.push(f.lon);
                c.e.push(f.e);
                c.n.push(f.n);
                c.quality.push(f.quality.clone());
                c.sigma_h.push(f.sigma_h);
            }
        }
        if c.org.is_empty() {
            return Ok(());
        }
        // One statement for the whole group; ORDINALITY keeps the ids in
        // the order received.
        sqlx::query(&format!(
            "INSERT INTO gnss_fixes (org_id, device, {FIX_COLUMNS})
             SELECT u.org_id, u.device, u.received_at, u.fix_time, u.lat, u.lon, u.e, u.n,
                u.quality, u.sigma_h
             FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[],
                $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::text[], $10::float8[])
                WITH ORDINALITY
             AS u(org_id, device, received_at, fix_time, lat, lon, e, n, quality, sigma_h, ord)
             ORDER BY u.ord"
        ))
        .bind(c.org)
        .bind(c.device)
        .bind(c.received_at)
        .bind(c.time)
        .bind(c.lat)
        .bind(c.lon)
        .bind(c.e)
        .bind(c.n)
        .bind(c.quality)
        .bind(c.sigma_h)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn append_alerts(&self, alerts: &[StoredAlert]) -> Result<(), StoreError> {
        let now = now_millis();
        let mut tx = self.pool().begin().await?;
        let mut events = Vec::new();
        for a in alerts {
            let f = &a.fix;
            let done = sqlx::query(&format!(
                "INSERT INTO gnss_alerts ({ALERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7,
                    $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                 ON CONFLICT (id) DO NOTHING"
            ))
            .bind(a.id)
            .bind(a.device.org_id.as_str())
            .bind(&a.device.name)
            .bind(truncate_millis(a.at))
            .bind(a.transition.code())
            .bind(a.feature_id)
            .bind(a.hazard.code())
            .bind(a.distance_m)
            .bind(a.enter_radius_m)
            .bind(a.sigma_m)
            .bind(a.dig_request_id)
            .bind(truncate_millis(f.received_at))
            .bind(f.time.map(truncate_millis))
            .bind(f.lat)
            .bind(f.lon)
            .bind(f.e)
            .bind(f.n)
            .bind(&f.quality)
            .bind(f.sigma_h)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                events.push(alert_event(a, now));
            }
        }
        super::outbox::insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn track(
        &self,
        device: &Device,
        range: TimeRange,
        limit: u32,
    ) -> Result<Vec<StoredFix>, StoreError> {
        let (from, to) = range.bounds();
        let rows = sqlx::query(&format!(
            "SELECT {FIX_COLUMNS} FROM gnss_fixes
             WHERE org_id = $1 AND device = $2 AND received_at >= $3 AND received_at < $4
             ORDER BY received_at DESC, id DESC LIMIT $5"
        ))
        .bind(device.org_id.as_str())
        .bind(&device.name)
        .bind(from)
        .bind(to)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut fixes = rows
            .iter()
            .map(|r| read_fix(r, 0))
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
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM gnss_alerts
             WHERE org_id = $1 AND device = $2 AND at >= $3 AND at < $4
             ORDER BY at DESC, seq DESC LIMIT $5"
        ))
        .bind(device.org_id.as_str())
        .bind(&device.name)
        .bind(from)
        .bind(to)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut alerts = rows.iter().map(read_alert).collect::<Result<Vec<_>, _>>()?;
        alerts.reverse();
        Ok(alerts)
    }

    async fn prune_positions(&self, before: DateTime<Utc>) -> Result<PrunedPositions, StoreError> {
        let before = truncate_millis(before);
        let mut tx = self.pool().begin().await?;
        let fixes = sqlx::query("DELETE FROM gnss_fixes WHERE received_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let alerts = sqlx::query("DELETE FROM gnss_alerts WHERE at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let events =
            sqlx::query("DELETE FROM outbox WHERE kind = 'proximity.alert' AND created_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(PrunedPositions {
            fixes,
            alerts,
            events,
        })
    }
}
