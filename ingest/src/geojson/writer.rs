//! Streams features out as a GeoJSON FeatureCollection.

use std::io::{self, BufWriter, Write};

use forsyning_model::NetworkFeature;
use geo_types::{Coord, Geometry, LineString, Polygon};
use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};

use super::props::Prop;

/// Writes `features` as a FeatureCollection to `w` and returns how many were written.
///
/// The legacy `"crs"` member names `crs_name` (for the store's geometries,
/// `urn:ogc:def:crs:EPSG::25832`); coordinates are written as they are, in
/// that CRS, 2D, with the shortest decimal that reads back to the same `f64`.
/// Heights go to the `heights` property, and every mapped property is
/// written (see the [module documentation](super)), so that
/// [`GeoJsonReader`](super::GeoJsonReader) gives back the same feature, except
/// for `id`, owner, dataset, version and validity. The feature's `id` is
/// written as the GeoJSON `id`.
///
/// Features are written as they come, through a 64 KiB buffer; one feature
/// per line. A non-finite coordinate fails with [`io::ErrorKind::InvalidData`]
/// after the features before it were written.
pub fn write_feature_collection<F: std::borrow::Borrow<NetworkFeature>>(
    w: impl Write,
    crs_name: &str,
    features: impl IntoIterator<Item = F>,
) -> io::Result<u64> {
    let mut w = BufWriter::with_capacity(64 << 10, w);
    w.write_all(br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"#)?;
    serde_json::to_writer(&mut w, crs_name)?;
    w.write_all(br#"}},"features":["#)?;
    let mut written = 0u64;
    for feature in features {
        w.write_all(if written == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut w, &FeatureOut(feature.borrow()))?;
        written += 1;
    }
    w.write_all(b"\n]}\n")?;
    w.flush()?;
    Ok(written)
}

struct FeatureOut<'a>(&'a NetworkFeature);

impl Serialize for FeatureOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("type", "Feature")?;
        map.serialize_entry("id", &f.id)?;
        map.serialize_entry("geometry", &GeoJsonGeometry(&f.geometry))?;
        map.serialize_entry("properties", &PropertiesOut(f))?;
        map.end()
    }
}

struct PropertiesOut<'a>(&'a NetworkFeature);

/// A feature's properties as [`write_feature_collection`] writes them (the
/// mapped properties, model codes and units), for writers of other
/// envelopes (OGC API Features items).
#[derive(Debug, Clone, Copy)]
pub struct GeoJsonProperties<'a>(pub &'a NetworkFeature);

impl Serialize for GeoJsonProperties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PropertiesOut(self.0).serialize(s)
    }
}

impl Serialize for PropertiesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn opt<M: SerializeMap, T: Serialize>(
            m: &mut M,
            p: Prop,
            v: Option<T>,
        ) -> Result<(), M::Error> {
            match v {
                Some(v) => m.serialize_entry(p.key(), &v),
                None => Ok(()),
            }
        }
        let f = self.0;
        let ms = &f.measures;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(Prop::SourceId.key(), &f.source_id)?;
        m.serialize_entry(Prop::Class.key(), &f.source_class)?;
        m.serialize_entry(Prop::Theme.key(), f.theme.code())?;
        m.serialize_entry(Prop::Kind.key(), f.kind.code())?;
        opt(&mut m, Prop::Status, f.status.map(|v| v.code()))?;
        opt(&mut m, Prop::Hazard, f.hazard.map(|v| v.code()))?;
        opt(&mut m, Prop::SafetyNote, f.safety_note.as_ref())?;
        m.serialize_entry(Prop::AccuracyXy.key(), f.accuracy_xy.code())?;
        m.serialize_entry(Prop::AccuracyZ.key(), f.accuracy_z.code())?;
        opt(
            &mut m,
            Prop::DrawingMethod,
            f.drawing_method.map(|v| v.code()),
        )?;
        opt(&mut m, Prop::DepthMm, ms.depth_mm)?;
        opt(&mut m, Prop::DiameterMm, ms.diameter_mm)?;
        opt(&mut m, Prop::VoltageKv, ms.voltage_kv)?;
        opt(&mut m, Prop::PressureBar, ms.pressure_bar)?;
        opt(&mut m, Prop::Material, ms.material.as_ref())?;
        opt(&mut m, Prop::Installed, ms.installed.map(|d| d.to_string()))?;
        opt(&mut m, Prop::Heights, f.heights.as_ref())?;
        m.end()
    }
}

/// A geometry that serialises as GeoJSON (2D, x first), streamed to the
/// serializer without building a JSON value; a non-finite coordinate is an
/// error.
#[derive(Debug, Clone, Copy)]
pub struct GeoJsonGeometry<'a>(pub &'a Geometry<f64>);

impl Serialize for GeoJsonGeometry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self.0 {
            Geometry::Point(p) => {
                m.serialize_entry("type", "Point")?;
                m.serialize_entry("coordinates", &Pos(p.0))?;
            }
            Geometry::Line(l) => {
                m.serialize_entry("type", "LineString")?;
                m.serialize_entry("coordinates", &[Pos(l.start), Pos(l.end)])?;
            }
            Geometry::LineString(l) => {
                m.serialize_entry("type", "LineString")?;
                m.serialize_entry("coordinates", &Line(l))?;
            }
            Geometry::Polygon(p) => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(p))?;
            }
            Geometry::MultiPoint(mp) => {
                m.serialize_entry("type", "MultiPoint")?;
                m.serialize_entry("coordinates", &Seq(|| mp.0.iter().map(|p| Pos(p.0))))?;
            }
            Geometry::MultiLineString(ml) => {
                m.serialize_entry("type", "MultiLineString")?;
                m.serialize_entry("coordinates", &Seq(|| ml.0.iter().map(Line)))?;
            }
            Geometry::MultiPolygon(mp) => {
                m.serialize_entry("type", "MultiPolygon")?;
                m.serialize_entry("coordinates", &Seq(|| mp.0.iter().map(Rings)))?;
            }
            Geometry::GeometryCollection(gc) => {
                m.serialize_entry("type", "GeometryCollection")?;
                m.serialize_entry("geometries", &Seq(|| gc.0.iter().map(GeoJsonGeometry)))?;
            }
            Geometry::Rect(r) => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(&r.to_polygon()))?;
            }
            Geometry::Triangle(t) => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(&t.to_polygon()))?;
            }
        }
        m.end()
    }
}

/// A sequence serialised from a fresh iterator, so nothing is collected first.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

struct Pos(Coord<f64>);

impl Serialize for Pos {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Coord { x, y } = self.0;
        if !x.is_finite() || !y.is_finite() {
            return Err(S::Error::custom(format!(
                "coordinate ({x}, {y}) is not finite"
            )));
        }
        [x, y].serialize(s)
    }
}

struct Line<'a>(&'a LineString<f64>);

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0 .0.iter().map(|c| Pos(*c)))
    }
}

struct Rings<'a>(&'a Polygon<f64>);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        s.collect_seq(std::iter::once(p.exterior()).chain(p.interiors()).map(Line))
    }
}
