//! Real data: the two KLIC deliveries in shared data, loaded under their
//! owners (the `bronhoudercode` in the ids), and a dig request with each
//! delivery's own `Graafpolygoon`. The owners and features the API returns
//! must be exactly those a brute-force check over the stored features finds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use forsyning_api::{router, AppState, Limits};
use forsyning_geo::{Crs, Reprojector};
use forsyning_ingest::{read_delivery, DeliveryLimits, Normaliser};
use forsyning_model::{
    token_hash, DigLimits, NetworkFeature, OrgId, Organisation, Role, TokenRecord,
};
use forsyning_store::{replace_dataset, GpkgStore, Store};
use geo::{Distance, Euclidean};
use geo_types::{coord, Geometry, Rect};
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

/// The Netherlands in EPSG:25832 (UTM 32N reaches west of its zone there).
fn netherlands() -> Rect<f64> {
    Rect::new(
        coord! {x: -100_000.0, y: 5_500_000.0},
        coord! {x: 500_000.0, y: 6_200_000.0},
    )
}

/// Loads the delivery, checks its dig polygon's answer; returns how many
/// self-touching lines it holds (each checked to be found).
async fn check_delivery(path: &std::path::Path) -> usize {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut per_owner: BTreeMap<String, Vec<NetworkFeature>> = BTreeMap::new();
    let mut normaliser = Normaliser::new(netherlands());
    let delivery = read_delivery(
        std::fs::File::open(path).unwrap(),
        Some(&name),
        &DeliveryLimits::default(),
        |mut e| {
            let crs = e
                .outcome
                .crs
                .clone()
                .expect("IMKL geometries name their CRS");
            normaliser.normalise(&mut e.outcome, &crs);
            assert!(
                e.outcome.is_accepted(),
                "{name} {}: {:?}",
                e.outcome.source_id,
                e.outcome.problems
            );
            let owner = e.owner_code.clone().expect("owner code in the id");
            per_owner
                .entry(owner)
                .or_default()
                .push(e.outcome.feature.unwrap());
        },
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        GpkgStore::open(&dir.path().join("klic.gpkg"))
            .await
            .unwrap(),
    );
    for (owner, features) in &per_owner {
        replace_dataset(
            store.as_ref(),
            &OrgId::new(owner).unwrap(),
            "network",
            features.clone(),
        )
        .await
        .unwrap();
    }

    // The delivery's dig polygon, in EPSG:25832.
    let dig = delivery.dig_polygon.expect("a Graafpolygoon");
    let mut polygon = dig.geometry.clone();
    let from = Crs::parse(dig.crs.as_deref().unwrap()).unwrap();
    Reprojector::new(&from, &Crs::STORE)
        .unwrap()
        .transform_geometry(&mut polygon)
        .unwrap();
    let Geometry::Polygon(polygon) = polygon else {
        panic!("{name}: dig polygon {polygon:?}")
    };

    // Brute force over every stored feature, with geo's exact distance.
    let mut want_features = BTreeSet::new();
    let mut want_owners = BTreeSet::new();
    let mut stored = Vec::new();
    for owner in per_owner.keys() {
        let id = forsyning_model::DatasetId::for_owner(&OrgId::new(owner).unwrap(), "network");
        let features = store.features_at_version(id, 1).await.unwrap();
        assert_eq!(
            features.len(),
            per_owner[owner].len(),
            "{name}: {owner} stored all"
        );
        stored.extend(features.iter().cloned());
        for f in features {
            if Euclidean.distance(&f.geometry, &polygon) <= 0.0 {
                want_features.insert(f.id);
                want_owners.insert(owner.clone());
            }
        }
    }
    assert!(
        !want_features.is_empty(),
        "{name}: the dig polygon covers network"
    );

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
            hash: token_hash("fsy_klic"),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    let state = AppState {
        dig_limits: Arc::new(DigLimits::klic(netherlands())),
        ..AppState::new(store)
    };
    let app = router(state, &Limits::default());
    let app = &app;
    let ring: Vec<[f64; 2]> = polygon.exterior().0.iter().map(|c| [c.x, c.y]).collect();
    let now = Utc::now();
    let body = serde_json::json!({
        "polygon": {"type": "Polygon", "coordinates": [ring]},
        "buffer_m": 0.0,
        "period_from": now.to_rfc3339(),
        "period_to": (now + Duration::days(7)).to_rfc3339(),
        "purpose": "KLIC real-data check",
        "contact": "test",
    });
    let req = Request::post("/api/v1/dig-requests")
        .header("authorization", "Bearer fsy_klic")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{name}: {}",
        String::from_utf8_lossy(&bytes)
    );
    let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let got_owners: BTreeSet<String> = report["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner_id"].as_str().unwrap().to_owned())
        .collect();
    let got_features: BTreeSet<Uuid> = report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(got_owners, want_owners, "{name}: owners");
    assert_eq!(got_features, want_features, "{name}: features");
    eprintln!(
        "{name}: {} owners, {} features in the dig polygon",
        got_owners.len(),
        got_features.len()
    );
    self_touching_cables_are_found(&name, app, &stored).await
}

