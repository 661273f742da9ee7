//! The walk through an IMKL document: a `gml:FeatureCollection` of
//! `gml:featureMember`s, each dispatched to a link, a network, the dig
//! polygon, a network element, or read past.

use std::io::Read;

use forsyning_model::SourceFormat;

use super::classes::{self, code_of, theme_of_network_type, theme_of_thema, Class};
use super::element::read_element;
use super::map::map;
use super::reader::{CrsGeometry, ImklElement, ImklLimits, ImklSummary, ImklVersion};
use super::resolve::{locate, Full, Pending, Resolver};
use crate::ler2::feature::bounded_by_srs;
use crate::ler2::xml::{El, Ev, Ns, Xml};
use crate::{IngestError, Ler2Limits};

const IMKL_2_0: &str = "http://www.geostandaarden.nl/imkl/wibon";
const IMKL_1_2: &str = "http://www.geostandaarden.nl/imkl/2015/wion/1.2";

fn is_imkl(uri: &str) -> bool {
    uri.starts_with("http://www.geostandaarden.nl/imkl")
}

pub(crate) fn is_inspire(uri: &str) -> bool {
    uri.starts_with("http://inspire.ec.europa.eu/schemas/")
}

/// Which model the document is in: IMKL, or plain INSPIRE Utility Networks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dialect {
    Imkl,
    /// The network classes are looked up in this table.
    Inspire(&'static [Class]),
}

pub(crate) struct Walker<'a, R: Read> {
    dialect: Dialect,
    x: Xml<R>,
    limits: ImklLimits,
    sink: &'a mut dyn FnMut(ImklElement),
    summary: ImklSummary,
    resolver: Resolver,
    next_index: u64,
}

impl<'a, R: Read> Walker<'a, R> {
    pub fn new(
        reader: R,
        file: Option<String>,
        limits: ImklLimits,
        dialect: Dialect,
        sink: &'a mut dyn FnMut(ImklElement),
    ) -> Self {
        let xml_limits = Ler2Limits {
            max_feature_bytes: limits.max_feature_bytes,
            max_vertices: limits.max_vertices,
            max_depth: limits.max_depth,
            max_text_bytes: limits.max_text_bytes,
            ..Ler2Limits::default()
        };
        Self {
            dialect,
            x: Xml::new(reader, &xml_limits, file),
            limits,
            sink,
            summary: ImklSummary {
                features: 0,
                links: 0,
                networks: 0,
                skipped: Default::default(),
                root: String::new(),
                version: None,
                crs: None,
                dig_polygon: None,
            },
            resolver: Resolver::default(),
            next_index: 0,
        }
    }

    pub fn run(mut self) -> Result<ImklSummary, IngestError> {
        let root = loop {
            self.x.mark();
            match self.x.next()? {
                Ev::Start(el) => break el,
                Ev::Text { text, at } if !text.trim().is_empty() => {
                    return Err(self.x.malformed(at, "text before the root element"));
                }
                Ev::Text { .. } | Ev::End => {}
                Ev::Eof => {
                    return Err(self
                        .x
                        .malformed(None, "the input is empty: no root element"))
                }
            }
        };
        self.summary.root = qualified(&root);
        if root.name != "FeatureCollection" {
            let m = format!(
                "not an IMKL document: the root element {} is not a FeatureCollection",
                qualified(&root)
            );
            return Err(self.x.malformed(Some(root.at), m));
        }
        self.summary.crs = root.attr(Ns::None, "srsName").map(str::to_owned);
        self.collection()?;
        loop {
            self.x.mark();
            match self.x.next()? {
                Ev::Eof => break,
                Ev::Text { text, .. } if text.trim().is_empty() => {}
                Ev::Text { at, .. } => {
                    return Err(self.x.malformed(at, "text after the root element"))
                }
                Ev::Start(el) => {
                    let m = format!("{} after the root element", qualified(&el));
                    return Err(self.x.malformed(Some(el.at), m));
                }
                Ev::End => unreachable!("the root element has ended"),
            }
        }
        for p in self.resolver.finish() {
            self.emit(p);
        }
        Ok(self.summary)
    }

    fn collection(&mut self) -> Result<(), IngestError> {
        loop {
            self.x.mark();
            let child = match self.x.next()? {
                Ev::Start(child) => child,
                Ev::End => return Ok(()),
                Ev::Text { .. } => continue,
                Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
            };
            if child.is(Ns::Gml, "boundedBy") {
                let srs = bounded_by_srs(&mut self.x)?;
                if self.summary.crs.is_none() {
                    self.summary.crs = srs;
                }
            } else if matches!(
                child.name.as_str(),
                "featureMember" | "featureMembers" | "member"
            ) {
                self.members()?;
            } else {
                self.x.skip()?;
            }
        }
    }

