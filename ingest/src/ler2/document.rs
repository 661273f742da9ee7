//! The walk through a document: a lone feature, a feature collection (LER,
//! GML or WFS) or a dig-request answer, member by member.

use std::io::Read;
use std::ops::ControlFlow;

use forsyning_model::DigResponseType;

use super::classes::{self, Class};
use super::feature::{bounded_by_srs, read_feature, simple_text};
use super::links::Containment;
use super::mapping::{map, Ler2Feature, MapCtx};
use super::reader::{DigAnswer, Ler2Limits, Ler2Summary, Ler2Version};
use super::units::UnitPolicy;
use super::xml::{El, Ev, Ns, Xml, LER_NS};
use crate::IngestError;

/// Why the walk ended early.
pub(super) enum Halt {
    Error(IngestError),
    /// The callback asked to stop.
    Stopped,
}

impl From<IngestError> for Halt {
    fn from(e: IngestError) -> Self {
        Halt::Error(e)
    }
}

pub(super) type Walk<T = ()> = Result<T, Halt>;

pub(crate) struct Walker<'a, R: Read> {
    pub(super) x: Xml<R>,
    pub(super) limits: Ler2Limits,
    pub(super) units: UnitPolicy,
    pub(super) sink: &'a mut dyn FnMut(Ler2Feature) -> ControlFlow<()>,
    pub(super) summary: Ler2Summary,
    pub(super) links: Containment,
    pub(super) min_minor: u8,
    pub(super) declared_minor: Option<u8>,
    pub(super) next_index: u64,
}

impl<'a, R: Read> Walker<'a, R> {
    pub fn new(
        reader: R,
        file: Option<String>,
        limits: Ler2Limits,
        units: UnitPolicy,
        sink: &'a mut dyn FnMut(Ler2Feature) -> ControlFlow<()>,
    ) -> Self {
        Self {
            x: Xml::new(reader, &limits, file),
            limits,
            units,
            sink,
            summary: Ler2Summary {
                features: 0,
                skipped: 0,
                root: String::new(),
                declared_version: None,
                min_version: Ler2Version::V2_0,
                crs: None,
                dig_answer: None,
            },
            links: Containment::default(),
            min_minor: 0,
            declared_minor: None,
            next_index: 0,
        }
    }

    pub fn run(mut self) -> Result<Ler2Summary, IngestError> {
        match self.walk() {
            Ok(()) | Err(Halt::Stopped) => {
                self.summary.min_version = Ler2Version::from_minor(self.min_minor);
                Ok(self.summary)
            }
            Err(Halt::Error(e)) => Err(e),
        }
    }

    fn walk(&mut self) -> Walk {
        let root = loop {
            self.x.mark();
            match self.x.next()? {
                Ev::Start(el) => break el,
                Ev::Text { text, at } if !text.trim().is_empty() => {
                    return Err(self.x.malformed(at, "text before the root element").into());
                }
                Ev::Text { .. } | Ev::End => {}
                Ev::Eof => {
                    return Err(self
                        .x
                        .malformed(None, "the input is empty: no root element")
                        .into())
                }
            }
        };
        self.summary.root = root.qualified();
        self.declared_version(&root)?;
        self.summary.crs = root.attr(Ns::None, "srsName").map(str::to_owned);
        let is_collection =
            root.name == "FeatureCollection" && matches!(root.ns, Ns::Ler | Ns::Gml | Ns::Wfs);
        match (root.ns, classes::class(&root.name)) {
            (Ns::Ler, Some(class)) => {
                let crs = self.summary.crs.clone();
                self.feature(&root, class, crs)?;
            }
            (Ns::Ler, None) if root.name == "Graveforespoergselssvar" => {
                self.summary.dig_answer = Some(DigAnswer::default());
                self.collection(&root, true)?;
            }
            _ if is_collection => self.collection(&root, true)?,
            (Ns::Ler, None) => {
                let m = format!(
                    "the root {} is not a LER 2 network feature, a FeatureCollection or a \
                     Graveforespoergselssvar",
                    root.qualified()
                );
                return Err(self.x.malformed(Some(root.at), m).into());
            }
            _ => {
                let m = format!(
                    "not a LER 2 document: the root element {} is not in the LER 2 namespace \
                     {LER_NS} (nor a GML or WFS FeatureCollection)",
                    root.qualified()
                );
                return Err(self.x.malformed(Some(root.at), m).into());
            }
        }
        loop {
            self.x.mark();
            match self.x.next()? {
                Ev::Eof => break,
                Ev::Text { text, .. } if text.trim().is_empty() => {}
                Ev::Text { at, .. } => {
                    return Err(self.x.malformed(at, "text after the root element").into())
                }
                Ev::Start(el) => {
                    let m = format!("{} after the root element", el.qualified());
                    return Err(self.x.malformed(Some(el.at), m).into());
                }
                Ev::End => unreachable!("the root element has ended"),
            }
        }
        for line in self.links.finish() {
            self.emit(map(line, None, self.ctx()))?;
        }
        Ok(())
    }

