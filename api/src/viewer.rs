//! The web map viewer at `/`: a page, its script and style, and MapLibre GL
//! JS, all embedded in the binary (no CDN; the network may be closed).
//! MapLibre's dist files are vendored in `api/viewer/vendor/` from the npm
//! package pinned in `api/viewer/package.json` (`update-vendor.sh`), so a
//! build needs no npm.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

/// One embedded file: its URL path, media type and content.
struct Asset {
    path: &'static str,
    media_type: &'static str,
    body: &'static [u8],
    /// Vendored files change only with the binary's MapLibre version.
    vendored: bool,
}

const ASSETS: [Asset; 7] = [
    Asset {
        path: "/",
        media_type: "text/html; charset=utf-8",
        body: include_bytes!("../viewer/src/index.html"),
        vendored: false,
    },
    Asset {
        path: "/viewer/viewer.js",
        media_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../viewer/src/viewer.js"),
        vendored: false,
    },
    Asset {
        path: "/viewer/viewer.css",
        media_type: "text/css; charset=utf-8",
        body: include_bytes!("../viewer/src/viewer.css"),
        vendored: false,
    },
    Asset {
        path: "/viewer/maplibre-gl.mjs",
        media_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../viewer/vendor/maplibre-gl.mjs"),
        vendored: true,
    },
    Asset {
        path: "/viewer/maplibre-gl-worker.mjs",
        media_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../viewer/vendor/maplibre-gl-worker.mjs"),
        vendored: true,
    },
    Asset {
        path: "/viewer/maplibre-gl.css",
        media_type: "text/css; charset=utf-8",
        body: include_bytes!("../viewer/vendor/maplibre-gl.css"),
        vendored: true,
    },
    Asset {
        path: "/viewer/LICENSE-maplibre-gl.txt",
        media_type: "text/plain; charset=utf-8",
        body: include_bytes!("../viewer/vendor/LICENSE.txt"),
        vendored: true,
    },
];

/// The page's policy: the API's own (`'self'` only), plus the `data:`
/// images of MapLibre's control icons and its worker.
const VIEWER_CSP: &str =
    "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; frame-ancestors 'none'";

fn serve(asset: &'static Asset) -> Response {
    let cache = if asset.vendored {
        "public, max-age=86400"
    } else {
        "no-cache"
    };
    (
        [
            (CONTENT_TYPE, asset.media_type),
            (CACHE_CONTROL, cache),
            (CONTENT_SECURITY_POLICY, VIEWER_CSP),
        ],
        asset.body,
    )
        .into_response()
}

pub(crate) fn routes() -> Router<AppState> {
    ASSETS
        .iter()
        .fold(Router::new(), |r, asset| {
            r.route(asset.path, get(move || async move { serve(asset) }))
        })
        .route("/viewer/region.json", get(region))
}

#[utoipa::path(get, path = "/viewer/region.json", tag = "Meta", responses((status = 200, description = "The region served: `{\"name\", \"title\", \"crs\", \"view\": {\"lon\", \"lat\", \"zoom\"}}`, the viewer's start view in WGS 84")))]
pub(crate) async fn region(State(state): State<AppState>) -> Response {
    let r = &state.region;
    (
        [(CACHE_CONTROL, "no-cache")],
        Json(json!({
            "name": r.name,
            "title": r.title,
            "crs": r.crs(),
            "view": { "lon": r.view.lon, "lat": r.view.lat, "zoom": r.view.zoom },
        })),
    )
        .into_response()
}
