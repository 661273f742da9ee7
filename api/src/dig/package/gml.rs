//! The dig-request package as LER 2.2 GML, valid against the official
//! 2.2.0 schema (`2.2_ler.xsd`) and read back by the project's own LER 2
//! reader (`forsyning_ingest::Ler2Reader`).
//!
//! # Document shape
//!
//! In LER 2.2 a `ler:Graveforespoergselssvar` is **one owner's** answer: it
//! has a single `ler:id` and a single `ler:type`. A dig request usually
//! reaches several owners, each with its own answer type, so
//! [`write_ler_answer`] writes a `gml:FeatureCollection` (GML 3.2.1, which
//! the LER schema imports) for the request, holding one
//! `ler:Graveforespoergselssvar` per owner answer in `gml:featureMember`:
//!
//! ```text
//! gml:FeatureCollection  gml:id="graveforespoergsel-<request uuid>"
//!   gml:description      the request in words: id, requester, purpose, period, buffer, contact
//!   gml:identifier       the request's UUID (codeSpace urn:forsyning:graveforespoergsel)
//!   gml:boundedBy        the envelope of the dig polygon (EPSG:25832)
//!   gml:location         the dig polygon (gml:Polygon, EPSG:25832)
//!   gml:featureMember    one per owner answer, in the report's order:
//!     ler:Graveforespoergselssvar  gml:id="svar-<owner id>" schemaVersion="2.2"
//!       gml:identifier   the owner's id (codeSpace urn:forsyning:organisation)
//!       gml:boundedBy, gml:location   the request's envelope and polygon again
//!       ler:id           UUID v5 of the owner id in the request's UUID namespace
//!       ler:type         the owner's answer (DigResponseType::ler_term)
//!       ler:forventetAfleveringstidspunkt   the owner's deadline, while the answer
//!                        is "udtaget til manuel behandling" and not final
//!       ler:gyldigTil    the last day of the dig period (Danish date)
//!       ler:typeSupplerendeInfo   the owner and its answer in words: request id,
//!                        period, deadline, answer time, number of features
//!       ler:kontaktprofilTilTekniskeSpoergsmaal   the owner's contact, when known
//!       ler:ledningstraceMember*, ler:ledningMember*, ler:ledningskomponentMember*
//! ```
//!
//! [`write_owner_answer`] writes one owner's `ler:Graveforespoergselssvar`
//! as the root, the shape an owner sends to LER.
//!
//! # Features
//!
//! Each disclosed feature goes into its owner's answer as the LER type
//! that the reader maps back to the same theme and kind:
//!
//! | kind | theme | LER type |
//! |---|---|---|
//! | cable_or_pipe | electricity, telecom | `Elledning`, `Telekommunikationsledning` |
//! | cable_or_pipe | gas, water, sewer, district heating, oil | `Gasledning`, `Vandledning`, `Afloebsledning`, `TermiskLedning`, `Olieledning` |
//! | cable_or_pipe | other | `LedningUkendtForsyningsart` |
//! | duct | any | `Foeringsroer` with `forsyningsart` (none for other) |
//! | trench | any | `Ledningstrace` with `forsyningsart` (a `gml:MultiCurve`) |
//! | component | per theme | `Elkomponent`, `Gaskomponent`, `Vandkomponent`, `Afloebskomponent`, `TermiskKomponent`, `Oliekomponent`, `Telekommunikationskomponent`, `AndenKomponent` |
//! | area | per theme | the theme's component type with the area's polygon (LER 2 has no area type; see below) |
//!
//! Code values are the model's `ler_term`s, the same that the reader
//! parses. `gml:id` is the feature's `source_id` when that is an XML name
//! (NCName) not used before in the document, else `f-<uuid>`; `ler:id` is
//! always the feature's own UUID.
//!
//! # What the model lacks
//!
//! Nothing is invented; where the schema needs a value the model does not
//! have, the writer uses the schema's own form for "unknown":
//!
//! - `driftsstatus`, `fareklasse` of lines and traces (required): `xsi:nil="true"
//!   nilReason="unknown"` when the model has none; on components they are
//!   optional and left out.
//! - `etableringstidspunkt` of lines and traces (required): an empty
//!   `gml:TimePosition` with `indeterminatePosition="unknown"`; left out on
//!   components.
//! - `noejagtighedsklasse`, `noejagtighedsklasseVertikal`: the class
//!   [`AccuracyClass::Unknown`] is `xsi:nil="true" nilReason="unknown"`.
//! - `tvaersnitsform` of pipes and ducts and the nillable `type` of
//!   `Elledning`, `Telekommunikationsledning`, `Gasledning` and
//!   `TermiskLedning` (required, not in the model): nil, `nilReason="unknown"`.
//! - the mandatory, non-nillable `type` of components: `other: ukendt`
//!   (the schema's extension pattern `other: \w{2,}`, "unknown"); areas are
//!   `other: område`.
//! - `forsyningsart` for [`Theme::Other`] where one is required (traces,
//!   `AndenKomponent`): `other: andet` (the extension pattern with the
//!   model's own term for other).
//! - an unknown vertex height is `-99`, LER's convention; a feature without
//!   heights is written in 2D (`srsDimension="2"`).
//! - a missing depth, diameter, voltage, pressure, material or drawing
//!   method is left out (all optional).
//!
//! What LER 2.2 has no element for is left out, so it does not come back
//! when the document is read: the pressure of water and sewer pipes, ducts
//! and components (`tryk` exists on `Gasledning`, `TermiskLedning` and
//! `Olieledning` only); the voltage of anything but `Elledning` and
//! `Elkomponent`; the diameter of traces and components; the material of
//! traces; the drawing method of components; the owner and dataset of a
//! feature (the answer it sits in names the owner).
//!
//! Texts longer than the schema allows are cut and end with `…`:
//! `sikkerhedshensyn` 500 characters, `navn` of a contact 100,
//! `udvendigMateriale`/`materiale` 50. Characters that XML 1.0 cannot carry
//! (control characters other than tab, line feed and carriage return) become
//! U+FFFD. Every text and attribute value is escaped by quick-xml.
//!
//! A cable, pipe or duct whose geometry is a MultiLineString of several
//! parts is written as one `Ledning` per part (`gml:id` suffixed `.1`,
//! `.2` …, the same `ler:id`), since a LER line's geometry is a single curve.
//! An area (LER 2 has no area type) is written as its theme's component with
//! `type` `other: område` so that a precaution zone stays in the package; it
//! reads back as a component.

