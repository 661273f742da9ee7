//! The embedded backend: a GeoPackage file plus in-memory R-trees.

mod audit;
mod dig;
mod dig_rows;
mod geom;
mod operations;
mod ops;
mod ops_io;
mod outbox;
mod positions;
mod rows;
mod rtree_load;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use forsyning_model::{Bbox, DatasetId, InterestArea, NetworkFeature, OrgId, SearchArea};
use geo::BoundingRect;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use uuid::Uuid;

use crate::codec::{format_time, now_millis, parse_time};
use crate::memindex::{AreaIndex, DatasetIndex, MemIndex};
use crate::store::{DatasetInfo, DatasetVersion, DatasetWriter, Store};
use crate::{StoreError, StoreRegion};

/// The embedded store: a GeoPackage 1.3 file that QGIS and GDAL open directly.
///
/// Queries on current features are answered from in-memory R-trees that are
/// bulk-loaded per dataset version; history and lookups by id read the file.
#[derive(Debug, Clone)]
pub struct GpkgStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    read: Mutex<Connection>,
    index: MemIndex,
    /// Whether `index` holds the current features; without it queries read the R-tree table.
    indexed: bool,
    areas: RwLock<Arc<AreaIndex>>,
    write_lock: tokio::sync::Mutex<()>,
    ops: Arc<ops::OpsDb>,
    /// The region recorded in the file; geometry is in its CRS.
    region: StoreRegion,
}

impl GpkgStore {
    /// Opens the GeoPackage at `path` for Denmark (EPSG:25832), creating it
    /// (and its folder) if missing, and loads the current dataset versions
    /// into memory. See [`GpkgStore::open_in`] for other regions.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_in(path, true, &StoreRegion::denmark()).await
    }

    /// Opens (or creates) the GeoPackage at `path` for `region`: a new file
    /// records the region and keeps geometry in its CRS; an existing one must
    /// have been created for the same region, else
    /// [`StoreError::RegionMismatch`] names both. `indexed` as in
    /// [`GpkgStore::open_unindexed`].
    pub async fn open_in(
        path: &Path,
        indexed: bool,
        region: &StoreRegion,
    ) -> Result<Self, StoreError> {
        let path = path.to_owned();
        let region = region.clone();
        tokio::task::spawn_blocking(move || Self::open_blocking(path, indexed, region))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Opens the GeoPackage without the in-memory index: queries read the
    /// file's R-tree instead, and writers keep nothing in memory. For
    /// one-shot commands (ingest, tokens) that must not load every feature.
    pub async fn open_unindexed(path: &Path) -> Result<Self, StoreError> {
        Self::open_in(path, false, &StoreRegion::denmark()).await
    }

    fn open_blocking(
        path: PathBuf,
        indexed: bool,
        region: StoreRegion,
    ) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::NotAStore {
                path: path.clone(),
                reason: format!("cannot create folder {}: {e}", dir.display()),
            })?;
        }
        let mut conn = open_connection(&path)?;
        let app_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(StoreError::sqlite(&path))?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(StoreError::sqlite(&path))?;
        if tables == 0 {
            schema::create(&mut conn, &region).map_err(StoreError::sqlite(&path))?;
        } else if app_id != schema::APPLICATION_ID {
            return Err(StoreError::NotAStore {
                path,
                reason: "not a GeoPackage (application_id is not GPKG)".into(),
            });
        } else {
            let version: Option<String> = conn
                .query_row(
                    "SELECT value FROM forsyning_meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| StoreError::NotAStore {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            if version.as_deref() != Some(&schema::SCHEMA_VERSION.to_string()) {
                return Err(StoreError::NotAStore {
                    path,
                    reason: format!(
                        "schema version {version:?}, expected {}",
                        schema::SCHEMA_VERSION
                    ),
                });
            }
            let (name, srid) = schema::recorded_region(&conn).map_err(StoreError::sqlite(&path))?;
            region.check(&format!("gpkg:{}", path.display()), &name, srid)?;
        }
        let index = MemIndex::default();
        if indexed {
            let sql = format!(
                "SELECT {} FROM network_features ORDER BY dataset_id, fid",
                rows::select_list()
            );
            let all = rows::query_features(&conn, &sql, [], "network_features")?;
            let mut by_dataset: std::collections::BTreeMap<DatasetId, Vec<NetworkFeature>> =
                Default::default();
            for f in all {
                by_dataset.entry(f.dataset_id).or_default().push(f);
            }
            for (id, features) in by_dataset {
                index.put(id, DatasetIndex::build(features));
            }
        }
        let areas = AreaIndex::build(rows::read_areas(&conn)?);
        let ops = ops::OpsDb::open(&path)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                read: Mutex::new(conn),
                index,
                indexed,
                areas: RwLock::new(Arc::new(areas)),
                write_lock: tokio::sync::Mutex::new(()),
                ops,
                region,
            }),
        })
    }

    /// Current features whose R-tree box meets `bbox`. The R-tree keeps
    /// 32-bit boxes rounded outwards, so callers filter exactly afterwards.
    async fn rtree_candidates(&self, bbox: Bbox) -> Result<Vec<NetworkFeature>, StoreError> {
        self.with_read(move |conn, _| {
            let sql = format!(
                "SELECT {} FROM network_features
                 WHERE fid IN (SELECT id FROM rtree_network_features_geom
                               WHERE minx <= ?3 AND maxx >= ?1 AND miny <= ?4 AND maxy >= ?2)",
                rows::select_list()
            );
            rows::query_features(
                conn,
                &sql,
                params![bbox.min_x(), bbox.min_y(), bbox.max_x(), bbox.max_y()],
                "network_features",
            )
        })
        .await
    }

    /// The region the file was created for.
    pub fn region(&self) -> &StoreRegion {
        &self.inner.region
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Number of current features held in memory.
    pub fn feature_count(&self) -> usize {
        self.inner.index.snapshot().feature_count()
    }

    /// Runs `f` on the read connection in the blocking pool.
    async fn with_read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &Path) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner.read.lock().unwrap_or_else(|p| p.into_inner());
            f(&conn, &inner.path)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    fn areas(&self) -> Arc<AreaIndex> {
        self.inner
            .areas
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

pub(crate) fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(StoreError::sqlite(path))?;
    schema::configure(&conn).map_err(StoreError::sqlite(path))?;
    Ok(conn)
}

