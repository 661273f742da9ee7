//! The scene: everything the map shows, in page points (y down), computed
//! once from the package input and drawn by both back ends.

use std::collections::{BTreeMap, BTreeSet};

use forsyning_model::{Hazard, NetworkFeature, Theme};
use geo::{BoundingRect, Buffer};
use geo_types::{Coord, Geometry, LineString, Polygon};

use super::style::{self, Rgba, INK, WHITE};
use super::{font, panel, MapError, PackageInput, Page};

/// Body text size, points: 16 px on the default PNG.
pub const BODY_SIZE: f32 = 8.419;
/// Title text size, points: 24 px on the default PNG.
pub const TITLE_SIZE: f32 = 12.628;

const MARGIN: f32 = 18.0;
const GAP: f32 = 14.0;
const PANEL_WIDTH: f32 = 320.0;
/// How far beyond the frame geometry is kept before the back ends clip it
/// exactly: wider than half the widest stroke, so no cut end shows.
const CLIP_MARGIN: f64 = 12.0;

/// A rectangle on the page, points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Frame {
    pub fn right(&self) -> f32 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.height
    }

    /// Whether page point (x, y) lies inside (edges included).
    pub fn contains(&self, x: f32, y: f32) -> bool {
        (self.x..=self.right()).contains(&x) && (self.y..=self.bottom()).contains(&y)
    }
}

/// The affine map from EPSG:25832 metres to page points (north up, the
/// same scale along both axes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// The world point at the frame's centre.
    pub centre: Coord<f64>,
    /// The frame's centre on the page.
    pub page_centre: (f64, f64),
    /// Points per metre.
    pub scale: f64,
}

impl View {
    /// The page point of world coordinate `c`.
    pub fn to_page(&self, c: Coord<f64>) -> (f64, f64) {
        (
            self.page_centre.0 + (c.x - self.centre.x) * self.scale,
            self.page_centre.1 - (c.y - self.centre.y) * self.scale,
        )
    }

    /// The map's scale on paper, 1:N, when the page prints at its size in
    /// points (A4 landscape).
    pub fn scale_denominator(&self) -> f64 {
        72.0 / (0.0254 * self.scale)
    }
}

/// How a shape's outline is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    pub colour: Rgba,
    /// Points.
    pub width: f32,
    /// Dash and gap lengths, points; `None` for a solid line.
    pub dash: Option<[f32; 2]>,
    /// Round caps and joins (else butt caps and miter joins).
    pub round: bool,
}

impl Stroke {
    /// A solid line with round caps and joins.
    pub fn solid(colour: Rgba, width: f32) -> Self {
        Self {
            colour,
            width,
            dash: None,
            round: true,
        }
    }
}

/// Polylines or polygons in page points, filled and/or stroked. Parts
/// that overlap are stroked as one: a translucent stroke is not darker
/// where its parts cross.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub parts: Vec<Vec<[f32; 2]>>,
    /// Whether each part is a closed ring.
    pub closed: bool,
    /// Fill with the even-odd rule (the rings of one polygon, holes
    /// included); else non-zero, so overlapping markers merge.
    pub even_odd: bool,
    pub fill: Option<Rgba>,
    pub stroke: Option<Stroke>,
}

/// One line of text, left-aligned at its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub x: f32,
    /// The baseline.
    pub y: f32,
    /// Points per em.
    pub size: f32,
    pub bold: bool,
    pub colour: Rgba,
    /// Only characters both fonts print ([`font::printable`]).
    pub text: String,
}

/// Something drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Shape(Shape),
    Text(Text),
}

