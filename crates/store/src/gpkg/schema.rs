//! The GeoPackage schema: the GeoPackage system tables, Forsyning's layers and
//! the `gpkg_rtree_index` extension with its triggers.

use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection};

use super::geom;
use crate::StoreRegion;

/// `PRAGMA application_id` of a GeoPackage ("GPKG").
pub(crate) const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.0.
const USER_VERSION: i32 = 10300;
/// Forsyning's own schema version, kept in `forsyning_meta`.
pub(crate) const SCHEMA_VERSION: i64 = 1;

const WKT_4326: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// Attribute columns shared by the current and the history feature tables.
const FEATURE_ATTRIBUTES: &str = "
    id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_class TEXT NOT NULL,
    theme TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT,
    hazard TEXT,
    safety_note TEXT,
    accuracy_xy TEXT NOT NULL,
    accuracy_z TEXT NOT NULL,
    drawing_method TEXT,
    depth_mm INTEGER,
    diameter_mm INTEGER,
    voltage_kv REAL,
    pressure_bar REAL,
    material TEXT,
    installed TEXT,
    heights TEXT,
    valid_from DATETIME NOT NULL,
    valid_to DATETIME";

/// Registers the SQL functions that the `gpkg_rtree_index` triggers call and
/// plain SQLite lacks (`ST_MinX`, `ST_MaxX`, `ST_MinY`, `ST_MaxY`, `ST_IsEmpty`).
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for (name, i) in [
        ("ST_MinX", 0usize),
        ("ST_MaxX", 1),
        ("ST_MinY", 2),
        ("ST_MaxY", 3),
    ] {
        conn.create_scalar_function(name, 1, flags, move |ctx| {
            let Some(blob) = ctx.get::<Option<Vec<u8>>>(0)? else {
                return Ok(None);
            };
            let env = geom::envelope(&blob)
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            Ok(env.map(|e| e[i]))
        })?;
    }
    conn.create_scalar_function("ST_IsEmpty", 1, flags, |ctx| {
        let Some(blob) = ctx.get::<Option<Vec<u8>>>(0)? else {
            return Ok(None);
        };
        let env =
            geom::envelope(&blob).map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
        Ok(Some(env.is_none()))
    })?;
    Ok(())
}

/// Connection settings: WAL, full sync on commit, a busy timeout for writers.
pub(crate) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    register_functions(conn)
}

/// Creates the GeoPackage and Forsyning tables in an empty database.
pub(crate) fn create(conn: &mut Connection, region: &StoreRegion) -> rusqlite::Result<()> {
    let srid = region.srid;
    let tx = conn.transaction()?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", USER_VERSION)?;
    tx.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (
            srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
            organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (
            table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
            CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
            srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
            CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
            CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
            CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         CREATE TABLE gpkg_extensions (
            table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
            definition TEXT NOT NULL, scope TEXT NOT NULL,
            CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
         CREATE TABLE gpkg_tile_matrix_set (
            table_name TEXT NOT NULL PRIMARY KEY, srs_id INTEGER NOT NULL,
            min_x DOUBLE NOT NULL, min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL);
         CREATE TABLE gpkg_tile_matrix (
            table_name TEXT NOT NULL, zoom_level INTEGER NOT NULL, matrix_width INTEGER NOT NULL,
            matrix_height INTEGER NOT NULL, tile_width INTEGER NOT NULL, tile_height INTEGER NOT NULL,
            pixel_x_size DOUBLE NOT NULL, pixel_y_size DOUBLE NOT NULL,
            CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level));
         CREATE TABLE forsyning_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    )?;
    let description = format!("region {}: metres, {}", region.name, region.srs_name);
    let srs: [(&str, i32, &str, i32, &str, &str); 4] = [
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system",
        ),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            WKT_4326,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
        (
            &region.srs_name,
            srid,
            "EPSG",
            srid,
            &region.srs_wkt,
            &description,
        ),
    ];
    for (name, id, org, org_id, def, desc) in srs {
        tx.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![name, id, org, org_id, def, desc],
        )?;
    }
    feature_table(
        &tx,
        "network_features",
        "GEOMETRY",
        "Network features, current versions",
        true,
        srid,
    )?;
    feature_table(
        &tx,
        "network_features_history",
        "GEOMETRY",
        "Network features of replaced versions",
        false,
        srid,
    )?;
    tx.execute_batch(
        "CREATE UNIQUE INDEX network_features_id ON network_features(id);
         CREATE INDEX network_features_dataset ON network_features(dataset_id, version);
         CREATE UNIQUE INDEX network_features_history_id ON network_features_history(id, version);
         CREATE INDEX network_features_history_dataset ON network_features_history(dataset_id, version);",
    )?;
    tx.execute_batch(&format!(
        "CREATE TABLE interest_areas (
            fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON,
            id TEXT NOT NULL UNIQUE, owner_id TEXT NOT NULL, themes TEXT NOT NULL,
            contact TEXT NOT NULL, marks_on_site BOOLEAN NOT NULL);
         CREATE INDEX interest_areas_owner ON interest_areas(owner_id);
         INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
            VALUES ('interest_areas', 'features', 'interest_areas', 'Owners'' interest areas', {srid});
         INSERT INTO gpkg_geometry_columns VALUES ('interest_areas', 'geom', 'MULTIPOLYGON', {srid}, 0, 0);"
    ))?;
    rtree(&tx, "interest_areas")?;
    tx.execute_batch(
        "CREATE TABLE datasets (
            fid INTEGER PRIMARY KEY AUTOINCREMENT, dataset_id TEXT NOT NULL UNIQUE,
            owner_id TEXT NOT NULL, name TEXT NOT NULL, current_version INTEGER NOT NULL,
            UNIQUE (owner_id, name));
         CREATE TABLE dataset_versions (
            fid INTEGER PRIMARY KEY AUTOINCREMENT, dataset_id TEXT NOT NULL, version INTEGER NOT NULL,
            feature_count INTEGER NOT NULL, valid_from DATETIME NOT NULL, valid_to DATETIME,
            UNIQUE (dataset_id, version));
         INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
            VALUES ('datasets', 'attributes', 'datasets', 'Owners'' datasets and their current version'),
                   ('dataset_versions', 'attributes', 'dataset_versions', 'Every committed dataset version');",
    )?;
    tx.execute(
        "INSERT INTO forsyning_meta VALUES ('schema_version', ?1)",
        params![SCHEMA_VERSION.to_string()],
    )?;
    tx.execute(
        "INSERT INTO forsyning_meta VALUES ('region', ?1), ('srid', ?2)",
        params![region.name, srid.to_string()],
    )?;
    tx.commit()
}

