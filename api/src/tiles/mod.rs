//! Vector tiles (MVT 2.1, WebMercatorQuad) under the access policy.
//!
//! - `GET /tiles`: `{"layers": [{"id", "name", "tilejson"}]}`, the sources
//!   the caller may request;
//! - `GET /tiles/{source}/tilejson.json`: TileJSON 3.0.0;
//! - `GET /tiles/{source}/{z}/{x}/{y}.mvt`: the tile (XYZ, `y` from the top),
//!   `application/vnd.mapbox-vector-tile`, gzip when accepted, a strong
//!   ETag from the content, 304 on `If-None-Match`.
//!
//! Sources: `network` (one layer per theme; what `/api/v1/features` would
//! give the caller, by `policy::feature_scope`), `interest-areas` (an
//! owner's own, all for admins) and `dig-requests` (those the dig-request
//! routes show the caller). Every 200 tile holding network features is
//! audited (`tiles.read`, the tile's feature ids) before it leaves; a 304
//! sends no features and is not. Network tiles are cached per data
//! generation and caller scope.

mod cache;
mod http;
mod network;
mod others;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use forsyning_tiles::{
    render_source, IndexSource, RenderOptions, SourceInfo, TileCoord, TileIndex, TileSource,
};
use serde_json::{json, Value};

use self::cache::{CachedTile, Key, TileCache};
use self::network::{generation, NetworkIndex, NetworkScope};
use crate::audit::Disclosed;
use crate::auth::Principal;
use crate::policy::{dig_list_filter, feature_scope};
use crate::{ApiError, AppState};

/// Bytes of tiles kept in memory per server.
const CACHE_BYTES: usize = 256 << 20;
/// Network tiles are the caller's own: the browser keeps them, asks again.
const PRIVATE: &str = "private, no-cache";

#[derive(Debug)]
pub(crate) struct TileState {
    network: NetworkIndex,
    cache: TileCache,
    options: RenderOptions,
}

pub(crate) fn routes() -> Router<AppState> {
    let tiles = Arc::new(TileState {
        network: NetworkIndex::default(),
        cache: TileCache::new(CACHE_BYTES),
        options: RenderOptions::default(),
    });
    Router::new()
        .route("/tiles", get(list))
        .route("/tiles/{source}/tilejson.json", get(tilejson))
        .route("/tiles/{source}/{z}/{x}/{file}", get(tile))
        .layer(Extension(tiles))
}

fn infos() -> Vec<SourceInfo> {
    forsyning_tiles::layers::all()
}

/// Whether the caller may request tiles of `source` (the same errors as the
/// source's JSON twin).
async fn may_request(state: &AppState, p: &Principal, source: &str) -> Result<(), ApiError> {
    match source {
        "network" => feature_scope(state, p).await.map(|_| ()),
        "interest-areas" => others::may_see_interest_areas(p).map(|_| ()),
        "dig-requests" => dig_list_filter(p).map(|_| ()),
        _ => Err(ApiError::NotFound),
    }
}

#[utoipa::path(get, path = "/tiles", tag = "Tiles", responses((status = 200, description = "The tile sources the caller may request: `{\"layers\": [{\"id\", \"name\", \"tilejson\"}]}`"), (status = 401, description = "A bad token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn list(State(state): State<AppState>, p: Principal) -> Json<Value> {
    let mut layers = Vec::new();
    for info in infos() {
        if may_request(&state, &p, &info.id).await.is_ok() {
            layers.push(json!({
                "id": info.id,
                "name": info.name,
                "tilejson": format!("/tiles/{}/tilejson.json", info.id),
            }));
        }
    }
    Json(json!({ "layers": layers }))
}

/// `http://host` of the request, for absolute tile URLs.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

#[utoipa::path(get, path = "/tiles/{source}/tilejson.json", tag = "Tiles", params(("source" = String, Path, description = "network, interest-areas or dig-requests")), responses((status = 200, description = "TileJSON 3.0.0"), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller may not see this source", body = crate::openapi::ErrorBody), (status = 404, description = "No such source", body = crate::openapi::ErrorBody)))]
pub(crate) async fn tilejson(
    State(state): State<AppState>,
    Extension(t): Extension<Arc<TileState>>,
    p: Principal,
    headers: HeaderMap,
    Path(source): Path<String>,
) -> Result<Response, ApiError> {
    let info = infos()
        .into_iter()
        .find(|i| i.id == source)
        .ok_or(ApiError::NotFound)?;
    may_request(&state, &p, &source).await?;
    let bounds = if source == "network" {
        let g = generation(&state).await?;
        t.network.source(&state, g).await?.bounds()
    } else {
        None
    };
    let url = format!(
        "{}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt",
        origin(&headers),
        info.id
    );
    let doc = info.tilejson(&url, bounds.or_else(|| service_area(&state)));
    Ok(([(axum::http::header::CACHE_CONTROL, PRIVATE)], Json(doc)).into_response())
}