impl Item {
    /// A rectangle.
    pub fn rect(f: Frame, fill: Option<Rgba>, stroke: Option<Stroke>) -> Self {
        let (x0, y0, x1, y1) = (f.x, f.y, f.right(), f.bottom());
        Item::Shape(Shape {
            parts: vec![vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]]],
            closed: true,
            even_odd: false,
            fill,
            stroke,
        })
    }

    /// One straight line.
    pub fn line(a: [f32; 2], b: [f32; 2], stroke: Stroke) -> Self {
        Item::Shape(Shape {
            parts: vec![vec![a, b]],
            closed: false,
            even_odd: false,
            fill: None,
            stroke: Some(stroke),
        })
    }

    /// Text at baseline (x, y); `text` is made printable here.
    pub fn text(x: f32, y: f32, size: f32, bold: bool, colour: Rgba, text: &str) -> Self {
        Item::Text(Text {
            x,
            y,
            size,
            bold,
            colour,
            text: font::printable(text),
        })
    }
}

/// The whole map.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub page: Page,
    /// The map frame; `map` items are clipped to it.
    pub frame: Frame,
    /// The side panel with the title block, legend and owners.
    pub panel: Frame,
    pub view: View,
    /// The dig area and the features, drawn first, clipped to the frame.
    pub map: Vec<Item>,
    /// Drawn over the map and not clipped: frame border, scale bar, north
    /// arrow and the panel.
    pub overlay: Vec<Item>,
    /// The scale bar's length, metres: 1, 2 or 5 times a power of ten.
    pub scale_bar_m: f64,
    /// The legend's labels, top to bottom.
    pub legend: Vec<String>,
}

/// What the features contribute to the legend.
#[derive(Debug, Default)]
pub(super) struct Present {
    pub themes: BTreeSet<Theme>,
    pub components: bool,
    pub areas: bool,
    /// Street context lies in the frame.
    pub streets: bool,
}

/// Computes the scene of `input` on `page`.
pub fn layout(input: &PackageInput<'_>, page: Page) -> Result<Scene, MapError> {
    check_input(input)?;
    let request = input.request;
    let polygon = &request.polygon;
    check_polygon(polygon)?;
    let buffer_m = request.buffer_m;
    if !buffer_m.is_finite() || buffer_m < 0.0 {
        return Err(MapError::Polygon(format!(
            "the buffer must be a finite, non-negative number of metres, got {buffer_m}"
        )));
    }

    let frame = Frame {
        x: MARGIN,
        y: MARGIN,
        width: page.width - 2.0 * MARGIN - GAP - PANEL_WIDTH,
        height: page.height - 2.0 * MARGIN,
    };
    let panel = Frame {
        x: frame.right() + GAP,
        y: MARGIN,
        width: PANEL_WIDTH,
        height: frame.height,
    };
    let view = fit(polygon, buffer_m, frame)?;
    let clip = ClipRect {
        x0: f64::from(frame.x) - CLIP_MARGIN,
        y0: f64::from(frame.y) - CLIP_MARGIN,
        x1: f64::from(frame.right()) + CLIP_MARGIN,
        y1: f64::from(frame.bottom()) + CLIP_MARGIN,
    };

    let mut map = Vec::new();
    let streets = super::context::draw(input.context, &view, &clip, &mut map);
    let dig_rings = polygon_rings(polygon, &view, &clip);
    map.push(Item::Shape(Shape {
        parts: dig_rings.clone(),
        closed: true,
        even_odd: true,
        fill: Some(style::DIG_AREA.with_alpha(style::DIG_AREA_FILL_ALPHA)),
        stroke: None,
    }));
    if buffer_m > 0.0 {
        let buffered = polygon.buffer(buffer_m);
        let parts: Vec<_> = buffered
            .0
            .iter()
            .flat_map(|p| polygon_rings(p, &view, &clip))
            .collect();
        map.push(Item::Shape(Shape {
            parts,
            closed: true,
            even_odd: false,
            fill: None,
            stroke: Some(Stroke {
                colour: style::DIG_AREA,
                width: style::BUFFER_WIDTH,
                dash: Some(style::BUFFER_DASH),
                round: false,
            }),
        }));
    }
    let mut present = features(input.features, &view, &clip, &mut map)?;
    present.streets = streets;
    map.push(Item::Shape(Shape {
        parts: dig_rings,
        closed: true,
        even_odd: false,
        fill: None,
        stroke: Some(Stroke::solid(style::DIG_AREA, style::DIG_AREA_WIDTH)),
    }));

    let mut overlay = vec![Item::rect(frame, None, Some(Stroke::solid(INK, 0.8)))];
    let scale_bar_m = scale_bar(&view, frame, &mut overlay);
    north_arrow(frame, &mut overlay);
    let hazards: BTreeSet<Hazard> = input.features.iter().filter_map(|f| f.hazard).collect();
    let legend = panel::draw(input, &view, &present, &hazards, panel, &mut overlay);

    Ok(Scene {
        page,
        frame,
        panel,
        view,
        map,
        overlay,
        scale_bar_m,
        legend,
    })
}

