//! [`Reprojector`]: one PROJ transformation, built once, applied to many coordinates.

use geo::MapCoordsInPlace;
use geo_types::{Coord, Geometry};
use proj::Proj;

use crate::{pj, Crs, GeoError};

/// Transforms coordinates from one CRS to another with PROJ.
///
/// # Axis order
///
/// Coordinates go in **and** come out in the *authority* axis order of their
/// CRS, the order GML `posList`, WKT2 and OGC API Features Part 2 use; degrees
/// for geographic CRSs, metres for projected ones:
///
/// | CRS | `x` (first) | `y` (second) |
/// |---|---|---|
/// | EPSG:4326, EPSG:4258 ([`Crs::is_lat_first`]) | latitude | longitude |
/// | [`Crs::CRS84`] | longitude | latitude |
/// | EPSG:25832 ([`Crs::STORE`]), EPSG:28992 | easting | northing |
///
/// So the GML `<gml:posList>55.6761 12.5683</gml:posList>` of an EPSG:4258
/// line goes in as `Coord { x: 55.6761, y: 12.5683 }` unchanged, and a
/// transformation *to* EPSG:4326 returns latitude first. For longitude-first
/// output (GeoJSON, web maps) target [`Crs::CRS84`].
///
/// PROJ itself handles the order: the operation comes from
/// `proj_create_crs_to_crs_from_pj` *without* `proj_normalize_for_visualization`
/// (which `proj::Proj::new_known_crs` applies, making every CRS lon/lat).
///
/// # Compound CRSs
///
/// Only the horizontal part is transformed (EPSG:7416 is treated as 25832).
/// `geo_types` geometries are 2D, so no height is converted; a caller that
/// keeps DVR90 or NAP heights elsewhere must convert them itself.
///
/// # Threads
///
/// PROJ objects must not be shared between threads and `proj::Proj` is neither
/// `Send` nor `Sync`, so a `Reprojector` is neither (making it `Send` would take
/// `unsafe`, which this workspace forbids). Create one per thread, or per file
/// inside a blocking task, and keep it: building one takes 10-20 ms (PROJ
/// opens proj.db and ranks candidate operations), a coordinate well under a
/// microsecond.
///
/// ```compile_fail
/// fn needs_send<T: Send>(_: T) {}
/// let r = forsyning_geo::Reprojector::new(&forsyning_geo::Crs::CRS84, &forsyning_geo::Crs::STORE);
/// needs_send(r.unwrap());
/// ```
#[derive(Debug)]
pub struct Reprojector {
    from: Crs,
    to: Crs,
    /// `None` when both CRSs share their horizontal part: nothing to do.
    operation: Option<Proj>,
}

impl Reprojector {
    /// PROJ's best transformation from `from` to `to` for the whole area of use
    /// (no grids are bundled, so datum shifts fall back to PROJ's grid-free
    /// operations: Amersfoort → ETRS89 is then a Helmert shift, off by about
    /// 0.3 m at the RD origin).
    ///
    /// Two CRSs with the same horizontal part (EPSG:7416 and EPSG:25832) give
    /// an identity that never calls PROJ.
    ///
    /// ```
    /// # use forsyning_geo::{Crs, Reprojector};
    /// # use geo_types::coord;
    /// let to_store = Reprojector::new(&Crs::CRS84, &Crs::STORE).unwrap();
    /// // Copenhagen City Hall, longitude and latitude in degrees (WGS 84).
    /// let c = to_store.transform_coord(coord! { x: 12.5683, y: 55.6761 }).unwrap();
    /// // Easting and northing in metres, EPSG:25832.
    /// assert!((c.x - 724_351.93).abs() < 0.01 && (c.y - 6_175_804.02).abs() < 0.01);
    /// ```
    pub fn new(from: &Crs, to: &Crs) -> Result<Reprojector, GeoError> {
        let operation = if from.horizontal() == to.horizontal() {
            None
        } else {
            let (source, target) = (from.horizontal().id(), to.horizontal().id());
            let op = pj::operation(source, target).map_err(|detail| GeoError::TransformSetup {
                from: *from,
                to: *to,
                detail,
            })?;
            Some(op)
        };
        Ok(Reprojector {
            from: *from,
            to: *to,
            operation,
        })
    }

    /// The source CRS, as given to [`Reprojector::new`].
    pub fn from(&self) -> Crs {
        self.from
    }

    /// The target CRS, as given to [`Reprojector::new`].
    pub fn to(&self) -> Crs {
        self.to
    }

    /// Whether this reprojector leaves coordinates untouched.
    pub fn is_identity(&self) -> bool {
        self.operation.is_none()
    }

    /// One coordinate, source authority order in, target authority order out.
    ///
    /// Errors: [`GeoError::NonFinite`] for a NaN or infinite input or result,
    /// [`GeoError::Transform`] when PROJ fails; both carry the input coordinate.
    /// The identity returns its input as is, without checks.
    pub fn transform_coord(&self, c: Coord<f64>) -> Result<Coord<f64>, GeoError> {
        let Some(operation) = &self.operation else {
            return Ok(c);
        };
        let non_finite = || GeoError::NonFinite {
            from: self.from,
            to: self.to,
            x: c.x,
            y: c.y,
        };
        if !(c.x.is_finite() && c.y.is_finite()) {
            return Err(non_finite());
        }
        let (x, y) = operation
            .convert((c.x, c.y))
            .map_err(|e| GeoError::Transform {
                from: self.from,
                to: self.to,
                x: c.x,
                y: c.y,
                detail: e.to_string(),
            })?;
        if !(x.is_finite() && y.is_finite()) {
            return Err(non_finite());
        }
        Ok(Coord { x, y })
    }

    /// Every coordinate of a slice, in place.
    ///
    /// On error the slice is partly transformed: discard it.
    pub fn transform_coords(&self, coords: &mut [Coord<f64>]) -> Result<(), GeoError> {
        if self.is_identity() {
            return Ok(());
        }
        for c in coords {
            *c = self.transform_coord(*c)?;
        }
        Ok(())
    }

    /// Every coordinate of a geometry, in place.
    ///
    /// A `Rect` has only its two corners transformed (then re-ordered into
    /// min/max), which is not the bounding box of the transformed rectangle:
    /// convert it to a polygon first when that matters. On error the geometry
    /// is partly transformed: discard it.
    pub fn transform_geometry(&self, geometry: &mut Geometry<f64>) -> Result<(), GeoError> {
        if self.is_identity() {
            return Ok(());
        }
        let f = |c| self.transform_coord(c);
        // geo 0.31's `Geometry::try_map_coords_in_place` cannot be
        // instantiated (it recurses on `&func` for collections), so the
        // collection level is walked here.
        match geometry {
            Geometry::GeometryCollection(collection) => collection
                .iter_mut()
                .try_for_each(|g| self.transform_geometry(g)),
            Geometry::Point(g) => g.try_map_coords_in_place(f),
            Geometry::Line(g) => g.try_map_coords_in_place(f),
            Geometry::LineString(g) => g.try_map_coords_in_place(f),
            Geometry::Polygon(g) => g.try_map_coords_in_place(f),
            Geometry::MultiPoint(g) => g.try_map_coords_in_place(f),
            Geometry::MultiLineString(g) => g.try_map_coords_in_place(f),
            Geometry::MultiPolygon(g) => g.try_map_coords_in_place(f),
            Geometry::Rect(g) => g.try_map_coords_in_place(f),
            Geometry::Triangle(g) => g.try_map_coords_in_place(f),
        }
    }
}
