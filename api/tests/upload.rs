//! `POST /api/v1/owners/{org}/datasets` and `GET /api/v1/jobs/{id}`:
//! multipart uploads built by hand, through the router, polled to the end.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use forsyning_api::{router, AppState, Limits, RateLimiter, UploadSettings};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{DatasetId, NetworkFeature, OrgId, Role};
use forsyning_store::{GpkgStore, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const BOUNDARY: &str = "----forsyning-test-7MA4YWxkTrZu0gW";

/// One part of a multipart body.
struct Part {
    name: &'static str,
    file_name: Option<String>,
    bytes: Vec<u8>,
}

fn file(file_name: &str, bytes: Vec<u8>) -> Part {
    Part {
        name: "file",
        file_name: Some(file_name.to_owned()),
        bytes,
    }
}

fn field(name: &'static str, text: &str) -> Part {
    Part {
        name,
        file_name: None,
        bytes: text.as_bytes().to_vec(),
    }
}

/// A `multipart/form-data` body as RFC 7578 lays it out.
fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match &p.file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                    p.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", p.name).as_bytes(),
            ),
        }
        body.extend_from_slice(&p.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct World {
    app: axum::Router,
    store: Arc<dyn Store>,
    /// The upload directory the app was given.
    uploads: tempfile::TempDir,
    _dir: tempfile::TempDir,
    owner_a: String,
    owner_b: String,
    contractor: String,
    admin: String,
}

async fn world(max_bytes: u64) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("u.gpkg")).await.unwrap());
    world_on(store, dir, max_bytes).await
}

async fn world_on(store: Arc<dyn Store>, dir: tempfile::TempDir, max_bytes: u64) -> World {
    let owner_a = common::org_with_token(store.as_ref(), "OWN-A", Role::Owner).await;
    let owner_b = common::org_with_token(store.as_ref(), "OWN-B", Role::Owner).await;
    let contractor = common::org_with_token(store.as_ref(), "CON-A", Role::Contractor).await;
    let admin = common::org_with_token(store.as_ref(), "ADMIN", Role::Admin).await;
    let uploads = tempfile::tempdir().unwrap();
    let state = AppState::new(store.clone())
        .with_rate(RateLimiter::new(0.0, 1.0))
        .with_uploads(UploadSettings {
            max_bytes,
            dir: Some(uploads.path().to_owned()),
        });
    World {
        app: router(state, &Limits::default()),
        store,
        uploads,
        _dir: dir,
        owner_a,
        owner_b,
        contractor,
        admin,
    }
}

/// Posts `parts` to `uri`; the status, the Location header and the JSON body.
async fn post(
    app: &axum::Router,
    uri: &str,
    auth: Option<&str>,
    parts: &[Part],
) -> (StatusCode, Option<String>, Value) {
    let mut req = Request::post(uri).header(
        "content-type",
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(multipart(parts))).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, location, value)
}

/// Starts an upload as `auth` and checks the 202 answer; the job's href.
async fn start(w: &World, org: &str, auth: &str, query: &str, parts: &[Part]) -> String {
    let uri = format!("/api/v1/owners/{org}/datasets{query}");
    let (status, location, v) = post(&w.app, &uri, Some(auth), parts).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let href = v["href"].as_str().unwrap().to_owned();
    assert_eq!(href, format!("/api/v1/jobs/{}", v["job"].as_str().unwrap()));
    assert_eq!(location.as_deref(), Some(href.as_str()));
    href
}

/// Polls the job until it has ended.
async fn wait(w: &World, href: &str, auth: &str) -> Value {
    for _ in 0..3000 {
        let (status, v) = common::get(&w.app, href, Some(auth)).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        match v["state"].as_str().unwrap() {
            "queued" | "running" => tokio::time::sleep(Duration::from_millis(20)).await,
            _ => return v,
        }
    }
    panic!("the job at {href} did not end within a minute");
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(fixture(path)).unwrap()
}