/// The features must be the report's, in its order: the map never shows
/// more than the report discloses.
fn check_input(input: &PackageInput<'_>) -> Result<(), MapError> {
    let reported = input.report.features.as_deref().unwrap_or_default();
    if reported.len() != input.features.len() {
        return Err(MapError::Input(format!(
            "{} feature records for {} features in the report",
            input.features.len(),
            reported.len()
        )));
    }
    if let Some((r, f)) = reported
        .iter()
        .zip(input.features)
        .find(|(r, f)| r.id != f.id)
    {
        return Err(MapError::Input(format!(
            "feature record {} where the report has {}",
            f.id, r.id
        )));
    }
    if input.report.id != input.request.id {
        return Err(MapError::Input(format!(
            "report {} for request {}",
            input.report.id, input.request.id
        )));
    }
    Ok(())
}

fn check_polygon(p: &Polygon<f64>) -> Result<(), MapError> {
    if p.exterior().0.len() < 4 {
        return Err(MapError::Polygon(format!(
            "its exterior ring has {} positions, at least 4 (closed) are needed",
            p.exterior().0.len()
        )));
    }
    let all = p.exterior().0.iter().chain(p.interiors().iter().flatten());
    if let Some(c) = all
        .into_iter()
        .find(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        return Err(MapError::Polygon(format!(
            "position ({}, {}) is not finite",
            c.x, c.y
        )));
    }
    Ok(())
}

/// The view that fits the polygon and its buffer, with a margin, into the
/// frame, centred.
fn fit(polygon: &Polygon<f64>, buffer_m: f64, frame: Frame) -> Result<View, MapError> {
    let bbox = polygon
        .bounding_rect()
        .ok_or_else(|| MapError::Polygon("it has no extent".into()))?;
    let (w, h) = (bbox.width(), bbox.height());
    let margin = buffer_m + (0.08 * w.max(h)).max(5.0);
    let (ew, eh) = (w + 2.0 * margin, h + 2.0 * margin);
    let scale = (f64::from(frame.width) / ew).min(f64::from(frame.height) / eh);
    if !scale.is_finite() || scale <= 0.0 {
        return Err(MapError::Polygon(format!(
            "its extent {w} x {h} m cannot be drawn"
        )));
    }
    Ok(View {
        centre: bbox.center(),
        page_centre: (
            f64::from(frame.x) + f64::from(frame.width) / 2.0,
            f64::from(frame.y) + f64::from(frame.height) / 2.0,
        ),
        scale,
    })
}

/// Styled parts of one theme, merged so each style is drawn once.
#[derive(Default)]
struct ThemeParts {
    lines: Vec<Vec<[f32; 2]>>,
    /// The rings of each area polygon.
    areas: Vec<Vec<Vec<[f32; 2]>>>,
    points: Vec<Vec<[f32; 2]>>,
}

