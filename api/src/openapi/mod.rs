//! The OpenAPI 3.0 document of the whole API, generated from the handlers'
//! `#[utoipa::path]` annotations and served at `/openapi.json`.
//! `api/tests/openapi.rs` compares it with the committed
//! `api/tests/snapshots/openapi.json` and checks that every route of the
//! router is in it.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;

/// Every error answer: `{"error": code, "message": sentence}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code, e.g. `invalid_bbox`, `not_found`.
    pub error: String,
    /// What is wrong, naming the field or rule.
    pub message: String,
}

/// A 409 of a compare-and-swap on a dataset version: the error body with
/// both versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionConflictBody {
    /// `version_conflict` (the base version is not current) or
    /// `feature_not_current` (the current version no longer holds the feature).
    pub error: String,
    pub message: String,
    /// The version the caller based its change on (`feature_not_current`:
    /// the last version that held the feature).
    pub base_version: u32,
    /// The dataset's current version.
    pub current_version: u32,
}

/// A GeoJSON Feature (RFC 7946) as the OGC routes write it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureDoc {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// A GeoJSON geometry in the answer's CRS.
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
    #[schema(value_type = Object)]
    pub properties: serde_json::Value,
    pub links: Vec<crate::ogc::Link>,
}

/// A GeoJSON FeatureCollection with OGC API Features' paging members.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeatureCollectionDoc {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    pub features: Vec<FeatureDoc>,
    /// `self`, `collection`, and `next`/`prev` when there are more pages.
    pub links: Vec<crate::ogc::Link>,
    pub number_matched: u64,
    pub number_returned: u64,
    /// When the answer was made, RFC 3339.
    pub time_stamp: String,
}

/// The body of `POST /api/v1/dig-requests`. Unknown members are refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct DigRequestBody {
    /// A GeoJSON Polygon, positions easting/longitude first.
    #[schema(value_type = Object)]
    pub polygon: serde_json::Value,
    /// The polygon's CRS: `EPSG:25832` (default), `CRS84`, `EPSG:4326` or any EPSG code.
    pub crs: Option<String>,
    /// Buffer around the polygon, metres, 0-50.
    pub buffer_m: f64,
    /// RFC 3339.
    pub period_from: String,
    /// RFC 3339.
    pub period_to: String,
    pub purpose: String,
    pub contact: String,
}

/// The body of an owner's manual answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerBodyDoc {
    /// `delivered`, `not_delivered`, `no_lines_in_area`,
    /// `taken_for_manual_handling`, `on_site_marking_delivered` or
    /// `on_site_marking_not_delivered`.
    pub answer: String,
}

/// The body of a webhook registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookBodyDoc {
    /// An http:// or https:// address, at most 2048 characters.
    pub url: String,
}

/// The parts of a dataset upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadFormDoc {
    /// One or more files; the extension picks the reader.
    #[schema(value_type = Vec<String>)]
    pub file: Vec<String>,
    /// A TOML mapping of the owner's columns, codes and units.
    pub mapping: Option<String>,
    /// Dataset name, default `network`.
    pub dataset: Option<String>,
    /// `true` or `false`.
    pub lenient: Option<String>,
}

