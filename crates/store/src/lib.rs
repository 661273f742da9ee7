//! The Forsyning spatial store.
//!
//! One trait, [`Store`], with two backends:
//! - [`GpkgStore`]: a GeoPackage 1.3 file (SQLite in WAL mode, `gpkg_rtree_index`),
//!   with an in-memory `rstar` index per dataset version that answers queries;
//! - [`PostgisStore`]: PostgreSQL + PostGIS with GiST indexes, migrations applied on open.
//!
//! Both keep the same tables: `network_features` (current versions),
//! `network_features_history` (replaced versions), `datasets`,
//! `dataset_versions` and `interest_areas`; organisations, tokens, the audit
//! log ([`AccessStore`]) and dig requests with their responses
//! ([`DigStore`]), and GNSS fixes and alerts ([`PositionStore`]) live
//! beside them (the embedded backend keeps those in an operations SQLite
//! file next to the GeoPackage). All geometries are in the
//! native CRS of the store's [`StoreRegion`] (EPSG:25832 for Denmark), metres. Replacing a dataset is atomic: readers see the old version until the
//! new one is committed whole, also across a crash.

mod access;
mod codec;
mod dig;
mod distance;
mod error;
mod gpkg;
mod location;
mod memindex;
mod near_area;
mod operations;
mod outbox;
mod positions;
mod postgis;
mod region;
mod store;

pub use access::AccessStore;
pub use dig::{DigFilter, DigRecord, DigStore};
pub use distance::distance_to_polygon;
pub use error::StoreError;
pub use gpkg::GpkgStore;
pub use location::StoreLocation;
pub use memindex::is_near;
pub use operations::{Incident, OperationsStore, OutboxStats, Severity, StoredJob};
pub use outbox::{Attempt, EventKind, EventStatus, OutboxEvent, OutboxStore, Webhook};
pub use positions::{
    Device, FixBatch, PositionStore, ProximityTransition, PrunedPositions, StoredAlert, StoredFix,
    TimeRange,
};
pub use postgis::PostgisStore;
pub use region::StoreRegion;
pub use store::{
    replace_dataset, write_batched, DatasetInfo, DatasetVersion, DatasetWriter, Store,
};

/// Opens the store at `location` for Denmark, creating and migrating it as needed.
pub async fn open(location: &StoreLocation) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    open_with(location, true).await
}

/// Opens the store at `location` for `region`: a new store records it and
/// keeps geometry in its CRS; one created for another region is refused
/// ([`StoreError::RegionMismatch`]). `indexed` as in [`open_with`].
pub async fn open_in(
    location: &StoreLocation,
    indexed: bool,
    region: &StoreRegion,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(match location {
        StoreLocation::Gpkg(path) => {
            std::sync::Arc::new(GpkgStore::open_in(path, indexed, region).await?)
        }
        StoreLocation::Postgres(url) => {
            std::sync::Arc::new(PostgisStore::connect_in(url, None, region).await?)
        }
    })
}

/// Like [`open`]; with `indexed` false the embedded store skips its
/// in-memory index (for one-shot commands). PostGIS has none either way.
pub async fn open_with(
    location: &StoreLocation,
    indexed: bool,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    open_in(location, indexed, &StoreRegion::denmark()).await
}
