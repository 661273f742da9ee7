//! GeoJSON geometries in and out of request and response bodies.
//!
//! Positions are read as GeoJSON writes them, easting/longitude first
//! (`[x, y]` or `[x, y, z]`, the height ignored), whatever the CRS; a caller
//! that reprojects swaps them for a CRS whose authority order is north first.

use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use serde_json::Value;

/// Why a GeoJSON geometry could not be read; the message names the place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct GeoJsonError(String);

fn err(msg: impl Into<String>) -> GeoJsonError {
    GeoJsonError(msg.into())
}

fn position(v: &Value, at: &str) -> Result<Coord<f64>, GeoJsonError> {
    let a = v
        .as_array()
        .ok_or_else(|| err(format!("{at} is not a position [x, y]")))?;
    if !(2..=3).contains(&a.len()) {
        return Err(err(format!(
            "{at} has {} numbers; a position has 2 (or 3)",
            a.len()
        )));
    }
    let num = |i: usize| {
        a[i].as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| err(format!("{at}[{i}] is not a finite number")))
    };
    Ok(Coord {
        x: num(0)?,
        y: num(1)?,
    })
}

fn ring(v: &Value, at: &str, max_positions: &mut usize) -> Result<LineString<f64>, GeoJsonError> {
    let a = v
        .as_array()
        .ok_or_else(|| err(format!("{at} is not an array of positions")))?;
    if a.len() > *max_positions {
        return Err(err(format!("{at}: too many positions")));
    }
    *max_positions -= a.len();
    let coords = a
        .iter()
        .enumerate()
        .map(|(i, p)| position(p, &format!("{at}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LineString(coords))
}

fn polygon_coords(
    v: &Value,
    at: &str,
    max_positions: &mut usize,
) -> Result<Polygon<f64>, GeoJsonError> {
    let rings = v
        .as_array()
        .ok_or_else(|| err(format!("{at} is not an array of rings")))?;
    let Some((outer, holes)) = rings.split_first() else {
        return Err(err(format!("{at} has no ring")));
    };
    let exterior = ring(outer, &format!("{at}[0]"), max_positions)?;
    let interiors = holes
        .iter()
        .enumerate()
        .map(|(i, r)| ring(r, &format!("{at}[{}]", i + 1), max_positions))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn typed<'a>(v: &'a Value, at: &str) -> Result<(&'a str, &'a Value), GeoJsonError> {
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("{at} is not a GeoJSON geometry (no \"type\")")))?;
    let coords = v
        .get("coordinates")
        .ok_or_else(|| err(format!("{at} has no \"coordinates\"")))?;
    Ok((kind, coords))
}

/// A GeoJSON `Polygon` geometry with at most `max_positions` positions in all.
/// Unclosed rings are closed.
pub fn read_polygon(v: &Value, max_positions: usize) -> Result<Polygon<f64>, GeoJsonError> {
    let mut budget = max_positions;
    match typed(v, "the geometry")? {
        ("Polygon", coords) => polygon_coords(coords, "coordinates", &mut budget),
        (other, _) => Err(err(format!(
            "the geometry is a {other}; a Polygon is needed"
        ))),
    }
}

/// A GeoJSON `Polygon` or `MultiPolygon` geometry as a multipolygon.
pub fn read_multi_polygon(
    v: &Value,
    max_positions: usize,
) -> Result<MultiPolygon<f64>, GeoJsonError> {
    let mut budget = max_positions;
    match typed(v, "the geometry")? {
        ("Polygon", coords) => Ok(MultiPolygon(vec![polygon_coords(
            coords,
            "coordinates",
            &mut budget,
        )?])),
        ("MultiPolygon", coords) => coords
            .as_array()
            .ok_or_else(|| err("coordinates is not an array of polygons"))?
            .iter()
            .enumerate()
            .map(|(i, p)| polygon_coords(p, &format!("coordinates[{i}]"), &mut budget))
            .collect::<Result<Vec<_>, _>>()
            .map(MultiPolygon),
        (other, _) => Err(err(format!(
            "the geometry is a {other}; a Polygon or MultiPolygon is needed"
        ))),
    }
}

pub use forsyning_ingest::geojson::GeoJsonGeometry as GeoJson;

/// A geometry as a GeoJSON [`Value`] (see [`GeoJson`]); `null` for one
/// with a non-finite coordinate, which validation keeps out of the store.
pub fn write_geometry(g: &Geometry<f64>) -> Value {
    serde_json::to_value(GeoJson(g)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use geo_types::{line_string, polygon, Point};
    use serde_json::json;

    use super::*;

    #[test]
    fn polygons_round_trip_and_errors_name_the_place() {
        let p = polygon![(x: 1.0, y: 2.0), (x: 5.0, y: 2.0), (x: 5.0, y: 6.0), (x: 1.0, y: 2.0)];
        let v = write_geometry(&Geometry::Polygon(p.clone()));
        assert_eq!(read_polygon(&v, 100).unwrap(), p);
        assert_eq!(read_multi_polygon(&v, 100).unwrap(), MultiPolygon(vec![p]));
        let bad = json!({"type": "Polygon", "coordinates": [[[1, 2], [3, "x"], [5, 6]]]});
        assert_eq!(
            read_polygon(&bad, 100).unwrap_err().to_string(),
            "coordinates[0][1][1] is not a finite number"
        );
        let point = write_geometry(&Geometry::Point(Point::new(1.0, 2.0)));
        assert!(read_polygon(&point, 100)
            .unwrap_err()
            .to_string()
            .contains("Point"));
        assert!(read_polygon(&v, 2)
            .unwrap_err()
            .to_string()
            .contains("too many"));
        let l = line_string![(x: 0.5, y: 1.0), (x: 2.0, y: 3.0)];
        assert_eq!(
            write_geometry(&Geometry::LineString(l)),
            json!({"type": "LineString", "coordinates": [[0.5, 1.0], [2.0, 3.0]]})
        );
    }

    /// Every kind of geometry, streamed, against GeoJSON written by hand.
    #[test]
    fn every_geometry_kind_is_written_as_geojson() {
        use geo_types::{
            Coord, GeometryCollection, Line, MultiLineString, MultiPoint, Rect, Triangle,
        };
        let c = |x: f64, y: f64| Coord { x, y };
        let square = polygon![
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 1.0, y: 2.0), (x: 1.0, y: 1.0)]],
        ];
        let cases = [
            (
                Geometry::Point(Point::new(1.5, -2.0)),
                json!({"type": "Point", "coordinates": [1.5, -2.0]}),
            ),
            (
                Geometry::Line(Line::new(c(0.0, 1.0), c(2.0, 3.0))),
                json!({"type": "LineString", "coordinates": [[0.0, 1.0], [2.0, 3.0]]}),
            ),
            (
                Geometry::Polygon(square.clone()),
                json!({"type": "Polygon", "coordinates": [
                    [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 0.0]],
                    [[1.0, 1.0], [2.0, 1.0], [1.0, 2.0], [1.0, 1.0]]]}),
            ),
            (
                Geometry::MultiPoint(MultiPoint(vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)])),
                json!({"type": "MultiPoint", "coordinates": [[1.0, 2.0], [3.0, 4.0]]}),
            ),
            (
                Geometry::MultiLineString(MultiLineString(vec![
                    line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)],
                    line_string![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 7.0, y: 8.25)],
                ])),
                json!({"type": "MultiLineString", "coordinates": [
                    [[0.0, 0.0], [1.0, 1.0]], [[5.0, 5.0], [6.0, 5.0], [7.0, 8.25]]]}),
            ),
            (
                Geometry::MultiPolygon(MultiPolygon(vec![square])),
                json!({"type": "MultiPolygon", "coordinates": [[
                    [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 0.0]],
                    [[1.0, 1.0], [2.0, 1.0], [1.0, 2.0], [1.0, 1.0]]]]}),
            ),
            (
                Geometry::Rect(Rect::new(c(0.0, 0.0), c(2.0, 1.0))),
                json!({"type": "Polygon", "coordinates": [
                    [[2.0, 0.0], [2.0, 1.0], [0.0, 1.0], [0.0, 0.0], [2.0, 0.0]]]}),
            ),
            (
                Geometry::Triangle(Triangle::new(c(0.0, 0.0), c(1.0, 0.0), c(0.0, 1.0))),
                json!({"type": "Polygon", "coordinates": [
                    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]}),
            ),
            (
                Geometry::GeometryCollection(GeometryCollection(vec![
                    Geometry::Point(Point::new(9.0, 8.0)),
                    Geometry::LineString(line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0)]),
                ])),
                json!({"type": "GeometryCollection", "geometries": [
                    {"type": "Point", "coordinates": [9.0, 8.0]},
                    {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 0.0]]}]}),
            ),
        ];
        for (g, want) in cases {
            let text = serde_json::to_string(&GeoJson(&g)).unwrap();
            let got: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(got, want, "{text}");
            assert_eq!(write_geometry(&g), want);
        }
    }
}
