//! Flood maps over the API with known answers on malstroem's test DEM
//! (`../shared/data/terrain/malstroem/dtm.tif`, 250 × 188 cells of ~16 m,
//! EPSG:25832): the rain job's bluespots are the library's (and malstroem's
//! 104), a sea job floods exactly what a breadth-first search from the
//! border floods, the climate level is the data files' rise + surge, and
//! assets at risk are the features in the water, as the caller may see them.
//! Tests that need the shared data skip without it (fail under `CI=true`).

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use chrono::{TimeZone, Utc};
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_model::{
    token_hash, AccuracyClass, DatasetId, Kind, Measures, NetworkFeature, Organisation, Role,
    SourceFormat, Status, Theme, TokenRecord,
};
use forsyning_store::{replace_dataset, GpkgStore, Store};
use forsyning_terrain::bluespots::{analyse, BluespotFilter};
use forsyning_terrain::cloudburst::cloudburst;
use forsyning_terrain::grid::{Georef, Grid};
use forsyning_terrain::io::{Raster, DEFAULT_MAX_CELLS};
use geo_types::{line_string, polygon, Geometry, MultiPolygon};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

use common::{get, org, org_with_token, post_json, send};

fn shared() -> Option<PathBuf> {
    forsyning_fixtures::test_env::shared_data()
}

fn dtm() -> Option<PathBuf> {
    Some(shared()?.join("terrain/malstroem/dtm.tif"))
}

fn read(path: &Path) -> (Grid<f32>, Georef) {
    let r = Raster::open(path).unwrap();
    let g = r.georef().clone();
    (r.read_all(DEFAULT_MAX_CELLS, &mut |_, _| {}).unwrap(), g)
}

struct World {
    app: axum::Router,
    state: AppState,
    store: Arc<dyn Store>,
    results: PathBuf,
    _dir: tempfile::TempDir,
}

fn app_of(state: &AppState) -> axum::Router {
    router(state.clone(), &Limits::default())
}

async fn world(dem: Option<&Path>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("f.gpkg")).await.unwrap());
    let results = dir.path().join("flood");
    let mut state = AppState::new(store.clone())
        .with_rate(RateLimiter::new(0.0, 1.0))
        .with_flood_results(results.clone());
    if let Some(d) = dem {
        state = state.with_dem(d.to_owned());
    }
    World {
        app: app_of(&state),
        state,
        store,
        results,
        _dir: dir,
    }
}

