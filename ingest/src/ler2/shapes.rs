//! The GML geometries made of others: Point (of one position), Curve of
//! segments, Polygon of rings, Surface of patches and the Multi* aggregates.

use std::io::Read;

use super::coords::Pt;
use super::geometry::{Geom, Shape};
use super::positions::same_xy;
use super::xml::{El, Ev, Ns};
use crate::problem::Rule;
use crate::IngestError;

impl<R: Read> Geom<'_, R> {
    /// The next child element of the current one, `None` at its end.
    fn child(&mut self) -> Result<Option<El>, IngestError> {
        loop {
            match self.x.next()? {
                Ev::Start(el) => return Ok(Some(el)),
                Ev::End => return Ok(None),
                Ev::Text { .. } => {}
                Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
            }
        }
    }

    fn unexpected(&mut self, child: &El, parent: &El) -> Result<(), IngestError> {
        let m = format!(
            "{} is not expected in {}",
            child.qualified(),
            parent.qualified()
        );
        self.fail(Rule::MalformedInput, m, child.at);
        self.x.skip()
    }

    pub(super) fn point(&mut self, el: &El, dim: Option<usize>) -> Result<Option<Pt>, IngestError> {
        let mut pts = Vec::new();
        while let Some(child) = self.child()? {
            match (child.ns, child.name.as_str()) {
                (Ns::Gml, "pos" | "coordinates") => self.coords(&child, dim, &mut pts)?,
                _ => self.unexpected(&child, el)?,
            }
        }
        if self.issue.is_some() {
            return Ok(None);
        }
        match pts.as_slice() {
            [p] => Ok(Some(*p)),
            _ => {
                let m = format!("a gml:Point has {} positions, not 1", pts.len());
                let rule = if pts.is_empty() {
                    Rule::GeometryEmpty
                } else {
                    Rule::MalformedInput
                };
                self.fail(rule, m, el.at);
                Ok(None)
            }
        }
    }

    /// A Curve of LineStringSegments, joined into one line. Other segment
    /// types (arcs, splines ...) are not straight lines and are refused.
    pub(super) fn curve(
        &mut self,
        el: &El,
        dim: Option<usize>,
    ) -> Result<Option<Vec<Pt>>, IngestError> {
        let mut line: Vec<Pt> = Vec::new();
        while let Some(segments) = self.child()? {
            if !segments.is(Ns::Gml, "segments") {
                self.unexpected(&segments, el)?;
                continue;
            }
            while let Some(seg) = self.child()? {
                if !seg.is(Ns::Gml, "LineStringSegment") {
                    let m = format!(
                        "{} in a gml:Curve is not supported: only straight segments \
                         (gml:LineStringSegment, linear interpolation) are",
                        seg.qualified()
                    );
                    self.fail(Rule::UnsupportedGeometry, m, seg.at);
                    self.x.skip()?;
                    continue;
                }
                let Some(pts) = self.positions(&seg, dim, 2)? else {
                    continue;
                };
                match line.last() {
                    Some(&end) if same_xy(end, pts[0]) => line.extend_from_slice(&pts[1..]),
                    Some(_) => {
                        let m = "the segments of a gml:Curve are not connected end to start";
                        self.fail(Rule::MalformedInput, m, seg.at);
                    }
                    None => line = pts,
                }
            }
        }
        if self.issue.is_none() && line.is_empty() {
            self.fail(Rule::GeometryEmpty, "a gml:Curve has no segments", el.at);
        }
        Ok(Some(line).filter(|_| self.issue.is_none()))
    }

    /// A Polygon or PolygonPatch: one exterior ring, then interior rings.
    pub(super) fn polygon(
        &mut self,
        el: &El,
        dim: Option<usize>,
    ) -> Result<Option<Vec<Vec<Pt>>>, IngestError> {
        let mut rings: Vec<Vec<Pt>> = Vec::new();
        let mut exterior = false;
        while let Some(boundary) = self.child()? {
            let is_exterior = boundary.is(Ns::Gml, "exterior");
            if !(is_exterior || boundary.is(Ns::Gml, "interior")) || (is_exterior && exterior) {
                self.unexpected(&boundary, el)?;
                continue;
            }
            if !is_exterior && !exterior {
                self.fail(
                    Rule::MalformedInput,
                    "gml:interior before gml:exterior",
                    boundary.at,
                );
            }
            exterior |= is_exterior;
            while let Some(ring) = self.child()? {
                if let Some(Shape::Polygon(mut r)) = self.read(ring, dim)? {
                    rings.append(&mut r);
                }
            }
        }
        if self.issue.is_none() && !exterior {
            self.fail(Rule::GeometryEmpty, "a polygon has no gml:exterior", el.at);
        }
        Ok(Some(rings).filter(|_| self.issue.is_none()))
    }

    /// The geometry inside a property such as `pointProperty` or `curveMember`.
    pub(super) fn member(
        &mut self,
        el: &El,
        dim: Option<usize>,
    ) -> Result<Option<Shape>, IngestError> {
        let mut shapes = Vec::new();
        while let Some(child) = self.child()? {
            shapes.extend(self.read(child, dim)?);
        }
        if shapes.len() != 1 && self.issue.is_none() {
            let m = match el.attr(Ns::XLink, "href") {
                Some(href) => format!(
                    "{} refers to a remote geometry ({href}), which is not supported",
                    el.qualified()
                ),
                None => format!(
                    "{} holds {} geometries, not 1",
                    el.qualified(),
                    shapes.len()
                ),
            };
            self.fail(Rule::UnsupportedGeometry, m, el.at);
        }
        Ok(shapes.pop().filter(|_| self.issue.is_none()))
    }

    /// A Multi* aggregate or a Surface: its member elements (`names`), each
    /// holding geometries, combined into one shape.
    pub(super) fn members(
        &mut self,
        el: &El,
        dim: Option<usize>,
        names: &[&str],
    ) -> Result<Option<Shape>, IngestError> {
        let mut shapes = Vec::new();
        while let Some(member) = self.child()? {
            if member.ns != Ns::Gml || !names.contains(&member.name.as_str()) {
                self.unexpected(&member, el)?;
                continue;
            }
            let many = member.name.ends_with('s');
            if many {
                while let Some(child) = self.child()? {
                    shapes.extend(self.read(child, dim)?);
                }
            } else {
                shapes.extend(self.member(&member, dim)?);
            }
        }
        if self.issue.is_some() {
            return Ok(None);
        }
        if shapes.is_empty() {
            self.fail(
                Rule::GeometryEmpty,
                format!("{} has no members", el.qualified()),
                el.at,
            );
            return Ok(None);
        }
        let combined = match el.name.as_str() {
            "MultiPoint" => collect(shapes, |s| match s {
                Shape::Point(p) => Ok(vec![p]),
                s => Err(s),
            })
            .map(Shape::MultiPoint),
            "MultiCurve" | "MultiLineString" => collect(shapes, |s| match s {
                Shape::Line(l) => Ok(vec![l]),
                s => Err(s),
            })
            .map(Shape::MultiLine),
            _ => collect(shapes, |s| match s {
                Shape::Polygon(p) => Ok(vec![p]),
                Shape::MultiPolygon(m) => Ok(m),
                s => Err(s),
            })
            .map(|mut polygons| match (el.name.as_str(), polygons.len()) {
                ("Surface", 1) => Shape::Polygon(polygons.remove(0)),
                _ => Shape::MultiPolygon(polygons),
            }),
        };
        match combined {
            Ok(shape) => Ok(Some(shape)),
            Err(wrong) => {
                let m = format!(
                    "a {} member of {} is not allowed",
                    wrong.name(),
                    el.qualified()
                );
                self.fail(Rule::UnsupportedGeometry, m, el.at);
                Ok(None)
            }
        }
    }
}

/// The parts of every shape, or the first shape of the wrong type.
fn collect<T>(
    shapes: Vec<Shape>,
    parts: impl Fn(Shape) -> Result<Vec<T>, Shape>,
) -> Result<Vec<T>, Shape> {
    let mut out = Vec::new();
    for s in shapes {
        out.extend(parts(s)?);
    }
    Ok(out)
}

impl Shape {
    fn name(&self) -> &'static str {
        match self {
            Shape::Point(_) => "point",
            Shape::Line(_) => "line",
            Shape::Polygon(_) => "polygon",
            Shape::MultiPoint(_) => "multi-point",
            Shape::MultiLine(_) => "multi-line",
            Shape::MultiPolygon(_) => "multi-polygon",
        }
    }
}
