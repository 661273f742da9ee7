//! The tile rows of the access matrix: every caller's tiles of the town,
//! decoded, hold exactly the ids the caller may see.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use forsyning_tiles::mvt::Tile;
use forsyning_tiles::TileCoord;
use geo_types::{coord, Rect};
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

use super::World;

/// The z16 tiles over the town (z16 is full detail: nothing is dropped
/// for being small, so a tile holds every feature it may).
pub fn town_tiles(w: &World, z: u8) -> Vec<TileCoord> {
    let v: Vec<f64> = w.bbox.split(',').map(|s| s.parse().unwrap()).collect();
    let m = |x: f64, y: f64| {
        forsyning_tiles::project::coord_to_web_mercator(
            coord! { x: x, y: y },
            forsyning_geo::Crs::STORE,
        )
        .unwrap()
    };
    let corners = [m(v[0], v[1]), m(v[2], v[1]), m(v[0], v[3]), m(v[2], v[3])];
    let minx = corners.iter().map(|c| c.x).fold(f64::MAX, f64::min) - 50.0;
    let miny = corners.iter().map(|c| c.y).fold(f64::MAX, f64::min) - 50.0;
    let maxx = corners.iter().map(|c| c.x).fold(f64::MIN, f64::max) + 50.0;
    let maxy = corners.iter().map(|c| c.y).fold(f64::MIN, f64::max) + 50.0;
    TileCoord::covering(
        &Rect::new(coord! { x: minx, y: miny }, coord! { x: maxx, y: maxy }),
        z,
    )
    .collect()
}

pub async fn get(app: &axum::Router, uri: &str, auth: &Option<String>) -> (StatusCode, Vec<u8>) {
    let mut req = Request::get(uri);
    if let Some(h) = auth {
        req = req.header("authorization", h);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    (
        status,
        res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

/// The `id` property of every feature of every layer of `bytes`.
pub fn tile_ids(bytes: &[u8]) -> BTreeSet<Uuid> {
    let tile = Tile::decode(bytes).unwrap();
    tile.validate().unwrap();
    tile.layers
        .iter()
        .flat_map(|l| {
            l.features.iter().map(move |f| {
                l.property(f, "id")
                    .and_then(|v| v.as_str())
                    .unwrap()
                    .parse()
                    .unwrap()
            })
        })
        .collect()
}

/// Fetches `source`'s tiles over the town for every caller; checks each
/// status against `want` and the union of ids against `allowed(caller)`.
/// Returns how many answers disclosed network features.
pub async fn rows(
    w: &World,
    callers: &[(&str, Option<String>)],
    source: &str,
    want: [StatusCode; 9],
    allowed: impl Fn(&str) -> BTreeSet<Uuid>,
) -> usize {
    let tiles = town_tiles(w, 16);
    assert!(
        tiles.len() >= 4,
        "the town spans several z16 tiles: {}",
        tiles.len()
    );
    let mut disclosures = 0;
    for ((caller, auth), want) in callers.iter().zip(want) {
        let mut seen = BTreeSet::new();
        for t in &tiles {
            let uri = format!("/tiles/{source}/{}/{}/{}.mvt", t.z(), t.x(), t.y());
            let (status, body) = get(&w.app, &uri, auth).await;
            assert_eq!(
                status,
                want,
                "{caller} GET {uri}: {}",
                String::from_utf8_lossy(&body)
            );
            if status != StatusCode::OK {
                let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert!(err["error"].is_string(), "JSON error body");
                continue;
            }
            let ids = tile_ids(&body);
            if source == "network" && !ids.is_empty() {
                disclosures += 1;
            }
            seen.extend(ids);
        }
        assert_eq!(
            seen,
            allowed(caller),
            "{caller}'s {source} tiles hold exactly what it may see"
        );
        // The listing offers the source exactly to those who may request it.
        let (status, body) = get(&w.app, "/tiles", auth).await;
        if matches!(*caller, "revoked" | "malformed") {
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let listed = v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == source);
        assert_eq!(
            listed,
            want == StatusCode::OK,
            "{caller}: /tiles lists {source}?"
        );
    }
    disclosures
}
