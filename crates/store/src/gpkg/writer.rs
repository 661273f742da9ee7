//! A new dataset version, written inside one SQLite transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{DatasetId, NetworkFeature, OrgId};
use rusqlite::{params, Connection, OptionalExtension};

use super::rtree_load::RtreeLoad;
use super::{open_connection, rows, schema, GpkgStore};
use crate::codec::{format_time, now_millis, FEATURE_COLUMNS};
use crate::memindex::DatasetIndex;
use crate::store::{DatasetVersion, DatasetWriter};
use crate::StoreError;

/// Holds the store's write lock and an open `BEGIN IMMEDIATE` transaction on
/// its own connection. Dropping it closes the connection, and SQLite rolls
/// the transaction back.
#[derive(Debug)]
pub(crate) struct GpkgWriter<'a> {
    store: &'a GpkgStore,
    _guard: tokio::sync::MutexGuard<'a, ()>,
    conn: Option<Connection>,
    owner: OrgId,
    name: String,
    dataset_id: DatasetId,
    /// The new version: the one replaced plus one.
    version: u32,
    now: DateTime<Utc>,
    /// The new version's features, for the in-memory index at commit
    /// (empty when the store has no in-memory index).
    features: Vec<NetworkFeature>,
    /// Features written so far.
    count: u64,
    /// The R-tree boxes of the rows written, inserted at commit (the insert
    /// trigger is dropped for the transaction).
    rtree: RtreeLoad,
}

/// The feature table a writer fills.
const TABLE: &str = "network_features";

impl<'a> GpkgWriter<'a> {
    pub(crate) async fn begin(
        store: &'a GpkgStore,
        guard: tokio::sync::MutexGuard<'a, ()>,
        owner: OrgId,
        name: String,
    ) -> Result<Self, StoreError> {
        let dataset_id = DatasetId::for_owner(&owner, &name);
        let path = store.inner.path.clone();
        let now = now_millis();
        let (conn, previous, rtree) = tokio::task::spawn_blocking(move || {
            let conn = open_connection(&path)?;
            // A bigger page cache keeps the pages being filled in memory while
            // a large version is written (64 MiB; the default is 2 MiB).
            conn.pragma_update(None, "cache_size", -65_536)
                .map_err(StoreError::sqlite(&path))?;
            conn.execute_batch("BEGIN IMMEDIATE")
                .map_err(StoreError::sqlite(&path))?;
            // The R-tree follows the rows' inserts and deletes in bulk at
            // commit (see `rtree_load`); the triggers come back in the same
            // transaction, so no other connection ever sees the table without.
            conn.execute_batch(&format!(
                "DROP TRIGGER {}; DROP TRIGGER {};",
                schema::rtree_insert_trigger_name(TABLE),
                schema::rtree_delete_trigger_name(TABLE)
            ))
            .map_err(StoreError::sqlite(&path))?;
            let mut rtree = RtreeLoad::default();
            let previous: Option<u32> = conn
                .query_row(
                    "SELECT current_version FROM datasets WHERE dataset_id = ?1",
                    params![dataset_id.to_string()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sqlite(&path))?;
            if let Some(prev) = previous {
                retire(
                    &conn,
                    &mut rtree,
                    &dataset_id.to_string(),
                    prev,
                    &format_time(now),
                )
                .map_err(StoreError::sqlite(&path))?;
            }
            Ok::<_, StoreError>((conn, previous, rtree))
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Self {
            store,
            _guard: guard,
            conn: Some(conn),
            owner,
            name,
            dataset_id,
            version: previous.unwrap_or(0) + 1,
            now,
            features: Vec::new(),
            count: 0,
            rtree,
        })
    }

    /// Runs `f` on the writer's connection in the blocking pool.
    async fn with_conn<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self
            .conn
            .take()
            .ok_or_else(|| StoreError::Task("writer already failed".into()))?;
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let r = f(&conn);
            (conn, r)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?;
        // After an error the transaction is abandoned: drop the connection so
        // SQLite rolls it back and no later call can commit half a version.
        if result.is_ok() {
            self.conn = Some(conn);
        }
        result
    }
}

#[async_trait]
impl DatasetWriter for GpkgWriter<'_> {
    fn base_version(&self) -> u32 {
        // Read inside this writer's `BEGIN IMMEDIATE`: no other connection
        // can commit a version until it ends.
        self.version - 1
    }

