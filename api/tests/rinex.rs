//! Reference-station files over HTTP: the KMS3 hour of shared data (one
//! Hatanaka observation file, one gzipped navigation file) beside a file that
//! is not RINEX, listed by station, kind and time and downloaded byte for
//! byte; anything but an indexed name is 404.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::get;
use forsyning_api::gnss::rinex::RinexArchive;
use forsyning_api::{router, AppState, Limits};
use forsyning_store::{GpkgStore, Store};
use http_body_util::BodyExt;
use tower::ServiceExt;

const OBS: &str = "KMS300DNK_R_20221591000_01H_30S_MO.crx";
const NAV: &str = "KMS300DNK_R_20221591000_01H_MN.rnx.gz";

#[tokio::test]
async fn kms3_files_are_listed_by_station_kind_and_time_and_download_whole() {
    let Some(shared) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let src = shared.join("gnss/rinex");
    let folder = tempfile::tempdir().unwrap();
    for name in [OBS, NAV] {
        std::fs::copy(src.join(name), folder.path().join(name)).unwrap();
    }
    std::fs::write(folder.path().join("notes.txt"), "not RINEX\n").unwrap();
    let archive = RinexArchive::open(folder.path()).unwrap();
    assert_eq!(archive.skipped.len(), 1, "{:?}", archive.skipped);
    assert_eq!(archive.skipped[0].0, "notes.txt");

    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("r.gpkg")).await.unwrap());
    let app = router(AppState::new(store).with_rinex(archive), &Limits::default());

    let (status, all) = get(&app, "/api/v1/rinex?station=kms3", None).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all = all.as_array().unwrap();
    let names: Vec<&str> = all.iter().map(|f| f["name"].as_str().unwrap()).collect();
    // Both start at 2022-06-08 10:00 (the navigation file's first
    // ephemeris is earlier): the observation file is the newer.
    assert_eq!(names, [OBS, NAV]);
    let obs = &all[0];
    assert_eq!(obs["station"], "KMS3");
    assert_eq!(obs["index"]["marker_name"], "KMS3");
    assert_eq!(obs["index"]["receiver"]["kind"], "SEPT POLARX5");
    assert_eq!(obs["index"]["kind"], "observation");
    assert_eq!(obs["index"]["first_epoch"], "2022-06-08T10:00:00");
    assert_eq!(all[1]["station"], "KMS3", "from the file name");
    assert_eq!(all[1]["index"]["kind"], "navigation");

    let (_, nav) = get(&app, "/api/v1/rinex?kind=navigation", None).await;
    assert_eq!(nav.as_array().unwrap().len(), 1);
    // The observations span 10:00-10:09 GPS time.
    let (_, hit) = get(
        &app,
        "/api/v1/rinex?kind=observation&from=2022-06-08T10:05:00Z&to=2022-06-08T10:06:00Z",
        None,
    )
    .await;
    assert_eq!(hit.as_array().unwrap().len(), 1);
    let (_, miss) = get(
        &app,
        "/api/v1/rinex?kind=observation&from=2022-06-08T11:00:00Z",
        None,
    )
    .await;
    assert!(miss.as_array().unwrap().is_empty(), "{miss}");
    let (_, other) = get(&app, "/api/v1/rinex?station=ABCD", None).await;
    assert!(other.as_array().unwrap().is_empty());

    for bad in [
        "/api/v1/rinex?from=yesterday",
        "/api/v1/rinex?kind=meteo",
        "/api/v1/rinex?stations=KMS3",
        "/api/v1/rinex?from=2022-06-09T00:00:00Z&to=2022-06-08T00:00:00Z",
    ] {
        let (status, body) = get(&app, bad, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["message"].is_string(), "{body}");
    }

    let res = app
        .clone()
        .oneshot(
            Request::get(format!("/api/v1/rinex/{NAV}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(NAV));
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.as_ref(), std::fs::read(src.join(NAV)).unwrap());

    for missing in [
        "/api/v1/rinex/notes.txt",
        "/api/v1/rinex/..%2Fr.gpkg",
        "/api/v1/rinex/KMS3.rnx",
    ] {
        let (status, _) = get(&app, missing, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn without_a_folder_there_are_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("r.gpkg")).await.unwrap());
    let app = router(AppState::new(store), &Limits::default());
    let (status, body) = get(&app, "/api/v1/rinex", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!([]));
    let (status, body) = get(&app, &format!("/api/v1/rinex/{NAV}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}