/// The region's service area in EPSG:3857, the bounds of sources without
/// data.
fn service_area(state: &AppState) -> Option<geo_types::Rect<f64>> {
    let a = state.region.service_area;
    let min = forsyning_tiles::project::coord_to_web_mercator(
        geo_types::coord! { x: a.min().x, y: a.min().y },
        state.native_crs,
    )
    .ok()?;
    let max = forsyning_tiles::project::coord_to_web_mercator(
        geo_types::coord! { x: a.max().x, y: a.max().y },
        state.native_crs,
    )
    .ok()?;
    Some(geo_types::Rect::new(min, max))
}

fn parse_tile(z: &str, x: &str, file: &str, info: &SourceInfo) -> Result<TileCoord, ApiError> {
    let bad = |m: String| ApiError::BadRequest {
        code: "invalid_tile",
        message: m,
    };
    let y = file
        .strip_suffix(".mvt")
        .ok_or_else(|| bad(format!("{file:?}: tiles are {{y}}.mvt")))?;
    let n = |s: &str, what: &str| {
        s.parse::<u64>()
            .map_err(|_| bad(format!("{what} {s:?} is not a whole number")))
    };
    let (z, x, y) = (n(z, "z")?, n(x, "x")?, n(y, "y")?);
    let coord = TileCoord::new(u32::try_from(z).unwrap_or(u32::MAX), x, y)
        .map_err(|e| bad(e.to_string()))?;
    if coord.z() < info.minzoom || coord.z() > info.maxzoom {
        return Err(ApiError::BadRequest {
            code: "zoom_out_of_range",
            message: format!(
                "{} has tiles at zoom {}..={}, not {}",
                info.id,
                info.minzoom,
                info.maxzoom,
                coord.z()
            ),
        });
    }
    Ok(coord)
}

#[utoipa::path(get, path = "/tiles/{source}/{z}/{x}/{file}", tag = "Tiles", params(("source" = String, Path, description = "network, interest-areas or dig-requests"), ("z" = u32, Path, description = "Zoom (WebMercatorQuad)"), ("x" = u64, Path, description = "Column"), ("file" = String, Path, description = "`{y}.mvt`, row from the top")), responses((status = 200, description = "A Mapbox Vector Tile 2.1 (empty body: no features); gzip when asked", content_type = "application/vnd.mapbox-vector-tile"), (status = 304, description = "Not modified (If-None-Match)"), (status = 400, description = "A bad tile address or a zoom outside the source", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 404, description = "No such source", body = crate::openapi::ErrorBody)))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    Extension(t): Extension<Arc<TileState>>,
    p: Principal,
    headers: HeaderMap,
    Path((source, z, x, file)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let info = infos()
        .into_iter()
        .find(|i| i.id == source)
        .ok_or(ApiError::NotFound)?;
    let coord = parse_tile(&z, &x, &file, &info)?;
    let o = t.options.clone();
    let tile: Arc<CachedTile> = match source.as_str() {
        "network" => network_tile(&state, &t, &p, coord).await?,
        "interest-areas" => {
            let f = others::interest_area_features(&state, &p, coord, &o).await?;
            Arc::new(render_owned(info, coord, f, o).await?)
        }
        _ => {
            let f = others::dig_request_features(&state, &p, coord, &o).await?;
            Arc::new(render_owned(info, coord, f, o).await?)
        }
    };
    if source == "network" && !tile.uids.is_empty() && !http::not_modified(&headers, &tile.etag) {
        let what = Disclosed {
            org_id: p.org().map(|o| &o.id),
            token_id: p.token_id(),
            action: "tiles.read",
            dig_request_id: None,
        };
        crate::audit::record(state.store.as_ref(), what, tile.uids.iter().copied()).await?;
    }
    Ok(http::respond(&headers, &tile, PRIVATE))
}

async fn render_owned(
    info: SourceInfo,
    coord: TileCoord,
    features: Vec<forsyning_tiles::TileFeature>,
    o: RenderOptions,
) -> Result<CachedTile, ApiError> {
    tokio::task::spawn_blocking(move || {
        let source = IndexSource {
            info,
            index: TileIndex::new(features),
        };
        let r = render_source(&source, coord, &|_| true, &o);
        http::cached(r.bytes, Vec::new())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn network_tile(
    state: &AppState,
    t: &Arc<TileState>,
    p: &Principal,
    coord: TileCoord,
) -> Result<Arc<CachedTile>, ApiError> {
    let scope = feature_scope(state, p).await?;
    let scope = NetworkScope::of(state, &scope).await?;
    let g = generation(state).await?;
    let key = Key {
        source: "network",
        generation: hash(&g),
        scope: scope.cache_key(),
        tile: coord,
    };
    if let Some(hit) = t.cache.get(&key) {
        state.metrics.tile_cache_hit("network");
        return Ok(hit);
    }
    state.metrics.tile_cache_miss("network");
    let source = t.network.source(state, g).await?;
    let o = t.options.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        let r = render_source(source.as_ref(), coord, &|f| scope.allows(f), &o);
        if r.dropped_budget > 0 {
            tracing::warn!(tile = %coord, dropped = r.dropped_budget, tolerance_px = r.tolerance_px, "tile over its size budget");
        }
        http::cached(r.bytes, r.uids)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let rendered = Arc::new(rendered);
    t.cache.put(key, rendered.clone());
    Ok(rendered)
}

fn hash(g: &network::Generation) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (id, v) in g {
        id.0.hash(&mut h);
        v.hash(&mut h);
    }
    h.finish()
}
