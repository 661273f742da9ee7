//! The `network` source: every current dataset version projected to
//! EPSG:3857 once and kept in a [`TileIndex`] per dataset, so a tile is a
//! box query; a new version of one dataset rebuilds that dataset's index
//! only. The access filter is [`NetworkScope`], from the caller's
//! [`FeatureScope`] by the rules of `policy.rs`.

use std::collections::HashSet;
use std::sync::Arc;

use forsyning_model::{DatasetId, NetworkFeature, OrgId};
use forsyning_tiles::layers::{network, network_feature};
use forsyning_tiles::{SourceInfo, TileFeature, TileIndex, TileSource};
use geo_types::Rect;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::policy::FeatureScope;
use crate::{ApiError, AppState};

/// The current version of every network dataset, sorted: what the index
/// and the cached tiles were made from. Base map datasets (street context
/// of the printed map) are nobody's network and stay out.
pub(crate) type Generation = Vec<(DatasetId, u32)>;

/// The network features of one generation, per dataset.
#[derive(Debug)]
pub(crate) struct NetworkSource {
    info: SourceInfo,
    pub(crate) generation: Generation,
    datasets: Vec<Arc<TileIndex>>,
}

impl TileSource for NetworkSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn bounds(&self) -> Option<Rect<f64>> {
        self.datasets
            .iter()
            .filter_map(|d| d.bounds())
            .reduce(|a, b| {
                Rect::new(
                    geo_types::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo_types::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
    }

    fn query<'a>(&'a self, bbox: &Rect<f64>, out: &mut Vec<&'a TileFeature>) {
        for d in &self.datasets {
            out.extend(d.query(bbox));
        }
    }

    fn query_visible<'a>(
        &'a self,
        bbox: &Rect<f64>,
        min_side: f64,
        out: &mut Vec<&'a TileFeature>,
    ) {
        for d in &self.datasets {
            out.extend(d.query_visible(bbox, min_side));
        }
    }
}

/// Keeps the index of the latest generation.
#[derive(Debug, Default)]
pub(crate) struct NetworkIndex {
    current: Mutex<Option<Arc<NetworkSource>>>,
}

/// The generation the store holds now.
pub(crate) async fn generation(state: &AppState) -> Result<Generation, ApiError> {
    let mut g: Generation = state
        .store
        .datasets(None)
        .await?
        .into_iter()
        .filter(|d| d.name != crate::dig::package::map::BASEMAP_DATASET)
        .map(|d| (d.dataset_id, d.current_version))
        .collect();
    g.sort();
    Ok(g)
}

impl NetworkIndex {
    /// The source for `generation`, rebuilt for the datasets whose version changed.
    pub(crate) async fn source(
        &self,
        state: &AppState,
        generation: Generation,
    ) -> Result<Arc<NetworkSource>, ApiError> {
        let mut current = self.current.lock().await;
        if let Some(s) = current.as_ref().filter(|s| s.generation == generation) {
            return Ok(s.clone());
        }
        let mut datasets = Vec::with_capacity(generation.len());
        for &(id, version) in &generation {
            let reuse = current.as_ref().and_then(|s| {
                s.generation
                    .iter()
                    .position(|g| *g == (id, version))
                    .map(|i| s.datasets[i].clone())
            });
            let index = match reuse {
                Some(i) => i,
                None => {
                    let features = state.store.features_at_version(id, version).await?;
                    let crs = state.native_crs;
                    Arc::new(
                        tokio::task::spawn_blocking(move || build_index(features, crs))
                            .await
                            .map_err(|e| ApiError::Internal(e.to_string()))??,
                    )
                }
            };
            datasets.push(index);
        }
        let s = Arc::new(NetworkSource {
            info: network(),
            generation,
            datasets,
        });
        *current = Some(s.clone());
        Ok(s)
    }
}

/// Projects `features` (in `crs`, the store's) to EPSG:3857 on every core
/// and indexes them.
fn build_index(
    features: Vec<NetworkFeature>,
    crs: forsyning_geo::Crs,
) -> Result<TileIndex, ApiError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = features.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<NetworkFeature>> = Vec::new();
    let mut it = features.into_iter();
    loop {
        let c: Vec<NetworkFeature> = it.by_ref().take(chunk).collect();
        if c.is_empty() {
            break;
        }
        chunks.push(c);
    }
    let parts: Vec<Result<Vec<TileFeature>, ApiError>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| {
                s.spawn(move || {
                    c.into_iter()
                        .map(|f| {
                            network_feature(f, crs).map_err(|e| ApiError::Internal(e.to_string()))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ApiError::Internal("projection thread panicked".into()))
                })
            })
            .collect()
    });
    let mut all = Vec::new();
    for p in parts {
        all.extend(p?);
    }
    Ok(TileIndex::new(all))
}

/// Which features of the index a caller's tiles hold.
#[derive(Debug, Clone)]
pub(crate) enum NetworkScope {
    All,
    Owner(OrgId),
    /// A contractor: exactly the features its valid grants disclose.
    Ids(Arc<HashSet<Uuid>>),
}

impl NetworkScope {
    /// The tile filter of `scope`. For a contractor, the features near each
    /// grant's area that [`FeatureScope::allows`] lets through, the same
    /// test `/api/v1/features` applies.
    pub(crate) async fn of(
        state: &AppState,
        scope: &FeatureScope,
    ) -> Result<NetworkScope, ApiError> {
        Ok(match scope {
            FeatureScope::All => NetworkScope::All,
            FeatureScope::Owner(o) => NetworkScope::Owner(o.clone()),
            FeatureScope::DigGrants(grants) => {
                let mut ids = HashSet::new();
                for g in grants {
                    for f in state.store.features_near_shared(&g.area).await? {
                        if scope.allows(&f) {
                            ids.insert(f.id);
                        }
                    }
                }
                NetworkScope::Ids(Arc::new(ids))
            }
        })
    }

    pub(crate) fn allows(&self, f: &TileFeature) -> bool {
        match self {
            NetworkScope::All => true,
            NetworkScope::Owner(o) => f.owner.as_ref() == Some(o),
            NetworkScope::Ids(ids) => ids.contains(&f.uid),
        }
    }

    /// A key that tells scopes with different tiles apart, for the cache.
    pub(crate) fn cache_key(&self) -> String {
        match self {
            NetworkScope::All => "all".into(),
            NetworkScope::Owner(o) => format!("owner:{o}"),
            NetworkScope::Ids(ids) => {
                let mut v: Vec<&Uuid> = ids.iter().collect();
                v.sort();
                let mut h = sha2::Sha256::default();
                for id in v {
                    sha2::Digest::update(&mut h, id.as_bytes());
                }
                format!("ids:{:x}", sha2::Digest::finalize(h))
            }
        }
    }
}
