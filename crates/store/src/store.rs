use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{Bbox, DatasetId, InterestArea, NetworkFeature, OrgId, SearchArea};
use uuid::Uuid;

use crate::{AccessStore, DigStore, OperationsStore, OutboxStore, PositionStore, StoreError};

/// A dataset: one owner's named network upload, with its current version.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetInfo {
    pub dataset_id: DatasetId,
    pub owner_id: OrgId,
    pub name: String,
    pub current_version: u32,
}

/// One committed version of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetVersion {
    pub dataset_id: DatasetId,
    pub version: u32,
    pub feature_count: u64,
    /// When this version became current.
    pub valid_from: DateTime<Utc>,
    /// When a newer version replaced it; `None` while current.
    pub valid_to: Option<DateTime<Utc>>,
}

/// Writes a new version of a dataset. Nothing is visible to readers until
/// [`commit`](DatasetWriter::commit) returns; dropping the writer, an error
/// or a crash leave the previous version current and whole.
///
/// The writer sets each feature's `owner_id`, `dataset_id`, `version`,
/// `valid_from` and `valid_to`; callers leave them at any value.
#[async_trait]
pub trait DatasetWriter: Send {
    /// The version this writer replaces: the dataset's current version when
    /// the writer began, 0 for a new dataset. The writer holds the dataset's
    /// write lock from [`Store::begin_replace`] to commit or abort, so no
    /// other writer can commit in between: a caller that read version `v`
    /// and finds `base_version() == v` replaces exactly what it read
    /// (compare-and-swap on the version).
    fn base_version(&self) -> u32;
    /// Adds a batch of features to the new version.
    async fn write(&mut self, features: Vec<NetworkFeature>) -> Result<(), StoreError>;
    /// Makes the new version current, all at once, and keeps the old one as history.
    async fn commit(self: Box<Self>) -> Result<DatasetVersion, StoreError>;
    /// Drops the new version; the stored data is as before.
    async fn abort(self: Box<Self>) -> Result<(), StoreError>;
}

/// The spatial store. All geometries are EPSG:25832 metres.
#[async_trait]
pub trait Store:
    AccessStore
    + DigStore
    + OutboxStore
    + OperationsStore
    + PositionStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// A short name of the backend ("gpkg" or "postgis").
    fn backend(&self) -> &'static str;

    /// Checks that the store answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Starts replacing dataset `name` of `owner` with a new version.
    /// Writers of the same store are serialised.
    async fn begin_replace(
        &self,
        owner: &OrgId,
        name: &str,
    ) -> Result<Box<dyn DatasetWriter + '_>, StoreError>;

    /// Current features within `area.buffer_m()` metres of `area.polygon()`
    /// (exact Euclidean distance; features inside have distance 0).
    async fn features_near(&self, area: &SearchArea) -> Result<Vec<NetworkFeature>, StoreError>;

    /// Like [`Store::features_near`], as shared references: the embedded
    /// store hands out its index's features without copying them.
    async fn features_near_shared(
        &self,
        area: &SearchArea,
    ) -> Result<Vec<std::sync::Arc<NetworkFeature>>, StoreError> {
        Ok(self
            .features_near(area)
            .await?
            .into_iter()
            .map(std::sync::Arc::new)
            .collect())
    }

    /// Current features whose bounding box intersects `bbox`.
    async fn features_in_bbox(&self, bbox: &Bbox) -> Result<Vec<NetworkFeature>, StoreError>;

    /// A feature by id, current or historic.
    async fn feature(&self, id: Uuid) -> Result<Option<NetworkFeature>, StoreError>;

    /// All datasets, or those of one owner.
    async fn datasets(&self, owner: Option<&OrgId>) -> Result<Vec<DatasetInfo>, StoreError>;

    /// The committed versions of a dataset, oldest first.
    async fn dataset_versions(&self, dataset: DatasetId)
        -> Result<Vec<DatasetVersion>, StoreError>;

    /// The features of a dataset as they were in `version` (current or historic).
    async fn features_at_version(
        &self,
        dataset: DatasetId,
        version: u32,
    ) -> Result<Vec<NetworkFeature>, StoreError>;

    /// Replaces all interest areas of `owner` at once.
    async fn replace_interest_areas(
        &self,
        owner: &OrgId,
        areas: Vec<InterestArea>,
    ) -> Result<(), StoreError>;

    /// All interest areas, or those of one owner.
    async fn interest_areas(&self, owner: Option<&OrgId>) -> Result<Vec<InterestArea>, StoreError>;

    /// Interest areas within `area.buffer_m()` metres of `area.polygon()`.
    async fn interest_areas_near(&self, area: &SearchArea)
        -> Result<Vec<InterestArea>, StoreError>;

    /// Like [`Store::interest_areas_near`], as shared references: the
    /// embedded store hands out its index's areas without copying them
    /// (an area can hold many thousands of vertices).
    async fn interest_areas_near_shared(
        &self,
        area: &SearchArea,
    ) -> Result<Vec<std::sync::Arc<InterestArea>>, StoreError> {
        Ok(self
            .interest_areas_near(area)
            .await?
            .into_iter()
            .map(std::sync::Arc::new)
            .collect())
    }
}

/// Features per batch of [`replace_dataset`] and [`write_batched`].
const BATCH: usize = 10_000;

/// Replaces a dataset with `features` in one version, in batches.
pub async fn replace_dataset(
    store: &dyn Store,
    owner: &OrgId,
    name: &str,
    features: impl IntoIterator<Item = NetworkFeature>,
) -> Result<DatasetVersion, StoreError> {
    let mut writer = store.begin_replace(owner, name).await?;
    write_batched(writer.as_mut(), features).await?;
    writer.commit().await
}

/// Writes `features` to `writer` in batches of 10 000; the caller commits
/// or aborts. After an error the writer can only be aborted (or dropped).
pub async fn write_batched(
    writer: &mut (dyn DatasetWriter + '_),
    features: impl IntoIterator<Item = NetworkFeature>,
) -> Result<(), StoreError> {
    let mut batch = Vec::with_capacity(BATCH);
    for f in features {
        batch.push(f);
        if batch.len() == BATCH {
            writer
                .write(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .await?;
        }
    }
    if !batch.is_empty() {
        writer.write(batch).await?;
    }
    Ok(())
}
