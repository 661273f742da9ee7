//! What the CLI's ingest tests share: running the binary on a store in a
//! folder, and the fixtures folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `fixtures/<path>` of the workspace.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

/// Runs `forsyning --store gpkg:store.gpkg ARGS` in `dir`.
pub fn forsyning(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir)
        .args(["--store", "gpkg:store.gpkg"])
        .args(args)
        .output()
        .unwrap()
}

/// Standard output and error together.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A GeoPackage as it lies on disk after a kill: SQLite's integrity check
/// passes and the R-tree holds one entry per feature row.
pub fn assert_gpkg_whole(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        count("rtree_network_features_geom"),
        count("network_features"),
        "the R-tree index must match the table"
    );
}

/// Every dataset's current version, checked to be whole (as many features
/// as the version says): (owner, dataset name) -> (version, features).
pub async fn whole_datasets(
    store: &dyn forsyning_store::Store,
) -> std::collections::BTreeMap<(String, String), (u32, usize)> {
    let mut out = std::collections::BTreeMap::new();
    for d in store.datasets(None).await.unwrap() {
        let versions = store.dataset_versions(d.dataset_id).await.unwrap();
        let current = versions
            .iter()
            .find(|v| v.version == d.current_version)
            .unwrap();
        assert!(current.valid_to.is_none());
        let n = store
            .features_at_version(d.dataset_id, d.current_version)
            .await
            .unwrap()
            .len();
        assert_eq!(
            n as u64, current.feature_count,
            "{}/{} is incomplete",
            d.owner_id, d.name
        );
        out.insert((d.owner_id.to_string(), d.name), (d.current_version, n));
    }
    out
}