/// Where a stored line meets itself, by brute force over its segment
/// pairs: two segments that are not neighbours sharing a point, or
/// neighbours overlapping along a stretch. `None` for a simple line.
fn self_contact(g: &Geometry<f64>) -> Option<geo_types::Coord<f64>> {
    use geo::line_intersection::{line_intersection, LineIntersection};
    let lines: Vec<&geo_types::LineString<f64>> = match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => return None,
    };
    for l in lines {
        let segs: Vec<geo_types::Line<f64>> = l.lines().filter(|s| s.start != s.end).collect();
        let closed = l.is_closed();
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                let ends_of_ring = closed && i == 0 && j == segs.len() - 1;
                match line_intersection(segs[i], segs[j]) {
                    None => {}
                    Some(LineIntersection::Collinear { intersection })
                        if j == i + 1 && intersection.start != intersection.end =>
                    {
                        return Some(segs[i].end);
                    }
                    Some(_) if j == i + 1 || ends_of_ring => {}
                    Some(LineIntersection::SinglePoint { intersection, .. }) => {
                        return Some(intersection)
                    }
                    Some(LineIntersection::Collinear { intersection }) => {
                        return Some(intersection.start)
                    }
                }
            }
        }
    }
    None
}

/// Every stored cable or pipe that touches or crosses itself is found by a
/// dig request of 2 m × 2 m around the point where it does.
async fn self_touching_cables_are_found(
    name: &str,
    app: &axum::Router,
    stored: &[NetworkFeature],
) -> usize {
    let touching: Vec<(&NetworkFeature, geo_types::Coord<f64>)> = stored
        .iter()
        .filter_map(|f| self_contact(&f.geometry).map(|c| (f, c)))
        .collect();
    eprintln!("{name}: {} self-touching lines stored", touching.len());
    let now = Utc::now();
    for (f, c) in &touching {
        let ring = [
            [c.x - 1.0, c.y - 1.0],
            [c.x + 1.0, c.y - 1.0],
            [c.x + 1.0, c.y + 1.0],
            [c.x - 1.0, c.y + 1.0],
            [c.x - 1.0, c.y - 1.0],
        ];
        let body = serde_json::json!({
            "polygon": {"type": "Polygon", "coordinates": [ring]},
            "buffer_m": 0.0,
            "period_from": now.to_rfc3339(),
            "period_to": (now + Duration::days(7)).to_rfc3339(),
            "purpose": "Kabel ved kast",
            "contact": "test",
        });
        let req = Request::post("/api/v1/dig-requests")
            .header("authorization", "Bearer fsy_klic")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{name}: {}", f.source_id);
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let found = report["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"].as_str() == Some(f.id.to_string().as_str()));
        assert!(
            found,
            "{name}: {} (self-touching near {c:?}) not in its dig request",
            f.source_id
        );
    }
    touching.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn klic_deliveries_answer_exactly_the_owners_and_features_in_their_dig_polygon() {
    let Some(data) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    for zip in ["Levering_22G003175_1.zip", "Levering_22G003180_1.zip"] {
        // These two hold no self-touching line (crates/cli/tests/dig.rs
        // files one over a looped cable); a delivery that does is checked
        // line by line.
        check_delivery(&data.join("network/imkl").join(zip)).await;
    }
}
