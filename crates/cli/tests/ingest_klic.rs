//! KLIC delivery zips through `forsyning ingest network`: split by owner
//! code (`--split-by-owner`) or only one owner's features (`--owner`).
//! Per-owner counts are checked against the library and against a plain
//! scan of the GML's start tags and their `gml:id`s.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::{forsyning, text};
use forsyning_ingest::{read_delivery, DeliveryLimits};
use forsyning_model::{DatasetId, OrgId};
use forsyning_store::{AccessStore, GpkgStore, Store};

/// The IMKL classes the reader turns into features (as in the ingest tests).
const CLASSES: &[&str] = &[
    "Elektriciteitskabel",
    "Telecommunicatiekabel",
    "OlieGasChemicalienPijpleiding",
    "Rioolleiding",
    "Waterleiding",
    "ThermischePijpleiding",
    "Overig",
    "Mantelbuis",
    "Duct",
    "Kabelbed",
    "Appurtenance",
    "Kast",
    "Mangat",
    "Mast",
    "Toren",
    "TechnischGebouw",
    "AanduidingEisVoorzorgsmaatregel",
];

fn deliveries() -> Option<Vec<PathBuf>> {
    forsyning_fixtures::test_env::klic_deliveries()
}

/// Elements per owner code by string scan: each class start tag, and the
/// `nl.imkl-CODE.` of the first `gml:id` after it.
fn scan_owners(zip_path: &Path) -> BTreeMap<String, u64> {
    scan(zip_path).0
}

/// Elements per owner code and per `imkl:Class`, by string scan.
fn scan(zip_path: &Path) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let name = zip
        .file_names()
        .find(|n| n.contains("GI_gebiedsinformatielevering"))
        .unwrap()
        .to_owned();
    let mut xml = String::new();
    zip.by_name(&name)
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut owners = BTreeMap::new();
    let mut classes = BTreeMap::new();
    for class in CLASSES {
        for end in [" ", ">", "\n", "\t"] {
            for (at, _) in xml.match_indices(&format!("<imkl:{class}{end}")) {
                let rest = &xml[at..];
                let id = &rest[rest.find("gml:id=\"").unwrap() + 8..];
                let code = id
                    .strip_prefix("nl.imkl-")
                    .and_then(|s| s.split('.').next())
                    .unwrap();
                *owners.entry(code.to_owned()).or_default() += 1;
                *classes.entry(format!("imkl:{class}")).or_default() += 1;
            }
        }
    }
    (owners, classes)
}

/// The stored features of the owner's current dataset, per source class.
async fn stored_classes(dir: &Path, owner: &str, into: &mut BTreeMap<String, u64>) {
    let store = GpkgStore::open(&dir.join("store.gpkg")).await.unwrap();
    let id = DatasetId::for_owner(&OrgId::new(owner).unwrap(), "network");
    let versions = store.dataset_versions(id).await.unwrap();
    let last = versions.last().unwrap();
    for f in store.features_at_version(id, last.version).await.unwrap() {
        *into.entry(f.source_class.clone()).or_default() += 1;
    }
}

/// Elements per owner code as the library reads them.
fn library_owners(zip_path: &Path) -> BTreeMap<String, u64> {
    let mut owners = BTreeMap::new();
    read_delivery(
        std::fs::File::open(zip_path).unwrap(),
        None,
        &DeliveryLimits::default(),
        |e| *owners.entry(e.owner_code.unwrap()).or_default() += 1,
    )
    .unwrap();
    owners
}

async fn stored_count(dir: &Path, owner: &str) -> Option<u64> {
    let store = GpkgStore::open(&dir.join("store.gpkg")).await.unwrap();
    let id = DatasetId::for_owner(&OrgId::new(owner).unwrap(), "network");
    let versions = store.dataset_versions(id).await.unwrap();
    let last = versions.last()?;
    Some(
        store
            .features_at_version(id, last.version)
            .await
            .unwrap()
            .len() as u64,
    )
}

#[tokio::test]
async fn each_delivery_splits_into_one_dataset_per_owner() {
    let Some(zips) = deliveries() else { return };
    for zip in zips {
        let scanned = scan_owners(&zip);
        let library = library_owners(&zip);
        assert_eq!(scanned, library, "{}", zip.display());
        assert!(!library.is_empty());

        let dir = tempfile::tempdir().unwrap();
        let o = forsyning(
            dir.path(),
            &[
                "ingest",
                "network",
                "--split-by-owner",
                zip.to_str().unwrap(),
            ],
        );
        // Strict (no --lenient): any error would reject the whole upload.
        assert!(o.status.success(), "{}: {}", zip.display(), text(&o));
        let mut classes = BTreeMap::new();
        for code in library.keys() {
            stored_classes(dir.path(), code, &mut classes).await;
        }
        assert_eq!(
            classes,
            scan(&zip).1,
            "{}: stored features per class against the XML",
            zip.display()
        );
        for (code, n) in &library {
            assert_eq!(
                stored_count(dir.path(), code).await,
                Some(*n),
                "{}: owner {code}",
                zip.display()
            );
            assert!(
                text(&o).contains(&format!("created organisation {code}")),
                "{}",
                text(&o)
            );
        }
        let store = GpkgStore::open(&dir.path().join("store.gpkg"))
            .await
            .unwrap();
        let datasets = store.datasets(None).await.unwrap();
        assert_eq!(
            datasets.len(),
            library.len(),
            "no dataset beyond the owners"
        );
        for code in library.keys() {
            let org = store.org(&OrgId::new(code).unwrap()).await.unwrap();
            assert_eq!(org.unwrap().role, forsyning_model::Role::Owner);
        }
    }
}

/// All deliveries in one call: each owner's dataset holds its features of
/// every delivery, and a delivery without an owner's features is no error
/// for that owner (one owner of these two deliveries is in only one).
#[tokio::test]
async fn several_deliveries_split_in_one_call() {
    let Some(zips) = deliveries() else { return };
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for zip in &zips {
        for (code, n) in library_owners(zip) {
            *want.entry(code).or_default() += n;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["ingest", "network", "--split-by-owner"];
    args.extend(zips.iter().map(|z| z.to_str().unwrap()));
    let o = forsyning(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    for (code, n) in &want {
        assert_eq!(
            stored_count(dir.path(), code).await,
            Some(*n),
            "owner {code}: {}",
            text(&o)
        );
    }
}

#[tokio::test]
async fn owner_selects_its_features_of_a_delivery() {
    let Some(zips) = deliveries() else { return };
    let zip = &zips[0];
    let library = library_owners(zip);
    let (code, n) = library.iter().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let o = forsyning(
        dir.path(),
        &["ingest", "network", "--owner", code, zip.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(stored_count(dir.path(), code).await, Some(*n));
    for other in library.keys().filter(|c| *c != code) {
        assert_eq!(stored_count(dir.path(), other).await, None, "{other}");
    }

    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "KL9999",
            zip.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("no features of owner KL9999") && t.contains(code.as_str()),
        "{t}"
    );
    assert_eq!(stored_count(dir.path(), "KL9999").await, None);
}
