//! Reads one feature element into a [`RawFeature`]: the property elements
//! the reader uses, its geometry and its references; everything else in it
//! is read past.

use std::io::Read;

use super::classes::Class;
use super::geometry::read_geometry;
use super::links::{FeatureRef, Relation, RelationKind};
use super::raw::{Issue, Prop, RawFeature, Value};
use super::reader::Ler2Limits;
use super::xml::{El, Ev, Ns, Xml};
use crate::problem::Rule;
use crate::IngestError;

/// Reads the feature whose start tag `el` was just read, through its end tag.
/// `min_minor` is raised to the LER 2 minor version its elements need.
pub(crate) fn read_feature<R: Read>(
    x: &mut Xml<R>,
    el: &El,
    class: &'static Class,
    index: u64,
    inherited_crs: Option<&str>,
    limits: &Ler2Limits,
    min_minor: &mut u8,
) -> Result<RawFeature, IngestError> {
    let mut f = RawFeature {
        index,
        class,
        gml_id: el.attr(Ns::Gml, "id").map(str::to_owned),
        at: x.describe(el.at),
        props: Default::default(),
        forsyningsart: Vec::new(),
        geometry: None,
        geometry_nil: false,
        relations: Vec::new(),
        inherited_crs: inherited_crs.map(str::to_owned),
        issues: Vec::new(),
    };
    loop {
        let child = match x.next()? {
            Ev::Start(child) => child,
            Ev::End => break,
            Ev::Text { .. } => continue,
            Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
        };
        match child.ns {
            Ns::Gml if child.name == "boundedBy" => {
                if let Some(srs) = bounded_by_srs(x)? {
                    f.inherited_crs = Some(srs);
                }
            }
            Ns::Ler => property(x, &child, &mut f, limits, min_minor)?,
            _ => x.skip()?,
        }
    }
    Ok(f)
}

fn property<R: Read>(
    x: &mut Xml<R>,
    child: &El,
    f: &mut RawFeature,
    limits: &Ler2Limits,
    min_minor: &mut u8,
) -> Result<(), IngestError> {
    let name = child.name.as_str();
    match name {
        "noejagtighedsklasseVertikal" | "udnyttelsesgrad" => *min_minor = (*min_minor).max(2),
        "medietype" if f.class.name == "Gasledning" => *min_minor = (*min_minor).max(1),
        "udvendigBredde" | "udvendigHoejde" if child.nil() => *min_minor = (*min_minor).max(1),
        _ => {}
    }
    if name == "geometri" {
        if f.geometry.is_some() || f.geometry_nil {
            let m = "ler:geometri appears more than once";
            f.issues.push(Issue::error(
                Rule::MalformedInput,
                m,
                Some(x.describe(child.at)),
            ));
            return x.skip();
        }
        if child.nil() {
            f.geometry_nil = true;
            return x.skip();
        }
        let crs = f.inherited_crs.clone();
        f.geometry = read_geometry(x, crs.as_deref(), limits.max_vertices)?;
        f.geometry_nil = f.geometry.is_none();
        return Ok(());
    }
    if let Some(kind) = RelationKind::from_element(name) {
        if let Some(href) = child.attr(Ns::XLink, "href") {
            f.relations.push(Relation {
                kind,
                target: FeatureRef::from_href(href),
            });
        }
        return x.skip();
    }
    let prop = Prop::from_element(name);
    if prop.is_none() && name != "forsyningsart" {
        return x.skip();
    }
    let (text, issue) = simple_text(x, child, limits.max_text_bytes)?;
    f.issues.extend(issue);
    let value = Value {
        text,
        nil: child.nil(),
        uom: child.attr(Ns::None, "uom").map(str::to_owned),
        at: x.describe(child.at),
    };
    match prop {
        None => f.forsyningsart.push(value),
        Some(p) if f.props[p as usize].is_some() => {
            let m = format!("ler:{name} appears more than once");
            f.issues.push(Issue::error(
                Rule::MalformedInput,
                m,
                Some(x.describe(child.at)),
            ));
        }
        Some(p) => f.props[p as usize] = Some(value),
    }
    Ok(())
}

/// The trimmed text of a simple element, through its end tag; child
/// elements and text past `max` bytes are problems.
pub(crate) fn simple_text<R: Read>(
    x: &mut Xml<R>,
    el: &El,
    max: usize,
) -> Result<(String, Option<Issue>), IngestError> {
    let mut text = String::new();
    let mut issue = None;
    loop {
        match x.next()? {
            Ev::Text { text: t, .. } => {
                if text.len() + t.len() <= max {
                    text.push_str(&t);
                } else if issue.is_none() {
                    let m = format!("{} is longer than {max} bytes", el.qualified());
                    issue = Some(Issue::error(
                        Rule::InputTooLarge,
                        m,
                        Some(x.describe(el.at)),
                    ));
                }
            }
            Ev::Start(inner) => {
                if issue.is_none() {
                    let m = format!(
                        "{} is not expected in {}",
                        inner.qualified(),
                        el.qualified()
                    );
                    issue = Some(Issue::error(
                        Rule::MalformedInput,
                        m,
                        Some(x.describe(inner.at)),
                    ));
                }
                x.skip()?;
            }
            Ev::End => return Ok((text.trim().to_owned(), issue)),
            Ev::Eof => unreachable!("Xml::next fails at the end of input inside an element"),
        }
    }
}

/// The `srsName` of the envelope in a `gml:boundedBy`, read through its end tag.
pub(crate) fn bounded_by_srs<R: Read>(x: &mut Xml<R>) -> Result<Option<String>, IngestError> {
    let depth = x.depth();
    let mut srs = None;
    while x.depth() >= depth {
        if let Ev::Start(el) = x.next()? {
            if srs.is_none() {
                srs = el.attr(Ns::None, "srsName").map(str::to_owned);
            }
        }
    }
    Ok(srs)
}
