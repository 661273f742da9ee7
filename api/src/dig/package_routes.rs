//! The field package over HTTP, under the same policy and audit as the
//! JSON report:
//!
//! - `GET /api/v1/dig-requests/{id}/package.geojson`: the dig polygon and
//!   the disclosed features as one GeoJSON FeatureCollection (EPSG:25832,
//!   the report's attributes as properties);
//! - `GET /api/v1/dig-requests/{id}/package.gml`: LER 2.2 GML
//!   (`Graveforespoergselssvar`);
//! - `GET /api/v1/dig-requests/{id}/map.png` and `.../map.pdf`: the
//!   printable map.
//!
//! Each answer that holds features writes its audit entry first, with the
//! action `dig_request.package.<format>`.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use forsyning_model::{NetworkFeature, PackageFormat};
use serde_json::{json, Value};
use uuid::Uuid;

use super::package::gml::write_ler_answer;
use super::package::imkl::write_imkl_delivery;
use super::package::map::{render_pdf, render_png, MapOptions};
use super::package::PackageInput;
use super::report::{build_report_in, DigReport, Disclosure};
use super::service::{area_of, Caller};
use crate::audit::{self, Disclosed};
use crate::auth::Principal;
use crate::policy::dig_disclosure;
use crate::{ApiError, AppState};

/// The package formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    GeoJson,
    Gml,
    Png,
    Pdf,
}

impl Format {
    fn parse(file: &str) -> Option<Self> {
        Some(match file {
            "package.geojson" => Self::GeoJson,
            "package.gml" => Self::Gml,
            "map.png" => Self::Png,
            "map.pdf" => Self::Pdf,
            _ => return None,
        })
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::GeoJson => "application/geo+json",
            Self::Gml => "application/gml+xml; version=3.2",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::GeoJson => "geojson",
            Self::Gml => "gml",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Self::GeoJson => "dig_request.package.geojson",
            Self::Gml => "dig_request.package.gml",
            Self::Png => "dig_request.package.png",
            Self::Pdf => "dig_request.package.pdf",
        }
    }
}

