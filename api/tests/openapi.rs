//! The OpenAPI document: the same as the committed snapshot, served at
//! `/openapi.json`, OpenAPI 3.0, every route of the source in it, and
//! every documented operation a real route of the router.
//!
//! After a deliberate change: `UPDATE_SNAPSHOTS=1 cargo test -p forsyning-api --test openapi`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use forsyning_store::{GpkgStore, Store};
use serde_json::Value;

fn snapshot_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

#[test]
fn the_document_matches_its_snapshot() {
    let doc = forsyning_api::openapi::document_json();
    let path = snapshot_path();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("{doc}\n")).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .expect("tests/snapshots/openapi.json (UPDATE_SNAPSHOTS=1 writes it)");
    assert!(
        doc.trim_end() == want.trim_end(),
        "the OpenAPI document changed; review and run UPDATE_SNAPSHOTS=1 cargo test -p forsyning-api --test openapi"
    );
    let v: Value = serde_json::from_str(&doc).unwrap();
    assert!(
        v["openapi"].as_str().unwrap().starts_with("3.0."),
        "OGC's oas30 class needs OpenAPI 3.0"
    );
}

/// Every `.route("...")` path in the API's source, axum syntax.
fn source_routes() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                let mut rest = text.as_str();
                while let Some(i) = rest.find(".route(") {
                    rest = &rest[i + 7..];
                    let t = rest.trim_start();
                    if let Some(t) = t.strip_prefix('"') {
                        out.insert(t[..t.find('"').unwrap()].to_owned());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[test]
fn every_route_of_the_source_is_documented() {
    let doc = forsyning_api::openapi::document();
    let documented: BTreeSet<&str> = doc.paths.paths.keys().map(String::as_str).collect();
    let routes = source_routes();
    assert!(routes.len() > 20, "{routes:?}");
    let missing: Vec<&String> = routes
        .iter()
        .filter(|r| !documented.contains(r.as_str()))
        // The viewer's page and files (`asset.path`) and `/ogc/`, the
        // landing page again, are not API operations.
        .filter(|r| r.as_str() != "/ogc/")
        .collect();
    assert!(
        missing.is_empty(),
        "routes without #[utoipa::path]: {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served_and_the_document_too() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("o.gpkg")).await.unwrap());
    let app = app(store);
    let (status, served) = get(&app, "/openapi.json", None).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&forsyning_api::openapi::document_json()).unwrap();
    assert_eq!(served, doc);
    let mut n = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let uri = path
            .replace("{collectionId}", "network")
            .replace("{featureId}", "0190b8a2-0000-7000-8000-000000000001")
            .replace("{id}", "0190b8a2-0000-7000-8000-000000000001")
            .replace("{source}", "network")
            .replace("{z}", "12")
            .replace("{x}", "2170")
            .replace("{file}", "package.geojson")
            .replace("{org}", "SOME-OWNER")
            .replace("{owner}", "SOME-OWNER");
        for method in ops.as_object().unwrap().keys() {
            let (status, body) = send(&app, &method.to_uppercase(), &uri, None, None).await;
            // Anonymous callers get 200, 401 or 400, never the router's
            // 404 (no such route) or 405 (no such method); the versions of
            // a dataset look the dataset up before they ask who calls, and
            // a flood job's public results are looked up by their id.
            let looks_up_first = path == "/api/v1/datasets/{id}/versions"
                || path == "/api/v1/rinex/{file}"
                || (path.starts_with("/api/v1/flood/jobs/{id}") && !path.contains("/assets"));
            assert!(
                status != 405 && (status != 404 || looks_up_first),
                "{method} {uri}: {status} {body}"
            );
            n += 1;
        }
    }
    assert!(n >= 29, "{n} operations");
}
