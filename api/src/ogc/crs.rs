//! The two CRSs of the OGC routes (Part 2): CRS84, the default, and the
//! store's native CRS (the region's: EPSG:25832 in Denmark, EPSG:28992 in
//! the Netherlands). Reprojection runs on PROJ, in blocking tasks (a
//! `Reprojector` may not leave its thread).

use std::cell::RefCell;
use std::collections::HashMap;

use forsyning_geo::{Crs, GeoError, Reprojector};
use geo_types::{coord, Coord, Geometry, Rect};

use crate::ApiError;

/// A CRS the OGC routes serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OgcCrs {
    /// WGS 84 longitude, latitude in degrees.
    Crs84,
    /// The store's CRS, easting, northing in metres (storage).
    Native(Crs),
}

/// Where a CRS84 box is clipped before it is projected to the store's
/// CRS, degrees: Europe, where every service area lies (Denmark, the
/// Netherlands, INSPIRE regions). Transverse Mercator and the stereographic
/// RD New have no sensible answer for the far side of the globe.
const CRS84_CLIP: [f64; 4] = [-30.0, 20.0, 48.0, 85.0];

/// Points per edge when a box is projected: the edges of a box in one CRS
/// are curves in the other.
const EDGE_POINTS: usize = 256;

/// Margin added around a projected box, metres (the curve between two edge
/// points bulges less than 0.2 m for a box the size of Denmark).
const MARGIN_M: f64 = 10.0;

impl OgcCrs {
    /// Denmark's store CRS, ETRS89 / UTM zone 32N (the tests').
    #[cfg(test)]
    pub const UTM32: OgcCrs = OgcCrs::Native(Crs::STORE);

    /// Both CRSs of a store in `native`, CRS84 first.
    pub fn all(native: Crs) -> [OgcCrs; 2] {
        [OgcCrs::Crs84, OgcCrs::Native(native)]
    }

    /// The OGC URI.
    pub fn uri(self) -> String {
        match self {
            OgcCrs::Crs84 => Crs::CRS84.to_uri(),
            OgcCrs::Native(c) => c.to_uri(),
        }
    }

    /// The URI, a safe CURIE (`[EPSG:25832]`), a URN or `AUTH:CODE` of
    /// CRS84 or of `native`, the store's CRS.
    pub fn parse(s: &str, native: Crs) -> Result<OgcCrs, String> {
        let t = s.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(t);
        let t = t
            .strip_prefix("https://")
            .map_or(t.to_owned(), |rest| format!("http://{rest}"));
        match t.as_str() {
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
            | "http://www.opengis.net/def/crs/OGC/0/CRS84"
            | "urn:ogc:def:crs:OGC:1.3:CRS84"
            | "urn:ogc:def:crs:OGC::CRS84"
            | "OGC:CRS84" => return Ok(OgcCrs::Crs84),
            _ => {}
        }
        if let Some(code) = native.epsg_code() {
            let code = code.to_string();
            let spelled = [
                format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
                format!("urn:ogc:def:crs:EPSG::{code}"),
                format!("EPSG:{code}"),
            ];
            if spelled.contains(&t) {
                return Ok(OgcCrs::Native(native));
            }
        }
        Err(format!(
            "{s:?} is not served; the CRSs are {} and {}",
            OgcCrs::Crs84.uri(),
            OgcCrs::Native(native).uri()
        ))
    }

    fn crs(self) -> Crs {
        match self {
            OgcCrs::Crs84 => Crs::CRS84,
            OgcCrs::Native(c) => c,
        }
    }
}

thread_local! {
    /// One PROJ transformation per direction and thread: building one takes 10-20 ms.
    static OPS: RefCell<HashMap<(OgcCrs, OgcCrs), Reprojector>> = RefCell::new(HashMap::new());
}

fn internal(e: GeoError) -> ApiError {
    ApiError::Internal(format!("reprojection: {e}"))
}

/// Runs `f` with the reprojector from `from` to `to` of this thread.
fn with_op<T>(
    from: OgcCrs,
    to: OgcCrs,
    f: impl FnOnce(&Reprojector) -> Result<T, GeoError>,
) -> Result<T, ApiError> {
    OPS.with(|ops| {
        let mut ops = ops.borrow_mut();
        let op = match ops.entry((from, to)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Reprojector::new(&from.crs(), &to.crs()).map_err(internal)?)
            }
        };
        f(op).map_err(internal)
    })
}

/// `g` from `native`, the store's CRS, to `to`, in place. Synchronous (PROJ).
pub fn geometry_from_store(g: &mut Geometry<f64>, native: Crs, to: OgcCrs) -> Result<(), ApiError> {
    let from = OgcCrs::Native(native);
    if to == from {
        return Ok(());
    }
    with_op(from, to, |op| op.transform_geometry(g))
}