/// The features of `owner`'s dataset `network` in `version`, by source id.
async fn stored(store: &dyn Store, owner: &str, version: u32) -> Vec<NetworkFeature> {
    let id = DatasetId::for_owner(&OrgId::new(owner).unwrap(), "network");
    let mut f = store.features_at_version(id, version).await.unwrap();
    f.sort_by(|a, b| a.source_id.cmp(&b.source_id));
    f
}

async fn versions(store: &dyn Store, owner: &str) -> Vec<u32> {
    let id = DatasetId::for_owner(&OrgId::new(owner).unwrap(), "network");
    store
        .dataset_versions(id)
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect()
}

/// The files left in the upload directory.
fn leftovers(w: &World) -> Vec<PathBuf> {
    walk(w.uploads.path())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.push(p.clone());
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A generated town's water network as GeoJSON in EPSG:25832.
fn town_geojson(seed: u64, n: usize) -> (Vec<NetworkFeature>, Vec<u8>) {
    let town = Town::new(TownConfig::new(seed, n));
    let features: Vec<NetworkFeature> = town
        .features()
        .filter(|f| f.owner_id.as_str() == "SYN-VAND")
        .collect();
    let mut bytes = Vec::new();
    forsyning_ingest::write_feature_collection(
        &mut bytes,
        "urn:ogc:def:crs:EPSG::25832",
        &features,
    )
    .unwrap();
    (features, bytes)
}

fn problems(report: &Value) -> Vec<(String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["rule"].as_str().unwrap_or("").to_owned(),
                p["source_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// `serve --service-area` in the Denmark region holds for uploads too:
/// the town lies outside the narrowed area, so a strict upload is rejected
/// with every feature named, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_narrowed_service_area_holds_for_uploads() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("u.gpkg")).await.unwrap());
    let owner = common::org_with_token(store.as_ref(), "OWN-A", Role::Owner).await;
    let uploads = tempfile::tempdir().unwrap();
    let mut region = forsyning_model::Region::denmark();
    region.service_area = geo_types::Rect::new(
        geo_types::coord! { x: 400_000.0, y: 6_000_000.0 },
        geo_types::coord! { x: 401_000.0, y: 6_001_000.0 },
    );
    let state = AppState::new(store.clone())
        .with_rate(RateLimiter::new(0.0, 1.0))
        .with_uploads(UploadSettings {
            max_bytes: 512 << 20,
            dir: Some(uploads.path().to_owned()),
        })
        .with_region(region, forsyning_geo::Crs::STORE);
    let w = World {
        app: router(state, &Limits::default()),
        store,
        uploads,
        _dir: dir,
        owner_a: owner.clone(),
        owner_b: String::new(),
        contractor: String::new(),
        admin: String::new(),
    };
    let (town, town_bytes) = town_geojson(4, 50);
    let href = start(&w, "OWN-A", &owner, "", &[file("vand.geojson", town_bytes)]).await;
    let job = wait(&w, &href, &owner).await;
    assert_eq!(job["state"], "rejected", "{job}");
    assert_eq!(job["report"]["rejected"], town.len() as u64, "{job}");
    assert!(versions(w.store.as_ref(), "OWN-A").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geojson_upload_runs_as_a_job_and_stores_a_version() {
    let w = world(512 << 20).await;
    let (town, town_bytes) = town_geojson(4, 1500);
    let copenhagen = read("geojson/copenhagen-crs84.geojson");
    let total = (town_bytes.len() + copenhagen.len()) as u64;
    let href = start(
        &w,
        "OWN-A",
        &w.owner_a,
        "",
        &[
            file("vand.geojson", town_bytes),
            file("copenhagen-crs84.geojson", copenhagen),
        ],
    )
    .await;
    let job = wait(&w, &href, &w.owner_a).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["version"], 1);
    assert_eq!(job["owner_id"], "OWN-A");
    assert_eq!(job["dataset"], "network");
    assert_eq!(job["kind"], "dataset_upload");
    assert!(job["finished_at"].is_string());
    let n = town.len() + 2;
    assert_eq!(job["progress"]["bytes_total"], total);
    assert_eq!(job["progress"]["bytes_read"], total);
    assert_eq!(job["progress"]["percent"], 100.0);
    assert_eq!(job["progress"]["features_accepted"], n as u64);
    // The report is the CLI's --report-json.
    assert_eq!(job["report"]["accepted"], n as u64);
    assert_eq!(job["report"]["rejected"], 0);
    assert_eq!(job["report"]["errors"], 0);

    let got = stored(w.store.as_ref(), "OWN-A", 1).await;
    let mut want: Vec<String> = town.iter().map(|f| f.source_id.clone()).collect();
    want.extend(["vand-1".to_owned(), "vand-2".to_owned()]);
    want.sort();
    let ids: Vec<String> = got.iter().map(|f| f.source_id.clone()).collect();
    assert_eq!(ids, want);
    assert!(got.iter().all(|f| f.owner_id.as_str() == "OWN-A"));
    // EPSG:25832 in, unchanged; CRS84 reprojected.
    for t in &town {
        let g = got.iter().find(|g| g.source_id == t.source_id).unwrap();
        assert_eq!(g.geometry, t.geometry, "{}", t.source_id);
    }
    let point = got.iter().find(|f| f.source_id == "vand-2").unwrap();
    let geo_types::Geometry::Point(p) = point.geometry else {
        panic!("{:?}", point.geometry)
    };
    // Copenhagen City Hall, lon 12.5683 lat 55.6761, in ETRS89 / UTM 32N.
    assert!(
        (p.x() - 724_351.93).abs() < 0.05 && (p.y() - 6_175_804.02).abs() < 0.05,
        "{p:?}"
    );
    assert!(leftovers(&w).is_empty(), "{:?}", leftovers(&w));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_feature_rejects_the_upload_and_leaves_the_stored_version() {
    let w = world(512 << 20).await;
    let href = start(
        &w,
        "OWN-A",
        &w.owner_a,
        "",
        &[file("c.geojson", read("geojson/copenhagen-crs84.geojson"))],
    )
    .await;
    assert_eq!(wait(&w, &href, &w.owner_a).await["state"], "succeeded");
    let before = stored(w.store.as_ref(), "OWN-A", 1).await;

    let href = start(
        &w,
        "OWN-A",
        &w.owner_a,
        "",
        &[file("bad-code.geojson", read("geojson/bad-code.geojson"))],
    )
    .await;
    let job = wait(&w, &href, &w.owner_a).await;
    assert_eq!(job["state"], "rejected", "{job}");
    assert!(job["version"].is_null());
    let message = job["message"].as_str().unwrap();
    assert!(
        message.contains("upload rejected")
            && message.contains("bad-code.geojson")
            && message.contains("unchanged"),
        "{message}"
    );
    let found = problems(&job["report"]);
    for want in [
        ("unknown_code_value", "bad-theme"),
        ("outside_service_area", "far-away"),
    ] {
        assert!(
            found.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{found:?}"
        );
    }
    assert!(job["report"]["problems"].to_string().contains("plutonium"));
    assert_eq!(job["report"]["accepted"], 1);
    assert_eq!(job["report"]["rejected"], 2);
    assert_eq!(versions(w.store.as_ref(), "OWN-A").await, [1]);
    assert_eq!(stored(w.store.as_ref(), "OWN-A", 1).await, before);
    assert!(leftovers(&w).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lenient_stores_the_valid_features_and_reports_the_rest() {
    let w = world(512 << 20).await;
    // As a query parameter, and as a part.
    for (version, query, parts) in [
        (1, "?lenient=true", vec![]),
        (2, "", vec![field("lenient", "true")]),
    ] {
        let mut parts = parts;
        parts.push(file("bad-code.geojson", read("geojson/bad-code.geojson")));
        let href = start(&w, "OWN-A", &w.owner_a, query, &parts).await;
        let job = wait(&w, &href, &w.owner_a).await;
        assert_eq!(job["state"], "succeeded", "{job}");
        assert_eq!(job["version"], version);
        assert_eq!(job["progress"]["features_accepted"], 1);
        let found = problems(&job["report"]);
        assert!(
            found.contains(&("unknown_code_value".into(), "bad-theme".into())),
            "{found:?}"
        );
        let ids: Vec<String> = stored(w.store.as_ref(), "OWN-A", version)
            .await
            .into_iter()
            .map(|f| f.source_id)
            .collect();
        assert_eq!(ids, ["ok-1"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_limit_is_refused_with_413_and_leaves_nothing() {
    let w = world(4096).await;
    let (_, town_bytes) = town_geojson(5, 300);
    assert!(town_bytes.len() > 4096 * 4);
    let (status, _, v) = post(
        &w.app,
        "/api/v1/owners/OWN-A/datasets",
        Some(&w.owner_a),
        &[file("vand.geojson", town_bytes)],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["error"], "body_too_large");
    assert!(
        v["message"].as_str().unwrap().contains("4 KiB"),
        "names the limit: {v}"
    );
    assert!(versions(w.store.as_ref(), "OWN-A").await.is_empty());
    assert!(leftovers(&w).is_empty(), "{:?}", leftovers(&w));
    // Files under the limit together pass.
    let small = read("geojson/copenhagen-crs84.geojson");
    assert!(small.len() < 4096);
    let href = start(&w, "OWN-A", &w.owner_a, "", &[file("c.geojson", small)]).await;
    assert_eq!(wait(&w, &href, &w.owner_a).await["state"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_with_a_mapping_part() {
    let w = world(512 << 20).await;
    let mapping = String::from_utf8(read("csv/network.toml")).unwrap();
    let href = start(
        &w,
        "OWN-A",
        &w.admin,
        "?dataset=network",
        &[
            field("mapping", &mapping),
            file("network.csv", read("csv/network.csv")),
        ],
    )
    .await;
    // The admin started it; the owner and the admin both follow it.
    let job = wait(&w, &href, &w.owner_a).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(
        common::get(&w.app, &href, Some(&w.admin)).await.0,
        StatusCode::OK
    );
    let got = stored(w.store.as_ref(), "OWN-A", 1).await;
    let ids: Vec<&str> = got.iter().map(|f| f.source_id.as_str()).collect();
    assert_eq!(ids, ["K-1", "K-2", "K-3"]);
    // Depths in metres in the file, millimetres stored.
    let depths: Vec<Option<u32>> = got.iter().map(|f| f.measures.depth_mm).collect();
    assert_eq!(depths, [Some(600), Some(1200), None]);

    // Without the mapping the same file has no usable theme: rejected.
    let href = start(
        &w,
        "OWN-A",
        &w.owner_a,
        "",
        &[file("network.csv", read("csv/network.csv"))],
    )
    .await;
    assert_eq!(wait(&w, &href, &w.owner_a).await["state"], "rejected");
    assert_eq!(versions(w.store.as_ref(), "OWN-A").await, [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_before_a_job_starts() {
    let w = world(512 << 20).await;
    let good = || file("c.geojson", read("geojson/copenhagen-crs84.geojson"));
    let cases: Vec<(&str, Vec<Part>, &str)> = vec![
        ("", vec![field("dataset", "network")], "no file part"),
        (
            "",
            vec![good(), field("comment", "hi")],
            "unknown part \"comment\"",
        ),
        (
            "",
            vec![field("mapping", "[fields\nsource_id = "), good()],
            "invalid mapping",
        ),
        (
            "",
            vec![file("notes.txt", b"just some text\n".to_vec())],
            "notes.txt: unsupported format (.txt)",
        ),
        (
            "",
            vec![
                field("mapping", "crs = \"EPSG:25832\"\n"),
                file("a.gml", read("ler2/collection_mixed.xml")),
            ],
            "a.gml: a mapping applies to GeoJSON, CSV and GDAL formats, not to LER 2 GML",
        ),
        ("?dataset=../x", vec![good()], "dataset \"../x\""),
        ("?lenient=maybe", vec![good()], "lenient"),
        (
            "",
            vec![good(), field("lenient", "maybe")],
            "\"maybe\" is not true or false",
        ),
        (
            "",
            vec![Part {
                name: "file",
                file_name: None,
                bytes: b"{}".to_vec(),
            }],
            "needs a file name",
        ),
    ];
    for (query, parts, want) in cases {
        let uri = format!("/api/v1/owners/OWN-A/datasets{query}");
        let (status, _, v) = post(&w.app, &uri, Some(&w.owner_a), &parts).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{want}: {v}");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains(want), "{want:?} in {message:?}");
        assert!(leftovers(&w).is_empty(), "{want}: {:?}", leftovers(&w));
    }
    // Not multipart at all.
    let (status, v) = common::post_json(
        &w.app,
        "/api/v1/owners/OWN-A/datasets",
        Some(&w.owner_a),
        &Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "bad_multipart");
    assert!(versions(w.store.as_ref(), "OWN-A").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_upload_and_who_may_see_the_job() {
    let w = world(512 << 20).await;
    let parts = || [file("c.geojson", read("geojson/copenhagen-crs84.geojson"))];
    let uri = "/api/v1/owners/OWN-A/datasets";
    for (auth, want) in [
        (Some(w.owner_b.as_str()), StatusCode::FORBIDDEN),
        (Some(w.contractor.as_str()), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
        (Some("Bearer fsy_not_a_token"), StatusCode::UNAUTHORIZED),
    ] {
        let (status, _, v) = post(&w.app, uri, auth, &parts()).await;
        assert_eq!(status, want, "{auth:?}: {v}");
        assert!(v["message"].is_string());
    }
    // Unknown owners: 404 for admins, 403 for others (who learn nothing).
    let (status, _, _) = post(
        &w.app,
        "/api/v1/owners/NOBODY/datasets",
        Some(&w.admin),
        &parts(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = post(
        &w.app,
        "/api/v1/owners/NOBODY/datasets",
        Some(&w.owner_a),
        &parts(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A contractor is not an owner, even for an admin.
    let (status, _, _) = post(
        &w.app,
        "/api/v1/owners/CON-A/datasets",
        Some(&w.admin),
        &parts(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(versions(w.store.as_ref(), "OWN-A").await.is_empty());
    assert!(leftovers(&w).is_empty());

    let href = start(&w, "OWN-A", &w.owner_a, "", &parts()).await;
    wait(&w, &href, &w.owner_a).await;
    for (auth, want) in [
        (Some(w.owner_a.as_str()), StatusCode::OK),
        (Some(w.admin.as_str()), StatusCode::OK),
        (Some(w.owner_b.as_str()), StatusCode::NOT_FOUND),
        (Some(w.contractor.as_str()), StatusCode::NOT_FOUND),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let (status, v) = common::get(&w.app, &href, auth).await;
        assert_eq!(status, want, "{auth:?}: {v}");
    }
    let res = w
        .app
        .clone()
        .oneshot(
            Request::get(&href)
                .header("authorization", &w.owner_a)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    for unknown in [
        "/api/v1/jobs/not-a-uuid",
        "/api/v1/jobs/8d5f2a56-0a5e-4c4e-9b39-1f1f5c5b9c11",
    ] {
        assert_eq!(
            common::get(&w.app, unknown, Some(&w.admin)).await.0,
            StatusCode::NOT_FOUND
        );
    }
}

/// The same job on the PostGIS store: a rejected upload leaves the
/// version, a good one replaces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_on_the_postgis_store() {
    let Some(url) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_upload_{}", uuid::Uuid::new_v4().simple());
    let pg = forsyning_store::PostgisStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let w = world_on(
        Arc::new(pg.clone()),
        tempfile::tempdir().unwrap(),
        512 << 20,
    )
    .await;
    let copenhagen = || file("c.geojson", read("geojson/copenhagen-crs84.geojson"));
    let href = start(&w, "OWN-A", &w.owner_a, "", &[copenhagen()]).await;
    assert_eq!(wait(&w, &href, &w.owner_a).await["state"], "succeeded");
    let href = start(
        &w,
        "OWN-A",
        &w.owner_a,
        "",
        &[
            copenhagen(),
            file("bad-code.geojson", read("geojson/bad-code.geojson")),
        ],
    )
    .await;
    let job = wait(&w, &href, &w.owner_a).await;
    assert_eq!(job["state"], "rejected", "{job}");
    assert_eq!(versions(w.store.as_ref(), "OWN-A").await, [1]);
    let href = start(
        &w,
        "OWN-A",
        &w.owner_a,
        "?lenient=true",
        &[
            copenhagen(),
            file("bad-code.geojson", read("geojson/bad-code.geojson")),
        ],
    )
    .await;
    let job = wait(&w, &href, &w.owner_a).await;
    assert_eq!(job["version"], 2, "{job}");
    let ids: Vec<String> = stored(w.store.as_ref(), "OWN-A", 2)
        .await
        .into_iter()
        .map(|f| f.source_id)
        .collect();
    assert_eq!(ids, ["ok-1", "vand-1", "vand-2"]);
    drop(w);
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}

/// The upload is not cut by the whole-request timeout of the other routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_is_outside_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("t.gpkg")).await.unwrap());
    let auth = common::org_with_token(store.as_ref(), "OWN-A", Role::Owner).await;
    let uploads = tempfile::tempdir().unwrap();
    let limits = Limits {
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let app = router(
        AppState::new(store.clone())
            .with_rate(RateLimiter::new(0.0, 1.0))
            .with_uploads(UploadSettings {
                max_bytes: 1 << 20,
                dir: Some(uploads.path().to_owned()),
            }),
        &limits,
    );
    // A body that trickles in over a second.
    let body = multipart(&[file("c.geojson", read("geojson/copenhagen-crs84.geojson"))]);
    let slow = |body: Vec<u8>| {
        let chunks: Vec<Vec<u8>> = body
            .chunks(body.len() / 5 + 1)
            .map(<[u8]>::to_vec)
            .collect();
        let stream = futures_stream(chunks);
        Body::from_stream(stream)
    };
    let req = Request::post("/api/v1/owners/OWN-A/datasets")
        .header("authorization", &auth)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(slow(body.clone()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    // The same trickle to a timed route is cut with 408.
    let req = Request::put("/api/v1/owners/OWN-A/interest-areas")
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body(slow(body))
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
}

/// A stream of `chunks`, one every 250 ms.
fn futures_stream(
    chunks: Vec<Vec<u8>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        for c in chunks {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if tx.send(Ok(c)).await.is_err() {
                return;
            }
        }
    });
    tokio_stream_of(rx)
}

fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn klic_delivery_is_read_for_the_owner_whose_code_is_the_org() {
    let Some(zips) = forsyning_fixtures::test_env::klic_deliveries() else {
        return;
    };
    let mut with_others = false;
    for zip in &zips {
        // Elements per owner code, as the library reads the delivery.
        let mut owners = std::collections::BTreeMap::<String, u64>::new();
        forsyning_ingest::read_delivery(
            std::fs::File::open(zip).unwrap(),
            None,
            &forsyning_ingest::DeliveryLimits::default(),
            |e| *owners.entry(e.owner_code.unwrap()).or_default() += 1,
        )
        .unwrap();
        let (code, n) = owners.iter().next().unwrap();
        let w = world(512 << 20).await;
        let auth = common::org_with_token(w.store.as_ref(), code, Role::Owner).await;
        let name = zip.file_name().unwrap().to_str().unwrap().to_owned();
        let href = start(
            &w,
            code,
            &auth,
            "",
            &[file(&name, std::fs::read(zip).unwrap())],
        )
        .await;
        let job = wait(&w, &href, &auth).await;
        assert_eq!(job["state"], "succeeded", "{name}: {job}");
        assert_eq!(job["version"], 1);
        assert_eq!(job["progress"]["features_accepted"], *n);
        assert_eq!(job["progress"]["percent"], 100.0);
        let message = job["message"].as_str().unwrap();
        assert_eq!(
            message.contains("skipped those of other owners"),
            owners.len() > 1,
            "the note of the other owners: {message}"
        );
        with_others |= owners.len() > 1;
        assert_eq!(stored(w.store.as_ref(), code, 1).await.len() as u64, *n);
        for other in owners.keys().filter(|c| *c != code) {
            assert!(
                versions(w.store.as_ref(), other).await.is_empty(),
                "{other}"
            );
        }
        assert!(leftovers(&w).is_empty());
    }
    assert!(with_others, "a delivery with several owners");
}
