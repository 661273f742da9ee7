//! Network elements have no geometry of their own: it sits on the
//! `UtilityLink`s they refer to, and their theme on their `Utiliteitsnet`.
//! Both may come before or after the element. Links and networks are held
//! by `gml:id` for the whole document (within [`ImklLimits`]); an element
//! whose references are not all known yet waits until they are, or until
//! the end of the document.

use std::collections::HashMap;

use forsyning_model::Theme;
use geo_types::{Geometry, MultiLineString};

use super::classes::{Class, GeometryFrom};
use super::element::RawElement;
use super::map::{Located, Resolved};
use super::reader::ImklLimits;
use crate::ler2::build::build;
use crate::ler2::raw::{Issue, RawGeometry};
use crate::problem::Rule;

/// An element waiting for links or a network.
#[derive(Debug)]
pub(crate) struct Pending {
    pub raw: RawElement,
    pub class: &'static Class,
    pub index: u64,
    missing: usize,
}

/// Why a limit stopped the read.
#[derive(Debug)]
pub(crate) struct Full {
    pub what: &'static str,
    pub limit: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Resolver {
    links: HashMap<String, Result<Located, Issue>>,
    held_vertices: usize,
    networks: HashMap<String, (Option<Theme>, Option<String>)>,
    waiting: HashMap<String, Vec<u64>>,
    pending: HashMap<u64, Pending>,
}

/// A geometry as read to a located geometry, or the reason there is none.
pub(crate) fn locate(g: Option<RawGeometry>, what: &str) -> Result<(Located, usize), Issue> {
    let g = g.ok_or_else(|| {
        Issue::error(
            Rule::GeometryMissing,
            format!("{what} has no geometry"),
            None,
        )
    })?;
    let shape = g.shape?;
    let b = build(&shape);
    let located = Located {
        geometry: b.geometry,
        heights: b.heights,
        crs: g.crs,
    };
    Ok((located, b.vertices))
}

impl Resolver {
    /// Holds a link; returns the elements it completes.
    pub fn add_link(
        &mut self,
        id: String,
        geometry: Option<RawGeometry>,
        limits: &ImklLimits,
    ) -> Result<Vec<Pending>, Full> {
        let located = locate(geometry, &format!("UtilityLink {id:?}"));
        if let Ok((_, v)) = &located {
            self.held_vertices += v;
        }
        if self.held_vertices > limits.max_held_vertices {
            return Err(Full {
                what: "vertices of held UtilityLinks",
                limit: limits.max_held_vertices as u64,
            });
        }
        if self.links.len() >= limits.max_held_links {
            return Err(Full {
                what: "UtilityLinks held in one document",
                limit: limits.max_held_links as u64,
            });
        }
        self.links.insert(id.clone(), located.map(|(l, _)| l));
        Ok(self.arrived(&id))
    }

    /// Holds a network's theme; returns the elements it completes.
    pub fn add_network(
        &mut self,
        id: String,
        theme: Option<Theme>,
        thema: Option<String>,
    ) -> Vec<Pending> {
        self.networks.insert(id.clone(), (theme, thema));
        self.arrived(&id)
    }

    fn arrived(&mut self, id: &str) -> Vec<Pending> {
        let mut ready = Vec::new();
        for key in self.waiting.remove(id).unwrap_or_default() {
            if let Some(p) = self.pending.get_mut(&key) {
                p.missing -= 1;
                if p.missing == 0 {
                    ready.extend(self.pending.remove(&key));
                }
            }
        }
        ready
    }

