//! A new dataset version, written inside one PostgreSQL transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{DatasetId, NetworkFeature, OrgId};
use sqlx::{PgPool, Postgres, Transaction};

use crate::codec::{now_millis, FeatureRow};
use crate::store::{DatasetVersion, DatasetWriter};
use crate::StoreError;

/// Holds an open transaction with a transaction-scoped advisory lock on the
/// dataset. Dropping it rolls the transaction back.
#[derive(Debug)]
pub(crate) struct PgWriter {
    tx: Option<Transaction<'static, Postgres>>,
    owner: OrgId,
    name: String,
    dataset_id: DatasetId,
    /// The new version: the one replaced plus one.
    version: u32,
    now: DateTime<Utc>,
    count: u64,
    srid: i32,
}

impl PgWriter {
    pub(crate) async fn begin(
        pool: &PgPool,
        owner: OrgId,
        name: String,
        srid: i32,
    ) -> Result<Self, StoreError> {
        let dataset_id = DatasetId::for_owner(&owner, &name);
        let now = now_millis();
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(dataset_id.to_string())
            .execute(&mut *tx)
            .await?;
        let previous: Option<i32> =
            sqlx::query_scalar("SELECT current_version FROM datasets WHERE dataset_id = $1")
                .bind(dataset_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(prev) = previous {
            // Retire the old version first, so feature ids may repeat across versions.
            sqlx::query(
                "WITH moved AS (DELETE FROM network_features WHERE dataset_id = $1 AND version = $2 RETURNING *)
                 INSERT INTO network_features_history
                 SELECT fid, id, owner_id, dataset_id, version, source_id, source_format, source_class,
                        theme, kind, status, hazard, safety_note, accuracy_xy, accuracy_z,
                        drawing_method, depth_mm, diameter_mm, voltage_kv, pressure_bar, material,
                        installed, heights, valid_from, $3, geom
                 FROM moved",
            )
            .bind(dataset_id.0)
            .bind(prev)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE dataset_versions SET valid_to = $3 WHERE dataset_id = $1 AND version = $2",
            )
            .bind(dataset_id.0)
            .bind(prev)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let version = u32::try_from(previous.unwrap_or(0)).unwrap_or(0) + 1;
        Ok(Self {
            tx: Some(tx),
            owner,
            name,
            dataset_id,
            version,
            now,
            count: 0,
            srid,
        })
    }

    fn tx(&mut self) -> Result<&mut Transaction<'static, Postgres>, StoreError> {
        self.tx
            .as_mut()
            .ok_or_else(|| StoreError::Task("writer already failed".into()))
    }
}

#[async_trait]
impl DatasetWriter for PgWriter {
    fn base_version(&self) -> u32 {
        // Read after `pg_advisory_xact_lock` on the dataset: every writer
        // of it takes that lock first, so none can commit until this
        // transaction ends.
        self.version - 1
    }

