//! Geometries from WKB (GDAL) and WKT (CSV) into `geo_types`, keeping the
//! height of each vertex: geozero's geo-types writer drops Z, so a small
//! processor hands it the X and Y and keeps the Z beside it.

use geo_types::Geometry;
use geozero::error::{GeozeroError, Result as GzResult};
use geozero::geo_types::GeoWriter;
use geozero::{CoordDimensions, GeomProcessor, GeozeroGeometry};

use crate::geojson::{Heights, UNKNOWN_HEIGHT};
use crate::problem::Rule;

/// The geometry of WKB bytes (ISO or extended WKB, 2D or 3D) with its
/// heights, or the rule it breaks.
pub(crate) fn from_wkb(wkb: &[u8]) -> Result<(Geometry<f64>, Heights), (Rule, String)> {
    build(&geozero::wkb::Wkb(wkb), "WKB")
}

/// The geometry of WKT text with its heights, or the rule it breaks.
pub(crate) fn from_wkt(wkt: &str) -> Result<(Geometry<f64>, Heights), (Rule, String)> {
    if wkt.trim().is_empty() {
        return Err((Rule::GeometryMissing, "the feature has no geometry".into()));
    }
    build(&geozero::wkt::Wkt(wkt), "WKT")
}

fn build(g: &impl GeozeroGeometry, what: &str) -> Result<(Geometry<f64>, Heights), (Rule, String)> {
    let mut w = ZWriter::default();
    if let Err(e) = g.process_geom(&mut w) {
        return Err(match w.unsupported {
            Some(kind) => (
                Rule::UnsupportedGeometry,
                format!("{kind} geometries are not supported; use Point, LineString, Polygon or their Multi* forms"),
            ),
            None => (Rule::MalformedInput, format!("the {what} does not parse: {e}")),
        });
    }
    let geometry = w.inner.take_geometry().ok_or_else(|| {
        (
            Rule::GeometryMissing,
            "the feature has no geometry".to_owned(),
        )
    })?;
    if vertices(&geometry) == 0 {
        return Err((
            Rule::GeometryEmpty,
            "the geometry has no coordinates".into(),
        ));
    }
    let heights = w.z.iter().any(Option::is_some).then(|| {
        w.z.into_iter()
            .map(|z| z.filter(|&z| z != UNKNOWN_HEIGHT))
            .collect()
    });
    Ok((geometry, heights))
}

fn vertices(g: &Geometry<f64>) -> usize {
    use geo::CoordsIter;
    g.coords_count()
}

/// geozero's geo-types writer, plus the Z of each vertex in order.
#[derive(Default)]
struct ZWriter {
    inner: GeoWriter,
    z: Vec<Option<f64>>,
    /// Set when the input holds a type the model does not store.
    unsupported: Option<&'static str>,
}

impl ZWriter {
    fn refuse(&mut self, kind: &'static str) -> GzResult<()> {
        self.unsupported = Some(kind);
        Err(GeozeroError::Geometry(format!("{kind} is not supported")))
    }
}

impl GeomProcessor for ZWriter {
    fn dimensions(&self) -> CoordDimensions {
        CoordDimensions::xyz()
    }
    fn xy(&mut self, x: f64, y: f64, idx: usize) -> GzResult<()> {
        self.z.push(None);
        self.inner.xy(x, y, idx)
    }
    fn coordinate(
        &mut self,
        x: f64,
        y: f64,
        z: Option<f64>,
        _m: Option<f64>,
        _t: Option<f64>,
        _tm: Option<u64>,
        idx: usize,
    ) -> GzResult<()> {
        self.z.push(z);
        self.inner.xy(x, y, idx)
    }
    fn empty_point(&mut self, _idx: usize) -> GzResult<()> {
        Err(GeozeroError::Geometry("an empty point".into()))
    }
    fn point_begin(&mut self, idx: usize) -> GzResult<()> {
        self.inner.point_begin(idx)
    }
    fn point_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.point_end(idx)
    }
    fn multipoint_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.inner.multipoint_begin(size, idx)
    }
    fn multipoint_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.multipoint_end(idx)
    }
    fn linestring_begin(&mut self, tagged: bool, size: usize, idx: usize) -> GzResult<()> {
        self.inner.linestring_begin(tagged, size, idx)
    }
    fn linestring_end(&mut self, tagged: bool, idx: usize) -> GzResult<()> {
        self.inner.linestring_end(tagged, idx)
    }
    fn multilinestring_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.inner.multilinestring_begin(size, idx)
    }
    fn multilinestring_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.multilinestring_end(idx)
    }
    fn polygon_begin(&mut self, tagged: bool, size: usize, idx: usize) -> GzResult<()> {
        self.inner.polygon_begin(tagged, size, idx)
    }
    fn polygon_end(&mut self, tagged: bool, idx: usize) -> GzResult<()> {
        self.inner.polygon_end(tagged, idx)
    }
    fn multipolygon_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.inner.multipolygon_begin(size, idx)
    }
    fn multipolygon_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.multipolygon_end(idx)
    }
    fn geometrycollection_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("GeometryCollection")
    }
    fn circularstring_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("CircularString")
    }
    fn compoundcurve_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("CompoundCurve")
    }
    fn curvepolygon_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("CurvePolygon")
    }
    fn multicurve_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("MultiCurve")
    }
    fn multisurface_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("MultiSurface")
    }
    fn triangle_begin(&mut self, _tagged: bool, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("Triangle")
    }
    fn polyhedralsurface_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("PolyhedralSurface")
    }
    fn tin_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.refuse("TIN")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{line_string, point};

    #[test]
    fn wkt_keeps_heights_and_reads_minus_99_as_unknown() {
        let (g, h) = from_wkt("LINESTRING Z (720000 6170000 -99, 720010 6170005 12.5)").unwrap();
        assert_eq!(
            g,
            Geometry::LineString(
                line_string![(x: 720000., y: 6170000.), (x: 720010., y: 6170005.)]
            )
        );
        assert_eq!(h, Some(vec![None, Some(12.5)]));
        let (g, h) = from_wkt("POINT (1 2)").unwrap();
        assert_eq!((g, h), (Geometry::Point(point!(x: 1., y: 2.)), None));
    }

    #[test]
    fn wkb_from_wkt_round_trips_with_z() {
        // POINT Z (10 20 30) as ISO WKB, little endian: type 1001.
        let mut wkb = vec![1u8];
        wkb.extend(1001u32.to_le_bytes());
        for v in [10f64, 20.0, 30.0] {
            wkb.extend(v.to_le_bytes());
        }
        let (g, h) = from_wkb(&wkb).unwrap();
        assert_eq!(g, Geometry::Point(point!(x: 10., y: 20.)));
        assert_eq!(h, Some(vec![Some(30.0)]));
    }

    #[test]
    fn bad_and_unsupported_geometries_name_their_rule() {
        assert_eq!(
            from_wkt("LINESTRING (1 2, 3").unwrap_err().0,
            Rule::MalformedInput
        );
        assert_eq!(from_wkt("").unwrap_err().0, Rule::GeometryMissing);
        assert_eq!(
            from_wkt("GEOMETRYCOLLECTION (POINT (1 2))").unwrap_err().0,
            Rule::UnsupportedGeometry
        );
        assert_eq!(
            from_wkt("LINESTRING EMPTY").unwrap_err().0,
            Rule::GeometryEmpty
        );
        assert_eq!(from_wkb(&[1, 2, 3]).unwrap_err().0, Rule::MalformedInput);
    }
}