/// The envelope of box `b` (`[min_x, min_y, max_x, max_y]` in `from`)
/// drawn in `to`, its edges densified, with a margin in metres when `to`
/// is projected. `None` when the box lies outside [`CRS84_CLIP`].
/// Synchronous (PROJ).
pub fn box_envelope(b: [f64; 4], from: OgcCrs, to: OgcCrs) -> Result<Option<Rect<f64>>, ApiError> {
    let mut b = b;
    if from == OgcCrs::Crs84 {
        b = [
            b[0].max(CRS84_CLIP[0]),
            b[1].max(CRS84_CLIP[1]),
            b[2].min(CRS84_CLIP[2]),
            b[3].min(CRS84_CLIP[3]),
        ];
        if b[0] > b[2] || b[1] > b[3] {
            return Ok(None);
        }
    }
    let rect = Rect::new(coord! { x: b[0], y: b[1] }, coord! { x: b[2], y: b[3] });
    if from == to {
        return Ok(Some(rect));
    }
    let mut edge = Vec::with_capacity(4 * EDGE_POINTS);
    for i in 0..EDGE_POINTS {
        let t = i as f64 / EDGE_POINTS as f64;
        let x = b[0] + t * (b[2] - b[0]);
        let y = b[1] + t * (b[3] - b[1]);
        edge.extend([
            Coord { x, y: b[1] },
            Coord { x, y: b[3] },
            Coord { x: b[0], y },
            Coord { x: b[2], y },
        ]);
    }
    edge.push(coord! { x: b[2], y: b[3] });
    with_op(from, to, |op| op.transform_coords(&mut edge))?;
    let margin = if matches!(to, OgcCrs::Native(_)) {
        MARGIN_M
    } else {
        0.0
    };
    let (lo, hi) = edge.iter().fold(
        (
            coord! { x: f64::INFINITY, y: f64::INFINITY },
            coord! { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY },
        ),
        |(lo, hi): (Coord<f64>, Coord<f64>), c| {
            (
                coord! { x: lo.x.min(c.x), y: lo.y.min(c.y) },
                coord! { x: hi.x.max(c.x), y: hi.y.max(c.y) },
            )
        },
    );
    Ok(Some(Rect::new(
        coord! { x: lo.x - margin, y: lo.y - margin },
        coord! { x: hi.x + margin, y: hi.y + margin },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_the_two_crss_are_read_and_others_refused() {
        for s in [
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "[OGC:CRS84]",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
        ] {
            assert_eq!(OgcCrs::parse(s, Crs::STORE), Ok(OgcCrs::Crs84), "{s}");
        }
        for s in [
            "http://www.opengis.net/def/crs/EPSG/0/25832",
            "[EPSG:25832]",
        ] {
            assert_eq!(OgcCrs::parse(s, Crs::STORE), Ok(OgcCrs::UTM32), "{s}");
        }
        for s in [
            "EPSG:4326",
            "http://www.opengis.net/def/crs/EPSG/0/7416",
            "",
        ] {
            assert!(OgcCrs::parse(s, Crs::STORE).is_err(), "{s}");
        }
    }

    /// Copenhagen City Hall as in forsyning-geo's own check (PROJ):
    /// 12.5683 E, 55.6761 N is 724,351.93 E, 6,175,804.02 N.
    #[test]
    fn a_point_box_projects_onto_the_known_position() {
        let r = box_envelope(
            [12.5683, 55.6761, 12.5683, 55.6761],
            OgcCrs::Crs84,
            OgcCrs::UTM32,
        )
        .unwrap()
        .unwrap();
        let c = r.center();
        assert!((c.x - 724_351.93).abs() < 0.01 && (c.y - 6_175_804.02).abs() < 0.01);
        assert!((r.width() - 2.0 * MARGIN_M).abs() < 1e-6);
        let mut g = Geometry::Point(geo_types::Point::new(724_351.93, 6_175_804.02));
        geometry_from_store(&mut g, Crs::STORE, OgcCrs::Crs84).unwrap();
        let Geometry::Point(p) = g else { panic!() };
        assert!((p.x() - 12.5683).abs() < 1e-6 && (p.y() - 55.6761).abs() < 1e-6);
    }

    #[test]
    fn a_box_outside_europe_is_empty_and_a_large_one_contains_its_edges() {
        assert_eq!(
            box_envelope([100.0, 10.0, 120.0, 15.0], OgcCrs::Crs84, OgcCrs::UTM32).unwrap(),
            None
        );
        let r = box_envelope([5.0, 48.0, 20.0, 70.0], OgcCrs::Crs84, OgcCrs::UTM32)
            .unwrap()
            .unwrap();
        // Every point of the box's edges, finely sampled, lies inside.
        for i in 0..=4000 {
            let t = i as f64 / 4000.0;
            for (x, y) in [
                (5.0 + 15.0 * t, 48.0),
                (5.0 + 15.0 * t, 70.0),
                (5.0, 48.0 + 22.0 * t),
                (20.0, 48.0 + 22.0 * t),
            ] {
                let c = with_op(OgcCrs::Crs84, OgcCrs::UTM32, |op| {
                    op.transform_coord(Coord { x, y })
                })
                .unwrap();
                assert!(
                    r.min().x <= c.x && c.x <= r.max().x && r.min().y <= c.y && c.y <= r.max().y,
                    "{x} {y}"
                );
            }
        }
    }
}
