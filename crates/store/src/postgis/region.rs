//! Recording and checking the store's region in PostGIS.
//!
//! The migrations create every geometry column in EPSG:25832. The first
//! connect of an empty database for another region changes those columns to
//! the region's SRID (`ALTER COLUMN ... TYPE geometry(..., srid)`) and records
//! the region in `forsyning_meta`, in one transaction under an advisory lock,
//! so two processes starting at once agree. A database that already holds
//! data but no region predates regions and is Denmark.

use sqlx::{PgPool, Row};

use crate::{StoreError, StoreRegion};

/// Every geometry column of the schema with its type.
const GEOMETRY_COLUMNS: [(&str, &str, &str); 5] = [
    ("network_features", "geom", "Geometry"),
    ("network_features_history", "geom", "Geometry"),
    ("interest_areas", "geom", "MultiPolygon"),
    ("organisations", "boundary", "MultiPolygon"),
    ("dig_requests", "geom", "Polygon"),
];

/// Records `region` in an empty store, or checks it against the recorded one.
pub(super) async fn bind(pool: &PgPool, region: &StoreRegion, url: &str) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('forsyning_region', 0))")
        .execute(&mut *tx)
        .await?;
    let rows = sqlx::query("SELECT key, value FROM forsyning_meta WHERE key IN ('region', 'srid')")
        .fetch_all(&mut *tx)
        .await?;
    let get = |k: &str| {
        rows.iter()
            .find(|r| r.get::<String, _>("key") == k)
            .map(|r| r.get::<String, _>("value"))
    };
    let store = crate::StoreLocation::Postgres(url.to_owned()).to_string();
    if let Some(name) = get("region") {
        let srid = get("srid").and_then(|s| s.parse().ok()).unwrap_or(25832);
        return region.check(&store, &name, srid);
    }
    let has_data: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM network_features) OR EXISTS (SELECT 1 FROM network_features_history)
             OR EXISTS (SELECT 1 FROM interest_areas) OR EXISTS (SELECT 1 FROM dig_requests)
             OR EXISTS (SELECT 1 FROM organisations WHERE boundary IS NOT NULL)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if has_data {
        region.check(&store, "denmark", 25832)?;
    } else if region.srid != 25832 {
        for (table, column, kind) in GEOMETRY_COLUMNS {
            sqlx::query(&format!(
                "ALTER TABLE {table} ALTER COLUMN {column} TYPE geometry({kind}, {srid})
                 USING ST_SetSRID({column}, {srid})",
                srid = region.srid
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("INSERT INTO forsyning_meta VALUES ('region', $1), ('srid', $2)")
        .bind(&region.name)
        .bind(region.srid.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