use std::collections::HashSet;
use std::io::{BufWriter, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Europe::Copenhagen;
use forsyning_model::{AccuracyClass, DigResponseType, Kind, NetworkFeature, OrgId, Theme};
use geo::{BoundingRect, CoordsIter};
use geo_types::{Coord, Geometry, LineString, Polygon};
use quick_xml::escape::escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use uuid::Uuid;

use super::PackageInput;
use crate::dig::OwnerAnswer;

/// The LER 2 namespace.
pub const LER_NS: &str = "http://data.gov.dk/schemas/LER/2/gml";
/// The GML 3.2 namespace.
pub const GML_NS: &str = "http://www.opengis.net/gml/3.2";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
/// The `srsName` of every geometry.
pub const SRS_NAME: &str = "EPSG:25832";
/// LER's "unknown height" ordinate.
const UNKNOWN_HEIGHT: &str = "-99";
/// The `codeSpace` of the request's `gml:identifier`.
const REQUEST_CODESPACE: &str = "urn:forsyning:graveforespoergsel";
/// The `codeSpace` of an owner's `gml:identifier`.
const ORG_CODESPACE: &str = "urn:forsyning:organisation";

/// Why a package could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GmlError {
    #[error("writing the LER GML package: {0}")]
    Io(#[from] std::io::Error),
    /// The input does not hang together (features and report differ, a
    /// feature of an owner that did not deliver ...).
    #[error("the LER GML package input is inconsistent: {0}")]
    Inconsistent(String),
    /// A feature cannot be expressed in LER 2.2.
    #[error("feature {source_id} ({id}) cannot be written as LER 2.2 GML: {reason}")]
    Feature {
        id: Uuid,
        source_id: String,
        reason: String,
    },
    /// The dig polygon cannot be written.
    #[error("the dig polygon cannot be written as GML: {0}")]
    Polygon(String),
}

type Result<T = (), E = GmlError> = std::result::Result<T, E>;

/// Writes the package of `input` as one LER 2.2 GML document (see the
/// [module documentation](self) for its shape) to `out`.
///
/// The input is checked first: the report must answer the request, the
/// features must be the report's features in its order, each feature's
/// owner must have an answer that delivers, and every geometry must be
/// writable. The document is made once without output to find such errors,
/// so nothing reaches `out` when one is found; only an I/O error can leave a
/// partial document.
pub fn write_ler_answer<W: Write>(input: &PackageInput<'_>, out: W) -> Result {
    check_input(input)?;
    let groups = group_by_owner(input)?;
    collection(input, &groups, std::io::sink())?;
    collection(input, &groups, out)
}

/// Writes one owner's answer of `input` as a document whose root is a
/// `ler:Graveforespoergselssvar`, with the owner's features when the report
/// holds them. Checks and errors as [`write_ler_answer`], and
/// [`GmlError::Inconsistent`] when `owner` has no answer in the report.
pub fn write_owner_answer<W: Write>(input: &PackageInput<'_>, owner: &OrgId, out: W) -> Result {
    check_input(input)?;
    let groups = group_by_owner(input)?;
    let (answer, features) = groups
        .iter()
        .find(|(a, _)| &a.owner_id == owner)
        .ok_or_else(|| {
            GmlError::Inconsistent(format!(
                "the owner {owner} has no answer in the report of dig request {}",
                input.request.id
            ))
        })?;
    let one = |out: &mut dyn Write| {
        let mut doc = Doc::new(out);
        doc.decl()?;
        let mut root = BytesStart::new("ler:Graveforespoergselssvar");
        namespaces(&mut root);
        doc.owner_answer(input, answer, features, root)?;
        doc.finish()
    };
    one(&mut std::io::sink())?;
    let mut out = out;
    one(&mut out)
}

/// The owners' answers, each with its features.
type Groups<'a> = Vec<(&'a OwnerAnswer, Vec<&'a NetworkFeature>)>;

fn collection<W: Write>(input: &PackageInput<'_>, groups: &Groups<'_>, out: W) -> Result {
    let mut doc = Doc::new(out);
    doc.decl()?;
    let request = input.request;
    let root_id = format!("graveforespoergsel-{}", request.id);
    doc.ids.insert(root_id.clone());
    let mut root = BytesStart::new("gml:FeatureCollection");
    namespaces(&mut root);
    root.push_attribute(("gml:id", root_id.as_str()));
    doc.start(root)?;
    doc.text_el("gml:description", &[], &request_description(input))?;
    doc.text_el(
        "gml:identifier",
        &[("codeSpace", REQUEST_CODESPACE)],
        &request.id.to_string(),
    )?;
    doc.request_area(&request.polygon)?;
    for (answer, features) in groups {
        doc.start(BytesStart::new("gml:featureMember"))?;
        doc.owner_answer(
            input,
            answer,
            features,
            BytesStart::new("ler:Graveforespoergselssvar"),
        )?;
        doc.end("gml:featureMember")?;
    }
    doc.end("gml:FeatureCollection")?;
    doc.finish()
}

fn namespaces(root: &mut BytesStart<'_>) {
    root.push_attribute(("xmlns:ler", LER_NS));
    root.push_attribute(("xmlns:gml", GML_NS));
    root.push_attribute(("xmlns:xsi", XSI_NS));
    root.push_attribute(("xmlns:xlink", XLINK_NS));
}

fn check_input(input: &PackageInput<'_>) -> Result {
    let (report, request) = (input.report, input.request);
    if report.id != request.id {
        return Err(GmlError::Inconsistent(format!(
            "the report is of dig request {}, the request is {}",
            report.id, request.id
        )));
    }
    let listed: Vec<Uuid> = report.features.iter().flatten().map(|f| f.id).collect();
    let given: Vec<Uuid> = input.features.iter().map(|f| f.id).collect();
    if listed != given {
        return Err(GmlError::Inconsistent(format!(
            "the report lists {} features and {} feature records were given, not the same \
             ids in the same order",
            listed.len(),
            given.len()
        )));
    }
    Ok(())
}

/// The owners' answers in report order, each with its features.
fn group_by_owner<'a>(input: &PackageInput<'a>) -> Result<Groups<'a>> {
    let mut groups: Vec<(&OwnerAnswer, Vec<&NetworkFeature>)> = input
        .report
        .owners
        .iter()
        .map(|a| (a, Vec::new()))
        .collect();
    for f in input.features {
        let Some((answer, list)) = groups.iter_mut().find(|(a, _)| a.owner_id == f.owner_id) else {
            return Err(GmlError::Inconsistent(format!(
                "feature {} ({}) belongs to {}, which has no answer in the report",
                f.source_id, f.id, f.owner_id
            )));
        };
        if !answer.answer.delivers_features() {
            return Err(GmlError::Inconsistent(format!(
                "feature {} ({}) belongs to {}, whose answer \"{}\" delivers no features",
                f.source_id,
                f.id,
                f.owner_id,
                answer.answer.ler_term()
            )));
        }
        list.push(f);
    }
    Ok(groups)
}

fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn request_description(input: &PackageInput<'_>) -> String {
    let r = input.request;
    format!(
        "Graveforespørgsel {} fra {}: {}. Graveperiode {} til {}. Buffer {} m. Kontakt: {}. \
         Modtaget {}. Koordinater i EPSG:25832, højder DVR90 (-99: ukendt).",
        r.id,
        r.requester_id,
        r.purpose,
        utc(r.period_from),
        utc(r.period_to),
        r.buffer_m,
        r.contact,
        utc(r.received_at),
    )
}

fn answer_info(input: &PackageInput<'_>, a: &OwnerAnswer) -> String {
    let r = input.request;
    let answered = a.answered_at.map_or_else(
        || "endnu ikke endeligt besvaret".to_owned(),
        |t| format!("besvaret {}", utc(t)),
    );
    format!(
        "Ledningsejer {} svar på graveforespørgsel {} (graveperiode {} til {}): {}; svarfrist {}; \
         {}; {} ledningsobjekter i graveområdet.",
        a.owner_id,
        r.id,
        utc(r.period_from),
        utc(r.period_to),
        a.answer.ler_term(),
        utc(a.deadline),
        answered,
        a.feature_count,
    )
}

/// Replaces what XML 1.0 cannot carry with U+FFFD and cuts the text to
/// `max` characters (the last one then `…`).
fn xml_text(text: &str, max: Option<usize>) -> String {
    let clean = text.chars().map(|c| match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    });
    match max {
        Some(max) if text.chars().count() > max => {
            let mut s: String = clean.take(max.saturating_sub(1)).collect();
            s.push('…');
            s
        }
        _ => clean.collect(),
    }
}

/// Whether `s` is an XML NCName (close enough: Unicode letters and digits).
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The LER element of a feature: its name and how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LerType {
    name: &'static str,
    family: Family,
    /// A `Roerledning` (has `tvaersnitsform`).
    pipe: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Line,
    Trace,
    Component,
}

