//! OGC API Features under `/ogc`: Part 1 Core with the GeoJSON and OpenAPI
//! 3.0 conformance classes, and Part 2 CRS (CRS84 and EPSG:25832), so QGIS,
//! GDAL (`OAPIF:`) and other clients read the collections directly.
//!
//! - `GET /ogc` (landing page), `/ogc/conformance`, `/ogc/collections`,
//!   `/ogc/collections/{collectionId}`: public metadata.
//! - `GET /ogc/collections/{collectionId}/items` with `bbox`, `bbox-crs`,
//!   `crs`, `datetime`, `limit` (default 100, at most 10,000; more is
//!   served as 10,000) and `offset` (the `next` link's paging), and
//!   `/items/{featureId}` with `crs`: GeoJSON in CRS84 unless `crs` names
//!   EPSG:25832, the CRS in the `Content-Crs` header.
//!
//! Collections: `network` (network features, exactly as
//! `/api/v1/features` discloses them, every answer audited),
//! `interest-areas` (to their owner and admins) and `dig-requests` (as
//! `/api/v1/dig-requests` lists them). A query parameter the API
//! definition does not declare is a 400, as Part 1 requires.
//!
//! Links are absolute, built from the request's `Host` header (and
//! `X-Forwarded-Proto`, `http` without it).

pub(crate) mod crs;
pub(crate) mod items;
pub(crate) mod meta;
pub(crate) mod params;
mod sources;

use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// Where the OGC routes live.
pub const PREFIX: &str = "/ogc";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(meta::landing))
        .route("/ogc/", get(meta::landing))
        .route("/ogc/conformance", get(meta::conformance))
        .route("/ogc/collections", get(meta::collections))
        .route("/ogc/collections/{collectionId}", get(meta::collection))
        .route("/ogc/collections/{collectionId}/items", get(items::items))
        .route(
            "/ogc/collections/{collectionId}/items/{featureId}",
            get(items::item),
        )
}

/// A collection of the OGC routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Network,
    InterestAreas,
    DigRequests,
}

impl Collection {
    pub const ALL: [Collection; 3] = [
        Collection::Network,
        Collection::InterestAreas,
        Collection::DigRequests,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Collection::Network => "network",
            Collection::InterestAreas => "interest-areas",
            Collection::DigRequests => "dig-requests",
        }
    }

    pub fn from_id(id: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.id() == id)
    }

    fn title(self) -> &'static str {
        match self {
            Collection::Network => "Utility network features",
            Collection::InterestAreas => "Interest areas of utility owners",
            Collection::DigRequests => "Dig requests",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Collection::Network => {
                "Cables, pipes, ducts, trenches, components and areas (LER 2.2 model): an owner's own, a contractor's inside its valid dig requests, everything for admins. Every answer is audited."
            }
            Collection::InterestAreas => {
                "Where owners want to hear of dig requests, with themes and contact: an owner's own, all for admins."
            }
            Collection::DigRequests => {
                "Dig requests with their answers, as the caller may see them: a contractor's own, those an owner answered, those touching a municipality, all for admins."
            }
        }
    }
}

/// A link (RFC 8288) as OGC API documents write it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
    #[serde(rename = "type")]
    pub media_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Link {
    pub fn new(href: String, rel: &'static str, media_type: &'static str) -> Self {
        Self {
            href,
            rel,
            media_type,
            title: None,
        }
    }

    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// `scheme://host/ogc` of the request, from `X-Forwarded-Proto` and
/// `Host`; a host with characters a host name cannot have becomes
/// `localhost`.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}{PREFIX}")
}

/// Media types of the OGC routes.
pub const JSON: &str = "application/json";
pub const GEOJSON: &str = "application/geo+json";
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
