//! The PostGIS backend: the same tables as the GeoPackage, with GiST indexes.

mod access;
mod dig;
mod operations;
mod outbox;
mod positions;
mod region;
mod rows;
mod writer;

use std::str::FromStr;

use async_trait::async_trait;
use forsyning_model::{Bbox, DatasetId, InterestArea, NetworkFeature, OrgId, SearchArea};
use geo_types::Geometry;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Row;
use uuid::Uuid;

use crate::codec::encode_wkb;
use crate::store::{DatasetInfo, DatasetVersion, DatasetWriter, Store};
use crate::{StoreError, StoreRegion};

/// The PostGIS store. Migrations in `crates/store/migrations` run on connect.
#[derive(Debug, Clone)]
pub struct PostgisStore {
    pool: PgPool,
    /// The EPSG code of the store's region; every geometry column has it.
    srid: i32,
}

impl PostgisStore {
    /// Connects to `url`, creates PostGIS if it is missing and migrates.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_in_schema(url, None).await
    }

    /// Like [`connect_in_schema`](Self::connect_in_schema) for `region`: an
    /// empty database takes the region (its geometry columns get the
    /// region's SRID); one created for another region is refused with
    /// [`StoreError::RegionMismatch`].
    pub async fn connect_in(
        url: &str,
        schema: Option<&str>,
        region: &StoreRegion,
    ) -> Result<Self, StoreError> {
        let pool = Self::pool_migrated(url, schema).await?;
        region::bind(&pool, region, url).await?;
        Ok(Self {
            pool,
            srid: region.srid,
        })
    }

    /// Like [`connect`](Self::connect), with Forsyning's tables in `schema`
    /// (created if missing; PostGIS stays in `public`). Tests use one schema
    /// each. The region is Denmark.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        Self::connect_in(url, schema, &StoreRegion::denmark()).await
    }

    async fn pool_migrated(url: &str, schema: Option<&str>) -> Result<PgPool, StoreError> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(s) = schema {
            if !s
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(StoreError::BadLocation(format!("schema name {s:?}")));
            }
            options = options.options([("search_path", format!("{s},public"))]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        let has_postgis: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')",
        )
        .fetch_one(&pool)
        .await?;
        if !has_postgis {
            sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
                .execute(&pool)
                .await?;
        }
        if let Some(s) = schema {
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
                .execute(&pool)
                .await?;
        }
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(pool)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn area_params(area: &SearchArea) -> Result<(Vec<u8>, f64), StoreError> {
    Ok((
        encode_wkb(&Geometry::Polygon(area.polygon().clone()))?,
        area.buffer_m(),
    ))
}