fn ler_type(kind: Kind, theme: Theme) -> LerType {
    let line = |name, pipe| LerType {
        name,
        family: Family::Line,
        pipe,
    };
    match kind {
        Kind::CableOrPipe => match theme {
            Theme::Electricity => line("ler:Elledning", false),
            Theme::Telecom => line("ler:Telekommunikationsledning", false),
            Theme::Gas => line("ler:Gasledning", true),
            Theme::Water => line("ler:Vandledning", true),
            Theme::Sewer => line("ler:Afloebsledning", true),
            Theme::DistrictHeating => line("ler:TermiskLedning", true),
            Theme::Oil => line("ler:Olieledning", true),
            Theme::Other => line("ler:LedningUkendtForsyningsart", false),
        },
        Kind::Duct => line("ler:Foeringsroer", true),
        Kind::Trench => LerType {
            name: "ler:Ledningstrace",
            family: Family::Trace,
            pipe: false,
        },
        Kind::Component | Kind::Area => LerType {
            name: match theme {
                Theme::Electricity => "ler:Elkomponent",
                Theme::Telecom => "ler:Telekommunikationskomponent",
                Theme::Gas => "ler:Gaskomponent",
                Theme::Water => "ler:Vandkomponent",
                Theme::Sewer => "ler:Afloebskomponent",
                Theme::DistrictHeating => "ler:TermiskKomponent",
                Theme::Oil => "ler:Oliekomponent",
                Theme::Other => "ler:AndenKomponent",
            },
            family: Family::Component,
            pipe: false,
        },
    }
}

/// The `forsyningsart` value of a theme (`other: andet` for other).
fn forsyningsart(theme: Theme) -> String {
    match theme {
        Theme::Other => format!("other: {}", Theme::Other.ler_term()),
        t => t.ler_term().to_owned(),
    }
}

/// A number as XSD `double`; `None` when it is not finite.
fn number(v: f64) -> Option<String> {
    v.is_finite().then(|| format!("{v}"))
}

/// One feature's heights, consumed vertex by vertex in coordinate order.
struct Heights<'a> {
    heights: Option<&'a [Option<f64>]>,
    next: usize,
}

impl Heights<'_> {
    fn dim(&self) -> &'static str {
        if self.heights.is_some() {
            "3"
        } else {
            "2"
        }
    }

    /// The `posList` of `coords`, which must be at least `min` vertices.
    fn pos_list(&mut self, coords: &[Coord<f64>], min: usize) -> Result<String, String> {
        if coords.len() < min {
            return Err(format!(
                "a part of its geometry has {} vertices, fewer than {min}",
                coords.len()
            ));
        }
        let mut out = String::with_capacity(coords.len() * 32);
        for c in coords {
            let (Some(x), Some(y)) = (number(c.x), number(c.y)) else {
                return Err(format!("the coordinate ({}, {}) is not finite", c.x, c.y));
            };
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&x);
            out.push(' ');
            out.push_str(&y);
            if let Some(hs) = self.heights {
                let z = match hs.get(self.next) {
                    Some(Some(z)) => {
                        number(*z).ok_or_else(|| format!("the height {z} is not finite"))?
                    }
                    Some(None) => UNKNOWN_HEIGHT.to_owned(),
                    None => {
                        return Err(format!(
                            "it has {} heights, fewer than its vertices",
                            hs.len()
                        ))
                    }
                };
                out.push(' ');
                out.push_str(&z);
                self.next += 1;
            }
        }
        Ok(out)
    }
}

/// The XML writer with the document's `gml:id`s.
struct Doc<W: Write> {
    w: Writer<BufWriter<W>>,
    ids: HashSet<String>,
}

impl<W: Write> Doc<W> {
    fn new(out: W) -> Self {
        Self {
            w: Writer::new_with_indent(BufWriter::new(out), b' ', 1),
            ids: HashSet::new(),
        }
    }

    fn decl(&mut self) -> Result {
        self.w
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(())
    }

