//! The Netherlands' field package: on a Netherlands store (EPSG:28992)
//! filled from the real KLIC deliveries, `GET .../package.gml` is an IMKL 2.0
//! delivery that Forsyning's IMKL reader reads back to exactly the report's
//! features (class, theme, kind, geometry, status, accuracy, measures,
//! owner code), and `package.geojson` names RD New. The IMKL XSD was not
//! available, so this round trip is the structural check.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use forsyning_api::{router, AppState, Limits};
use forsyning_geo::Crs;
use forsyning_ingest::{read_delivery, DeliveryLimits, ImklReader};
use forsyning_model::{token_hash, NetworkFeature, OrgId, Organisation, Region, Role, TokenRecord};
use forsyning_store::{replace_dataset, GpkgStore, Store, StoreRegion};
use geo_types::Geometry;
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

fn rd_new() -> StoreRegion {
    let (srs_wkt, srs_name) = Crs::epsg(28992).unwrap().wkt1().unwrap();
    StoreRegion {
        name: "netherlands".into(),
        srid: 28992,
        srs_name,
        srs_wkt,
    }
}

async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    (
        status,
        res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

/// What the IMKL package can carry of a feature, comparable.
fn carried(f: &NetworkFeature) -> String {
    let m = &f.measures;
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        f.kind,
        f.theme,
        f.status,
        f.accuracy_xy,
        f.geometry,
        m.diameter_mm,
        m.voltage_kv,
        m.pressure_bar,
        m.material
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imkl_package_reads_back_to_the_report_features() {
    let Some(zips) = forsyning_fixtures::test_env::klic_deliveries() else {
        return;
    };
    for zip in zips {
        let name = zip.file_name().unwrap().to_string_lossy().to_string();
        let mut per_owner: BTreeMap<String, Vec<NetworkFeature>> = BTreeMap::new();
        let delivery = read_delivery(
            std::fs::File::open(&zip).unwrap(),
            Some(&name),
            &DeliveryLimits::default(),
            |e| {
                per_owner
                    .entry(e.owner_code.clone().unwrap())
                    .or_default()
                    .push(e.outcome.feature.unwrap());
            },
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(
            GpkgStore::open_in(&dir.path().join("nl.gpkg"), true, &rd_new())
                .await
                .unwrap(),
        );
        for (owner, features) in &per_owner {
            let owner = OrgId::new(owner).unwrap();
            replace_dataset(store.as_ref(), &owner, "network", features.clone())
                .await
                .unwrap();
        }
        store
            .create_org(&Organisation {
                id: OrgId::new("AANNEMER").unwrap(),
                name: "Aannemer B.V.".into(),
                role: Role::Contractor,
                boundary: None,
                created_at: Utc::now(),
            })
            .await
            .unwrap();
        store
            .insert_token(&TokenRecord {
                id: Uuid::new_v4(),
                org_id: OrgId::new("AANNEMER").unwrap(),
                label: "test".into(),
                hash: token_hash("fsy_nl"),
                created_at: Utc::now(),
                revoked_at: None,
            })
            .await
            .unwrap();
        let state = AppState::new(store.clone())
            .with_region(Region::netherlands(), Crs::epsg(28992).unwrap());
        let app = router(state, &Limits::default());
        let Geometry::Polygon(polygon) = delivery.dig_polygon.unwrap().geometry else {
            panic!("a polygon")
        };
        let now = Utc::now();
        let body = serde_json::json!({
            "polygon": forsyning_api::geojson::write_geometry(&Geometry::Polygon(polygon)),
            "buffer_m": 1.0,
            "period_from": now.to_rfc3339(),
            "period_to": (now + Duration::days(7)).to_rfc3339(),
            "purpose": "IMKL <package> & test",
            "contact": "test",
        });
        let (status, bytes) = call(
            &app,
            Request::post("/api/v1/dig-requests")
                .header("authorization", "Bearer fsy_nl")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(report["crs"], "EPSG:28992");
        let id = report["id"].as_str().unwrap();

        // What the report disclosed, as stored.
        let mut want: BTreeMap<String, u32> = BTreeMap::new();
        let mut want_owner: BTreeMap<String, String> = BTreeMap::new();
        for f in report["features"].as_array().unwrap() {
            let fid: Uuid = f["id"].as_str().unwrap().parse().unwrap();
            let stored = store.feature(fid).await.unwrap().unwrap();
            *want.entry(carried(&stored)).or_default() += 1;
            want_owner.insert(
                format!("{}", stored.id),
                stored.owner_id.as_str().to_owned(),
            );
        }
        assert!(!want.is_empty());

        let (status, gml) = call(
            &app,
            Request::get(format!("/api/v1/dig-requests/{id}/package.gml"))
                .header("authorization", "Bearer fsy_nl")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(gml.clone()).unwrap();
        assert!(text.contains("http://www.geostandaarden.nl/imkl/wibon"));
        assert!(text.contains("imkl-wibon.xsd"));
        assert!(text.contains("srsName=\"urn:ogc:def:crs:EPSG::28992\""));
        assert!(
            text.contains("IMKL &lt;package&gt; &amp; test"),
            "escaped purpose"
        );
        let mut got: BTreeMap<String, u32> = BTreeMap::new();
        let mut problems = Vec::new();
        let summary = ImklReader::new(gml.as_slice())
            .with_file_name("package.gml")
            .for_each_element(|e| {
                if !e.outcome.is_accepted() {
                    problems.push(format!("{}: {:?}", e.outcome.source_id, e.outcome.problems));
                }
                let f = e.outcome.feature.expect("a feature");
                // The gml:id is nl.imkl-<owner>.<feature id>.
                let fid = e.outcome.source_id.rsplit('.').next().unwrap().to_owned();
                assert_eq!(
                    e.owner_code.as_deref(),
                    want_owner.get(&fid).map(String::as_str),
                    "owner code of {}",
                    e.outcome.source_id
                );
                *got.entry(carried(&f)).or_default() += 1;
            })
            .unwrap();
        assert!(problems.is_empty(), "{name}: {problems:?}");
        assert_eq!(
            got, want,
            "{name}: the package reads back to the report's features"
        );
        let polygon = summary.dig_polygon.expect("the Graafpolygoon");
        assert_eq!(polygon.crs.as_deref(), Some("urn:ogc:def:crs:EPSG::28992"));

        let (status, geojson) = call(
            &app,
            Request::get(format!("/api/v1/dig-requests/{id}/package.geojson"))
                .header("authorization", "Bearer fsy_nl")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let g: serde_json::Value = serde_json::from_slice(&geojson).unwrap();
        assert_eq!(
            g["crs"]["properties"]["name"],
            "urn:ogc:def:crs:EPSG::28992"
        );
        eprintln!(
            "{name}: {} features through the IMKL package",
            want.values().sum::<u32>()
        );
    }
}
