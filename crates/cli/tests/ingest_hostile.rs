//! Every file of `fixtures/hostile/` through `forsyning ingest network`:
//! a non-zero exit without a panic, an error naming the file and the
//! problem, and the owner's stored dataset still the one before.

mod common;

use std::path::{Path, PathBuf};

use common::{forsyning, text};
use forsyning_model::{DatasetId, OrgId};
use forsyning_store::{GpkgStore, Store};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// What the error must say about each hostile file.
const EXPECTED: &[(&str, &str)] = &[
    // GeoJSON
    ("truncated.geojson", "EOF while parsing"),
    ("nan.geojson", "expected value"),
    ("huge_coordinates.geojson", "absurd_coordinate"),
    ("overflow.geojson", "number out of range"),
    ("invalid_utf8.geojson", "invalid unicode"),
    ("empty.geojson", "EOF while parsing a value"),
    ("unknown_crs.geojson", "424242"),
    ("wrong_type.geojson", "Topology"),
    (
        "not_an_object.geojson",
        "invalid type: sequence, expected a GeoJSON FeatureCollection",
    ),
    // LER 2 GML
    ("billion_laughs.xml", "<!DOCTYPE> is not allowed"),
    ("xxe_system.xml", "<!DOCTYPE> is not allowed"),
    ("undefined_entity.xml", "never expanded"),
    ("truncated.xml", "truncated"),
    ("mismatched.xml", "fareklasse"),
    ("invalid_utf8.xml", "not valid UTF-8"),
    ("utf16.xml", "UTF-8"),
    ("latin1.xml", "ISO-8859-1"),
    ("empty.xml", "empty"),
    ("whitespace_only.xml", "empty"),
    ("wrong_namespace.xml", "not in the LER 2 namespace"),
    ("foreign_member.xml", "not a LER 2 feature"),
    ("two_roots.xml", "after the root element"),
    // KLIC delivery zips
    ("imkl_zip_bomb.zip", "compression ratio"),
    ("imkl_traversal.zip", "unsafe path"),
    ("imkl_empty.zip", "not a readable zip archive"),
];

#[tokio::test]
async fn hostile_files_fail_cleanly_and_leave_the_stored_dataset_alone() {
    let hostile = fixtures().join("hostile");
    let mut on_disk: Vec<String> = std::fs::read_dir(&hostile)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|(f, _)| f.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every hostile fixture has its expectation");

    let dir = tempfile::tempdir().unwrap();
    let good = fixtures().join("geojson/copenhagen-crs84.geojson");
    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "VICTIM",
            good.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let store_path = dir.path().join("store.gpkg");
    let id = DatasetId::for_owner(&OrgId::new("VICTIM").unwrap(), "network");
    let before = {
        let store = GpkgStore::open(&store_path).await.unwrap();
        let mut ids: Vec<String> = store
            .features_at_version(id, 1)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.source_id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(before.len(), 2);

    for (file, problem) in EXPECTED {
        let path = hostile.join(file);
        for lenient in [false, true] {
            let mut args = vec!["ingest", "network", "--owner", "VICTIM"];
            if lenient {
                args.push("--lenient");
            }
            args.push(path.to_str().unwrap());
            let o = forsyning(dir.path(), &args);
            let t = text(&o);
            assert!(
                !o.status.success(),
                "{file} (lenient {lenient}) was accepted: {t}"
            );
            assert_ne!(o.status.code(), Some(101), "{file}: panicked: {t}");
            assert!(!t.contains("panicked"), "{file}: {t}");
            assert!(t.contains(file), "{file}: the error names the file: {t}");
            assert!(
                t.contains(problem),
                "{file}: the error says {problem:?}: {t}"
            );
            assert!(t.contains("upload rejected"), "{file}: {t}");
        }
    }

    let store = GpkgStore::open(&store_path).await.unwrap();
    let versions = store.dataset_versions(id).await.unwrap();
    assert_eq!(versions.len(), 1, "no hostile upload made a version");
    let mut after: Vec<String> = store
        .features_at_version(id, versions[0].version)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.source_id)
        .collect();
    after.sort();
    assert_eq!(after, before);
}