/// Adds the features to `map`: area fills, hazard halos, lines, components.
fn features(
    features: &[NetworkFeature],
    view: &View,
    clip: &ClipRect,
    map: &mut Vec<Item>,
) -> Result<Present, MapError> {
    let mut present = Present::default();
    let mut by_theme: BTreeMap<Theme, ThemeParts> = BTreeMap::new();
    // Halo parts per hazard: lines and area outlines (stroked), markers (filled).
    let mut halo_lines: BTreeMap<Hazard, Vec<Vec<[f32; 2]>>> = BTreeMap::new();
    let mut halo_points: BTreeMap<Hazard, Vec<Vec<[f32; 2]>>> = BTreeMap::new();
    for f in features {
        let mut g = WorldParts::default();
        collect(&f.geometry, &mut g).map_err(|reason| MapError::Feature { id: f.id, reason })?;
        present.themes.insert(f.theme);
        present.components |= !g.points.is_empty();
        present.areas |= !g.polygons.is_empty();
        let parts = by_theme.entry(f.theme).or_default();
        let halo = style::halo(f.hazard).and(f.hazard);
        let mut lines = Vec::new();
        for l in &g.lines {
            lines.extend(clip_polyline(l.iter().map(|&c| view.to_page(c)), clip));
        }
        let areas: Vec<Vec<Vec<[f32; 2]>>> = g
            .polygons
            .iter()
            .map(|p| polygon_rings(p, view, clip))
            .filter(|rings| !rings.is_empty())
            .collect();
        let mut markers = Vec::new();
        let mut halo_markers = Vec::new();
        for &c in &g.points {
            let (x, y) = view.to_page(c);
            if clip.contains(x, y) {
                markers.push(square(x, y, style::COMPONENT_SIZE));
                if let Some(h) = style::halo(f.hazard) {
                    halo_markers.push(square(x, y, style::COMPONENT_SIZE + 2.0 * h.width));
                }
            }
        }
        if let Some(h) = halo {
            let hl = halo_lines.entry(h).or_default();
            hl.extend(lines.iter().cloned());
            // Area outlines as closed polylines.
            hl.extend(areas.iter().flatten().map(|ring| {
                let mut closed = ring.clone();
                closed.push(ring[0]);
                closed
            }));
            halo_points.entry(h).or_default().extend(halo_markers);
        }
        parts.lines.extend(lines);
        parts.areas.extend(areas);
        parts.points.extend(markers);
    }

    for (&theme, parts) in &mut by_theme {
        let c = style::theme_colour(theme);
        for rings in std::mem::take(&mut parts.areas) {
            map.push(Item::Shape(Shape {
                parts: rings,
                closed: true,
                even_odd: true,
                fill: Some(c.with_alpha(style::AREA_FILL_ALPHA)),
                stroke: Some(Stroke::solid(c, 0.8)),
            }));
        }
    }
    for hazard in [Hazard::Dangerous, Hazard::VeryDangerous] {
        let Some(h) = style::halo(Some(hazard)) else {
            continue;
        };
        if let Some(parts) = halo_lines.remove(&hazard).filter(|p| !p.is_empty()) {
            map.push(Item::Shape(Shape {
                parts,
                closed: false,
                even_odd: false,
                fill: None,
                stroke: Some(Stroke::solid(h.colour, style::LINE_WIDTH + 2.0 * h.width)),
            }));
        }
        if let Some(parts) = halo_points.remove(&hazard).filter(|p| !p.is_empty()) {
            map.push(Item::Shape(Shape {
                parts,
                closed: true,
                even_odd: false,
                fill: Some(h.colour),
                stroke: None,
            }));
        }
    }
    for (&theme, parts) in &mut by_theme {
        let c = style::theme_colour(theme);
        if !parts.lines.is_empty() {
            map.push(Item::Shape(Shape {
                parts: std::mem::take(&mut parts.lines),
                closed: false,
                even_odd: false,
                fill: None,
                stroke: Some(Stroke::solid(c, style::LINE_WIDTH)),
            }));
        }
    }
    for (&theme, parts) in &mut by_theme {
        if !parts.points.is_empty() {
            map.push(Item::Shape(Shape {
                parts: std::mem::take(&mut parts.points),
                closed: true,
                even_odd: false,
                fill: Some(WHITE),
                stroke: Some(Stroke {
                    colour: style::theme_colour(theme),
                    width: 1.3,
                    dash: None,
                    round: false,
                }),
            }));
        }
    }
    Ok(present)
}

