//! The embedded backend's in-memory spatial index.
//!
//! Two levels: an R-tree of dataset envelopes, and per dataset version an
//! R-tree of feature envelopes, bulk-loaded once when the version becomes
//! current and never modified afterwards. Readers take an `Arc` of the whole
//! [`Snapshot`], so a query sees one consistent set of versions while a
//! replacement swaps in a new snapshot beside it.
//!
//! Invariants: every current feature with a non-empty geometry has exactly one
//! entry, whose rectangle is the feature's bounding box in EPSG:25832 metres;
//! entries point into the dataset's `features` vector by position.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use forsyning_model::{Bbox, DatasetId, InterestArea, NetworkFeature, OrgId, SearchArea};
use geo::BoundingRect;
use geo_types::Geometry;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::near_area::IndexedArea;

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

fn envelope_of(geometry: &Geometry<f64>) -> Option<AABB<[f64; 2]>> {
    let r = geometry.bounding_rect()?;
    Some(AABB::from_corners(
        [r.min().x, r.min().y],
        [r.max().x, r.max().y],
    ))
}

fn aabb(bbox: &Bbox) -> AABB<[f64; 2]> {
    AABB::from_corners([bbox.min_x(), bbox.min_y()], [bbox.max_x(), bbox.max_y()])
}

/// Whether `geometry` lies within the search area (exact distance, 0 inside).
pub fn is_near(geometry: &Geometry<f64>, area: &SearchArea) -> bool {
    if geometry.bounding_rect().is_none() {
        return false;
    }
    crate::distance_to_polygon(geometry, area.polygon()) <= area.buffer_m()
}

/// One dataset version's features and their R-tree.
#[derive(Debug)]
pub(crate) struct DatasetIndex {
    /// Shared with the callers of [`Snapshot::near_shared`], so an answer
    /// costs a reference count per feature, not a copy.
    features: Vec<Arc<NetworkFeature>>,
    tree: RTree<Entry>,
}

impl DatasetIndex {
    pub fn build(features: Vec<NetworkFeature>) -> Self {
        let entries = features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let env = envelope_of(&f.geometry)?;
                let idx = u32::try_from(i).expect("a dataset version holds < 2^32 features");
                Some(GeomWithData::new(Rectangle::from_aabb(env), idx))
            })
            .collect();
        Self {
            features: features.into_iter().map(Arc::new).collect(),
            tree: RTree::bulk_load(entries),
        }
    }

    fn envelope(&self) -> Option<AABB<[f64; 2]>> {
        (self.tree.size() > 0).then(|| self.tree.root().envelope())
    }
}

#[derive(Debug)]
struct DatasetEnvelope {
    id: DatasetId,
    env: AABB<[f64; 2]>,
}

impl rstar::RTreeObject for DatasetEnvelope {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

/// A consistent view of all current dataset versions.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    datasets: BTreeMap<DatasetId, Arc<DatasetIndex>>,
    top: RTree<DatasetEnvelope>,
}

impl Snapshot {
    fn with_dataset(&self, id: DatasetId, index: Arc<DatasetIndex>) -> Self {
        let mut datasets = self.datasets.clone();
        datasets.insert(id, index);
        let top = RTree::bulk_load(
            datasets
                .iter()
                .filter_map(|(id, ix)| {
                    Some(DatasetEnvelope {
                        id: *id,
                        env: ix.envelope()?,
                    })
                })
                .collect(),
        );
        Self { datasets, top }
    }

    fn candidates<'a>(
        &'a self,
        env: &'a AABB<[f64; 2]>,
    ) -> impl Iterator<Item = &'a Arc<NetworkFeature>> + 'a {
        self.top
            .locate_in_envelope_intersecting(env)
            .flat_map(move |d| {
                let ix = &self.datasets[&d.id];
                ix.tree
                    .locate_in_envelope_intersecting(env)
                    .map(move |e| &ix.features[e.data as usize])
            })
    }

    pub fn near_shared(&self, area: &SearchArea) -> Vec<Arc<NetworkFeature>> {
        let env = aabb(&area.search_bbox());
        self.candidates(&env)
            .filter(|f| is_near(&f.geometry, area))
            .cloned()
            .collect()
    }

    pub fn near(&self, area: &SearchArea) -> Vec<NetworkFeature> {
        let env = aabb(&area.search_bbox());
        self.candidates(&env)
            .filter(|f| is_near(&f.geometry, area))
            .map(|f| NetworkFeature::clone(f))
            .collect()
    }

    pub fn in_bbox(&self, bbox: &Bbox) -> Vec<NetworkFeature> {
        let env = aabb(bbox);
        self.candidates(&env)
            .map(|f| NetworkFeature::clone(f))
            .collect()
    }

    pub fn feature_count(&self) -> usize {
        self.datasets.values().map(|d| d.features.len()).sum()
    }
}

/// The swappable current snapshot.
#[derive(Debug, Default)]
pub(crate) struct MemIndex {
    current: RwLock<Arc<Snapshot>>,
}

impl MemIndex {
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Makes `index` the current version of dataset `id`, for readers that
    /// take a snapshot from now on.
    pub fn put(&self, id: DatasetId, index: DatasetIndex) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        let next = guard.with_dataset(id, Arc::new(index));
        *guard = Arc::new(next);
    }
}

/// All interest areas with an R-tree; small enough to rebuild on change.
#[derive(Debug, Default)]
pub(crate) struct AreaIndex {
    areas: Vec<Arc<InterestArea>>,
    /// An edge index of each area, in the order of `areas`.
    indexed: Vec<IndexedArea>,
    tree: RTree<Entry>,
}

impl AreaIndex {
    pub fn build(areas: Vec<InterestArea>) -> Self {
        let areas: Vec<Arc<InterestArea>> = areas.into_iter().map(Arc::new).collect();
        let entries = areas
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let env = envelope_of(&Geometry::MultiPolygon(a.geometry.clone()))?;
                Some(GeomWithData::new(Rectangle::from_aabb(env), i as u32))
            })
            .collect();
        let indexed = areas
            .iter()
            .map(|a| IndexedArea::new(&a.geometry))
            .collect();
        Self {
            areas,
            indexed,
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn with_owner_replaced(&self, owner: &OrgId, new: Vec<InterestArea>) -> Self {
        let mut areas: Vec<InterestArea> = self
            .areas
            .iter()
            .filter(|a| &a.owner_id != owner)
            .map(|a| InterestArea::clone(a))
            .collect();
        areas.extend(new);
        Self::build(areas)
    }

    pub fn all(&self, owner: Option<&OrgId>) -> Vec<InterestArea> {
        self.areas
            .iter()
            .filter(|a| owner.is_none_or(|o| &a.owner_id == o))
            .map(|a| InterestArea::clone(a))
            .collect()
    }

    pub fn near(&self, area: &SearchArea) -> Vec<InterestArea> {
        self.near_shared(area)
            .into_iter()
            .map(|a| InterestArea::clone(&a))
            .collect()
    }

    pub fn near_shared(&self, area: &SearchArea) -> Vec<Arc<InterestArea>> {
        let env = aabb(&area.search_bbox());
        let mut hits: Vec<u32> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .filter(|&i| self.indexed[i as usize].is_within(area.polygon(), area.buffer_m()))
            .collect();
        // In stored order, as without the index.
        hits.sort_unstable();
        hits.into_iter()
            .map(|i| self.areas[i as usize].clone())
            .collect()
    }
}