fn feature_table(
    conn: &Connection,
    table: &str,
    geometry_type: &str,
    description: &str,
    with_rtree: bool,
    srid: i32,
) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE {table} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom {geometry_type}, {FEATURE_ATTRIBUTES});"
    ))?;
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
         VALUES (?1, 'features', ?1, ?2, ?3)",
        params![table, description, srid],
    )?;
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        params![table, geometry_type, srid],
    )?;
    if with_rtree {
        rtree(conn, table)?;
    }
    Ok(())
}

/// The R-tree table of `<table>.geom`.
pub(crate) fn rtree_table(t: &str) -> String {
    format!("rtree_{t}_geom")
}

/// The name of the trigger that adds an inserted row to the R-tree of `<table>.geom`.
pub(crate) fn rtree_insert_trigger_name(t: &str) -> String {
    format!("{}_insert", rtree_table(t))
}

/// `CREATE TRIGGER` of the insert trigger of `gpkg_rtree_index` on `<table>.geom`,
/// exactly as GeoPackage 1.3 annex F.3 writes it.
pub(crate) fn rtree_insert_trigger(t: &str) -> String {
    let r = rtree_table(t);
    format!(
        "CREATE TRIGGER {r}_insert AFTER INSERT ON {t}
           WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
         BEGIN
           INSERT OR REPLACE INTO {r} VALUES (NEW.fid,
             ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
         END;"
    )
}

/// The name of the trigger that removes a deleted row from the R-tree of `<table>.geom`.
pub(crate) fn rtree_delete_trigger_name(t: &str) -> String {
    format!("{}_delete", rtree_table(t))
}

/// `CREATE TRIGGER` of the delete trigger of `gpkg_rtree_index` on `<table>.geom`.
pub(crate) fn rtree_delete_trigger(t: &str) -> String {
    let r = rtree_table(t);
    format!(
        "CREATE TRIGGER {r}_delete AFTER DELETE ON {t}
           WHEN old.geom NOT NULL
         BEGIN
           DELETE FROM {r} WHERE id = OLD.fid;
         END;"
    )
}

/// The `gpkg_rtree_index` extension on `<table>.geom` (GeoPackage 1.3, annex F.3).
fn rtree(conn: &Connection, t: &str) -> rusqlite::Result<()> {
    let r = rtree_table(t);
    let insert_trigger = rtree_insert_trigger(t);
    let delete_trigger = rtree_delete_trigger(t);
    conn.execute_batch(&format!(
        "INSERT INTO gpkg_extensions VALUES ('{t}', 'geom', 'gpkg_rtree_index',
            'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
         CREATE VIRTUAL TABLE {r} USING rtree(id, minx, maxx, miny, maxy);
         {insert_trigger}
         CREATE TRIGGER {r}_update1 AFTER UPDATE OF geom ON {t}
           WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
         BEGIN
           INSERT OR REPLACE INTO {r} VALUES (NEW.fid,
             ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
         END;
         CREATE TRIGGER {r}_update2 AFTER UPDATE OF geom ON {t}
           WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
         BEGIN
           DELETE FROM {r} WHERE id = OLD.fid;
         END;
         CREATE TRIGGER {r}_update3 AFTER UPDATE ON {t}
           WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
         BEGIN
           DELETE FROM {r} WHERE id = OLD.fid;
           INSERT OR REPLACE INTO {r} VALUES (NEW.fid,
             ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
         END;
         CREATE TRIGGER {r}_update4 AFTER UPDATE ON {t}
           WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
         BEGIN
           DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid);
         END;
         {delete_trigger}"
    ))
}

/// Refreshes `gpkg_contents` extent and change time of a layer from its R-tree.
pub(crate) fn touch_contents(conn: &Connection, table: &str, now: &str) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE gpkg_contents SET last_change = ?1, (min_x, max_x, min_y, max_y) =
               (SELECT min(minx), max(maxx), min(miny), max(maxy) FROM rtree_{table}_geom)
             WHERE table_name = ?2"
        ),
        params![now, table],
    )?;
    Ok(())
}

/// The region recorded in `forsyning_meta`: (name, srid). A store made
/// before regions has none and is Denmark in EPSG:25832.
pub(crate) fn recorded_region(conn: &Connection) -> rusqlite::Result<(String, i32)> {
    use rusqlite::OptionalExtension;
    let get = |key: &str| -> rusqlite::Result<Option<String>> {
        conn.query_row(
            "SELECT value FROM forsyning_meta WHERE key = ?1",
            params![key],
            |r| r.get(0),
        )
        .optional()
    };
    let name = get("region")?.unwrap_or_else(|| "denmark".into());
    let srid = get("srid")?.and_then(|s| s.parse().ok()).unwrap_or(25832);
    Ok((name, srid))
}
