//! The OGC metadata resources: landing page, conformance declaration,
//! collections. Public: they describe the collections, not their content.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::crs::{box_envelope, OgcCrs};
use super::params::{parse_query, COMMON};
use super::{base_url, Collection, Link, GEOJSON, JSON, OPENAPI};
use crate::{ApiError, AppState};

/// The conformance classes this API implements.
pub const CONFORMANCE: [&str; 4] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
];

/// The landing page.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandingPage {
    title: &'static str,
    description: &'static str,
    links: Vec<Link>,
}

/// The conformance declaration.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conformance {
    conforms_to: Vec<&'static str>,
}

/// The spatial extent of a collection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Extent {
    spatial: SpatialExtent,
}

/// A bounding box in CRS84 degrees: lower left, upper right.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpatialExtent {
    bbox: Vec<Vec<f64>>,
    crs: String,
}

/// One collection's description.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionInfo {
    id: &'static str,
    title: &'static str,
    description: &'static str,
    links: Vec<Link>,
    extent: Extent,
    item_type: &'static str,
    /// CRS84 first, then the store's CRS.
    crs: Vec<String>,
    storage_crs: String,
}

/// Every collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    links: Vec<Link>,
    collections: Vec<CollectionInfo>,
}

#[utoipa::path(get, path = "/ogc", tag = "OGC API Features",
    responses((status = 200, description = "The landing page", body = LandingPage)))]
pub(crate) async fn landing(headers: HeaderMap, uri: Uri) -> Result<Json<LandingPage>, ApiError> {
    parse_query(&uri, &COMMON)?;
    let base = base_url(&headers);
    let root = base.trim_end_matches(super::PREFIX).to_owned();
    Ok(Json(LandingPage {
        title: "Forsyning",
        description: "Utility networks, interest areas and dig requests (OGC API Features, Part 1 Core and Part 2 CRS)",
        links: vec![
            Link::new(base.clone(), "self", JSON).titled("This document"),
            Link::new(format!("{root}/openapi.json"), "service-desc", OPENAPI)
                .titled("The API definition (OpenAPI 3.0)"),
            Link::new(format!("{base}/conformance"), "conformance", JSON)
                .titled("Conformance classes"),
            Link::new(format!("{base}/collections"), "data", JSON).titled("The collections"),
        ],
    }))
}

#[utoipa::path(get, path = "/ogc/conformance", tag = "OGC API Features",
    responses((status = 200, description = "The conformance classes implemented", body = Conformance)))]
pub(crate) async fn conformance(uri: Uri) -> Result<Json<Conformance>, ApiError> {
    parse_query(&uri, &COMMON)?;
    Ok(Json(Conformance {
        conforms_to: CONFORMANCE.to_vec(),
    }))
}

/// The service area in CRS84 degrees, rounded outwards to 1e-6°.
async fn extent(state: &AppState) -> Result<Extent, ApiError> {
    let a = state.dig_limits.service_area;
    let b = [a.min().x, a.min().y, a.max().x, a.max().y];
    let native = OgcCrs::Native(state.native_crs);
    let r = tokio::task::spawn_blocking(move || box_envelope(b, native, OgcCrs::Crs84))
        .await
        .map_err(|e| ApiError::Internal(format!("extent task: {e}")))??
        .ok_or_else(|| ApiError::Internal("the service area has no CRS84 extent".into()))?;
    let down = |v: f64| (v * 1e6).floor() / 1e6;
    let up = |v: f64| (v * 1e6).ceil() / 1e6;
    Ok(Extent {
        spatial: SpatialExtent {
            bbox: vec![vec![
                down(r.min().x),
                down(r.min().y),
                up(r.max().x),
                up(r.max().y),
            ]],
            crs: OgcCrs::Crs84.uri(),
        },
    })
}

fn info(c: Collection, base: &str, extent: Extent, native: forsyning_geo::Crs) -> CollectionInfo {
    let href = format!("{base}/collections/{}", c.id());
    CollectionInfo {
        id: c.id(),
        title: c.title(),
        description: c.description(),
        links: vec![
            Link::new(href.clone(), "self", JSON).titled(c.title()),
            Link::new(format!("{href}/items"), "items", GEOJSON).titled(c.title()),
        ],
        extent,
        item_type: "feature",
        crs: OgcCrs::all(native).iter().map(|c| c.uri()).collect(),
        storage_crs: OgcCrs::Native(native).uri(),
    }
}

#[utoipa::path(get, path = "/ogc/collections", tag = "OGC API Features",
    responses((status = 200, description = "The collections", body = Collections)))]
pub(crate) async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Collections>, ApiError> {
    parse_query(&uri, &COMMON)?;
    let base = base_url(&headers);
    let extent = extent(&state).await?;
    Ok(Json(Collections {
        links: vec![Link::new(format!("{base}/collections"), "self", JSON)],
        collections: Collection::ALL
            .into_iter()
            .map(|c| info(c, &base, extent.clone(), state.native_crs))
            .collect(),
    }))
}

#[utoipa::path(get, path = "/ogc/collections/{collectionId}", tag = "OGC API Features",
    params(("collectionId" = String, Path, description = "network, interest-areas or dig-requests")),
    responses((status = 200, description = "The collection", body = CollectionInfo),
        (status = 404, description = "No such collection", body = crate::openapi::ErrorBody)))]
pub(crate) async fn collection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<CollectionInfo>, ApiError> {
    parse_query(&uri, &COMMON)?;
    let c = Collection::from_id(&id).ok_or(ApiError::NotFound)?;
    Ok(Json(info(
        c,
        &base_url(&headers),
        extent(&state).await?,
        state.native_crs,
    )))
}