    pub(super) fn ctx(&self) -> MapCtx {
        MapCtx {
            units: self.units,
            declared_minor: self.declared_minor,
        }
    }

    /// `schemaVersion="2.2"` (dig answers) or a `2.x_ler.xsd` in `xsi:schemaLocation`.
    fn declared_version(&mut self, root: &El) -> Walk {
        let declared = root
            .attr(Ns::None, "schemaVersion")
            .map(str::to_owned)
            .or_else(|| {
                let loc = root.attr(Ns::Xsi, "schemaLocation")?;
                let file = loc.split_whitespace().find(|s| s.ends_with("_ler.xsd"))?;
                let name = file.rsplit('/').next()?;
                name.strip_suffix("_ler.xsd").map(str::to_owned)
            });
        let Some(declared) = declared else {
            return Ok(());
        };
        let minor = declared
            .trim()
            .strip_prefix("2.")
            .and_then(|rest| rest.split('.').next()?.parse::<u8>().ok());
        match minor {
            Some(m) => self.declared_minor = Some(m),
            None => {
                let m = format!(
                    "LER schema version {declared:?} is not supported; this reader reads 2.x"
                );
                return Err(self.x.malformed(Some(root.at), m).into());
            }
        }
        self.summary.declared_version = Some(declared);
        Ok(())
    }

    /// The children of a collection or dig answer whose start tag was read.
    fn collection(&mut self, el: &El, top: bool) -> Walk {
        let mut crs = el
            .attr(Ns::None, "srsName")
            .map(str::to_owned)
            .or(self.summary.crs.clone());
        loop {
            self.x.mark();
            let child = match self.x.next()? {
                Ev::Start(child) => child,
                Ev::End => return Ok(()),
                Ev::Text { .. } => continue,
                Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
            };
            let name = child.name.as_str();
            let member = matches!(child.ns, Ns::Gml | Ns::Wfs | Ns::Ler)
                && (matches!(
                    name,
                    "featureMember" | "featureMembers" | "member" | "members"
                ) || (child.ns == Ns::Ler
                    && (name.ends_with("Member") || name.ends_with("Members"))));
            if child.is(Ns::Gml, "boundedBy") {
                let srs = bounded_by_srs(&mut self.x)?;
                if srs.is_some() && crs.is_none() {
                    crs.clone_from(&srs);
                    if top {
                        self.summary.crs = srs;
                    }
                }
            } else if member {
                self.members(&child, crs.as_deref())?;
            } else if top
                && self.summary.dig_answer.is_some()
                && child.ns == Ns::Ler
                && matches!(name, "id" | "type")
            {
                let (text, _) = simple_text(&mut self.x, &child, self.limits.max_text_bytes)?;
                let answer = self
                    .summary
                    .dig_answer
                    .get_or_insert_with(DigAnswer::default);
                if name == "id" {
                    answer.id = Some(text);
                } else {
                    answer.response_type = response_type(&text);
                    answer.response_term = Some(text);
                }
            } else {
                self.x.skip()?;
            }
        }
    }

    /// The features inside a member element whose start tag was read.
    fn members(&mut self, wrapper: &El, crs: Option<&str>) -> Walk {
        loop {
            self.x.mark();
            let el = match self.x.next()? {
                Ev::Start(el) => el,
                Ev::End => return Ok(()),
                Ev::Text { .. } => continue,
                Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
            };
            let nested = matches!(
                el.name.as_str(),
                "FeatureCollection" | "Graveforespoergselssvar"
            ) && matches!(el.ns, Ns::Ler | Ns::Gml | Ns::Wfs);
            match (el.ns, classes::class(&el.name)) {
                (Ns::Ler, Some(class)) => self.feature(&el, class, crs.map(str::to_owned))?,
                _ if nested => self.collection(&el, false)?,
                (Ns::Ler | Ns::LerAux, None) => {
                    self.summary.skipped += 1;
                    self.x.skip()?;
                }
                _ => {
                    let m = format!(
                        "{} in {} is not a LER 2 feature: its namespace is not {LER_NS}",
                        el.qualified(),
                        wrapper.qualified()
                    );
                    return Err(self.x.malformed(Some(el.at), m).into());
                }
            }
        }
    }

    fn feature(&mut self, el: &El, class: &'static Class, crs: Option<String>) -> Walk {
        let index = self.next_index;
        self.next_index += 1;
        self.x.mark();
        self.x.feature = Some(index);
        let raw = read_feature(
            &mut self.x,
            el,
            class,
            index,
            crs.as_deref(),
            &self.limits,
            &mut self.min_minor,
        )?;
        self.x.feature = None;
        self.place(raw)
    }
}

fn response_type(term: &str) -> Option<DigResponseType> {
    use DigResponseType::*;
    [
        NoLinesInArea,
        NotDelivered,
        Delivered,
        TakenForManualHandling,
        OnSiteMarkingNotDelivered,
        OnSiteMarkingDelivered,
    ]
    .into_iter()
    .find(|t| t.ler_term() == term)
}
