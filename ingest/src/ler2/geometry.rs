//! GML 3.2 geometries inside a LER `geometri` element: Point, LineString,
//! Curve of LineStringSegments, LinearRing, Polygon, Surface of
//! PolygonPatches and the Multi* aggregates. Everything else (arcs,
//! splines, orientable or composite curves, remote `xlink:href` geometry)
//! is reported as unsupported, not approximated.

use std::io::Read;

use super::coords::{Pt, VertexBudget};
use super::raw::{Issue, RawGeometry};
use super::xml::{El, Ev, Ns, Xml};
use crate::problem::Rule;
use crate::IngestError;

/// A geometry as read, coordinates in the order written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Point(Pt),
    Line(Vec<Pt>),
    Polygon(Vec<Vec<Pt>>),
    MultiPoint(Vec<Pt>),
    MultiLine(Vec<Vec<Pt>>),
    MultiPolygon(Vec<Vec<Vec<Pt>>>),
}

/// Reads the content of a `geometri` property element, through its end tag.
/// `None` when it holds no geometry (empty or `xsi:nil`).
pub(crate) fn read_geometry<R: Read>(
    x: &mut Xml<R>,
    inherited_crs: Option<&str>,
    max_vertices: usize,
) -> Result<Option<RawGeometry>, IngestError> {
    let mut g = Geom {
        x,
        budget: VertexBudget { left: max_vertices },
        max_vertices,
        crs: None,
        issue: None,
    };
    let mut shape = None;
    let mut seen = 0;
    loop {
        match g.x.next()? {
            Ev::Start(el) => {
                seen += 1;
                if seen > 1 {
                    g.fail(
                        Rule::MalformedInput,
                        "geometri holds more than one geometry",
                        el.at,
                    );
                    g.x.skip()?;
                } else if el.ns != Ns::Gml {
                    let m = format!("{} is not a GML 3.2 geometry", el.qualified());
                    g.fail(Rule::UnsupportedGeometry, m, el.at);
                    g.x.skip()?;
                } else {
                    shape = g.read(el, None)?;
                }
            }
            Ev::End => break,
            Ev::Text { .. } => {}
            Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
        }
    }
    if seen == 0 {
        return Ok(None);
    }
    let shape = match (g.issue, shape) {
        (Some(issue), _) => Err(issue),
        (None, Some(shape)) => Ok(shape),
        (None, None) => Err(Issue::error(
            Rule::GeometryEmpty,
            "the geometry is empty",
            None,
        )),
    };
    let crs = g.crs.or_else(|| inherited_crs.map(str::to_owned));
    Ok(Some(RawGeometry { shape, crs }))
}

/// The state of reading one geometry.
pub(super) struct Geom<'a, R: Read> {
    pub x: &'a mut Xml<R>,
    pub budget: VertexBudget,
    pub max_vertices: usize,
    /// The first `srsName` met.
    pub crs: Option<String>,
    /// The first problem; the rest of the geometry is read past.
    pub issue: Option<Issue>,
}

impl<R: Read> Geom<'_, R> {
    pub fn fail(&mut self, rule: Rule, message: impl Into<String>, at: u64) {
        if self.issue.is_none() {
            self.issue = Some(Issue::error(rule, message, Some(self.x.describe(at))));
        }
    }

    /// Reads the geometry element `el` through its end tag. `dim` is the
    /// `srsDimension` inherited from an enclosing geometry.
    pub fn read(&mut self, el: El, dim: Option<usize>) -> Result<Option<Shape>, IngestError> {
        if let Some(srs) = el.attr(Ns::None, "srsName") {
            match &self.crs {
                None => self.crs = Some(srs.to_owned()),
                Some(crs) if crs != srs => {
                    let m = format!("parts of the geometry are in different CRSs: {crs} and {srs}");
                    self.fail(Rule::UnknownCrs, m, el.at);
                }
                Some(_) => {}
            }
        }
        let dim = match el.attr(Ns::None, "srsDimension") {
            Some(d) => Some(self.dimension(d, el.at)),
            None => dim,
        };
        let shape = match el.name.as_str() {
            "Point" => self.point(&el, dim)?.map(Shape::Point),
            "LineString" => self.positions(&el, dim, 2)?.map(Shape::Line),
            "Curve" => self.curve(&el, dim)?.map(Shape::Line),
            "LinearRing" => self
                .positions(&el, dim, 4)?
                .map(|r| Shape::Polygon(vec![r])),
            "Polygon" | "PolygonPatch" => self.polygon(&el, dim)?.map(Shape::Polygon),
            "Surface" => self.members(&el, dim, &["patches"])?,
            "MultiPoint" => self.members(&el, dim, &["pointMember", "pointMembers"])?,
            "MultiCurve" => self.members(&el, dim, &["curveMember", "curveMembers"])?,
            "MultiLineString" => self.members(&el, dim, &["lineStringMember"])?,
            "MultiSurface" => self.members(&el, dim, &["surfaceMember", "surfaceMembers"])?,
            "MultiPolygon" => self.members(&el, dim, &["polygonMember"])?,
            _ => {
                let m = format!(
                    "{} is not supported: use gml:LineString or gml:Curve of \
                     gml:LineStringSegment for lines, gml:Point, gml:Polygon or a Multi* aggregate",
                    el.qualified()
                );
                self.fail(Rule::UnsupportedGeometry, m, el.at);
                self.x.skip()?;
                None
            }
        };
        Ok(shape.filter(|_| self.issue.is_none()))
    }

    pub fn dimension(&mut self, d: &str, at: u64) -> usize {
        match d.trim().parse::<usize>() {
            Ok(d @ (2 | 3)) => d,
            _ => {
                let m = format!("srsDimension {d:?} is not supported; use 2 or 3");
                self.fail(Rule::UnsupportedGeometry, m, at);
                2
            }
        }
    }
}
