//! The positions of a LineString, LinearRing or LineStringSegment, read
//! from `gml:posList`, `gml:pos`, `gml:coordinates` or point properties.

use std::io::Read;

use super::coords::{self, Fault, Pt};
use super::geometry::{Geom, Shape};
use super::xml::{El, Ev, Ns};
use crate::problem::Rule;
use crate::IngestError;

impl<R: Read> Geom<'_, R> {
    /// The positions of a LineString, LinearRing or LineStringSegment.
    pub fn positions(
        &mut self,
        el: &El,
        dim: Option<usize>,
        min: usize,
    ) -> Result<Option<Vec<Pt>>, IngestError> {
        let mut pts = Vec::new();
        loop {
            let child = match self.x.next()? {
                Ev::Start(child) => child,
                Ev::End => break,
                Ev::Text { .. } => continue,
                Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
            };
            match (child.ns, child.name.as_str()) {
                (Ns::Gml, "posList" | "pos" | "coordinates") => {
                    self.coords(&child, dim, &mut pts)?;
                }
                (Ns::Gml, "pointProperty" | "pointRep") => {
                    if let Some(Shape::Point(p)) = self.member(&child, dim)? {
                        pts.push(p);
                    }
                }
                _ => {
                    let m = format!(
                        "{} is not expected in {}",
                        child.qualified(),
                        el.qualified()
                    );
                    self.fail(Rule::MalformedInput, m, child.at);
                    self.x.skip()?;
                }
            }
        }
        if self.issue.is_some() {
            return Ok(None);
        }
        if pts.len() < min {
            let m = format!(
                "{} has {} positions; at least {min} are needed",
                el.qualified(),
                pts.len()
            );
            let rule = if pts.is_empty() {
                Rule::GeometryEmpty
            } else {
                Rule::TooFewPoints
            };
            self.fail(rule, m, el.at);
            return Ok(None);
        }
        if min == 4 && !same_xy(pts[0], pts[pts.len() - 1]) {
            self.fail(
                Rule::MalformedInput,
                "a gml:LinearRing must end where it starts",
                el.at,
            );
            return Ok(None);
        }
        Ok(Some(pts))
    }

    /// Reads a posList, pos or coordinates element into `pts`.
    pub fn coords(
        &mut self,
        el: &El,
        dim: Option<usize>,
        pts: &mut Vec<Pt>,
    ) -> Result<(), IngestError> {
        let dim = match el.attr(Ns::None, "srsDimension") {
            Some(d) => Some(self.dimension(d, el.at)),
            None => dim,
        };
        let (text, text_at) = self.text()?;
        if self.issue.is_some() {
            return Ok(());
        }
        let x = &*self.x;
        let el_at = el.at;
        let locate = move |i: usize| Some(x.describe(text_at.map_or(el_at, |t| t + i as u64)));
        let budget = &mut self.budget;
        let result = match el.name.as_str() {
            "posList" => {
                let dim = dim.unwrap_or_else(|| default_dim(self.crs.as_deref()));
                coords::pos_list(&text, dim, "gml:posList", pts, budget, &locate)
            }
            "pos" => coords::pos(&text, dim, pts, budget, &locate),
            _ => {
                let seps = (
                    el.attr(Ns::None, "cs"),
                    el.attr(Ns::None, "ts"),
                    el.attr(Ns::None, "decimal"),
                );
                coords::coordinates(&text, seps, pts, budget, &locate)
            }
        };
        match result {
            Ok(()) => Ok(()),
            Err(Fault::Issue(issue)) => {
                self.issue.get_or_insert(issue);
                Ok(())
            }
            Err(Fault::TooManyVertices) => Err(IngestError::LimitExceeded {
                at: self.x.location(Some(el.at)),
                what: "vertices of one feature",
                limit: self.max_vertices as u64,
            }),
        }
    }

    /// The text content of the current element; elements inside are a problem.
    fn text(&mut self) -> Result<(String, Option<u64>), IngestError> {
        let mut text = String::new();
        let mut at = None;
        let mut parts = 0;
        loop {
            match self.x.next()? {
                Ev::Text { text: t, at: a } => {
                    parts += 1;
                    at = if parts == 1 { a } else { None };
                    text.push_str(&t);
                }
                Ev::Start(child) => {
                    let m = format!("{} is not expected inside coordinates", child.qualified());
                    self.fail(Rule::MalformedInput, m, child.at);
                    self.x.skip()?;
                }
                Ev::End => return Ok((text, at)),
                Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
            }
        }
    }
}

fn default_dim(crs: Option<&str>) -> usize {
    match crs {
        Some(c)
            if ["7416", "7417", "4979", "4937", "5799", "+"]
                .iter()
                .any(|k| c.contains(k)) =>
        {
            3
        }
        _ => 2,
    }
}

pub(crate) fn same_xy(a: Pt, b: Pt) -> bool {
    a.x == b.x && a.y == b.y
}