    fn members(&mut self) -> Result<(), IngestError> {
        loop {
            self.x.mark();
            let el = match self.x.next()? {
                Ev::Start(el) => el,
                Ev::End => return Ok(()),
                Ev::Text { .. } => continue,
                Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
            };
            self.member(el)?;
        }
    }

    fn read(&mut self, el: &El) -> Result<super::element::RawElement, IngestError> {
        let crs = self.summary.crs.clone();
        read_element(
            &mut self.x,
            el,
            crs.as_deref(),
            self.limits.max_vertices,
            self.limits.max_text_bytes,
        )
    }

    fn member(&mut self, el: El) -> Result<(), IngestError> {
        if is_imkl(&el.uri) && self.summary.version.is_none() {
            self.summary.version = match el.uri.as_str() {
                IMKL_2_0 => Some(ImklVersion::V2_0),
                IMKL_1_2 => Some(ImklVersion::V1_2),
                _ => None,
            };
        }
        let class = match self.dialect {
            Dialect::Imkl => is_imkl(&el.uri).then(|| classes::find(&el.name)).flatten(),
            Dialect::Inspire(table) => is_inspire(&el.uri)
                .then(|| table.iter().find(|c| c.name == el.name))
                .flatten(),
        };
        if let Some(class) = class {
            let index = self.next_index;
            self.next_index += 1;
            self.x.feature = Some(index);
            let raw = self.read(&el)?;
            self.x.feature = None;
            let ready = self
                .resolver
                .offer(raw, class, index, &self.limits)
                .map_err(|f| self.full(&el, f))?;
            if let Some(p) = ready {
                self.emit(p);
            }
        } else if is_inspire(&el.uri) && el.name == "UtilityLink" {
            let mut raw = self.read(&el)?;
            self.summary.links += 1;
            let id = raw.gml_id.clone().unwrap_or_default();
            let ready = self
                .resolver
                .add_link(id, raw.geometry.take(), &self.limits)
                .map_err(|f| self.full(&el, f))?;
            ready.into_iter().for_each(|p| self.emit(p));
        } else if (is_imkl(&el.uri) && el.name == "Utiliteitsnet")
            || (is_inspire(&el.uri) && el.name == "UtilityNetwork")
        {
            let raw = self.read(&el)?;
            self.summary.networks += 1;
            let thema = raw.code("thema").map(str::to_owned);
            let theme = raw.codes("thema").find_map(theme_of_thema).or_else(|| {
                raw.code("utilityNetworkType")
                    .and_then(theme_of_network_type)
            });
            let id = raw.gml_id.clone().unwrap_or_default();
            let ready = self.resolver.add_network(id, theme, thema);
            ready.into_iter().for_each(|p| self.emit(p));
        } else if is_imkl(&el.uri) && el.name == "Graafpolygoon" {
            let raw = self.read(&el)?;
            if let Ok((l, _)) = locate(raw.geometry, "imkl:Graafpolygoon") {
                self.summary.dig_polygon = Some(CrsGeometry {
                    geometry: l.geometry,
                    crs: l.crs,
                });
            }
        } else {
            *self.summary.skipped.entry(qualified(&el)).or_default() += 1;
            self.x.skip()?;
        }
        Ok(())
    }

    fn full(&self, el: &El, f: Full) -> IngestError {
        IngestError::LimitExceeded {
            at: self.x.location(Some(el.at)),
            what: f.what,
            limit: f.limit,
        }
    }

    fn emit(&mut self, mut p: Pending) {
        let resolved = self.resolver.resolve(&mut p);
        self.summary.features += 1;
        let format = match self.dialect {
            Dialect::Imkl => SourceFormat::Imkl,
            Dialect::Inspire(_) => SourceFormat::InspireUs,
        };
        (self.sink)(map(p.raw, p.class, p.index, resolved, format));
    }
}

/// `imkl:Kast`, `us-net-common:UtilityLink`, `gml:FeatureCollection`.
fn qualified(el: &El) -> String {
    let prefix = if is_imkl(&el.uri) {
        "imkl"
    } else if el.ns == Ns::Gml {
        "gml"
    } else if is_inspire(&el.uri) {
        code_of(
            el.uri
                .trim_end_matches(|c: char| c == '/' || c.is_ascii_digit() || c == '.'),
        )
    } else {
        return format!("{{{}}}{}", el.uri, el.name);
    };
    format!("{prefix}:{}", el.name)
}
