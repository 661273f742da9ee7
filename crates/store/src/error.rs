use std::path::PathBuf;

use thiserror::Error;

/// What can go wrong in the store.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("store location {0:?} is neither gpkg:PATH nor a postgres:// URL")]
    BadLocation(String),
    #[error("GeoPackage {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("PostGIS: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("PostGIS migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{path} is not a Forsyning GeoPackage: {reason}")]
    NotAStore { path: PathBuf, reason: String },
    #[error("feature {feature}: {reason}")]
    BadFeature { feature: String, reason: String },
    #[error("corrupt row in {table}: {reason}")]
    CorruptRow { table: &'static str, reason: String },
    #[error("geometry encoding: {0}")]
    Geometry(String),
    #[error("{0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("unknown dataset {0}")]
    UnknownDataset(String),
    /// The store was created for another region than the one it is opened with.
    #[error("{store} was created for region {recorded} and cannot be opened for region {requested}; open it with its own region (--region) or use another store")]
    RegionMismatch {
        store: String,
        recorded: String,
        requested: String,
    },
    #[error("background task failed: {0}")]
    Task(String),
}

impl StoreError {
    pub(crate) fn sqlite(path: &std::path::Path) -> impl Fn(rusqlite::Error) -> Self + '_ {
        move |source| Self::Sqlite {
            path: path.to_owned(),
            source,
        }
    }
}