    async fn write(&mut self, mut features: Vec<NetworkFeature>) -> Result<(), StoreError> {
        for f in &mut features {
            f.owner_id = self.owner.clone();
            f.dataset_id = self.dataset_id;
            f.version = self.version;
            f.valid_from = self.now;
            f.valid_to = None;
        }
        let mut rtree = std::mem::take(&mut self.rtree);
        let srid = self.store.inner.region.srid;
        let (features, rtree) = self
            .with_conn(move |conn| {
                let path = conn.path().unwrap_or("").to_owned();
                let sqlite = |e| StoreError::Sqlite {
                    path: path.clone().into(),
                    source: e,
                };
                let mut stmt = conn
                    .prepare_cached(&rows::insert_sql(TABLE))
                    .map_err(sqlite)?;
                for f in &features {
                    // Empty geometries stay out of the R-tree, as the trigger's WHEN says.
                    if let Some(envelope) = rows::insert_feature(&mut stmt, f, srid)? {
                        rtree.push(conn.last_insert_rowid(), envelope)?;
                    }
                }
                Ok((features, rtree))
            })
            .await?;
        self.rtree = rtree;
        self.count += features.len() as u64;
        if self.store.inner.indexed {
            self.features.extend(features);
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<DatasetVersion, StoreError> {
        let (dataset, owner, name) = (
            self.dataset_id.to_string(),
            self.owner.to_string(),
            self.name.clone(),
        );
        let (version, now) = (self.version, format_time(self.now));
        let count = self.count;
        let rtree = std::mem::take(&mut self.rtree);
        self.with_conn(move |conn| {
            let path = conn.path().unwrap_or("").to_owned();
            let sqlite = |e| StoreError::Sqlite {
                path: path.clone().into(),
                source: e,
            };
            rtree
                .fill(conn, &schema::rtree_table(TABLE))
                .map_err(sqlite)?;
            conn.execute_batch(&schema::rtree_insert_trigger(TABLE))
                .map_err(sqlite)?;
            conn.execute_batch(&schema::rtree_delete_trigger(TABLE))
                .map_err(sqlite)?;
            conn.execute(
                "INSERT INTO dataset_versions (dataset_id, version, feature_count, valid_from)
                 VALUES (?1, ?2, ?3, ?4)",
                params![dataset, version, count as i64, now],
            )
            .map_err(sqlite)?;
            conn.execute(
                "INSERT INTO datasets (dataset_id, owner_id, name, current_version)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (dataset_id) DO UPDATE SET current_version = excluded.current_version",
                params![dataset, owner, name, version],
            )
            .map_err(sqlite)?;
            schema::touch_contents(conn, TABLE, &now).map_err(sqlite)?;
            conn.execute_batch("COMMIT").map_err(sqlite)
        })
        .await?;
        if self.store.inner.indexed {
            let features = std::mem::take(&mut self.features);
            let index = tokio::task::spawn_blocking(move || DatasetIndex::build(features))
                .await
                .map_err(|e| StoreError::Task(e.to_string()))?;
            self.store.inner.index.put(self.dataset_id, index);
        }
        Ok(DatasetVersion {
            dataset_id: self.dataset_id,
            version: self.version,
            feature_count: count,
            valid_from: self.now,
            valid_to: None,
        })
    }

    async fn abort(mut self: Box<Self>) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            conn.execute_batch("ROLLBACK")
                .map_err(|e| StoreError::Sqlite {
                    path: conn.path().unwrap_or("").into(),
                    source: e,
                })
        })
        .await
    }
}

/// Moves version `prev` of a dataset from the current table to the history
/// table, inside the caller's transaction, with the R-tree's delete trigger
/// off: the rows' boxes go at commit, through `rtree`. Done before the new
/// version is written so that feature ids may repeat across versions.
fn retire(
    conn: &Connection,
    rtree: &mut RtreeLoad,
    dataset: &str,
    prev: u32,
    now: &str,
) -> rusqlite::Result<()> {
    let cols = format!("{}, valid_to, geom", FEATURE_COLUMNS.join(", "));
    let copied = format!("{}, ?3, geom", FEATURE_COLUMNS.join(", "));
    conn.execute(
        &format!(
            "INSERT INTO network_features_history ({cols})
             SELECT {copied} FROM network_features WHERE dataset_id = ?1 AND version = ?2"
        ),
        params![dataset, prev, now],
    )?;
    let mut fids = conn.prepare(
        "SELECT fid FROM network_features WHERE dataset_id = ?1 AND version = ?2 AND geom NOT NULL",
    )?;
    rtree.retire(
        fids.query_map(params![dataset, prev], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?,
    );
    conn.execute(
        "DELETE FROM network_features WHERE dataset_id = ?1 AND version = ?2",
        params![dataset, prev],
    )?;
    conn.execute(
        "UPDATE dataset_versions SET valid_to = ?3 WHERE dataset_id = ?1 AND version = ?2",
        params![dataset, prev, now],
    )?;
    Ok(())
}
