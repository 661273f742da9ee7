//! Reads one IMKL element (a network element, a `UtilityLink`, a
//! `Utiliteitsnet`, a `Graafpolygoon`) into a [`RawElement`]: the references,
//! code values, measures and geometry the reader uses; the rest is read past.

use std::io::Read;

use crate::ler2::feature::simple_text;
use crate::ler2::geometry::read_geometry;
use crate::ler2::raw::{Issue, RawGeometry};
use crate::ler2::xml::{El, Ev, Ns, Xml};
use crate::problem::Rule;
use crate::IngestError;

/// A measure as written: its text and `uom`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Measure {
    pub text: String,
    pub uom: Option<String>,
}

/// One element as read.
#[derive(Debug, Default)]
pub(crate) struct RawElement {
    pub gml_id: Option<String>,
    /// `"line L, column C"` of the start tag.
    pub at: String,
    /// `net:link` targets, in document order, without duplicates.
    pub links: Vec<String>,
    /// `net:inNetwork` / `imkl:inNetwork`.
    pub network: Option<String>,
    /// The element's own geometry (`centrelineGeometry`, `geometry`, `geometrie`).
    pub geometry: Option<RawGeometry>,
    /// Code values by element name (last URI segment), nil ones left out.
    pub codes: Vec<(&'static str, String)>,
    pub measures: Vec<(&'static str, Measure)>,
    pub texts: Vec<(&'static str, String)>,
    pub issues: Vec<Issue>,
}

impl RawElement {
    pub fn code(&self, name: &str) -> Option<&str> {
        self.codes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn codes<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.codes
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn measure(&self, name: &str) -> Option<&Measure> {
        self.measures
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| m)
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Properties whose `xlink:href` is a code-list value.
const CODES: &[&str] = &[
    "currentStatus",
    "geoNauwkeurigheidXY",
    "buismateriaalType",
    "telecommunicationsCableMaterialType",
    "thema",
    "utilityNetworkType",
    "eisVoorzorgsmaatregel",
];
const MEASURES: &[&str] = &[
    "pipeDiameter",
    "kabelDiameter",
    "operatingVoltage",
    "nominalVoltage",
    "pressure",
];
const TEXTS: &[&str] = &[
    "eisVoorzorgsmaatregel",
    "netbeheerderNetAanduiding",
    "toelichting",
];
const GEOMETRIES: &[&str] = &["centrelineGeometry", "geometry", "geometrie"];

/// Reads the element whose start tag `el` was just read, through its end tag.
pub(crate) fn read_element<R: Read>(
    x: &mut Xml<R>,
    el: &El,
    crs: Option<&str>,
    max_vertices: usize,
    max_text: usize,
) -> Result<RawElement, IngestError> {
    let mut raw = RawElement {
        gml_id: el.attr(Ns::Gml, "id").map(str::to_owned),
        at: x.describe(el.at),
        ..RawElement::default()
    };
    loop {
        let child = match x.next()? {
            Ev::Start(child) => child,
            Ev::End => return Ok(raw),
            Ev::Text { .. } => continue,
            Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
        };
        let name = child.name.as_str();
        let href = child.attr(Ns::XLink, "href").map(str::trim);
        if name == "link" {
            if let Some(h) = href.filter(|h| !h.is_empty()) {
                let h = h.trim_start_matches('#').to_owned();
                if !raw.links.contains(&h) {
                    raw.links.push(h);
                }
            }
            x.skip()?;
        } else if name == "inNetwork" {
            raw.network = href
                .filter(|h| !h.is_empty())
                .map(|h| h.trim_start_matches('#').to_owned());
            x.skip()?;
        } else if let Some(&g) = GEOMETRIES.iter().find(|g| **g == name) {
            if raw.geometry.is_some() {
                let m = format!("{g} appears more than once");
                let issue = Issue::error(Rule::MalformedInput, m, Some(x.describe(child.at)));
                raw.issues.push(issue);
                x.skip()?;
            } else {
                raw.geometry = read_geometry(x, crs, max_vertices)?;
            }
        } else if let (Some(&c), Some(h)) = (CODES.iter().find(|c| **c == name), href) {
            if !child.nil() && !h.is_empty() {
                raw.codes.push((c, super::classes::code_of(h).to_owned()));
            }
            x.skip()?;
        } else if let Some(&m) = MEASURES.iter().find(|m| **m == name) {
            let uom = child.attr(Ns::None, "uom").map(str::to_owned);
            let (text, issue) = simple_text(x, &child, max_text)?;
            raw.issues.extend(issue);
            if !child.nil() && !text.is_empty() {
                raw.measures.push((m, Measure { text, uom }));
            }
        } else if let Some(&t) = TEXTS.iter().find(|t| **t == name) {
            let (text, issue) = simple_text(x, &child, max_text)?;
            raw.issues.extend(issue);
            if !child.nil() && !text.is_empty() {
                raw.texts.push((t, text));
            }
        } else {
            x.skip()?;
        }
    }
}