/// `GET /api/v1/dig-requests/{id}/{file}`.
#[utoipa::path(get, path = "/api/v1/dig-requests/{id}/{file}", tag = "Dig requests", params(("id" = String, Path, description = "The dig request id"), ("file" = String, Path, description = "package.geojson, package.gml, map.png or map.pdf")), responses((status = 200, description = "The field package (GeoJSON EPSG:25832, LER 2.2 GML, PNG or PDF map); audited when it holds features", content_type = ["application/geo+json", "application/gml+xml", "image/png", "application/pdf"]), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub(super) async fn package(
    State(state): State<AppState>,
    p: Principal,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let format = Format::parse(&file).ok_or(ApiError::NotFound)?;
    let org = p
        .org()
        .ok_or(ApiError::Unauthorized("dig requests need a token"))?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let record = state
        .store
        .dig_request(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let disclosure = dig_disclosure(&p, &record, Utc::now())?.ok_or(ApiError::NotFound)?;
    let area = area_of(&record)?;
    let contacts = super::contacts(&state.store.interest_areas_near_shared(&area).await?);
    let candidates = if disclosure == Disclosure::ResponsesOnly {
        Vec::new()
    } else {
        super::matching::network_near(state.store.as_ref(), &area).await?
    };
    let report = build_report_in(
        &record,
        &contacts,
        candidates.clone(),
        &disclosure,
        &state.region,
    );
    // The report holds only what the caller may see; the writers get the
    // full records of exactly those features.
    // The full records of the report's features, in the report's order.
    let by_id: std::collections::HashMap<Uuid, &NetworkFeature> =
        candidates.iter().map(|f| (f.id, f.as_ref())).collect();
    let features: Vec<NetworkFeature> = report
        .features
        .iter()
        .flatten()
        .filter_map(|f| by_id.get(&f.id).map(|n| (*n).clone()))
        .collect();
    if let Some(fs) = &report.features {
        let caller = Caller {
            org_id: &org.id,
            token_id: p.token_id(),
        };
        let what = Disclosed {
            org_id: Some(caller.org_id),
            token_id: caller.token_id,
            action: format.action(),
            dig_request_id: Some(report.id),
        };
        audit::record(state.store.as_ref(), what, fs.iter().map(|f| f.id)).await?;
    }
    let context = if matches!(format, Format::Png | Format::Pdf) {
        street_context(&state, &record.request).await?
    } else {
        Vec::new()
    };
    let request = record.request.clone();
    let crs_urn = state.region.crs_urn();
    let package_format = state.region.package_format;
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let input = PackageInput {
            report: &report,
            request: &request,
            features: &features,
            context: &context,
        };
        match format {
            Format::GeoJson => Ok(serde_json::to_vec(&feature_collection(&report, &crs_urn))
                .map_err(|e| ApiError::Internal(format!("package.geojson: {e}")))?),
            Format::Gml => {
                let mut out = Vec::new();
                match package_format {
                    PackageFormat::Ler22 => write_ler_answer(&input, &mut out),
                    PackageFormat::Imkl20 => write_imkl_delivery(&input, &crs_urn, &mut out),
                }
                .map_err(|e| ApiError::Internal(format!("package.gml: {e}")))?;
                Ok(out)
            }
            Format::Png => render_png(&input, &MapOptions::default())
                .map_err(|e| ApiError::Internal(format!("map.png: {e}"))),
            Format::Pdf => render_pdf(&input, &MapOptions::default())
                .map_err(|e| ApiError::Internal(format!("map.pdf: {e}"))),
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("package task: {e}")))??;
    let disposition = format!(
        "attachment; filename=\"graveforespoergsel-{id}.{}\"",
        format.extension()
    );
    Ok((
        [
            (CONTENT_TYPE, format.content_type().to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// The geometries of the public base map datasets (named
/// [`BASEMAP_DATASET`](super::package::map::BASEMAP_DATASET)) around the request: its polygon and buffer's
/// bounding box grown by its larger side on every side, which covers the
/// map's frame.
async fn street_context(
    state: &AppState,
    request: &forsyning_model::DigRequest,
) -> Result<Vec<geo_types::Geometry<f64>>, ApiError> {
    use geo::BoundingRect;
    let Some(r) = request.polygon.bounding_rect() else {
        return Ok(Vec::new());
    };
    let grow = r.width().max(r.height()) + request.buffer_m;
    let bbox = forsyning_model::Bbox::new(
        r.min().x - grow,
        r.min().y - grow,
        r.max().x + grow,
        r.max().y + grow,
    )
    .map_err(|e| ApiError::Internal(format!("street context bbox: {e}")))?;
    Ok(state
        .store
        .features_in_bbox(&bbox)
        .await?
        .into_iter()
        .filter(super::matching::is_basemap)
        .map(|f| f.geometry)
        .collect())
}

/// The report as GeoJSON: the dig area first, then the features with the
/// report's attributes as properties; `crs_urn` names the region's CRS.
fn feature_collection(report: &DigReport, crs_urn: &str) -> Value {
    let mut features = vec![json!({
        "type": "Feature",
        "id": report.id,
        "geometry": report.polygon,
        "properties": {
            "kind": "dig_area",
            "buffer_m": report.buffer_m,
            "period_from": report.period_from,
            "period_to": report.period_to,
            "status": report.status,
            "owners": report.owners,
        },
    })];
    for f in report.features.iter().flatten() {
        let mut props = serde_json::to_value(f).unwrap_or(Value::Null);
        let geometry = props
            .as_object_mut()
            .and_then(|o| o.remove("geometry"))
            .unwrap_or(Value::Null);
        features.push(json!({
            "type": "Feature",
            "id": f.id,
            "geometry": geometry,
            "properties": props,
        }));
    }
    json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": crs_urn}},
        "features": features,
    })
}
