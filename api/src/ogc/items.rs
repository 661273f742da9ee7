//! `/items` and `/items/{featureId}`: the features of a collection the
//! caller may see, filtered, paged and reprojected; network disclosures
//! audited before the answer leaves.

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use geo::Intersects;
use geo_types::{coord, Rect};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::crs::{box_envelope, geometry_from_store, OgcCrs};
use super::params::{output_crs, parse_query, ItemsParams, ITEM};
use super::sources::{self, Item};
use super::{base_url, Collection, Link, GEOJSON, JSON};
use crate::auth::Principal;
use crate::features::audit_ids;
use crate::geojson::GeoJson;
use crate::{ApiError, AppState};

/// The audit actions of the OGC routes.
pub const ITEMS_ACTION: &str = "ogc.items.read";
pub const ITEM_ACTION: &str = "ogc.item.read";

const CONTENT_CRS: HeaderName = HeaderName::from_static("content-crs");

#[derive(Serialize)]
struct FeatureOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    geometry: GeoJson<'a>,
    properties: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
}

impl<'a> FeatureOut<'a> {
    fn new(item: &'a Item, links: Vec<Link>) -> Self {
        Self {
            kind: "Feature",
            id: &item.id,
            geometry: GeoJson(&item.geometry),
            properties: &item.properties,
            links,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CollectionOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    features: Vec<FeatureOut<'a>>,
    links: Vec<Link>,
    number_matched: usize,
    number_returned: usize,
    time_stamp: String,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("OGC task: {e}")))?
}

fn network_ids(c: Collection, items: &[Item]) -> Vec<Uuid> {
    if c != Collection::Network {
        return Vec::new();
    }
    items
        .iter()
        .filter_map(|i| Uuid::parse_str(&i.id).ok())
        .collect()
}

/// The items that pass `q`'s bbox (tested on the geometry, in `bbox-crs`)
/// and datetime, ordered by id: how many, and the page `q` asks for, in
/// `q.crs`. Synchronous (PROJ).
fn select(
    candidates: Vec<Item>,
    q: &ItemsParams,
    native: forsyning_geo::Crs,
) -> Result<(usize, Vec<Item>), ApiError> {
    let rect = q
        .bbox
        .map(|b| Rect::new(coord! { x: b[0], y: b[1] }, coord! { x: b[2], y: b[3] }));
    let mut matched = Vec::new();
    for item in candidates {
        if q.datetime
            .is_some_and(|i| !i.intersects(item.start, item.end))
        {
            continue;
        }
        if let Some(r) = rect {
            let hit = if q.bbox_crs == OgcCrs::Native(native) {
                item.geometry.intersects(&r)
            } else {
                let mut g = item.geometry.clone();
                geometry_from_store(&mut g, native, q.bbox_crs)?;
                g.intersects(&r)
            };
            if !hit {
                continue;
            }
        }
        matched.push(item);
    }
    matched.sort_by(|a, b| a.id.cmp(&b.id));
    let n = matched.len();
    let mut page: Vec<Item> = matched.into_iter().skip(q.offset).take(q.limit).collect();
    for item in &mut page {
        geometry_from_store(&mut item.geometry, native, q.crs)?;
    }
    Ok((n, page))
}

fn geojson_response(body: Vec<u8>, crs: OgcCrs) -> Response {
    let crs =
        HeaderValue::from_str(&format!("<{}>", crs.uri())).unwrap_or(HeaderValue::from_static(""));
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(GEOJSON)),
            (CONTENT_CRS, crs),
        ],
        body,
    )
        .into_response()
}

fn to_json(v: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(v).map_err(|e| ApiError::Internal(format!("OGC answer: {e}")))
}

/// A box in store coordinates that no feature reaches: a bbox wholly
/// outside where stored features can lie.
fn nowhere() -> Rect<f64> {
    Rect::new(
        coord! { x: -9.0e9, y: -9.0e9 },
        coord! { x: -9.0e9, y: -9.0e9 },
    )
}

#[utoipa::path(get, path = "/ogc/collections/{collectionId}/items", tag = "OGC API Features",
    params(
        ("collectionId" = String, Path, description = "network, interest-areas or dig-requests"),
        ("bbox" = Option<Vec<f64>>, Query, style = Form, explode = false, min_items = 4, max_items = 6,
            description = "Lower left and upper right corner (4 numbers, or 6 with heights, which are ignored), in bbox-crs: only features whose geometry intersects it"),
        ("bbox-crs" = Option<String>, Query, description = "CRS of bbox: http://www.opengis.net/def/crs/OGC/1.3/CRS84 (default) or http://www.opengis.net/def/crs/EPSG/0/25832"),
        ("crs" = Option<String>, Query, description = "CRS of the answer: http://www.opengis.net/def/crs/OGC/1.3/CRS84 (default) or http://www.opengis.net/def/crs/EPSG/0/25832"),
        ("datetime" = Option<String>, Query, style = Form, explode = false,
            description = "An RFC 3339 instant or interval (start/end, `..` open): network features by validity, dig requests by period; interest areas have no time"),
        ("limit" = Option<i64>, Query, style = Form, explode = false, minimum = 1, maximum = 10000,
            description = "Features per page (default 100; more than 10000 is served as 10000)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Features to skip (the next link's paging)"),
        ("f" = Option<String>, Query, description = "json (the only encoding)"),
    ),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection with links, numberMatched, numberReturned and timeStamp; the CRS in Content-Crs", content_type = "application/geo+json", body = crate::openapi::FeatureCollectionDoc),
        (status = 400, description = "An unknown or malformed parameter", body = crate::openapi::ErrorBody),
        (status = 401, description = "The collection needs a token", body = crate::openapi::ErrorBody),
        (status = 403, description = "The caller's role may not see this collection", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such collection", body = crate::openapi::ErrorBody),
    ),
    security((), ("bearer" = [])))]