    /// The element, when all its references are known; otherwise it waits.
    pub fn offer(
        &mut self,
        raw: RawElement,
        class: &'static Class,
        index: u64,
        limits: &ImklLimits,
    ) -> Result<Option<Pending>, Full> {
        let mut refs: Vec<&String> = Vec::new();
        if class.geometry == GeometryFrom::Links {
            refs.extend(raw.links.iter().filter(|l| !self.links.contains_key(*l)));
        }
        if let Some(n) = raw
            .network
            .as_ref()
            .filter(|n| !self.networks.contains_key(*n))
        {
            refs.push(n);
        }
        let missing = refs.len();
        if missing == 0 {
            return Ok(Some(Pending {
                raw,
                class,
                index,
                missing,
            }));
        }
        if self.pending.len() >= limits.max_waiting_elements {
            return Err(Full {
                what: "elements waiting for their UtilityLink or Utiliteitsnet",
                limit: limits.max_waiting_elements as u64,
            });
        }
        for r in refs {
            self.waiting.entry(r.clone()).or_default().push(index);
        }
        self.pending.insert(
            index,
            Pending {
                raw,
                class,
                index,
                missing,
            },
        );
        Ok(None)
    }

    /// The elements still waiting at the end of the document, in document order.
    pub fn finish(&mut self) -> Vec<Pending> {
        let mut rest: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        rest.sort_by_key(|p| p.index);
        self.waiting.clear();
        rest
    }

    /// Geometry and theme of an element, from what is known now.
    pub fn resolve(&self, p: &mut Pending) -> Resolved {
        let (theme, thema) = match &p.raw.network {
            Some(n) => self.networks.get(n).cloned().unwrap_or_default(),
            None => (None, None),
        };
        let geometry = match p.class.geometry {
            GeometryFrom::Own => locate(
                p.raw.geometry.take(),
                &format!("{}:{}", p.class.prefix, p.class.name),
            )
            .map(|(l, _)| l),
            GeometryFrom::Links => self.link_geometry(&p.raw),
        };
        let geometry = geometry.map_err(|mut i| {
            i.at.get_or_insert_with(|| p.raw.at.clone());
            i
        });
        Resolved {
            geometry,
            theme,
            thema,
        }
    }

    fn link_geometry(&self, raw: &RawElement) -> Result<Located, Issue> {
        if raw.links.is_empty() {
            let m = "the element refers to no UtilityLink (net:link), which holds its geometry";
            return Err(Issue::error(Rule::GeometryMissing, m, None));
        }
        let mut parts = Vec::new();
        for href in &raw.links {
            match self.links.get(href) {
                None => {
                    let m = format!(
                        "net:link {href:?} refers to a UtilityLink that is not in the document"
                    );
                    return Err(Issue::error(Rule::GeometryMissing, m, None));
                }
                Some(Err(issue)) => {
                    let mut issue = issue.clone();
                    issue.message = format!("UtilityLink {href:?}: {}", issue.message);
                    return Err(issue);
                }
                Some(Ok(l)) => parts.push(l),
            }
        }
        if let [one] = parts.as_slice() {
            return Ok((*one).clone());
        }
        let crs = parts[0].crs.clone();
        let mut lines = Vec::new();
        let mut heights: Vec<Option<f64>> = Vec::new();
        let mut any_z = false;
        for l in &parts {
            if l.crs != crs {
                let m = "the element's UtilityLinks are in different CRSs";
                return Err(Issue::error(Rule::UnknownCrs, m, None));
            }
            let before = lines
                .iter()
                .map(|l: &geo_types::LineString| l.0.len())
                .sum::<usize>();
            match &l.geometry {
                Geometry::LineString(ls) => lines.push(ls.clone()),
                Geometry::MultiLineString(m) => lines.extend(m.0.iter().cloned()),
                _ => {
                    let m = "a UtilityLink's centrelineGeometry is not a line";
                    return Err(Issue::error(Rule::UnsupportedGeometry, m, None));
                }
            }
            let added = lines.iter().map(|l| l.0.len()).sum::<usize>() - before;
            match &l.heights {
                Some(h) => {
                    any_z = true;
                    heights.extend(h.iter().copied());
                }
                None => heights.extend(std::iter::repeat_n(None, added)),
            }
        }
        Ok(Located {
            geometry: Geometry::MultiLineString(MultiLineString(lines)),
            heights: any_z.then_some(heights),
            crs,
        })
    }
}