#[async_trait]
impl Store for PostgisStore {
    fn backend(&self) -> &'static str {
        "postgis"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn begin_replace(
        &self,
        owner: &OrgId,
        name: &str,
    ) -> Result<Box<dyn DatasetWriter + '_>, StoreError> {
        Ok(Box::new(
            writer::PgWriter::begin(&self.pool, owner.clone(), name.to_owned(), self.srid).await?,
        ))
    }

    async fn features_near(&self, area: &SearchArea) -> Result<Vec<NetworkFeature>, StoreError> {
        let (wkb, buffer) = area_params(area)?;
        let sql = format!(
            "SELECT {} FROM network_features
             WHERE ST_DWithin(geom, ST_GeomFromWKB($1, {}), $2)",
            rows::SELECT_LIST,
            self.srid
        );
        let rows = sqlx::query(&sql)
            .bind(wkb)
            .bind(buffer)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| rows::read_feature(r, "network_features"))
            .collect()
    }

    async fn features_in_bbox(&self, bbox: &Bbox) -> Result<Vec<NetworkFeature>, StoreError> {
        let srid = self.srid;
        // `&&` compares the index's float4 boxes, which are rounded outwards;
        // the ST_XMin.. terms make the answer exact in double precision.
        let sql = format!(
            "SELECT {} FROM network_features
             WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, {srid})
               AND ST_XMin(geom) <= $3 AND ST_XMax(geom) >= $1
               AND ST_YMin(geom) <= $4 AND ST_YMax(geom) >= $2",
            rows::SELECT_LIST
        );
        let rows = sqlx::query(&sql)
            .bind(bbox.min_x())
            .bind(bbox.min_y())
            .bind(bbox.max_x())
            .bind(bbox.max_y())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| rows::read_feature(r, "network_features"))
            .collect()
    }

    async fn feature(&self, id: Uuid) -> Result<Option<NetworkFeature>, StoreError> {
        let cols = rows::SELECT_LIST;
        let sql = format!(
            "SELECT {cols} FROM network_features WHERE id = $1
             UNION ALL SELECT {cols} FROM network_features_history WHERE id = $1
             ORDER BY version DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| rows::read_feature(&r, "network_features"))
            .transpose()
    }

    async fn datasets(&self, owner: Option<&OrgId>) -> Result<Vec<DatasetInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT dataset_id, owner_id, name, current_version FROM datasets
             WHERE $1::text IS NULL OR owner_id = $1 ORDER BY owner_id, name",
        )
        .bind(owner.map(|o| o.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let corrupt = |e: String| StoreError::CorruptRow {
                    table: "datasets",
                    reason: e,
                };
                Ok(DatasetInfo {
                    dataset_id: DatasetId(r.try_get(0)?),
                    owner_id: OrgId::new(r.try_get::<String, _>(1)?)
                        .map_err(|e| corrupt(e.to_string()))?,
                    name: r.try_get(2)?,
                    current_version: u32::try_from(r.try_get::<i32, _>(3)?)
                        .map_err(|e| corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    async fn dataset_versions(
        &self,
        dataset: DatasetId,
    ) -> Result<Vec<DatasetVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT dataset_id, version, feature_count, valid_from, valid_to
             FROM dataset_versions WHERE dataset_id = $1 ORDER BY version",
        )
        .bind(dataset.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::read_version).collect()
    }

    async fn features_at_version(
        &self,
        dataset: DatasetId,
        version: u32,
    ) -> Result<Vec<NetworkFeature>, StoreError> {
        let cols = rows::SELECT_LIST;
        let sql = format!(
            "SELECT {cols} FROM network_features WHERE dataset_id = $1 AND version = $2
             UNION ALL
             SELECT {cols} FROM network_features_history WHERE dataset_id = $1 AND version = $2"
        );
        let rows = sqlx::query(&sql)
            .bind(dataset.0)
            .bind(i32::try_from(version).unwrap_or(i32::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| rows::read_feature(r, "network_features"))
            .collect()
    }

    async fn replace_interest_areas(
        &self,
        owner: &OrgId,
        areas: Vec<InterestArea>,
    ) -> Result<(), StoreError> {
        let srid = self.srid;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM interest_areas WHERE owner_id = $1")
            .bind(owner.as_str())
            .execute(&mut *tx)
            .await?;
        for a in &areas {
            let themes: Vec<&str> = a.themes.iter().map(|t| t.code()).collect();
            let wkb = encode_wkb(&Geometry::MultiPolygon(a.geometry.clone()))?;
            sqlx::query(&format!(
                "INSERT INTO interest_areas (id, owner_id, themes, contact, marks_on_site, geom)
                 VALUES ($1, $2, $3, $4, $5, ST_Multi(ST_GeomFromWKB($6, {srid})))"
            ))
            .bind(a.id)
            .bind(owner.as_str())
            .bind(themes.join(","))
            .bind(&a.contact)
            .bind(a.marks_on_site)
            .bind(wkb)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn interest_areas(&self, owner: Option<&OrgId>) -> Result<Vec<InterestArea>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM interest_areas WHERE $1::text IS NULL OR owner_id = $1 ORDER BY fid",
            rows::AREA_SELECT_LIST
        ))
        .bind(owner.map(|o| o.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::read_area).collect()
    }

    async fn interest_areas_near(
        &self,
        area: &SearchArea,
    ) -> Result<Vec<InterestArea>, StoreError> {
        let (wkb, buffer) = area_params(area)?;
        let rows = sqlx::query(&format!(
            "SELECT {} FROM interest_areas
             WHERE ST_DWithin(geom, ST_GeomFromWKB($1, {}), $2) ORDER BY fid",
            rows::AREA_SELECT_LIST,
            self.srid
        ))
        .bind(wkb)
        .bind(buffer)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::read_area).collect()
    }
}