    fn finish(self) -> Result {
        let mut out = self.w.into_inner();
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    fn start(&mut self, el: BytesStart<'_>) -> Result {
        self.w.write_event(Event::Start(el))?;
        Ok(())
    }

    fn end(&mut self, name: &str) -> Result {
        self.w.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    fn text_el(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Result {
        let mut el = BytesStart::new(name);
        for a in attrs {
            el.push_attribute(*a);
        }
        self.w.write_event(Event::Start(el))?;
        // quick-xml escapes `<>&'"`; a carriage return must be a character
        // reference too, or parsers turn it into a line feed.
        let escaped = escape(xml_text(text, None)).replace('\r', "&#13;");
        self.w
            .write_event(Event::Text(BytesText::from_escaped(escaped)))?;
        self.end(name)
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result {
        let mut el = BytesStart::new(name);
        for a in attrs {
            el.push_attribute(*a);
        }
        self.w.write_event(Event::Empty(el))?;
        Ok(())
    }

    /// `xsi:nil="true" nilReason="unknown"`.
    fn nil(&mut self, name: &str) -> Result {
        self.empty(name, &[("xsi:nil", "true"), ("nilReason", "unknown")])
    }

    /// A unique `gml:id`: `wanted` when it is an NCName not used yet, else
    /// one made of `fallback`.
    fn claim(&mut self, wanted: &str, fallback: &str) -> String {
        let mut id = if is_ncname(wanted) && !self.ids.contains(wanted) {
            wanted.to_owned()
        } else {
            fallback.to_owned()
        };
        let base = id.clone();
        let mut n = 1;
        while self.ids.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.ids.insert(id.clone());
        id
    }

    /// `gml:boundedBy` and `gml:location` of the dig polygon.
    fn request_area(&mut self, polygon: &Polygon<f64>) -> Result {
        let rect = polygon
            .bounding_rect()
            .ok_or_else(|| GmlError::Polygon("it is empty".into()))?;
        let corner = |c: Coord<f64>| match (number(c.x), number(c.y)) {
            (Some(x), Some(y)) => Ok(format!("{x} {y}")),
            _ => Err(GmlError::Polygon(format!(
                "the coordinate ({}, {}) is not finite",
                c.x, c.y
            ))),
        };
        let (lower, upper) = (corner(rect.min())?, corner(rect.max())?);
        self.start(BytesStart::new("gml:boundedBy"))?;
        let mut env = BytesStart::new("gml:Envelope");
        env.push_attribute(("srsName", SRS_NAME));
        env.push_attribute(("srsDimension", "2"));
        self.start(env)?;
        self.text_el("gml:lowerCorner", &[], &lower)?;
        self.text_el("gml:upperCorner", &[], &upper)?;
        self.end("gml:Envelope")?;
        self.end("gml:boundedBy")?;
        self.start(BytesStart::new("gml:location"))?;
        let mut heights = Heights {
            heights: None,
            next: 0,
        };
        self.polygon(polygon, &mut heights, true)
            .map_err(|e| match e {
                GmlError::Polygon(_) | GmlError::Io(_) => e,
                other => GmlError::Polygon(other.to_string()),
            })?;
        self.end("gml:location")
    }

    fn owner_answer(
        &mut self,
        input: &PackageInput<'_>,
        answer: &OwnerAnswer,
        features: &[&NetworkFeature],
        mut root: BytesStart<'_>,
    ) -> Result {
        let request = input.request;
        let n = self.ids.len();
        let svar_id = self.claim(&format!("svar-{}", answer.owner_id), &format!("svar-{n}"));
        root.push_attribute(("gml:id", svar_id.as_str()));
        root.push_attribute(("schemaVersion", "2.2"));
        self.start(root)?;
        self.text_el(
            "gml:identifier",
            &[("codeSpace", ORG_CODESPACE)],
            answer.owner_id.as_str(),
        )?;
        self.request_area(&request.polygon)?;
        let answer_id = Uuid::new_v5(&request.id, answer.owner_id.as_str().as_bytes());
        self.text_el("ler:id", &[], &answer_id.to_string())?;
        self.text_el("ler:type", &[], answer.answer.ler_term())?;
        if answer.answer == DigResponseType::TakenForManualHandling && answer.answered_at.is_none()
        {
            self.text_el(
                "ler:forventetAfleveringstidspunkt",
                &[],
                &utc(answer.deadline),
            )?;
        }
        let last_day = request.period_to.with_timezone(&Copenhagen).date_naive();
        self.text_el(
            "ler:gyldigTil",
            &[],
            &last_day.format("%Y-%m-%d").to_string(),
        )?;
        self.text_el("ler:typeSupplerendeInfo", &[], &answer_info(input, answer))?;
        if let Some(contact) = &answer.contact {
            self.contact(contact, &svar_id)?;
        }
        let mut sorted: Vec<&NetworkFeature> = Vec::with_capacity(features.len());
        for family in [Family::Trace, Family::Line, Family::Component] {
            sorted.extend(
                features
                    .iter()
                    .copied()
                    .filter(|f| ler_type(f.kind, f.theme).family == family),
            );
        }
        for f in sorted {
            self.feature(f)?;
        }
        self.end("ler:Graveforespoergselssvar")
    }

    fn contact(&mut self, contact: &str, svar_id: &str) -> Result {
        self.start(BytesStart::new("ler:kontaktprofilTilTekniskeSpoergsmaal"))?;
        let id = self.claim("", &format!("{svar_id}-kontakt"));
        let mut profile = BytesStart::new("ler:Kontaktprofil");
        profile.push_attribute(("gml:id", id.as_str()));
        self.start(profile)?;
        self.text_el("ler:navn", &[], &xml_text(contact, Some(100)))?;
        self.end("ler:Kontaktprofil")?;
        self.end("ler:kontaktprofilTilTekniskeSpoergsmaal")
    }

    fn feature(&mut self, f: &NetworkFeature) -> Result {
        let t = ler_type(f.kind, f.theme);
        let member = match t.family {
            Family::Trace => "ler:ledningstraceMember",
            Family::Line => "ler:ledningMember",
            Family::Component => "ler:ledningskomponentMember",
        };
        let bad = |reason: String| GmlError::Feature {
            id: f.id,
            source_id: f.source_id.clone(),
            reason,
        };
        let fallback = format!("f-{}", f.id);
        // A line is one curve: a MultiLineString of several parts becomes one line per part.
        let parts: Vec<&LineString<f64>> = match (&f.geometry, t.family) {
            (Geometry::LineString(l), Family::Line) => vec![l],
            (Geometry::MultiLineString(m), Family::Line) if !m.0.is_empty() => m.0.iter().collect(),
            (g, Family::Line) => {
                return Err(bad(format!(
                    "a {} needs a line geometry, not a {}",
                    t.name,
                    geometry_name(g)
                )))
            }
            _ => Vec::new(),
        };
        let mut heights = Heights {
            heights: f.heights.as_deref(),
            next: 0,
        };
        if let Some(hs) = f.heights.as_deref() {
            let n = f.geometry.coords_count();
            if hs.len() != n {
                return Err(bad(format!("it has {} heights for {n} vertices", hs.len())));
            }
        }
        if parts.len() > 1 {
            for (i, part) in parts.iter().enumerate() {
                let id = self.claim(
                    &format!("{}.{}", f.source_id, i + 1),
                    &format!("{fallback}.{}", i + 1),
                );
                self.start(BytesStart::new(member))?;
                self.feature_body(f, t, &id, Some(part), &mut heights)?;
                self.end(member)?;
            }
            return Ok(());
        }
        let id = self.claim(&f.source_id, &fallback);
        self.start(BytesStart::new(member))?;
        self.feature_body(f, t, &id, parts.first().copied(), &mut heights)?;
        self.end(member)
    }

    fn feature_body(
        &mut self,
        f: &NetworkFeature,
        t: LerType,
        gml_id: &str,
        line: Option<&LineString<f64>>,
        heights: &mut Heights<'_>,
    ) -> Result {
        let bad = |reason: String| GmlError::Feature {
            id: f.id,
            source_id: f.source_id.clone(),
            reason,
        };
        let mut el = BytesStart::new(t.name);
        el.push_attribute(("gml:id", gml_id));
        self.start(el)?;
        let component = t.family == Family::Component;

        // LedningEllerLedningstrace / Ledningskomponent, in schema order.
        match f.status {
            Some(s) => self.text_el("ler:driftsstatus", &[], s.ler_term())?,
            None if component => {}
            None => self.nil("ler:driftsstatus")?,
        }
        match f.measures.installed {
            Some(d) => self.text_el("ler:etableringstidspunkt", &[], &d.to_string())?,
            None if component => {}
            None => self.empty(
                "ler:etableringstidspunkt",
                &[("indeterminatePosition", "unknown")],
            )?,
        }
        match f.hazard {
            Some(h) => self.text_el("ler:fareklasse", &[], h.ler_term())?,
            None if component => {}
            None => self.nil("ler:fareklasse")?,
        }
        self.text_el("ler:id", &[], &f.id.to_string())?;
        if component {
            if let Some(m) = &f.measures.material {
                self.text_el("ler:materiale", &[], &xml_text(m, Some(50)))?;
            }
        } else if let Some(d) = f.drawing_method {
            self.text_el("ler:indtegningsmetode", &[], d.ler_term())?;
        }
        self.accuracy("ler:noejagtighedsklasse", f.accuracy_xy)?;
        self.accuracy("ler:noejagtighedsklasseVertikal", f.accuracy_z)?;
        if let Some(note) = &f.safety_note {
            self.text_el("ler:sikkerhedshensyn", &[], &xml_text(note, Some(500)))?;
        }
        if let Some(depth) = f.measures.depth_mm {
            self.text_el("ler:vejledendeDybde", &[("uom", "mm")], &depth.to_string())?;
        }

        match t.family {
            Family::Line => {
                let line = line.ok_or_else(|| bad("a line needs a line geometry".into()))?;
                self.start(BytesStart::new("ler:geometri"))?;
                self.line_string(line, heights).map_err(bad)?;
                self.end("ler:geometri")?;
                if let Some(d) = f.measures.diameter_mm {
                    self.text_el("ler:udvendigDiameter", &[("uom", "mm")], &d.to_string())?;
                }
                if let Some(m) = &f.measures.material {
                    self.text_el("ler:udvendigMateriale", &[], &xml_text(m, Some(50)))?;
                }
                if t.pipe {
                    self.nil("ler:tvaersnitsform")?;
                }
                self.line_specifics(f, t)?;
            }
            Family::Trace => {
                self.start(BytesStart::new("ler:geometri"))?;
                let lines: Vec<&LineString<f64>> = match &f.geometry {
                    Geometry::LineString(l) => vec![l],
                    Geometry::MultiLineString(m) if !m.0.is_empty() => m.0.iter().collect(),
                    g => {
                        return Err(bad(format!(
                            "a ler:Ledningstrace needs a line geometry, not a {}",
                            geometry_name(g)
                        )))
                    }
                };
                self.start(
                    BytesStart::new("gml:MultiCurve")
                        .with_attributes([("srsName", SRS_NAME), ("srsDimension", heights.dim())]),
                )?;
                for l in lines {
                    self.start(BytesStart::new("gml:curveMember"))?;
                    self.line_string(l, heights).map_err(bad)?;
                    self.end("gml:curveMember")?;
                }
                self.end("gml:MultiCurve")?;
                self.end("ler:geometri")?;
                self.text_el("ler:forsyningsart", &[], &forsyningsart(f.theme))?;
            }
            Family::Component => {
                self.start(BytesStart::new("ler:geometri"))?;
                self.geometry(&f.geometry, heights).map_err(|e| match e {
                    GmlError::Polygon(reason) => bad(reason),
                    other => other,
                })?;
                self.end("ler:geometri")?;
                self.component_specifics(f, t)?;
            }
        }
        self.end(t.name)
    }

    fn accuracy(&mut self, name: &str, class: AccuracyClass) -> Result {
        match class {
            AccuracyClass::Unknown => self.nil(name),
            c => self.text_el(name, &[], c.ler_term()),
        }
    }

    /// The subtype's own elements of a line, after `Roerledning`'s.
    fn line_specifics(&mut self, f: &NetworkFeature, t: LerType) -> Result {
        let kv = f.measures.voltage_kv.and_then(number);
        let bar = f.measures.pressure_bar.and_then(number);
        match t.name {
            "ler:Elledning" => {
                self.nil("ler:type")?;
                if let Some(kv) = kv {
                    self.text_el("ler:spaendingsniveau", &[("uom", "kV")], &kv)?;
                }
            }
            "ler:Telekommunikationsledning" => self.nil("ler:type")?,
            "ler:Gasledning" | "ler:TermiskLedning" => {
                self.nil("ler:type")?;
                if let Some(bar) = bar {
                    self.text_el("ler:tryk", &[("uom", "bar")], &bar)?;
                }
            }
            "ler:Olieledning" => {
                if let Some(bar) = bar {
                    self.text_el("ler:tryk", &[("uom", "bar")], &bar)?;
                }
            }
            "ler:Foeringsroer" if f.theme != Theme::Other => {
                self.text_el("ler:forsyningsart", &[], &forsyningsart(f.theme))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The subtype's own elements of a component.
    fn component_specifics(&mut self, f: &NetworkFeature, t: LerType) -> Result {
        let kind = if f.kind == Kind::Area {
            "other: område"
        } else {
            "other: ukendt"
        };
        if t.name == "ler:AndenKomponent" {
            self.text_el("ler:forsyningsart", &[], &forsyningsart(f.theme))?;
        }
        self.text_el("ler:type", &[], kind)?;
        if t.name == "ler:Elkomponent" {
            if let Some(kv) = f.measures.voltage_kv.and_then(number) {
                self.text_el("ler:spaendingsniveau", &[("uom", "kV")], &kv)?;
            }
        }
        Ok(())
    }

    fn line_string(
        &mut self,
        l: &LineString<f64>,
        heights: &mut Heights<'_>,
    ) -> Result<(), String> {
        let pos = heights.pos_list(&l.0, 2)?;
        let dim = heights.dim();
        let io = |e: GmlError| e.to_string();
        self.start(BytesStart::new("gml:LineString").with_attributes([("srsName", SRS_NAME)]))
            .map_err(io)?;
        self.text_el("gml:posList", &[("srsDimension", dim)], &pos)
            .map_err(io)?;
        self.end("gml:LineString").map_err(io)
    }

    fn polygon(&mut self, p: &Polygon<f64>, heights: &mut Heights<'_>, srs: bool) -> Result {
        let mut el = BytesStart::new("gml:Polygon");
        if srs {
            el.push_attribute(("srsName", SRS_NAME));
        }
        self.start(el)?;
        let rings = std::iter::once(("gml:exterior", p.exterior()))
            .chain(p.interiors().iter().map(|r| ("gml:interior", r)));
        for (name, ring) in rings {
            let pos = heights.pos_list(&ring.0, 4).map_err(GmlError::Polygon)?;
            self.start(BytesStart::new(name))?;
            self.start(BytesStart::new("gml:LinearRing"))?;
            self.text_el("gml:posList", &[("srsDimension", heights.dim())], &pos)?;
            self.end("gml:LinearRing")?;
            self.end(name)?;
        }
        self.end("gml:Polygon")
    }

    /// Any geometry of a component (errors are [`GmlError::Polygon`] with the reason).
    fn geometry(&mut self, g: &Geometry<f64>, heights: &mut Heights<'_>) -> Result {
        let dim = heights.dim();
        let point = |doc: &mut Self, c: Coord<f64>, heights: &mut Heights<'_>, srs: bool| {
            let pos = heights.pos_list(&[c], 1).map_err(GmlError::Polygon)?;
            let mut el = BytesStart::new("gml:Point");
            if srs {
                el.push_attribute(("srsName", SRS_NAME));
            }
            doc.start(el)?;
            doc.text_el("gml:pos", &[("srsDimension", dim)], &pos)?;
            doc.end("gml:Point")
        };
        match g {
            Geometry::Point(p) => point(self, p.0, heights, true),
            Geometry::MultiPoint(m) if !m.0.is_empty() => {
                self.start(
                    BytesStart::new("gml:MultiPoint")
                        .with_attributes([("srsName", SRS_NAME), ("srsDimension", dim)]),
                )?;
                for p in &m.0 {
                    self.start(BytesStart::new("gml:pointMember"))?;
                    point(self, p.0, heights, false)?;
                    self.end("gml:pointMember")?;
                }
                self.end("gml:MultiPoint")
            }
            Geometry::LineString(l) => self.line_string(l, heights).map_err(GmlError::Polygon),
            Geometry::Polygon(p) => self.polygon(p, heights, true),
            Geometry::MultiPolygon(m) if !m.0.is_empty() => {
                self.start(
                    BytesStart::new("gml:MultiSurface")
                        .with_attributes([("srsName", SRS_NAME), ("srsDimension", dim)]),
                )?;
                for p in &m.0 {
                    self.start(BytesStart::new("gml:surfaceMember"))?;
                    self.polygon(p, heights, false)?;
                    self.end("gml:surfaceMember")?;
                }
                self.end("gml:MultiSurface")
            }
            g => Err(GmlError::Polygon(format!(
                "a component's geometry cannot be a {}",
                geometry_name(g)
            ))),
        }
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(m) if m.0.is_empty() => "empty MultiPoint",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(m) if m.0.is_empty() => "empty MultiLineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(m) if m.0.is_empty() => "empty MultiPolygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_and_cut_by_characters() {
        assert_eq!(
            xml_text("a\u{1}b\u{FFFF}\tc\n", None),
            "a\u{FFFD}b\u{FFFD}\tc\n"
        );
        assert_eq!(
            xml_text("æøå", Some(3)),
            "æøå",
            "3 characters, 6 bytes: kept"
        );
        assert_eq!(xml_text("æøåx", Some(3)), "æø…");
        let long = "x".repeat(501);
        let cut = xml_text(&long, Some(500));
        assert_eq!(cut.chars().count(), 500);
        assert!(cut.ends_with("x…"));
        assert_eq!(xml_text(&long[..500], Some(500)), long[..500]);
    }

    #[test]
    fn gml_ids_are_ncnames_and_unique() {
        for ok in ["syn-000001", "L1", "_x", "æble.2", "a-b_c.d"] {
            assert!(is_ncname(ok), "{ok}");
        }
        for bad in ["", "1abc", "-a", "a b", "a:b", "a<b", "a&b", ".a"] {
            assert!(!is_ncname(bad), "{bad}");
        }
        let mut doc = Doc::new(Vec::new());
        assert_eq!(doc.claim("L1", "f-1"), "L1");
        assert_eq!(doc.claim("L1", "f-1"), "f-1", "taken: the fallback");
        assert_eq!(doc.claim("L1", "f-1"), "f-1-2", "both taken: numbered");
        assert_eq!(doc.claim("12 x", "f-9"), "f-9", "no NCName: the fallback");
    }

    #[test]
    fn pos_lists_write_unknown_heights_as_minus_99() {
        let coords = [
            Coord {
                x: 720000.5,
                y: 6170000.0,
            },
            Coord {
                x: 720010.0,
                y: 6170005.25,
            },
        ];
        let hs = [None, Some(12.5), Some(3.0)];
        let mut h = Heights {
            heights: Some(&hs),
            next: 0,
        };
        assert_eq!(h.dim(), "3");
        assert_eq!(
            h.pos_list(&coords, 2).unwrap(),
            "720000.5 6170000 -99 720010 6170005.25 12.5"
        );
        // The next part goes on with the next height, then runs out.
        assert_eq!(h.pos_list(&coords[..1], 1).unwrap(), "720000.5 6170000 3");
        assert!(h
            .pos_list(&coords[..1], 1)
            .unwrap_err()
            .contains("fewer than its vertices"));
        let mut flat = Heights {
            heights: None,
            next: 0,
        };
        assert_eq!(flat.dim(), "2");
        assert_eq!(
            flat.pos_list(&coords, 2).unwrap(),
            "720000.5 6170000 720010 6170005.25"
        );
        assert!(flat
            .pos_list(&coords[..1], 2)
            .unwrap_err()
            .contains("fewer than 2"));
        let nan = [Coord {
            x: f64::NAN,
            y: 1.0,
        }];
        assert!(flat.pos_list(&nan, 1).unwrap_err().contains("not finite"));
    }

    /// Every concrete network type of `2.2_ler.xsd` (checked by hand).
    const XSD_TYPES: [&str; 19] = [
        "Elledning",
        "Telekommunikationsledning",
        "AndenLedning",
        "LedningUkendtForsyningsart",
        "Afloebsledning",
        "Gasledning",
        "Olieledning",
        "TermiskLedning",
        "Vandledning",
        "Foeringsroer",
        "Ledningstrace",
        "Afloebskomponent",
        "AndenKomponent",
        "Elkomponent",
        "Gaskomponent",
        "Oliekomponent",
        "Telekommunikationskomponent",
        "TermiskKomponent",
        "Vandkomponent",
    ];

    #[test]
    fn every_theme_and_kind_has_a_schema_type() {
        let mut used = HashSet::new();
        for kind in Kind::ALL {
            for theme in Theme::ALL {
                let t = ler_type(*kind, *theme);
                let name = t.name.strip_prefix("ler:").unwrap();
                assert!(XSD_TYPES.contains(&name), "{kind} {theme}: {name}");
                used.insert(name);
                let pipe = matches!(
                    name,
                    "Afloebsledning"
                        | "Gasledning"
                        | "Olieledning"
                        | "TermiskLedning"
                        | "Vandledning"
                        | "Foeringsroer"
                );
                assert_eq!(t.pipe, pipe, "{name}");
            }
        }
        // Only AndenLedning is never written (it needs a forsyningsart the
        // model does not know for "other").
        let unused: Vec<_> = XSD_TYPES.iter().filter(|t| !used.contains(*t)).collect();
        assert_eq!(unused, [&"AndenLedning"]);
        assert_eq!(
            ler_type(Kind::CableOrPipe, Theme::Sewer).name,
            "ler:Afloebsledning"
        );
        assert_eq!(ler_type(Kind::Area, Theme::Gas).name, "ler:Gaskomponent");
        assert_eq!(
            forsyningsart(Theme::DistrictHeating),
            "fjernvarme/fjernkøling"
        );
        assert_eq!(forsyningsart(Theme::Other), "other: andet");
    }
}