/// A feature's geometry in world coordinates, by how it is drawn.
#[derive(Default)]
struct WorldParts {
    lines: Vec<Vec<Coord<f64>>>,
    polygons: Vec<Polygon<f64>>,
    points: Vec<Coord<f64>>,
}

fn finite(c: &Coord<f64>) -> Result<(), String> {
    if c.x.is_finite() && c.y.is_finite() {
        Ok(())
    } else {
        Err(format!("position ({}, {}) is not finite", c.x, c.y))
    }
}

fn collect(g: &Geometry<f64>, out: &mut WorldParts) -> Result<(), String> {
    let line = |l: &LineString<f64>, out: &mut WorldParts| -> Result<(), String> {
        l.0.iter().try_for_each(finite)?;
        out.lines.push(l.0.clone());
        Ok(())
    };
    let polygon = |p: &Polygon<f64>, out: &mut WorldParts| -> Result<(), String> {
        p.exterior().0.iter().try_for_each(finite)?;
        p.interiors()
            .iter()
            .flat_map(|r| r.0.iter())
            .try_for_each(finite)?;
        out.polygons.push(p.clone());
        Ok(())
    };
    match g {
        Geometry::Point(p) => {
            finite(&p.0)?;
            out.points.push(p.0);
        }
        Geometry::MultiPoint(mp) => {
            for p in mp {
                finite(&p.0)?;
                out.points.push(p.0);
            }
        }
        Geometry::Line(l) => line(&LineString(vec![l.start, l.end]), out)?,
        Geometry::LineString(l) => line(l, out)?,
        Geometry::MultiLineString(ml) => ml.iter().try_for_each(|l| line(l, out))?,
        Geometry::Polygon(p) => polygon(p, out)?,
        Geometry::MultiPolygon(mp) => mp.iter().try_for_each(|p| polygon(p, out))?,
        Geometry::Rect(r) => polygon(&r.to_polygon(), out)?,
        Geometry::Triangle(t) => polygon(&t.to_polygon(), out)?,
        Geometry::GeometryCollection(gc) => gc.iter().try_for_each(|g| collect(g, out))?,
    }
    Ok(())
}

/// A square marker centred on (x, y), as a closed ring.
fn square(x: f64, y: f64, side: f32) -> Vec<[f32; 2]> {
    let (x, y, h) = (x as f32, y as f32, side / 2.0);
    vec![
        [x - h, y - h],
        [x + h, y - h],
        [x + h, y + h],
        [x - h, y + h],
    ]
}

/// The rings of `p` on the page, clipped.
pub(super) fn polygon_rings(p: &Polygon<f64>, view: &View, clip: &ClipRect) -> Vec<Vec<[f32; 2]>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .filter_map(|ring| {
            let page: Vec<(f64, f64)> = ring.0.iter().map(|&c| view.to_page(c)).collect();
            let clipped = clip_ring(&page, clip);
            (clipped.len() >= 3).then(|| to_f32(&clipped))
        })
        .collect()
}

fn to_f32(points: &[(f64, f64)]) -> Vec<[f32; 2]> {
    points.iter().map(|&(x, y)| [x as f32, y as f32]).collect()
}

/// An axis-aligned clip rectangle on the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ClipRect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl ClipRect {
    fn contains(&self, x: f64, y: f64) -> bool {
        (self.x0..=self.x1).contains(&x) && (self.y0..=self.y1).contains(&y)
    }
}

/// The part of a segment inside a clip rectangle: its ends, and whether
/// they are the segment's own.
type Clipped = ((f64, f64), (f64, f64), bool, bool);

