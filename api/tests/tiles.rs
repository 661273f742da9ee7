//! The tile routes over HTTP semantics: TileJSON, ETag and 304, gzip,
//! the audit of disclosed tiles, and the cache giving way to a new
//! dataset version.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{NetworkFeature, Role};
use forsyning_store::{replace_dataset, GpkgStore, Store};
use forsyning_tiles::mvt::Tile;
use forsyning_tiles::TileCoord;
use geo::BoundingRect;
use geo_types::coord;
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

async fn get(app: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    Answer {
        status,
        headers,
        body: res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    }
}

fn ids(bytes: &[u8]) -> BTreeSet<Uuid> {
    let t = Tile::decode(bytes).unwrap();
    t.validate().unwrap();
    t.layers
        .iter()
        .flat_map(|l| {
            l.features.iter().map(move |f| {
                l.property(f, "id")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
        })
        .collect()
}

/// The z16 tile over the middle of `features`' extent.
fn middle_tile(features: &[NetworkFeature]) -> TileCoord {
    let r = features
        .iter()
        .filter_map(|f| f.geometry.bounding_rect())
        .reduce(|a, b| {
            geo_types::Rect::new(
                coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
    let c = r.unwrap().center();
    let m = forsyning_tiles::project::coord_to_web_mercator(c, forsyning_geo::Crs::STORE).unwrap();
    TileCoord::covering(&geo_types::Rect::new(m, m), 16)
        .next()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_have_etags_gzip_audits_and_follow_new_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("t.gpkg")).await.unwrap());
    let admin = common::org_with_token(store.as_ref(), "ADMIN", Role::Admin).await;
    let auth = [("authorization", admin.as_str())];
    let town = Town::new(TownConfig::new(11, 3_000));
    let all: Vec<NetworkFeature> = town.features().collect();
    let el: Vec<NetworkFeature> = all
        .iter()
        .filter(|f| f.owner_id.as_str() == "SYN-EL")
        .cloned()
        .collect();
    replace_dataset(store.as_ref(), &common::org("OWN-A"), "network", el.clone())
        .await
        .unwrap();
    let app = common::app(store.clone());

    // TileJSON 3.0.0 with the tile URL, zooms, bounds and one layer per theme.
    let tj = get(
        &app,
        "/tiles/network/tilejson.json",
        &[auth[0], ("host", "example.test:8080")],
    )
    .await;
    assert_eq!(tj.status, StatusCode::OK);
    let tj: serde_json::Value = serde_json::from_slice(&tj.body).unwrap();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://example.test:8080/tiles/network/{z}/{x}/{y}.mvt"
    );
    assert_eq!(
        (tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()),
        (Some(12), Some(16))
    );
    let layers: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        layers,
        [
            "electricity",
            "gas",
            "water",
            "sewer",
            "district_heating",
            "oil",
            "telecom",
            "other"
        ]
    );
    assert!(tj["vector_layers"][0]["fields"]["depth_mm"]
        .as_str()
        .unwrap()
        .starts_with("Number"));
    let b: Vec<f64> = tj["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let vertex = geo::CoordsIter::coords_iter(&el[0].geometry)
        .next()
        .unwrap();
    let c = forsyning_tiles::project::coord_to_lonlat(vertex, forsyning_geo::Crs::STORE).unwrap();
    assert!(
        b[0] <= c.x && c.x <= b[2] && b[1] <= c.y && c.y <= b[3],
        "bounds {b:?} hold the data ({c:?})"
    );

    let t = middle_tile(&el);
    let uri = format!("/tiles/network/{}/{}/{}.mvt", t.z(), t.x(), t.y());
    let first = get(&app, &uri, &auth).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.headers["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(first.headers["cache-control"], "private, no-cache");
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    let v1 = ids(&first.body);
    assert!(
        v1.len() > 10,
        "the middle tile holds features: {}",
        v1.len()
    );
    let (log, _) = store.audit_log().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].record.action.as_str(), log[0].record.feature_count),
        ("tiles.read", v1.len() as u64)
    );

    // 304 for the same ETag; not audited (no features sent).
    let again = get(&app, &uri, &[auth[0], ("if-none-match", etag.as_str())]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.headers["etag"], etag.as_str());
    assert_eq!(store.audit_log().await.unwrap().0.len(), 1);

    // gzip when asked, the same tile inside.
    let gz = get(&app, &uri, &[auth[0], ("accept-encoding", "gzip")]).await;
    assert_eq!(gz.headers["content-encoding"], "gzip");
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut raw)
        .unwrap();
    assert_eq!(raw, first.body);

    // A new version with half the features: the tile follows at once.
    let half: Vec<NetworkFeature> = el.iter().step_by(2).cloned().collect();
    let half_ids: BTreeSet<Uuid> = half.iter().map(|f| f.id).collect();
    replace_dataset(store.as_ref(), &common::org("OWN-A"), "network", half)
        .await
        .unwrap();
    let after = get(&app, &uri, &[auth[0], ("if-none-match", etag.as_str())]).await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "the old ETag no longer matches"
    );
    assert_ne!(after.headers["etag"].to_str().unwrap(), etag);
    let v2 = ids(&after.body);
    assert!(
        !v2.is_empty() && v2.is_subset(&half_ids),
        "only the new version's features"
    );
    assert!(v2.len() < v1.len());

    // Bad addresses are 400 with a JSON body; unknown sources 404.
    for (bad, want) in [
        ("/tiles/network/16/1/2.png", 400),
        ("/tiles/network/99/1/2.mvt", 400),
        ("/tiles/network/3/8/0.mvt", 400),
        ("/tiles/network/10/0/0.mvt", 400),
        ("/tiles/nothing/16/1/2.mvt", 404),
    ] {
        let a = get(&app, bad, &auth).await;
        assert_eq!(a.status.as_u16(), want, "{bad}");
        let e: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert!(e["error"].is_string() && e["message"].is_string(), "{bad}");
    }
}
