//! Street context: a base map layer drawn in pale grey beneath the network,
//! so a contractor can tell which side of the kerb a cable runs.
//!
//! The store holds it as any other dataset: every dataset named
//! [`BASEMAP_DATASET`], whoever owns it, is public context (road edges,
//! kerbs, building outlines from the municipality or the national base
//! map). Only its geometry is drawn, no attributes; lines as thin grey
//! strokes, areas as a pale fill with a grey outline. Points are left out
//! (a base map's points are labels and symbols the map cannot style).

use geo_types::{Coord, Geometry, Polygon};

use super::scene::{clip_polyline, polygon_rings, ClipRect, Item, Shape, Stroke, View};
use super::style::Rgba;

/// The dataset name that marks a dataset as street context.
pub const BASEMAP_DATASET: &str = "basemap";

/// Stroke of context lines and outlines.
pub const STREET: Rgba = Rgba::rgb(160, 160, 160);
/// Fill of context areas (buildings, paved areas).
pub const STREET_FILL: Rgba = Rgba::rgb(236, 236, 236);
/// Width of context lines, points.
pub const STREET_WIDTH: f32 = 0.6;

/// Appends the context geometries (EPSG:25832) to `map`, clipped; true
/// when anything of it lies in the frame.
pub(super) fn draw(
    context: &[Geometry<f64>],
    view: &View,
    clip: &ClipRect,
    map: &mut Vec<Item>,
) -> bool {
    let mut lines = Vec::new();
    let mut areas = Vec::new();
    let finite = |c: &Coord<f64>| c.x.is_finite() && c.y.is_finite();
    let polygon = |p: &Polygon<f64>, areas: &mut Vec<Vec<[f32; 2]>>| {
        if p.exterior().0.iter().all(finite) {
            areas.extend(polygon_rings(p, view, clip));
        }
    };
    for g in context {
        match g {
            Geometry::LineString(l) if l.0.iter().all(finite) => {
                lines.extend(clip_polyline(l.0.iter().map(|&c| view.to_page(c)), clip));
            }
            Geometry::MultiLineString(m) => {
                for l in m.0.iter().filter(|l| l.0.iter().all(finite)) {
                    lines.extend(clip_polyline(l.0.iter().map(|&c| view.to_page(c)), clip));
                }
            }
            Geometry::Polygon(p) => polygon(p, &mut areas),
            Geometry::MultiPolygon(m) => m.0.iter().for_each(|p| polygon(p, &mut areas)),
            _ => {}
        }
    }
    let any = !lines.is_empty() || !areas.is_empty();
    if !areas.is_empty() {
        map.push(Item::Shape(Shape {
            parts: areas,
            closed: true,
            even_odd: true,
            fill: Some(STREET_FILL),
            stroke: Some(Stroke::solid(STREET, STREET_WIDTH)),
        }));
    }
    if !lines.is_empty() {
        map.push(Item::Shape(Shape {
            parts: lines,
            closed: false,
            even_odd: false,
            fill: None,
            stroke: Some(Stroke::solid(STREET, STREET_WIDTH)),
        }));
    }
    any
}