    async fn write(&mut self, features: Vec<NetworkFeature>) -> Result<(), StoreError> {
        let mut cols = Columns::default();
        for f in &features {
            cols.push(FeatureRow::from_feature(f)?);
        }
        let n = features.len() as u64;
        let srid = self.srid;
        let sql = format!(
            "INSERT INTO network_features (id, owner_id, dataset_id, version, source_id, source_format,
                source_class, theme, kind, status, hazard, safety_note, accuracy_xy, accuracy_z,
                drawing_method, depth_mm, diameter_mm, voltage_kv, pressure_bar, material, installed,
                heights, valid_from, valid_to, geom)
             SELECT u.id, $1, $2, $3, u.source_id, u.source_format, u.source_class, u.theme, u.kind,
                u.status, u.hazard, u.safety_note, u.accuracy_xy, u.accuracy_z, u.drawing_method,
                u.depth_mm, u.diameter_mm, u.voltage_kv, u.pressure_bar, u.material, u.installed,
                u.heights, $4, NULL, ST_GeomFromWKB(u.wkb, {srid})
             FROM UNNEST($5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
                $17::int8[], $18::int8[], $19::float8[], $20::float8[], $21::text[], $22::text[],
                $23::text[], $24::bytea[])
             AS u(id, source_id, source_format, source_class, theme, kind, status, hazard,
                safety_note, accuracy_xy, accuracy_z, drawing_method, depth_mm, diameter_mm,
                voltage_kv, pressure_bar, material, installed, heights, wkb)"
        );
        let (owner, dataset, version, now) = (
            self.owner.to_string(),
            self.dataset_id.0,
            self.version as i32,
            self.now,
        );
        let result = sqlx::query(&sql)
            .bind(owner)
            .bind(dataset)
            .bind(version)
            .bind(now)
            .bind(cols.id)
            .bind(cols.source_id)
            .bind(cols.source_format)
            .bind(cols.source_class)
            .bind(cols.theme)
            .bind(cols.kind)
            .bind(cols.status)
            .bind(cols.hazard)
            .bind(cols.safety_note)
            .bind(cols.accuracy_xy)
            .bind(cols.accuracy_z)
            .bind(cols.drawing_method)
            .bind(cols.depth_mm)
            .bind(cols.diameter_mm)
            .bind(cols.voltage_kv)
            .bind(cols.pressure_bar)
            .bind(cols.material)
            .bind(cols.installed)
            .bind(cols.heights)
            .bind(cols.wkb)
            .execute(&mut **self.tx()?)
            .await;
        if let Err(e) = result {
            // The transaction is dead after an error; make sure nothing can commit it.
            self.tx = None;
            return Err(e.into());
        }
        self.count += n;
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<DatasetVersion, StoreError> {
        let (owner, name, dataset, version, now, count) = (
            self.owner.to_string(),
            self.name.clone(),
            self.dataset_id.0,
            self.version as i32,
            self.now,
            self.count,
        );
        let tx = self.tx()?;
        sqlx::query(
            "INSERT INTO datasets (dataset_id, owner_id, name, current_version) VALUES ($1, $2, $3, $4)
             ON CONFLICT (dataset_id) DO UPDATE SET current_version = EXCLUDED.current_version",
        )
        .bind(dataset)
        .bind(owner)
        .bind(name)
        .bind(version)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO dataset_versions (dataset_id, version, feature_count, valid_from)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(dataset)
        .bind(version)
        .bind(count as i64)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        self.tx.take().expect("checked above").commit().await?;
        Ok(DatasetVersion {
            dataset_id: self.dataset_id,
            version: self.version,
            feature_count: count,
            valid_from: now,
            valid_to: None,
        })
    }

    async fn abort(mut self: Box<Self>) -> Result<(), StoreError> {
        if let Some(tx) = self.tx.take() {
            tx.rollback().await?;
        }
        Ok(())
    }
}

/// One array per column, for an `UNNEST` insert.
#[derive(Default)]
struct Columns {
    id: Vec<uuid::Uuid>,
    source_id: Vec<String>,
    source_format: Vec<String>,
    source_class: Vec<String>,
    theme: Vec<String>,
    kind: Vec<String>,
    status: Vec<Option<String>>,
    hazard: Vec<Option<String>>,
    safety_note: Vec<Option<String>>,
    accuracy_xy: Vec<String>,
    accuracy_z: Vec<String>,
    drawing_method: Vec<Option<String>>,
    depth_mm: Vec<Option<i64>>,
    diameter_mm: Vec<Option<i64>>,
    voltage_kv: Vec<Option<f64>>,
    pressure_bar: Vec<Option<f64>>,
    material: Vec<Option<String>>,
    installed: Vec<Option<String>>,
    heights: Vec<Option<String>>,
    wkb: Vec<Vec<u8>>,
}

impl Columns {
    fn push(&mut self, r: FeatureRow) {
        self.id.push(r.id);
        self.source_id.push(r.source_id);
        self.source_format.push(r.source_format);
        self.source_class.push(r.source_class);
        self.theme.push(r.theme);
        self.kind.push(r.kind);
        self.status.push(r.status);
        self.hazard.push(r.hazard);
        self.safety_note.push(r.safety_note);
        self.accuracy_xy.push(r.accuracy_xy);
        self.accuracy_z.push(r.accuracy_z);
        self.drawing_method.push(r.drawing_method);
        self.depth_mm.push(r.depth_mm);
        self.diameter_mm.push(r.diameter_mm);
        self.voltage_kv.push(r.voltage_kv);
        self.pressure_bar.push(r.pressure_bar);
        self.material.push(r.material);
        self.installed.push(r.installed);
        self.heights.push(r.heights);
        self.wkb.push(r.wkb);
    }
}