/// Liang–Barsky: the part of segment a→b inside `r`, with whether it
/// starts at `a` and ends at `b`.
fn clip_segment(a: (f64, f64), b: (f64, f64), r: &ClipRect) -> Option<Clipped> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - r.x0),
        (dx, r.x1 - a.0),
        (-dy, a.1 - r.y0),
        (dy, r.y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
    Some((at(t0), at(t1), t0 == 0.0, t1 == 1.0))
}

/// The parts of a polyline inside `r`.
pub(super) fn clip_polyline(
    points: impl Iterator<Item = (f64, f64)>,
    r: &ClipRect,
) -> Vec<Vec<[f32; 2]>> {
    let mut out = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let mut flush = |current: &mut Vec<(f64, f64)>| {
        if current.len() >= 2 {
            out.push(to_f32(current));
        }
        current.clear();
    };
    let mut prev: Option<(f64, f64)> = None;
    for p in points {
        if let Some(a) = prev {
            match clip_segment(a, p, r) {
                Some((s, e, from_a, to_b)) => {
                    if current.is_empty() || !from_a {
                        flush(&mut current);
                        current.push(s);
                    }
                    current.push(e);
                    if !to_b {
                        flush(&mut current);
                    }
                }
                None => flush(&mut current),
            }
        }
        prev = Some(p);
    }
    flush(&mut current);
    out
}

/// Sutherland–Hodgman: ring `points` (closed or not) clipped to `r`.
pub(super) fn clip_ring(points: &[(f64, f64)], r: &ClipRect) -> Vec<(f64, f64)> {
    let mut ring: Vec<(f64, f64)> = points.to_vec();
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    type Inside = fn(&ClipRect, (f64, f64)) -> bool;
    type Cross = fn(&ClipRect, (f64, f64), (f64, f64)) -> (f64, f64);
    let edges: [(Inside, Cross); 4] = [
        (|r, p| p.0 >= r.x0, |r, a, b| at_x(a, b, r.x0)),
        (|r, p| p.0 <= r.x1, |r, a, b| at_x(a, b, r.x1)),
        (|r, p| p.1 >= r.y0, |r, a, b| at_y(a, b, r.y0)),
        (|r, p| p.1 <= r.y1, |r, a, b| at_y(a, b, r.y1)),
    ];
    for (inside, cross) in edges {
        if ring.is_empty() {
            break;
        }
        let input = std::mem::take(&mut ring);
        let mut prev = input[input.len() - 1];
        for &p in &input {
            match (inside(r, prev), inside(r, p)) {
                (true, true) => ring.push(p),
                (true, false) => ring.push(cross(r, prev, p)),
                (false, true) => {
                    ring.push(cross(r, prev, p));
                    ring.push(p);
                }
                (false, false) => {}
            }
            prev = p;
        }
    }
    ring
}

fn at_x(a: (f64, f64), b: (f64, f64), x: f64) -> (f64, f64) {
    let t = (x - a.0) / (b.0 - a.0);
    (x, a.1 + t * (b.1 - a.1))
}

fn at_y(a: (f64, f64), b: (f64, f64), y: f64) -> (f64, f64) {
    let t = (y - a.1) / (b.1 - a.1);
    (a.0 + t * (b.0 - a.0), y)
}

/// The longest 1, 2 or 5 times a power of ten that is at most `max`.
pub fn nice_length(max: f64) -> f64 {
    let base = 10f64.powf(max.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * base)
        .find(|&l| l <= max * (1.0 + 1e-9))
        .unwrap_or(base)
}

