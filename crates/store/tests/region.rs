//! The store records its region: a store created for the Netherlands keeps
//! EPSG:28992 (GeoPackage metadata and PostGIS column types say so), answers
//! queries in its metres, and refuses to open as Denmark with an error naming
//! both regions; in both backends. A store made before regions is Denmark.

mod common;

use common::{drop_schema, postgres_url, random_feature};
use forsyning_model::{OrgId, SearchArea};
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store, StoreError, StoreRegion};
use geo_types::{polygon, Geometry, LineString};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// RD New as the CLI builds it (the WKT's content does not matter here).
fn netherlands() -> StoreRegion {
    StoreRegion {
        name: "netherlands".into(),
        srid: 28992,
        srs_name: "Amersfoort / RD New".into(),
        srs_wkt: r#"PROJCS["Amersfoort / RD New",AUTHORITY["EPSG","28992"]]"#.into(),
    }
}

/// A line in Amersfoort (RD New metres) and a dig square 3 m from it.
async fn fill_and_query(store: &dyn Store) {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let line = LineString::from(vec![(155_000.0, 463_000.0), (155_100.0, 463_000.0)]);
    let f = random_feature(&mut rng, 0, Geometry::LineString(line));
    replace_dataset(
        store,
        &OrgId::new("KL1040").unwrap(),
        "network",
        vec![f.clone()],
    )
    .await
    .unwrap();
    let square = polygon![(x: 155_040.0, y: 463_003.0), (x: 155_060.0, y: 463_003.0),
                          (x: 155_060.0, y: 463_020.0), (x: 155_040.0, y: 463_020.0)];
    let near = store
        .features_near(&SearchArea::new(square.clone(), 3.0).unwrap())
        .await
        .unwrap();
    assert_eq!(near.len(), 1, "3 m away, buffer 3 m");
    assert_eq!(near[0].geometry, f.geometry, "coordinates kept as given");
    let far = store
        .features_near(&SearchArea::new(square, 2.9).unwrap())
        .await
        .unwrap();
    assert!(far.is_empty());
}

fn assert_mismatch(e: StoreError) {
    let msg = e.to_string();
    assert!(matches!(e, StoreError::RegionMismatch { .. }), "{msg}");
    assert!(
        msg.contains("netherlands (EPSG:28992)") && msg.contains("denmark (EPSG:25832)"),
        "{msg}"
    );
}

#[tokio::test]
async fn gpkg_records_its_region_and_refuses_another() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nl.gpkg");
    let store = GpkgStore::open_in(&path, true, &netherlands())
        .await
        .unwrap();
    fill_and_query(&store).await;
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let srs: Vec<i64> = conn
        .prepare("SELECT srs_id FROM gpkg_geometry_columns ORDER BY table_name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(srs, vec![28992, 28992, 28992]);
    let blob_srs: i32 = conn
        .query_row("SELECT geom FROM network_features", [], |r| {
            let b: Vec<u8> = r.get(0)?;
            Ok(i32::from_le_bytes(b[4..8].try_into().unwrap()))
        })
        .unwrap();
    assert_eq!(
        blob_srs, 28992,
        "the GeoPackage geometry header names RD New"
    );
    drop(conn);
    assert_mismatch(GpkgStore::open(&path).await.unwrap_err());
    assert_mismatch(GpkgStore::open_unindexed(&path).await.unwrap_err());
    let again = GpkgStore::open_in(&path, false, &netherlands())
        .await
        .unwrap();
    assert_eq!(again.region().srid, 28992);

    // A Danish store refuses the Netherlands the same way.
    let dk = dir.path().join("dk.gpkg");
    drop(GpkgStore::open(&dk).await.unwrap());
    let e = GpkgStore::open_in(&dk, true, &netherlands())
        .await
        .unwrap_err();
    assert_mismatch(e);
}

#[tokio::test]
async fn gpkg_without_a_recorded_region_is_denmark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gpkg");
    drop(GpkgStore::open(&path).await.unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "DELETE FROM forsyning_meta WHERE key IN ('region', 'srid')",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(GpkgStore::open(&path).await.is_ok());
    assert_mismatch(
        GpkgStore::open_in(&path, true, &netherlands())
            .await
            .unwrap_err(),
    );
}

#[tokio::test]
async fn postgis_records_its_region_and_refuses_another() {
    let Some(url) = postgres_url() else { return };
    let schema = format!("t_region_{}", Uuid::new_v4().simple());
    let store = PostgisStore::connect_in(&url, Some(&schema), &netherlands())
        .await
        .unwrap();
    for (table, column) in [
        ("network_features", "geom"),
        ("interest_areas", "geom"),
        ("dig_requests", "geom"),
        ("organisations", "boundary"),
    ] {
        let srid: i32 = sqlx::query_scalar(&format!(
            "SELECT Find_SRID('{schema}', '{table}', '{column}')"
        ))
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(srid, 28992, "{table}.{column}");
    }
    fill_and_query(&store).await;
    assert_mismatch(
        PostgisStore::connect_in_schema(&url, Some(&schema))
            .await
            .unwrap_err(),
    );
    let again = PostgisStore::connect_in(&url, Some(&schema), &netherlands())
        .await
        .unwrap();
    drop(again);
    drop_schema(&store, &schema).await;

    // A Danish database with data refuses the Netherlands.
    let schema = format!("t_region_{}", Uuid::new_v4().simple());
    let dk = PostgisStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    assert_mismatch(
        PostgisStore::connect_in(&url, Some(&schema), &netherlands())
            .await
            .unwrap_err(),
    );
    drop_schema(&dk, &schema).await;
}