/// The answer to an upload: the job and where to follow it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobCreatedDoc {
    pub job: uuid::Uuid,
    pub href: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`fsy_...`, from `forsyning token issue`) or, with single sign-on, an OIDC JWT",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Forsyning API",
        description = "Utility networks, dig requests (LER 2), interest areas and OGC API Features. Errors answer `{\"error\": code, \"message\": ...}`.",
        license(name = "Apache-2.0")
    ),
    paths(
        crate::health::healthz,
        crate::health::readyz,
        crate::status::json,
        crate::status::html,
        crate::status::incidents::css,
        crate::status::incidents::list,
        crate::status::incidents::create,
        crate::status::incidents::update,
        crate::metrics::scrape,
        crate::viewer::region,
        crate::tiles::list,
        crate::tiles::tilejson,
        crate::tiles::tile,
        crate::features::me,
        crate::features::features_in_bbox,
        crate::features::feature_by_id,
        crate::features::datasets,
        crate::features::versions,
        crate::as_built::as_built,
        crate::upload::upload,
        crate::jobs::show,
        crate::dig::list,
        crate::dig::create,
        crate::dig::one,
        crate::dig::lifecycle::answer,
        crate::dig::lifecycle::complete,
        crate::dig::coordination::coordination,
        crate::dig::package_routes::package,
        crate::interest::read,
        crate::interest::replace,
        crate::webhooks::register,
        crate::webhooks::show,
        crate::webhooks::remove,
        crate::webhooks::events,
        crate::ogc::meta::landing,
        crate::ogc::meta::conformance,
        crate::ogc::meta::collections,
        crate::ogc::meta::collection,
        crate::ogc::items::items,
        crate::ogc::items::item,
        crate::gnss::routes::post_nmea,
        crate::gnss::routes::track,
        crate::gnss::routes::alerts,
        crate::gnss::routes::assign,
        crate::gnss::routes::unassign,
        crate::gnss::live::live,
        crate::gnss::rinex::list,
        crate::gnss::rinex::download,
        crate::flood::climate_level::level,
        crate::flood::jobs::create,
        crate::flood::results::meta,
        crate::flood::results::bluespots,
        crate::flood::results::flood,
        crate::flood::results::depth,
        crate::flood::assets::assets,
        crate::flood::assets::summary,
        openapi_json,
    ),
    components(schemas(
        ErrorBody,
        DigRequestBody,
        AnswerBodyDoc,
        WebhookBodyDoc,
        UploadFormDoc,
        JobCreatedDoc,
        crate::health::Health,
        crate::health::NotReady,
        crate::features::Me,
        crate::features::DatasetOut,
        crate::features::VersionOut,
        crate::as_built::AsBuiltBody,
        crate::as_built::SurveyPoint,
        crate::as_built::AsBuiltOut,
        crate::as_built::PointClass,
        VersionConflictBody,
        crate::jobs::Job,
        crate::jobs::JobState,
        crate::jobs::Progress,
        crate::dig::DigReport,
        crate::dig::OwnerAnswer,
        crate::dig::ReportFeature,
        crate::dig::coordination::Coordination,
        crate::dig::coordination::Neighbour,
        crate::webhooks::HookView,
        crate::interest::Replaced,
        FeatureDoc,
        FeatureCollectionDoc,
        crate::ogc::Link,
        crate::gnss::routes::NmeaReport,
        crate::gnss::rinex::RinexFile,
        crate::gnss::routes::MalformedLine,
        crate::gnss::routes::AssignmentBody,
        crate::gnss::routes::AssignmentView,
        crate::gnss::TrackPoint,
        crate::gnss::AlertRecord,
        crate::ogc::meta::LandingPage,
        crate::ogc::meta::Conformance,
        crate::ogc::meta::Collections,
        crate::ogc::meta::CollectionInfo,
        crate::ogc::meta::Extent,
        crate::ogc::meta::SpatialExtent,
        crate::flood::climate_level::ClimateLevel,
        crate::flood::scenario::FloodJobBody,
        crate::flood::jobs::FloodJobCreated,
        crate::flood::results::FloodResultOut,
        crate::flood::results::ResultLinks,
        crate::flood::compute::FloodResult,
        crate::flood::compute::DemInfo,
        crate::flood::compute::ClassStats,
        crate::flood::assets::AssetsSummary,
        crate::flood::assets::AssetCount,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "Meta", description = "Health, readiness, status and this document"),
        (name = "Access", description = "Who the caller is"),
        (name = "Network", description = "Network features, datasets and uploads (owners, admins; contractors inside their dig requests)"),
        (name = "Dig requests", description = "LER dig requests: intake, report, answers, packages, coordination"),
        (name = "Interest areas", description = "Owners' interest areas"),
        (name = "Webhooks", description = "Owner notifications"),
        (name = "GNSS", description = "Live positions of field devices, proximity alerts against dangerous lines, the live feed"),
        (name = "Flood", description = "Climate scenario levels, flood jobs on the server's DEM (municipalities, admins) and their results: bluespots, flood polygons by depth class, depth GeoTIFF (public), assets at risk (as the feature policy allows)"),
        (name = "OGC API Features", description = "Part 1 Core (GeoJSON, OpenAPI 3.0) and Part 2 CRS under /ogc"),
    )
)]
struct ApiDoc;

/// The API's OpenAPI 3.0 document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as pretty JSON (what `/openapi.json` serves).
pub fn document_json() -> String {
    document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

#[utoipa::path(get, path = "/openapi.json", tag = "Meta",
    responses((status = 200, description = "This document (OpenAPI 3.0)", content_type = "application/vnd.oai.openapi+json;version=3.0")))]
async fn openapi_json() -> impl IntoResponse {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    (
        [(CONTENT_TYPE, crate::ogc::OPENAPI)],
        DOC.get_or_init(document_json).clone(),
    )
}