/// "20 m", "0.5 m", "2 km".
pub fn metres_label(m: f64) -> String {
    let trim = |v: f64| {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if m >= 1000.0 {
        format!("{} km", trim(m / 1000.0))
    } else {
        format!("{} m", trim(m))
    }
}

/// The scale bar in the frame's lower left corner; returns its length.
fn scale_bar(view: &View, frame: Frame, out: &mut Vec<Item>) -> f64 {
    let metres = nice_length(0.25 * f64::from(frame.width) / view.scale);
    let len = (metres * view.scale) as f32;
    let label = metres_label(metres);
    let size = BODY_SIZE;
    let label_w = font::text_width(&label, size, false);
    let pad = 8.0;
    let bar_h = 4.5;
    let box_w = pad + len + (label_w / 2.0 + 4.0).max(pad);
    let box_h = size * 2.4 + bar_h;
    let bx = Frame {
        x: frame.x + 8.0,
        y: frame.bottom() - 8.0 - box_h,
        width: box_w,
        height: box_h,
    };
    out.push(Item::rect(bx, Some(WHITE), Some(Stroke::solid(INK, 0.5))));
    let (x0, y0) = (bx.x + pad, bx.bottom() - 6.0 - bar_h);
    for i in 0..4 {
        let seg = Frame {
            x: x0 + len * i as f32 / 4.0,
            y: y0,
            width: len / 4.0,
            height: bar_h,
        };
        let fill = if i % 2 == 0 { INK } else { WHITE };
        out.push(Item::rect(
            seg,
            Some(fill),
            Some(Stroke {
                colour: INK,
                width: 0.6,
                dash: None,
                round: false,
            }),
        ));
    }
    let baseline = y0 - 3.5;
    let zero_w = font::text_width("0", size, false);
    out.push(Item::text(
        x0 - zero_w / 2.0,
        baseline,
        size,
        false,
        INK,
        "0",
    ));
    out.push(Item::text(
        x0 + len - label_w / 2.0,
        baseline,
        size,
        false,
        INK,
        &label,
    ));
    metres
}

/// The north arrow in the frame's upper right corner.
fn north_arrow(frame: Frame, out: &mut Vec<Item>) {
    let (w, h) = (28.0, 42.0);
    let bx = Frame {
        x: frame.right() - 8.0 - w,
        y: frame.y + 8.0,
        width: w,
        height: h,
    };
    out.push(Item::rect(bx, Some(WHITE), Some(Stroke::solid(INK, 0.5))));
    let cx = bx.x + w / 2.0;
    let n_w = font::text_width("N", TITLE_SIZE, true);
    out.push(Item::text(
        cx - n_w / 2.0,
        bx.y + 3.0 + TITLE_SIZE * 0.875,
        TITLE_SIZE,
        true,
        INK,
        "N",
    ));
    let (tip, notch, left, right) = (
        [cx, bx.y + 17.0],
        [cx, bx.y + 31.0],
        [cx - 7.0, bx.y + 37.0],
        [cx + 7.0, bx.y + 37.0],
    );
    out.push(Item::Shape(Shape {
        parts: vec![vec![tip, right, notch]],
        closed: true,
        even_odd: false,
        fill: Some(WHITE),
        stroke: None,
    }));
    out.push(Item::Shape(Shape {
        parts: vec![vec![tip, left, notch]],
        closed: true,
        even_odd: false,
        fill: Some(INK),
        stroke: None,
    }));
    out.push(Item::Shape(Shape {
        parts: vec![vec![tip, right, notch, left]],
        closed: true,
        even_odd: false,
        fill: None,
        stroke: Some(Stroke {
            colour: INK,
            width: 0.7,
            dash: None,
            round: false,
        }),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: ClipRect = ClipRect {
        x0: 0.0,
        y0: 0.0,
        x1: 10.0,
        y1: 10.0,
    };

    #[test]
    fn nice_lengths_by_hand() {
        assert_eq!(nice_length(100.0), 100.0);
        assert_eq!(nice_length(99.0), 50.0);
        assert_eq!(nice_length(31.7), 20.0);
        assert_eq!(nice_length(19.9), 10.0);
        assert_eq!(nice_length(7.3), 5.0);
        assert!((nice_length(0.7) - 0.5).abs() < 1e-12);
        assert_eq!(nice_length(4321.0), 2000.0);
        assert_eq!(metres_label(20.0), "20 m");
        assert_eq!(metres_label(0.5), "0.5 m");
        assert_eq!(metres_label(2000.0), "2 km");
    }

    #[test]
    fn segments_clip_by_hand() {
        // Crossing the whole rectangle horizontally.
        let (s, e, from_a, to_b) = clip_segment((-5.0, 5.0), (15.0, 5.0), &R).unwrap();
        assert_eq!(
            (s, e, from_a, to_b),
            ((0.0, 5.0), (10.0, 5.0), false, false)
        );
        // Inside: untouched.
        assert_eq!(
            clip_segment((1.0, 1.0), (2.0, 3.0), &R),
            Some(((1.0, 1.0), (2.0, 3.0), true, true))
        );
        // Entirely outside, also when its bounding box overlaps the corner.
        assert_eq!(clip_segment((-5.0, 20.0), (-1.0, 30.0), &R), None);
        assert_eq!(clip_segment((-1.0, 9.0), (1.0, 12.0), &R), None);
        // The diagonal from (-10,-10) to (20,20) keeps (0,0)-(10,10).
        let (s, e, _, _) = clip_segment((-10.0, -10.0), (20.0, 20.0), &R).unwrap();
        assert_eq!((s, e), ((0.0, 0.0), (10.0, 10.0)));
    }

    #[test]
    fn polylines_split_where_they_leave() {
        // In, out, back in: two parts.
        let pts = [(1.0, 1.0), (5.0, 1.0), (5.0, 20.0), (8.0, 20.0), (8.0, 2.0)];
        let parts = clip_polyline(pts.into_iter(), &R);
        assert_eq!(
            parts,
            vec![
                vec![[1.0, 1.0], [5.0, 1.0], [5.0, 10.0]],
                vec![[8.0, 10.0], [8.0, 2.0]],
            ]
        );
        assert!(clip_polyline([(20.0, 20.0), (30.0, 30.0)].into_iter(), &R).is_empty());
    }

    #[test]
    fn rings_clip_by_hand() {
        // A square 5..15 keeps its quarter 5..10.
        let ring = [
            (5.0, 5.0),
            (15.0, 5.0),
            (15.0, 15.0),
            (5.0, 15.0),
            (5.0, 5.0),
        ];
        let clipped = clip_ring(&ring, &R);
        let mut sorted = clipped.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        sorted.dedup();
        assert_eq!(
            sorted,
            vec![(5.0, 5.0), (5.0, 10.0), (10.0, 5.0), (10.0, 10.0)]
        );
        // Shoelace area 25.
        let area: f64 = (0..clipped.len())
            .map(|i| {
                let (a, b) = (clipped[i], clipped[(i + 1) % clipped.len()]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum::<f64>()
            / 2.0;
        assert!((area.abs() - 25.0).abs() < 1e-9);
        // Far away: nothing.
        assert!(clip_ring(&[(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], &R).is_empty());
    }

    #[test]
    fn view_is_north_up_and_isotropic() {
        let v = View {
            centre: Coord { x: 100.0, y: 200.0 },
            page_centre: (50.0, 60.0),
            scale: 2.0,
        };
        assert_eq!(v.to_page(Coord { x: 100.0, y: 200.0 }), (50.0, 60.0));
        // 10 m east: 20 pt right; 10 m north: 20 pt up (y decreases).
        assert_eq!(v.to_page(Coord { x: 110.0, y: 200.0 }), (70.0, 60.0));
        assert_eq!(v.to_page(Coord { x: 100.0, y: 210.0 }), (50.0, 40.0));
        // 2 pt per metre on paper: 1 m is 0.7056 mm, so 1:1417.3.
        assert!((v.scale_denominator() - 1417.32).abs() < 0.01);
    }
}