pub(crate) async fn items(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let c = Collection::from_id(&id).ok_or(ApiError::NotFound)?;
    let native = state.native_crs;
    let q = ItemsParams::parse(&uri, native)?;
    let envelope = match q.bbox {
        None => None,
        Some(b) => {
            let from = q.bbox_crs;
            let e = blocking(move || box_envelope(b, from, OgcCrs::Native(native))).await?;
            Some(e.unwrap_or_else(nowhere))
        }
    };
    let candidates = sources::items(&state, &p, c, envelope.as_ref()).await?;
    let base = format!("{}/collections/{}", base_url(&headers), c.id());
    let query = q.clone();
    let (matched, page) = blocking(move || select(candidates, &query, native)).await?;
    let mut links = vec![
        Link::new(
            format!("{base}/items?{}", q.query_at(q.offset)),
            "self",
            GEOJSON,
        )
        .titled("This page"),
        Link::new(base.clone(), "collection", JSON).titled(c.id()),
    ];
    if q.offset + page.len() < matched {
        let next = format!("{base}/items?{}", q.query_at(q.offset + page.len()));
        links.push(Link::new(next, "next", GEOJSON).titled("Next page"));
    }
    if q.offset > 0 {
        let prev = format!(
            "{base}/items?{}",
            q.query_at(q.offset.saturating_sub(q.limit))
        );
        links.push(Link::new(prev, "prev", GEOJSON).titled("Previous page"));
    }
    let body = to_json(&CollectionOut {
        kind: "FeatureCollection",
        features: page
            .iter()
            .map(|i| FeatureOut::new(i, Vec::new()))
            .collect(),
        links,
        number_matched: matched,
        number_returned: page.len(),
        time_stamp: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    })?;
    if c == Collection::Network {
        audit_ids(&state, &p, ITEMS_ACTION, network_ids(c, &page)).await?;
    }
    Ok(geojson_response(body, q.crs))
}

#[utoipa::path(get, path = "/ogc/collections/{collectionId}/items/{featureId}", tag = "OGC API Features",
    params(
        ("collectionId" = String, Path, description = "network, interest-areas or dig-requests"),
        ("featureId" = String, Path, description = "The feature's id (a UUID)"),
        ("crs" = Option<String>, Query, description = "CRS of the answer: CRS84 (default) or EPSG:25832 (URIs as for items)"),
        ("f" = Option<String>, Query, description = "json (the only encoding)"),
    ),
    responses(
        (status = 200, description = "A GeoJSON Feature with links; the CRS in Content-Crs", content_type = "application/geo+json", body = crate::openapi::FeatureCollectionDoc),
        (status = 400, description = "An unknown or malformed parameter", body = crate::openapi::ErrorBody),
        (status = 401, description = "The collection needs a token", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such feature, or not the caller's to see", body = crate::openapi::ErrorBody),
    ),
    security((), ("bearer" = [])))]
pub(crate) async fn item(
    State(state): State<AppState>,
    p: Principal,
    Path((id, fid)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let c = Collection::from_id(&id).ok_or(ApiError::NotFound)?;
    let q = parse_query(&uri, &ITEM)?;
    let native = state.native_crs;
    let crs = output_crs(&q, native)?;
    let Some(mut item) = sources::item(&state, &p, c, &fid).await? else {
        return Err(ApiError::NotFound);
    };
    item = blocking(move || {
        geometry_from_store(&mut item.geometry, native, crs)?;
        Ok(item)
    })
    .await?;
    let base = format!("{}/collections/{}", base_url(&headers), c.id());
    let mut self_href = format!("{base}/items/{}", item.id);
    if crs != OgcCrs::Crs84 {
        self_href = format!("{self_href}?crs={}", crs.uri());
    }
    let links = vec![
        Link::new(self_href, "self", GEOJSON).titled("This feature"),
        Link::new(base, "collection", JSON).titled(c.id()),
    ];
    let body = to_json(&FeatureOut::new(&item, links))?;
    let ids = network_ids(c, std::slice::from_ref(&item));
    if c == Collection::Network {
        audit_ids(&state, &p, ITEM_ACTION, ids).await?;
    }
    Ok(geojson_response(body, crs))
}
