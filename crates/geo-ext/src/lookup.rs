//! What PROJ's database says about a CRS: its kind, its first axis, and for a
//! compound CRS its horizontal component. Read once per code per process.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use proj::wkt::WktVersion;
use serde_json::Value;

use crate::spelling::CrsId;
use crate::{pj, wkt1, GeoError};

/// The facts a [`crate::Crs`] carries about its horizontal part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CrsFacts {
    /// The CRS itself, or the horizontal component of a compound CRS.
    pub(crate) horizontal: CrsId,
    /// Geographic (degrees) rather than projected (metres).
    pub(crate) geographic: bool,
    /// The first axis points north (latitude or northing first).
    pub(crate) north_first: bool,
}

fn cache() -> &'static Mutex<HashMap<CrsId, CrsFacts>> {
    static CACHE: OnceLock<Mutex<HashMap<CrsId, CrsFacts>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The facts for `id`; `input` is the string the caller gave, for errors.
///
/// The lock is not held while PROJ works (milliseconds): two threads racing
/// on the same code merely compute the same facts twice.
pub(crate) fn lookup(id: CrsId, input: &str) -> Result<CrsFacts, GeoError> {
    let cached = cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .copied();
    if let Some(facts) = cached {
        return Ok(facts);
    }
    let facts = read_facts(id, input)?;
    cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, facts);
    Ok(facts)
}

fn read_facts(id: CrsId, input: &str) -> Result<CrsFacts, GeoError> {
    let (proj, json) = definition(id, input)?;
    let kind = json["type"].as_str().unwrap_or("object of unknown type");
    let unsupported = |kind: &str| GeoError::UnsupportedCrs {
        input: input.to_owned(),
        kind: kind.to_owned(),
    };
    if let Some((geographic, north_first)) = horizontal_axes(&json) {
        return Ok(CrsFacts {
            horizontal: id,
            geographic,
            north_first,
        });
    }
    if kind != "CompoundCRS" {
        return Err(unsupported(kind));
    }
    let components = json["components"].as_array().map_or(&[][..], Vec::as_slice);
    let [first, second] = components else {
        return Err(unsupported("CompoundCRS with other than two components"));
    };
    let Some((geographic, north_first)) = horizontal_axes(first) else {
        return Err(unsupported(
            "CompoundCRS without a geographic or projected component",
        ));
    };
    // Only this well-understood shape goes to WKT1: `proj`'s `as_wkt` panics
    // instead of erroring when PROJ cannot export an object as WKT1.
    let two_d = first["coordinate_system"]["axis"].as_array().map(Vec::len) == Some(2);
    if !two_d || second["type"] != "VerticalCRS" {
        return Err(unsupported(
            "CompoundCRS other than 2D horizontal + vertical",
        ));
    }
    let wkt = proj
        .as_wkt(Some(WktVersion::Wkt1_Gdal), None)
        .map_err(|e| unknown(input, format!("exporting WKT1: {e}")))?;
    let code = wkt1::compound_horizontal_epsg(&wkt).ok_or_else(|| {
        unknown(
            input,
            "PROJ names no EPSG code for its horizontal component".into(),
        )
    })?;
    let horizontal = CrsId::Epsg(code);
    // Cross-check the component against the CRS the code stands for.
    let (_, component) = definition(horizontal, input)?;
    if component["name"] != first["name"]
        || horizontal_axes(&component) != Some((geographic, north_first))
    {
        return Err(unknown(
            input,
            format!("its horizontal component does not match EPSG:{code}"),
        ));
    }
    Ok(CrsFacts {
        horizontal,
        geographic,
        north_first,
    })
}

/// The PROJ object and its PROJJSON.
fn definition(id: CrsId, input: &str) -> Result<(proj::Proj, Value), GeoError> {
    let proj = pj::crs_object(id).map_err(|detail| pj::lookup_error(input, detail))?;
    let json = proj
        .to_projjson(Some(false), None, None)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
        .map_err(|detail| unknown(input, format!("reading PROJJSON: {detail}")))?;
    Ok((proj, json))
}

/// `(geographic, north_first)` for a 2D/3D geographic or a projected CRS.
fn horizontal_axes(crs: &Value) -> Option<(bool, bool)> {
    let geographic = match crs["type"].as_str()? {
        "GeographicCRS" => true,
        "ProjectedCRS" => false,
        _ => return None,
    };
    let first_axis = crs["coordinate_system"]["axis"][0]["direction"].as_str()?;
    Some((geographic, first_axis == "north"))
}

fn unknown(input: &str, detail: String) -> GeoError {
    GeoError::UnknownCrs {
        input: input.to_owned(),
        detail,
    }
}