async fn raw(
    app: &axum::Router,
    uri: &str,
    auth: Option<&str>,
    accept: Option<&str>,
) -> (StatusCode, HeaderMap, Bytes) {
    let mut req = Request::get(uri);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (
        status,
        headers,
        res.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// Starts a job as `auth` and waits for it to succeed; its id.
async fn run_job(app: &axum::Router, auth: &str, body: Value) -> Uuid {
    let (status, created) = post_json(app, "/api/v1/flood/jobs", Some(auth), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    let id: Uuid = created["job"].as_str().unwrap().parse().unwrap();
    assert_eq!(created["href"], format!("/api/v1/jobs/{id}"));
    for _ in 0..1200 {
        let (status, job) = get(app, &format!("/api/v1/jobs/{id}"), Some(auth)).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        assert_eq!(job["kind"], "flood");
        match job["state"].as_str().unwrap() {
            "succeeded" => {
                assert_eq!(job["progress"]["percent"], 100.0);
                return id;
            }
            "queued" | "running" => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => panic!("the job ended {job}"),
        }
    }
    panic!("the job did not end in 2 minutes");
}

fn features(v: &Value) -> &Vec<Value> {
    v["features"].as_array().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rain_job_bluespots_and_depths_are_the_librarys() {
    let Some(dem_path) = dtm() else { return };
    let w = world(Some(&dem_path)).await;
    let admin = org_with_token(w.store.as_ref(), "ADMIN", Role::Admin).await;
    let id = run_job(&w.app, &admin, json!({"kind": "rain", "mm": 20})).await;

    // The same computation, directly.
    let (dem, georef) = read(&dem_path);
    let b = analyse(&dem, &georef, &BluespotFilter::default(), &mut |_, _, _| {}).unwrap();
    let cb = cloudburst(&dem, &b, georef.cell_area(), 20.0).unwrap();
    assert_eq!(b.bluespots.len(), 104, "malstroem's reference");

    let (status, spots) = get(&w.app, &format!("/api/v1/flood/jobs/{id}/bluespots"), None).await;
    assert_eq!(status, StatusCode::OK);
    let spots = features(&spots);
    assert_eq!(spots.len(), b.bluespots.len());
    for f in spots {
        let k = f["properties"]["id"].as_u64().unwrap() as usize - 1;
        let want = &b.bluespots[k];
        let p = &f["properties"];
        // serde_json reads floats to within an ulp, not always exactly.
        let close = |key: &str, want: f64| {
            let got = p[key].as_f64().unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "bluespot {}: {key} {got} != {want}",
                k + 1
            );
        };
        close("area_m2", want.area_m2);
        close("max_depth_m", want.max_depth_m);
        close("volume_m3", want.volume_m3);
        close("fill_rain_mm", want.fill_rain_mm);
        close("rain_volume_m3", cb.states[k].volume_m3);
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
    }

    let wet = cb.depth.data().iter().filter(|&&d| d > 0.0).count() as u64;
    let (status, meta) = get(&w.app, &format!("/api/v1/flood/jobs/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{meta}");
    assert_eq!(meta["bluespots"], 104);
    assert_eq!(meta["flooded_cells"], wet);
    assert_eq!(meta["scenario"], json!({"kind": "rain", "mm": 20.0}));
    assert_eq!(
        meta["links"]["bluespots"],
        format!("/api/v1/flood/jobs/{id}/bluespots")
    );

    // Flood polygons: one per class with water, their cells adding up.
    let (status, flood) = get(&w.app, &format!("/api/v1/flood/jobs/{id}/flood"), None).await;
    assert_eq!(status, StatusCode::OK);
    let classes: Vec<&str> = features(&flood)
        .iter()
        .map(|f| f["properties"]["class"].as_str().unwrap())
        .collect();
    assert!(classes.len() >= 3, "{classes:?}");
    let cells: u64 = features(&flood)
        .iter()
        .map(|f| f["properties"]["cells"].as_u64().unwrap())
        .sum();
    assert_eq!(cells, wet);

    // The GeoTIFF is the library's depth, cell for cell.
    let (status, headers, tif) = raw(
        &w.app,
        &format!("/api/v1/flood/jobs/{id}/depth.tif"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/tiff");
    let got = w.results.join("downloaded.tif");
    std::fs::write(&got, &tif).unwrap();
    let (depth, g2) = read(&got);
    assert_eq!(g2.geotransform(), georef.geotransform());
    assert_eq!(depth.data().len(), cb.depth.data().len());
    for (a, b) in depth.data().iter().zip(cb.depth.data()) {
        assert!(a == b || (a.is_nan() && b.is_nan()), "{a} != {b}");
    }

    // A restart (a new state over the same store and folder) keeps them.
    w.state.jobs.flush().await;
    let again = world_again(&w);
    let (status, job) = get(&again, &format!("/api/v1/jobs/{id}"), Some(&admin)).await;
    assert_eq!(
        (status, &job["state"]),
        (StatusCode::OK, &json!("succeeded"))
    );
    let (status, spots) = get(&again, &format!("/api/v1/flood/jobs/{id}/bluespots"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(features(&spots).len(), 104);
}

fn world_again(w: &World) -> axum::Router {
    let state = AppState::new(w.store.clone())
        .with_rate(RateLimiter::new(0.0, 1.0))
        .with_flood_results(w.results.clone());
    app_of(&state)
}

/// Cells below `level` connected to the border through cells below it
/// (edge neighbours), by a breadth-first search of its own.
fn bfs_from_border(dem: &Grid<f32>, level: f64) -> Vec<bool> {
    let (w, h) = (dem.width(), dem.height());
    let below = |r: usize, c: usize| f64::from(dem.get(r, c)) < level;
    let mut seen = vec![false; w * h];
    let mut q = VecDeque::new();
    for r in 0..h {
        for c in 0..w {
            if (r == 0 || c == 0 || r == h - 1 || c == w - 1) && below(r, c) {
                seen[r * w + c] = true;
                q.push_back((r, c));
            }
        }
    }
    while let Some((r, c)) = q.pop_front() {
        let n = [
            (r.wrapping_sub(1), c),
            (r + 1, c),
            (r, c.wrapping_sub(1)),
            (r, c + 1),
        ];
        for (nr, nc) in n {
            if nr < h && nc < w && !seen[nr * w + nc] && below(nr, nc) {
                seen[nr * w + nc] = true;
                q.push_back((nr, nc));
            }
        }
    }
    seen
}

/// The level of the sea jobs: floods the low east of the DEM and leaves
/// depressions below it inland dry.
const LEVEL: f64 = 10.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sea_job_floods_what_a_search_from_the_border_floods() {
    let Some(dem_path) = dtm() else { return };
    let w = world(Some(&dem_path)).await;
    let muni = org_with_token(w.store.as_ref(), "KOMMUNE", Role::Municipality).await;
    let id = run_job(&w.app, &muni, json!({"kind": "sea", "level": LEVEL})).await;
    let (dem, georef) = read(&dem_path);
    let want = bfs_from_border(&dem, LEVEL);
    let want_n = want.iter().filter(|&&b| b).count() as u64;
    let below_n = dem.data().iter().filter(|&&z| f64::from(z) < LEVEL).count() as u64;
    assert!(want_n > 1000 && want_n < below_n, "{want_n} of {below_n}");

    let (status, meta) = get(&w.app, &format!("/api/v1/flood/jobs/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(meta["flooded_cells"], want_n);
    assert_eq!(meta["bluespots"], Value::Null);
    assert_eq!(meta["links"]["bluespots"], Value::Null);
    let (status, _) = get(&w.app, &format!("/api/v1/flood/jobs/{id}/bluespots"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a sea job has no bluespots");

    let (_, _, tif) = raw(
        &w.app,
        &format!("/api/v1/flood/jobs/{id}/depth.tif"),
        None,
        None,
    )
    .await;
    let got = w.results.join("sea.tif");
    std::fs::write(&got, &tif).unwrap();
    let (depth, _) = read(&got);
    for (i, (&d, &wet)) in depth.data().iter().zip(&want).enumerate() {
        assert_eq!(d > 0.0, wet, "cell {i}");
        if wet {
            let z = f64::from(dem.data()[i]);
            assert!(
                (f64::from(d) - (LEVEL - z)).abs() < 1e-5,
                "depth of cell {i}"
            );
        }
    }

    // Depth classes: cells by class, areas of the polygons.
    let (_, flood) = get(&w.app, &format!("/api/v1/flood/jobs/{id}/flood"), None).await;
    let bounds = [(0.0, 0.1), (0.1, 0.2), (0.2, 0.5), (0.5, f64::INFINITY)];
    for f in features(&flood) {
        let p = &f["properties"];
        let k = ["0-10", "10-20", "20-50", ">50"]
            .iter()
            .position(|c| p["class"] == *c)
            .unwrap();
        let (lo, hi) = bounds[k];
        let n = depth
            .data()
            .iter()
            .filter(|&&d| {
                d > 0.0 && f64::from(d) * 100.0 >= lo * 100.0 && f64::from(d) * 100.0 < hi * 100.0
            })
            .count() as u64;
        assert_eq!(p["cells"].as_u64().unwrap(), n, "{}", p["class"]);
        let area = p["area_m2"].as_f64().unwrap();
        assert!((area - n as f64 * georef.cell_area()).abs() < 1e-6);
    }

    // A climate scenario runs at the level the endpoint gives.
    let q = "year=2100&scenario=ssp245&station=Gedser";
    let (status, level) = get(&w.app, &format!("/api/v1/flood/climate-level?{q}"), None).await;
    assert_eq!(status, StatusCode::OK, "{level}");
    let body = json!({"kind": "sea", "year": 2100, "scenario": "ssp245", "station": "Gedser"});
    let (status, created) = post_json(&w.app, "/api/v1/flood/jobs", Some(&muni), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    assert_eq!(created["scenario"]["level_m"], level["level_m"]);
    assert_eq!(created["scenario"]["climate"]["scenario"], "SSP2-4.5");
}

/// The rows of a CSV file with a header, as maps.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn climate_level_is_rise_plus_surge_of_the_data_files() {
    let w = world(None).await;
    if let Some(data) = shared() {
        // Hand-picked: the 100-year surge at Hesnæs (the only 100-year
        // figure) plus the rise at Gedser, the nearest gauge, in 2100 under
        // SSP5-8.5 at its 83 % quantile ("high").
        let gauges = csv_rows(&data.join("climate/sea-level-2100-by-gauge.csv"));
        let gedser = gauges.iter().find(|r| r["gauge_name"] == "GEDSER").unwrap();
        let rise: f64 = gedser["high"].parse().unwrap();
        let surges = csv_rows(&data.join("climate/storm-surge-return-levels-partial.csv"));
        let hesnaes = surges
            .iter()
            .find(|r| r["station"] == "Hesnæs" && r["return_period_years"] == "100")
            .unwrap();
        let surge: f64 = hesnaes["level_cm"].parse::<f64>().unwrap() / 100.0;
        let uri = "/api/v1/flood/climate-level?year=2100&scenario=ssp585&return_period=100\
                   &station=Hesn%C3%A6s&rise_station=Gedser&quantile=0.83";
        let (status, l) = get(&w.app, uri, None).await;
        assert_eq!(status, StatusCode::OK, "{l}");
        assert!(
            (l["level_m"].as_f64().unwrap() - (rise + surge)).abs() < 1e-9,
            "{l}"
        );
        assert!((l["rise_m"].as_f64().unwrap() - rise).abs() < 1e-9);
        assert!((l["surge_m"].as_f64().unwrap() - surge).abs() < 1e-9);
        assert_eq!(l["scenario"], "SSP5-8.5");
        assert_eq!(l["vertical_datum"], "DVR90");
        assert!(!l["sources"].as_array().unwrap().is_empty());

        // Mean sea level: the rise alone (København, SSP2-4.5 "central").
        let kbh = gauges
            .iter()
            .find(|r| r["gauge_name"] == "KOBENHAVN")
            .unwrap();
        let rise: f64 = kbh["central"].parse().unwrap();
        let uri = "/api/v1/flood/climate-level?year=2100&scenario=SSP2-4.5&station=Kobenhavn";
        let (status, l) = get(&w.app, uri, None).await;
        assert_eq!(status, StatusCode::OK, "{l}");
        assert!((l["level_m"].as_f64().unwrap() - rise).abs() < 1e-9, "{l}");
        assert_eq!(l["surge_m"], 0.0);
        assert_eq!(l["return_period"], Value::Null);
    }

    // Each 400 names the parameter at fault.
    let base = "/api/v1/flood/climate-level";
    for (query, field) in [
        ("scenario=ssp245&station=Gedser", "year"),
        ("year=2100&station=Gedser", "scenario"),
        ("year=2100&scenario=ssp245", "station"),
        ("year=abc&scenario=ssp245&station=Gedser", "year"),
        ("year=2300&scenario=ssp245&station=Gedser", "year"),
        ("year=2100&scenario=ssp999&station=Gedser", "scenario"),
        ("year=2100&scenario=ssp245&station=Atlantis", "station"),
        ("year=2100&scenario=ssp585&station=Gedser", "quantile"),
        (
            "year=2100&scenario=ssp245&station=Gedser&quantile=0.3",
            "quantile",
        ),
        (
            "year=2100&scenario=ssp245&station=Gedser&return_period=100",
            "station",
        ),
        (
            "year=2100&scenario=ssp245&station=Hesn%C3%A6s&return_period=100",
            "station",
        ),
        (
            "year=2100&scenario=ssp245&station=Hesn%C3%A6s&rise_station=Gedser&return_period=5000",
            "return_period",
        ),
        (
            "year=2100&scenario=ssp245&station=Gedser&rise_station=Mars",
            "rise_station",
        ),
        (
            "year=2100&scenario=ssp245&station=Gedser&return_period=-1",
            "return_period",
        ),
        (
            "year=2100&scenario=ssp245&station=Gedser&returnperiod=100",
            "returnperiod",
        ),
    ] {
        let (status, body) = get(&w.app, &format!("{base}?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{field}:")),
            "{query}: {message}"
        );
        assert!(body["error"].is_string());
    }
}

fn feature(n: u128, geometry: Geometry<f64>) -> NetworkFeature {
    NetworkFeature {
        id: Uuid::from_u128(0xf100_0000 + n),
        owner_id: org("placeholder"),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: format!("f{n}"),
        source_format: SourceFormat::Synthetic,
        source_class: "Vandledning".into(),
        theme: Theme::Water,
        kind: Kind::CableOrPipe,
        status: Some(Status::InOperation),
        hazard: None,
        safety_note: None,
        accuracy_xy: AccuracyClass::Le100,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: None,
        measures: Measures {
            diameter_mm: Some(110),
            ..Default::default()
        },
        geometry,
        heights: None,
        valid_from: Utc.timestamp_opt(0, 0).unwrap(),
        valid_to: None,
    }
}

async fn municipality_with_boundary(
    store: &dyn Store,
    id: &str,
    boundary: MultiPolygon<f64>,
) -> String {
    store
        .create_org(&Organisation {
            id: org(id),
            name: id.into(),
            role: Role::Municipality,
            boundary: Some(boundary),
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let secret = format!("fsy_test_{id}");
    store
        .insert_token(&TokenRecord {
            id: Uuid::new_v4(),
            org_id: org(id),
            label: id.into(),
            hash: token_hash(&secret),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    format!("Bearer {secret}")
}

fn ids(v: &Value) -> BTreeSet<String> {
    features(v)
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_at_risk_are_the_visible_features_in_the_water() {
    let Some(dem_path) = dtm() else { return };
    let w = world(Some(&dem_path)).await;
    let admin = org_with_token(w.store.as_ref(), "ADMIN", Role::Admin).await;
    let owner = org_with_token(w.store.as_ref(), "OWN-A", Role::Owner).await;
    let other = org_with_token(w.store.as_ref(), "OWN-B", Role::Owner).await;
    let contractor = org_with_token(w.store.as_ref(), "CON", Role::Contractor).await;
    let plain_muni = org_with_token(w.store.as_ref(), "KOMMUNE-X", Role::Municipality).await;
    let (dem, georef) = read(&dem_path);
    let (x0, y0, x1, y1) = (720_000.0, 6_190_000.0, 724_000.0, 6_193_000.0);
    let muni = municipality_with_boundary(
        w.store.as_ref(),
        "KOMMUNE",
        MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
        ]),
    )
    .await;

    // A cell under at least 1 m of sea, and a dry cell whose neighbours
    // within 3 cells are all well above the sea.
    let flooded = bfs_from_border(&dem, LEVEL);
    let (ww, hh) = (dem.width(), dem.height());
    let deep = (0..ww * hh)
        .find(|&i| flooded[i] && f64::from(dem.data()[i]) < LEVEL - 1.0)
        .unwrap();
    let dry = (0..ww * hh)
        .find(|&i| {
            let (r, c) = (i / ww, i % ww);
            r >= 3 && c >= 3 && r + 3 < hh && c + 3 < ww && {
                (r - 3..=r + 3)
                    .all(|rr| (c - 3..=c + 3).all(|cc| f64::from(dem.get(rr, cc)) > LEVEL + 2.0))
            }
        })
        .unwrap();
    let centre = |i: usize| georef.cell_centre(i / ww, i % ww);
    let (dx, dy) = centre(deep);
    let (fx, fy) = centre(dry);
    let crossing = feature(
        1,
        line_string![(x: dx - 5.0, y: dy - 3.0), (x: dx + 5.0, y: dy + 3.0)].into(),
    );
    let far = feature(
        2,
        line_string![(x: fx - 2.0, y: fy), (x: fx + 2.0, y: fy)].into(),
    );
    let outside = feature(
        3,
        line_string![(x: 700_000.0, y: 6_100_000.0), (x: 700_010.0, y: 6_100_000.0)].into(),
    );
    let crossing_id = crossing.id.to_string();
    replace_dataset(
        w.store.as_ref(),
        &org("OWN-A"),
        "network",
        [crossing, far, outside],
    )
    .await
    .unwrap();

    let id = run_job(&w.app, &admin, json!({"kind": "sea", "level": LEVEL})).await;
    let uri = format!("/api/v1/flood/jobs/{id}/assets");

    let (status, v) = get(&w.app, &uri, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(ids(&v), BTreeSet::from([crossing_id.clone()]));
    assert_eq!(v["threshold_cm"], 20.0);
    assert_eq!(v["number_matched"], 1);
    let f = &features(&v)[0];
    let depth = f["properties"]["max_depth_m"].as_f64().unwrap();
    assert!(depth > 1.0, "{depth}");
    assert_eq!(f["properties"]["owner_id"], "OWN-A");
    assert_eq!(f["properties"]["theme"], "water");

    // Deeper than the water: nothing.
    let (_, v) = get(&w.app, &format!("{uri}?threshold_cm=5000"), Some(&admin)).await;
    assert!(features(&v).is_empty());

    // CSV, by ?f=csv and by Accept.
    for (q, accept) in [("?f=csv", None), ("", Some("text/csv"))] {
        let (status, headers, body) = raw(&w.app, &format!("{uri}{q}"), Some(&admin), accept).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = String::from_utf8(body.to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("id,owner_id,"));
        assert!(
            lines[1].starts_with(&format!("{crossing_id},OWN-A,")),
            "{text}"
        );
    }

    // The feature policy: the owner sees its own, others none.
    let (_, v) = get(&w.app, &uri, Some(&owner)).await;
    assert_eq!(ids(&v), BTreeSet::from([crossing_id.clone()]));
    let (_, v) = get(&w.app, &uri, Some(&other)).await;
    assert!(ids(&v).is_empty());
    let (status, v) = get(&w.app, &uri, Some(&contractor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ids(&v).is_empty(), "a contractor without dig requests");
    let (status, _) = get(&w.app, &uri, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(&w.app, &uri, Some(&muni)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Every disclosure is in the audit log.
    let (log, _) = w.store.audit_log().await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.record.action == "flood.assets" && e.record.feature_count == 1));

    // The summary: a municipality counts every owner's inside its boundary.
    let (status, s) = get(&w.app, &format!("{uri}/summary"), Some(&muni)).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        (s["features"].clone(), s["scope"].clone()),
        (json!(1), json!("boundary"))
    );
    assert_eq!(s["by_owner_and_theme"][0]["owner_id"], "OWN-A");
    assert!((s["length_m"].as_f64().unwrap() - (10f64.hypot(6.0))).abs() < 1e-9);
    let (status, _) = get(&w.app, &format!("{uri}/summary"), Some(&plain_muni)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a municipality without a boundary"
    );
    let (_, s) = get(&w.app, &format!("{uri}/summary"), Some(&other)).await;
    assert_eq!(s["features"], 0);
    let (status, _) = get(&w.app, &format!("{uri}/summary"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Malformed parameters.
    for q in [
        "threshold_cm=0",
        "threshold_cm=abc",
        "f=xml",
        "limit=0",
        "depth=3",
    ] {
        let (status, body) = get(&w.app, &format!("{uri}?{q}"), Some(&admin)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_run_jobs_and_unknown_ids() {
    let dem = dtm();
    let w = world(dem.as_deref()).await;
    let owner = org_with_token(w.store.as_ref(), "OWN-A", Role::Owner).await;
    let contractor = org_with_token(w.store.as_ref(), "CON", Role::Contractor).await;
    let muni = org_with_token(w.store.as_ref(), "KOMMUNE", Role::Municipality).await;
    let other_muni = org_with_token(w.store.as_ref(), "KOMMUNE-B", Role::Municipality).await;
    let admin = org_with_token(w.store.as_ref(), "ADMIN", Role::Admin).await;
    let rain = json!({"kind": "rain", "mm": 20});
    let jobs = "/api/v1/flood/jobs";

    let (status, body) = post_json(&w.app, jobs, None, &rain).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = post_json(&w.app, jobs, Some("Bearer fsy_nonsense"), &rain).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for who in [&owner, &contractor] {
        let (status, body) = post_json(&w.app, jobs, Some(who), &rain).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }

    // Bad scenarios: 400 naming the member.
    for (body, field) in [
        (json!({"kind": "snow"}), "kind"),
        (json!({"mm": 20}), "kind"),
        (json!({"kind": "rain"}), "mm"),
        (json!({"kind": "rain", "mm": -5}), "mm"),
        (json!({"kind": "rain", "mm": "20"}), "mm"),
        (json!({"kind": "rain", "mm": 20, "level": 1}), "level"),
        (json!({"kind": "sea"}), "level"),
        (json!({"kind": "sea", "level": 1e6}), "level"),
        (json!({"kind": "sea", "level": 1, "year": 2100}), "level"),
        (
            json!({"kind": "sea", "year": 2100, "scenario": "ssp245"}),
            "station",
        ),
        (
            json!({"kind": "sea", "year": 2100, "scenario": "x", "station": "Gedser"}),
            "scenario",
        ),
        (
            json!({"kind": "sea", "level": 1, "diagonal": "yes"}),
            "diagonal",
        ),
    ] {
        let (status, answer) = post_json(&w.app, jobs, Some(&admin), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{field}:")),
            "{body}: {message}"
        );
    }
    let (status, answer) = send(
        &w.app,
        "POST",
        jobs,
        Some(&admin),
        Some(b"not json".to_vec()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"], "invalid_body");

    // Unknown ids: 404 for results, assets and summaries alike.
    let unknown = Uuid::new_v4();
    for suffix in ["", "/bluespots", "/flood", "/depth.tif"] {
        for id in [unknown.to_string(), "not-a-uuid".to_owned()] {
            let (status, _) = get(&w.app, &format!("{jobs}/{id}{suffix}"), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{id}{suffix}");
        }
    }
    for suffix in ["/assets", "/assets/summary"] {
        let (status, _) = get(&w.app, &format!("{jobs}/{unknown}{suffix}"), Some(&admin)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{suffix}");
        let (status, _) = get(&w.app, &format!("{jobs}/{unknown}{suffix}"), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{suffix}");
    }

    if dem.is_some() {
        // A municipality runs one; another municipality cannot follow it.
        let id = run_job(&w.app, &muni, json!({"kind": "sea", "level": 2.0})).await;
        let (status, _) = get(&w.app, &format!("/api/v1/jobs/{id}"), Some(&other_muni)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Results are public.
        let (status, _) = get(&w.app, &format!("{jobs}/{id}/flood"), None).await;
        assert_eq!(status, StatusCode::OK);
    }

    // Without a DEM: 409 once the caller and the body pass.
    let bare = world(None).await;
    let admin = org_with_token(bare.store.as_ref(), "ADMIN", Role::Admin).await;
    let (status, body) = post_json(&bare.app, jobs, Some(&admin), &rain).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("--flood-dem"));
}
