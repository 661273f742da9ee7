//! The `interest-areas` and `dig-requests` sources: small, changing data,
//! read from the store for each tile (their own routes' rules decide what
//! the caller sees) and projected on the fly.

use chrono::Utc;
use forsyning_model::{Role, SearchArea};
use forsyning_tiles::layers::{dig_request_feature, interest_area_feature};
use forsyning_tiles::{buffered_bounds, RenderOptions, TileCoord, TileFeature};
use geo::Intersects;
use geo_types::Rect;

use crate::auth::Principal;
use crate::policy::{dig_disclosure, dig_list_filter};
use crate::{ApiError, AppState};

/// The tile's buffered box in the store's CRS (metres), and in EPSG:3857.
fn boxes(
    state: &AppState,
    tile: TileCoord,
    o: &RenderOptions,
) -> Result<(Rect<f64>, Rect<f64>), ApiError> {
    let m = buffered_bounds(tile, o);
    let s = forsyning_tiles::project::rect_to_native(&m, state.native_crs)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((s, m))
}

fn internal(e: forsyning_tiles::TileError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Interest areas: an owner sees its own, an admin all; anonymous 401,
/// other roles 403 (as `GET /api/v1/owners/{org}/interest-areas`).
pub(crate) fn may_see_interest_areas(
    p: &Principal,
) -> Result<Option<forsyning_model::OrgId>, ApiError> {
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized("interest areas need a token"));
    };
    match org.role {
        Role::Admin => Ok(None),
        Role::Owner => Ok(Some(org.id.clone())),
        _ => Err(ApiError::Forbidden(
            "only owners and admins see interest areas",
        )),
    }
}

pub(crate) async fn interest_area_features(
    state: &AppState,
    p: &Principal,
    tile: TileCoord,
    o: &RenderOptions,
) -> Result<Vec<TileFeature>, ApiError> {
    let only = may_see_interest_areas(p)?;
    let (store_box, _) = boxes(state, tile, o)?;
    let area = SearchArea::new(store_box.to_polygon(), 0.0)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let areas = state.store.interest_areas_near_shared(&area).await?;
    areas
        .iter()
        .filter(|a| only.as_ref().is_none_or(|o| &a.owner_id == o))
        .map(|a| interest_area_feature(a, state.native_crs).map_err(internal))
        .collect()
}

/// Dig requests: those the caller may list (`dig_list_filter`) and may
/// see (`dig_disclosure`), as the dig-request routes decide.
pub(crate) async fn dig_request_features(
    state: &AppState,
    p: &Principal,
    tile: TileCoord,
    o: &RenderOptions,
) -> Result<Vec<TileFeature>, ApiError> {
    let Some(filter) = dig_list_filter(p)? else {
        return Ok(Vec::new());
    };
    let (store_box, _) = boxes(state, tile, o)?;
    let now = Utc::now();
    let mut out = Vec::new();
    for rec in state.store.dig_requests(&filter).await? {
        let r = &rec.request;
        if !r.polygon.intersects(&store_box) || dig_disclosure(p, &rec, now)?.is_none() {
            continue;
        }
        out.push(dig_request_feature(r, state.native_crs).map_err(internal)?);
    }
    Ok(out)
}