fn read_version(row: &rusqlite::Row<'_>) -> Result<DatasetVersion, StoreError> {
    const T: &str = "dataset_versions";
    let c = |e: rusqlite::Error| StoreError::CorruptRow {
        table: T,
        reason: e.to_string(),
    };
    let id: String = row.get(0).map_err(c)?;
    let from: String = row.get(3).map_err(c)?;
    let to: Option<String> = row.get(4).map_err(c)?;
    Ok(DatasetVersion {
        dataset_id: DatasetId(Uuid::parse_str(&id).map_err(|e| StoreError::CorruptRow {
            table: T,
            reason: e.to_string(),
        })?),
        version: row.get(1).map_err(c)?,
        feature_count: row.get::<_, i64>(2).map_err(c)? as u64,
        valid_from: parse_time(&from, T)?,
        valid_to: to.map(|t| parse_time(&t, T)).transpose()?,
    })
}

#[async_trait]
impl Store for GpkgStore {
    fn backend(&self) -> &'static str {
        "gpkg"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with_read(|conn, path| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(StoreError::sqlite(path))
        })
        .await
    }

    async fn begin_replace(
        &self,
        owner: &OrgId,
        name: &str,
    ) -> Result<Box<dyn DatasetWriter + '_>, StoreError> {
        let guard = self.inner.write_lock.lock().await;
        let w = writer::GpkgWriter::begin(self, guard, owner.clone(), name.to_owned()).await?;
        Ok(Box::new(w))
    }

    async fn features_near(&self, area: &SearchArea) -> Result<Vec<NetworkFeature>, StoreError> {
        if self.inner.indexed {
            return Ok(self.inner.index.snapshot().near(area));
        }
        let candidates = self.rtree_candidates(area.search_bbox()).await?;
        Ok(candidates
            .into_iter()
            .filter(|f| crate::is_near(&f.geometry, area))
            .collect())
    }

    async fn features_near_shared(
        &self,
        area: &SearchArea,
    ) -> Result<Vec<Arc<NetworkFeature>>, StoreError> {
        if self.inner.indexed {
            return Ok(self.inner.index.snapshot().near_shared(area));
        }
        Ok(self
            .features_near(area)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect())
    }

    async fn features_in_bbox(&self, bbox: &Bbox) -> Result<Vec<NetworkFeature>, StoreError> {
        if self.inner.indexed {
            return Ok(self.inner.index.snapshot().in_bbox(bbox));
        }
        let candidates = self.rtree_candidates(*bbox).await?;
        Ok(candidates
            .into_iter()
            .filter(|f| {
                f.geometry
                    .bounding_rect()
                    .and_then(|r| Bbox::from_rect(r).ok())
                    .is_some_and(|b| b.intersects(bbox))
            })
            .collect())
    }

    async fn feature(&self, id: Uuid) -> Result<Option<NetworkFeature>, StoreError> {
        self.with_read(move |conn, _| {
            let cols = rows::select_list();
            let sql = format!(
                "SELECT {cols} FROM network_features WHERE id = ?1
                 UNION ALL SELECT {cols} FROM network_features_history WHERE id = ?1
                 ORDER BY version DESC LIMIT 1"
            );
            Ok(
                rows::query_features(conn, &sql, params![id.to_string()], "network_features")?
                    .pop(),
            )
        })
        .await
    }

    async fn datasets(&self, owner: Option<&OrgId>) -> Result<Vec<DatasetInfo>, StoreError> {
        let owner = owner.map(|o| o.to_string());
        self.with_read(move |conn, path| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT dataset_id, owner_id, name, current_version FROM datasets
                     WHERE ?1 IS NULL OR owner_id = ?1 ORDER BY owner_id, name",
                )
                .map_err(StoreError::sqlite(path))?;
            let rows = stmt
                .query_map(params![owner], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get(2)?,
                        r.get(3)?,
                    ))
                })
                .map_err(StoreError::sqlite(path))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, owner, name, current_version) = row.map_err(StoreError::sqlite(path))?;
                let corrupt = |e: String| StoreError::CorruptRow {
                    table: "datasets",
                    reason: e,
                };
                out.push(DatasetInfo {
                    dataset_id: DatasetId(
                        Uuid::parse_str(&id).map_err(|e| corrupt(e.to_string()))?,
                    ),
                    owner_id: OrgId::new(owner).map_err(|e| corrupt(e.to_string()))?,
                    name,
                    current_version,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn dataset_versions(
        &self,
        dataset: DatasetId,
    ) -> Result<Vec<DatasetVersion>, StoreError> {
        self.with_read(move |conn, path| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT dataset_id, version, feature_count, valid_from, valid_to
                     FROM dataset_versions WHERE dataset_id = ?1 ORDER BY version",
                )
                .map_err(StoreError::sqlite(path))?;
            let mut rows = stmt
                .query(params![dataset.to_string()])
                .map_err(StoreError::sqlite(path))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(StoreError::sqlite(path))? {
                out.push(read_version(row)?);
            }
            Ok(out)
        })
        .await
    }

    async fn features_at_version(
        &self,
        dataset: DatasetId,
        version: u32,
    ) -> Result<Vec<NetworkFeature>, StoreError> {
        self.with_read(move |conn, _| {
            let cols = rows::select_list();
            let sql = format!(
                "SELECT {cols} FROM network_features WHERE dataset_id = ?1 AND version = ?2
                 UNION ALL
                 SELECT {cols} FROM network_features_history WHERE dataset_id = ?1 AND version = ?2"
            );
            rows::query_features(
                conn,
                &sql,
                params![dataset.to_string(), version],
                "network_features",
            )
        })
        .await
    }

    async fn replace_interest_areas(
        &self,
        owner: &OrgId,
        areas: Vec<InterestArea>,
    ) -> Result<(), StoreError> {
        let _guard = self.inner.write_lock.lock().await;
        let path = self.inner.path.clone();
        let srid = self.inner.region.srid;
        let owner_c = owner.clone();
        let stored = areas.clone();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let mut conn = open_connection(&path)?;
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(&path))?;
            tx.execute(
                "DELETE FROM interest_areas WHERE owner_id = ?1",
                params![owner_c.as_str()],
            )
            .map_err(StoreError::sqlite(&path))?;
            for a in &stored {
                let mut a = a.clone();
                a.owner_id = owner_c.clone();
                rows::insert_area(&tx, &a, srid)?;
            }
            schema::touch_contents(&tx, "interest_areas", &format_time(now_millis()))
                .map_err(StoreError::sqlite(&path))?;
            tx.commit().map_err(StoreError::sqlite(&path))
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        let areas = areas.into_iter().map(|mut a| {
            a.owner_id = owner.clone();
            a
        });
        let mut guard = self.inner.areas.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(guard.with_owner_replaced(owner, areas.collect()));
        Ok(())
    }

    async fn interest_areas(&self, owner: Option<&OrgId>) -> Result<Vec<InterestArea>, StoreError> {
        Ok(self.areas().all(owner))
    }

    async fn interest_areas_near(
        &self,
        area: &SearchArea,
    ) -> Result<Vec<InterestArea>, StoreError> {
        Ok(self.areas().near(area))
    }

    async fn interest_areas_near_shared(
        &self,
        area: &SearchArea,
    ) -> Result<Vec<Arc<InterestArea>>, StoreError> {
        Ok(self.areas().near_shared(area))
    }
}
