//! The field package as IMKL 2.0 GML (namespace
//! `http://www.geostandaarden.nl/imkl/wibon`), the shape of a KLIC delivery
//! (`GI_gebiedsinformatielevering_*.xml`), for regions whose package format
//! is IMKL (the Netherlands).
//!
//! ```text
//! gml:FeatureCollection
//!   gml:boundedBy                      envelope of the dig polygon
//!   imkl:GebiedsinformatieLevering     the delivery, linking every Belanghebbende and the request
//!   imkl:GebiedsinformatieAanvraag     the request: meldnummer (its id), reference (purpose)
//!   imkl:Graafpolygoon                 the dig polygon
//!   imkl:Belanghebbende                one per owner; beheerdersinformatieGeleverd when it delivered
//!   imkl:Utiliteitsnet                 one per owner and thema
//!   us-net-common:UtilityLink          the centreline of each line part
//!   imkl:Elektriciteitskabel, ...      the network elements, net:link → links, net:inNetwork → network
//!   imkl:Appurtenance                  components, with their own net:geometry
//!   imkl:AanduidingEisVoorzorgsmaatregel  areas, with imkl:geometrie
//! ```
//!
//! Geometry is in the region's CRS (`crs_urn`, EPSG:28992 for the
//! Netherlands), 2D, as KLIC writes it. Class by kind and theme: cables and
//! pipes `Elektriciteitskabel`, `Telecommunicatiekabel`, `Waterleiding`,
//! `Rioolleiding`, `ThermischePijpleiding`, `OlieGasChemicalienPijpleiding`
//! (gas, oil) or `Overig`; ducts `Mantelbuis`; trenches `Kabelbed`;
//! components `Appurtenance`; areas `AanduidingEisVoorzorgsmaatregel`. The
//! `thema` follows the theme (electricity by voltage: ≥ 35 kV hoogspanning,
//! ≥ 1 kV middenspanning, else laagspanning; gas above 8 bar gasHogeDruk).
//! IMKL elements carry no hazard class, depth or safety note; those stay in
//! the JSON report. The owner code in every `gml:id` (`nl.imkl-<code>.…`) is
//! the owner id's letters and digits, as KLIC's `bronhoudercode`.
//!
//! The IMKL 2.0 XSD (`imkl-wibon.xsd`) was not available where this was
//! written, so the document is checked by reading it back with Forsyning's
//! IMKL reader (tests), not against the schema.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use chrono::SecondsFormat;
use forsyning_model::{AccuracyClass, DigResponseType, Kind, NetworkFeature, Status, Theme};
use geo::BoundingRect;
use geo_types::{Geometry, LineString, Polygon};
use quick_xml::escape::escape;

use super::gml::GmlError;
use super::PackageInput;

const NS: &str = r#"xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:imkl="http://www.geostandaarden.nl/imkl/wibon" xmlns:net="http://inspire.ec.europa.eu/schemas/net/4.0" xmlns:us-net-common="http://inspire.ec.europa.eu/schemas/us-net-common/4.0" xmlns:us-net-el="http://inspire.ec.europa.eu/schemas/us-net-el/4.0" xmlns:base="http://inspire.ec.europa.eu/schemas/base/3.3""#;
const SCHEMA_LOCATION: &str = "http://www.geostandaarden.nl/imkl/wibon http://register.geostandaarden.nl/gmlapplicatieschema/imkl/2.0.0/imkl-wibon.xsd";
const WAARDE: &str = "http://definities.geostandaarden.nl/imkl2015/id/waarde";
const INSPIRE_CODES: &str = "http://inspire.ec.europa.eu/codelist";

/// Writes the package of `input` as one IMKL 2.0 delivery document, its
/// geometry labelled `crs_urn` (the region's CRS, e.g.
/// `urn:ogc:def:crs:EPSG::28992`).
pub fn write_imkl_delivery<W: Write>(
    input: &PackageInput<'_>,
    crs_urn: &str,
    mut out: W,
) -> Result<(), GmlError> {
    let mut d = Doc {
        s: String::with_capacity(4096 + input.features.len() * 1500),
        crs: crs_urn,
    };
    let report = input.report;
    let req = input.request;
    let id = req.id;
    let when = req.received_at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let _ = write!(
        d.s,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection gml:id="gil_{id}" xsi:schemaLocation="{SCHEMA_LOCATION}" {NS}>
"#
    );
    if let Some(r) = req.polygon.bounding_rect() {
        let _ = writeln!(
            d.s,
            r#"<gml:boundedBy><gml:Envelope srsName="{crs}" srsDimension="2"><gml:lowerCorner>{} {}</gml:lowerCorner><gml:upperCorner>{} {}</gml:upperCorner></gml:Envelope></gml:boundedBy>"#,
            r.min().x,
            r.min().y,
            r.max().x,
            r.max().y,
            crs = d.crs
        );
    }
    let complete = report
        .owners
        .iter()
        .all(|o| o.answer != DigResponseType::TakenForManualHandling);
    d.open_member(
        "GebiedsinformatieLevering",
        &format!("nl.imkl-FSY._GebiedsinformatieLevering_{id}"),
    );
    d.nen3610(&format!("FSY._GebiedsinformatieLevering_{id}"), &when);
    let _ = write!(
        d.s,
        "<imkl:leveringsvolgnummer>1</imkl:leveringsvolgnummer><imkl:datumLeveringSamengesteld>{when}</imkl:datumLeveringSamengesteld><imkl:indicatieLeveringCompleet>{complete}</imkl:indicatieLeveringCompleet>"
    );
    for o in &report.owners {
        let code = owner_code(o.owner_id.as_str());
        d.href(
            "imkl:belanghebbende",
            &format!("nl.imkl-{code}._Belanghebbende_{id}"),
        );
    }
    d.href(
        "imkl:aanvraag",
        &format!("nl.imkl-FSY._GebiedsinformatieAanvraag_{id}"),
    );
    d.close_member("GebiedsinformatieLevering");

    d.open_member(
        "GebiedsinformatieAanvraag",
        &format!("nl.imkl-FSY._GebiedsinformatieAanvraag_{id}"),
    );
    d.nen3610(&format!("FSY._GebiedsinformatieAanvraag_{id}"), &when);
    let _ = write!(
        d.s,
        "<imkl:klicMeldnummer>{id}</imkl:klicMeldnummer><imkl:referentie>{}</imkl:referentie>",
        escape(req.purpose.as_str())
    );
    d.close_member("GebiedsinformatieAanvraag");

    d.open_member("Graafpolygoon", &format!("nl.imkl-FSY._Graafpolygoon_{id}"));
    d.nen3610(&format!("FSY._Graafpolygoon_{id}"), &when);
    d.s.push_str("<imkl:geometrie>");
    d.geometry(
        &Geometry::Polygon(req.polygon.clone()),
        &format!("Graafpolygoon_{id}_geo"),
    );
    d.s.push_str("</imkl:geometrie>");
    d.close_member("Graafpolygoon");

    for o in &report.owners {
        let code = owner_code(o.owner_id.as_str());
        let delivered = matches!(
            o.answer,
            DigResponseType::Delivered | DigResponseType::OnSiteMarkingDelivered
        );
        d.open_member(
            "Belanghebbende",
            &format!("nl.imkl-{code}._Belanghebbende_{id}"),
        );
        d.nen3610(&format!("{code}._Belanghebbende_{id}"), &when);
        let _ = write!(
            d.s,
            "<imkl:beheerdersinformatieGeleverd>{delivered}</imkl:beheerdersinformatieGeleverd>"
        );
        d.close_member("Belanghebbende");
    }

    // One Utiliteitsnet per owner and thema.
    let mut networks: BTreeMap<(String, &'static str), &'static str> = BTreeMap::new();
    for f in input.features {
        let (thema, network_type) = thema(f);
        networks.insert((owner_code(f.owner_id.as_str()), thema), network_type);
    }
    for ((code, thema), network_type) in &networks {
        d.open_member("Utiliteitsnet", &network_id(code, thema));
        let _ = write!(
            d.s,
            r#"<us-net-common:utilityNetworkType xlink:href="{INSPIRE_CODES}/UtilityNetworkTypeValue/{network_type}"/><us-net-common:authorityRole xlink:href="{INSPIRE_CODES}/RelatedPartyRoleValue/operator"/>"#
        );
        d.nen3610(&format!("{code}.UNET_{thema}"), &when);
        d.href("imkl:thema", &format!("{WAARDE}/Thema/{thema}"));
        d.close_member("Utiliteitsnet");
    }

    for f in input.features {
        d.feature(f);
    }
    d.s.push_str("</gml:FeatureCollection>\n");
    out.write_all(d.s.as_bytes())?;
    Ok(())
}

/// KLIC's owner code (`bronhoudercode`) for an owner id: its ASCII letters
/// and digits, at most 16.
pub fn owner_code(owner: &str) -> String {
    let code: String = owner
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    if code.is_empty() {
        "X".into()
    } else {
        code
    }
}

fn network_id(code: &str, thema: &str) -> String {
    format!("nl.imkl-{code}.UNET_{thema}")
}

/// The IMKL `thema` and INSPIRE network type of a feature's theme.
fn thema(f: &NetworkFeature) -> (&'static str, &'static str) {
    let m = &f.measures;
    match f.theme {
        Theme::Electricity => {
            let kv = m.voltage_kv.unwrap_or(0.0);
            let t = if kv >= 35.0 {
                "hoogspanning"
            } else if kv >= 1.0 {
                "middenspanning"
            } else {
                "laagspanning"
            };
            (t, "electricity")
        }
        Theme::Gas if m.pressure_bar.is_some_and(|p| p > 8.0) => ("gasHogeDruk", "oilGasChemical"),
        Theme::Gas => ("gasLageDruk", "oilGasChemical"),
        Theme::Oil => ("petrochemie", "oilGasChemical"),
        Theme::Telecom => ("datatransport", "telecommunications"),
        Theme::Water => ("water", "water"),
        Theme::Sewer => ("rioolVrijverval", "sewer"),
        Theme::DistrictHeating => ("warmte", "thermal"),
        Theme::Other => ("overig", "electricity"),
    }
}

/// The IMKL class of a feature.
fn class(f: &NetworkFeature) -> &'static str {
    match f.kind {
        Kind::CableOrPipe => match f.theme {
            Theme::Electricity => "Elektriciteitskabel",
            Theme::Telecom => "Telecommunicatiekabel",
            Theme::Water => "Waterleiding",
            Theme::Sewer => "Rioolleiding",
            Theme::DistrictHeating => "ThermischePijpleiding",
            Theme::Gas | Theme::Oil => "OlieGasChemicalienPijpleiding",
            Theme::Other => "Overig",
        },
        Kind::Duct => "Mantelbuis",
        Kind::Trench => "Kabelbed",
        Kind::Component => "Appurtenance",
        Kind::Area => "AanduidingEisVoorzorgsmaatregel",
    }
}

fn status_code(s: Option<Status>) -> Option<&'static str> {
    Some(match s? {
        Status::InOperation => "functional",
        Status::UnderConstruction => "underConstruction",
        Status::PermanentlyOutOfOperation => "disused",
    })
}

fn accuracy_code(a: AccuracyClass) -> Option<&'static str> {
    Some(match a {
        AccuracyClass::Le025 => "tot25cm",
        AccuracyClass::Le050 => "tot50cm",
        AccuracyClass::Le100 => "tot100cm",
        AccuracyClass::Le200 => "tot200cm",
        AccuracyClass::Gt200 => "tot500cm",
        AccuracyClass::Unknown => return None,
    })
}

struct Doc<'a> {
    s: String,
    crs: &'a str,
}

impl Doc<'_> {
    fn open_member(&mut self, class: &str, gml_id: &str) {
        let _ = write!(
            self.s,
            "<gml:featureMember><imkl:{class} gml:id=\"{}\">",
            escape(gml_id)
        );
    }

    fn close_member(&mut self, class: &str) {
        let _ = writeln!(self.s, "</imkl:{class}></gml:featureMember>");
    }

    fn href(&mut self, element: &str, href: &str) {
        let _ = write!(self.s, "<{element} xlink:href=\"{}\"/>", escape(href));
    }

    /// IMKL's own identification (`NEN3610ID`) and version start.
    fn nen3610(&mut self, local: &str, when: &str) {
        let _ = write!(
            self.s,
            "<imkl:identificatie><imkl:NEN3610ID><imkl:namespace>nl.imkl</imkl:namespace><imkl:lokaalID>{}</imkl:lokaalID></imkl:NEN3610ID></imkl:identificatie><imkl:beginLifespanVersion>{when}</imkl:beginLifespanVersion>",
            escape(local)
        );
    }

    /// INSPIRE's identification of network elements and links.
    fn inspire_id(&mut self, local: &str, when: &str) {
        let _ = write!(
            self.s,
            "<net:beginLifespanVersion>{when}</net:beginLifespanVersion><net:inspireId><base:Identifier><base:localId>{}</base:localId><base:namespace>nl.imkl</base:namespace></base:Identifier></net:inspireId>",
            escape(local)
        );
    }

    fn feature(&mut self, f: &NetworkFeature) {
        let code = owner_code(f.owner_id.as_str());
        let (thema, _) = thema(f);
        let network = network_id(&code, thema);
        let class = class(f);
        let local = format!("{code}.{}", f.id);
        let gml_id = format!("nl.imkl-{local}");
        let when = f.valid_from.to_rfc3339_opts(SecondsFormat::Secs, true);
        let lines: Vec<&LineString<f64>> = match &f.geometry {
            Geometry::LineString(l) => vec![l],
            Geometry::MultiLineString(m) => m.0.iter().collect(),
            _ => Vec::new(),
        };
        let by_links =
            matches!(f.kind, Kind::CableOrPipe | Kind::Duct | Kind::Trench) && !lines.is_empty();
        if by_links {
            for (i, l) in lines.iter().enumerate() {
                let link = format!("{gml_id}.UL{i}");
                let _ = write!(
                    self.s,
                    "<gml:featureMember><us-net-common:UtilityLink gml:id=\"{}\">",
                    escape(link.as_str())
                );
                self.inspire_id(&format!("{local}.UL{i}"), &when);
                self.href("net:inNetwork", &network);
                self.s.push_str("<net:centrelineGeometry>");
                self.geometry(
                    &Geometry::LineString((*l).clone()),
                    &format!("{local}.UL{i}.geo"),
                );
                self.s
                    .push_str("</net:centrelineGeometry><net:fictitious>false</net:fictitious>");
                self.status(f);
                self.s
                    .push_str("</us-net-common:UtilityLink></gml:featureMember>\n");
            }
        }
        self.open_member(class, &gml_id);
        if f.kind == Kind::Area {
            self.nen3610(&local, &when);
            self.href("imkl:inNetwork", &network);
            self.s.push_str("<imkl:geometrie>");
            self.geometry(&f.geometry, &format!("{local}.geo"));
            self.s.push_str("</imkl:geometrie>");
            if let Some(note) = f.safety_note.as_deref() {
                let _ = write!(
                    self.s,
                    "<imkl:toelichting>{}</imkl:toelichting>",
                    escape(note)
                );
            }
            self.close_member(class);
            return;
        }
        self.inspire_id(&local, &when);
        self.href("net:inNetwork", &network);
        if by_links {
            for i in 0..lines.len() {
                self.href("net:link", &format!("{gml_id}.UL{i}"));
            }
        } else {
            self.s.push_str("<net:geometry>");
            self.geometry(&f.geometry, &format!("{local}.geo"));
            self.s.push_str("</net:geometry>");
        }
        self.status(f);
        let m = &f.measures;
        if matches!(f.kind, Kind::CableOrPipe | Kind::Duct) {
            if let Some(d) = m.diameter_mm {
                let _ = write!(self.s, "<us-net-common:pipeDiameter uom=\"urn:ogc:def:uom:OGC::mm\">{d}</us-net-common:pipeDiameter>");
            }
            if let Some(p) = m.pressure_bar {
                let _ = write!(self.s, "<us-net-common:pressure uom=\"urn:ogc:def:uom:OGC::bar\">{p}</us-net-common:pressure>");
            }
            if let Some(kv) = m.voltage_kv.filter(|_| f.theme == Theme::Electricity) {
                let _ = write!(self.s, "<us-net-el:operatingVoltage uom=\"urn:ogc:def:uom:OGC::V\">{}</us-net-el:operatingVoltage>", kv * 1000.0);
            }
        }
        if let Some(a) = accuracy_code(f.accuracy_xy) {
            self.href(
                "imkl:geoNauwkeurigheidXY",
                &format!("{WAARDE}/NauwkeurigheidXYvalue/{a}"),
            );
        }
        if let Some(material) = m.material.as_deref().filter(|_| f.kind != Kind::Component) {
            self.href(
                "imkl:buismateriaalType",
                &format!("{WAARDE}/PipeMaterialTypeIMKLValue/{material}"),
            );
        }
        self.close_member(class);
    }

    fn status(&mut self, f: &NetworkFeature) {
        match status_code(f.status) {
            Some(c) => self.href(
                "us-net-common:currentStatus",
                &format!("{INSPIRE_CODES}/ConditionOfFacilityValue/{c}"),
            ),
            None => self
                .s
                .push_str("<us-net-common:currentStatus xsi:nil=\"true\" nilReason=\"unknown\"/>"),
        }
    }

    /// A GML 3.2 geometry, 2D, in the document's CRS.
    fn geometry(&mut self, g: &Geometry<f64>, id: &str) {
        let crs = self.crs;
        let id = escape(id).into_owned();
        match g {
            Geometry::Point(p) => {
                let _ = write!(self.s, "<gml:Point srsName=\"{crs}\" srsDimension=\"2\" gml:id=\"{id}\"><gml:pos>{} {}</gml:pos></gml:Point>", p.x(), p.y());
            }
            Geometry::LineString(l) => {
                let _ = write!(
                    self.s,
                    "<gml:LineString srsName=\"{crs}\" srsDimension=\"2\" gml:id=\"{id}\">"
                );
                self.pos_list(l);
                self.s.push_str("</gml:LineString>");
            }
            Geometry::Polygon(p) => self.polygon(p, &id, true),
            Geometry::MultiPolygon(mp) => {
                let _ = write!(
                    self.s,
                    "<gml:MultiSurface srsName=\"{crs}\" srsDimension=\"2\" gml:id=\"{id}\">"
                );
                for (i, p) in mp.0.iter().enumerate() {
                    self.s.push_str("<gml:surfaceMember>");
                    self.polygon(p, &format!("{id}.{i}"), false);
                    self.s.push_str("</gml:surfaceMember>");
                }
                self.s.push_str("</gml:MultiSurface>");
            }
            Geometry::MultiLineString(ml) => {
                let _ = write!(
                    self.s,
                    "<gml:MultiCurve srsName=\"{crs}\" srsDimension=\"2\" gml:id=\"{id}\">"
                );
                for (i, l) in ml.0.iter().enumerate() {
                    let _ = write!(
                        self.s,
                        "<gml:curveMember><gml:LineString gml:id=\"{id}.{i}\">"
                    );
                    self.pos_list(l);
                    self.s.push_str("</gml:LineString></gml:curveMember>");
                }
                self.s.push_str("</gml:MultiCurve>");
            }
            Geometry::MultiPoint(mp) => {
                let _ = write!(
                    self.s,
                    "<gml:MultiPoint srsName=\"{crs}\" srsDimension=\"2\" gml:id=\"{id}\">"
                );
                for (i, p) in mp.0.iter().enumerate() {
                    let _ = write!(self.s, "<gml:pointMember><gml:Point gml:id=\"{id}.{i}\"><gml:pos>{} {}</gml:pos></gml:Point></gml:pointMember>", p.x(), p.y());
                }
                self.s.push_str("</gml:MultiPoint>");
            }
            other => {
                // Rect, Triangle, Line and collections do not come out of ingest.
                let _ = write!(self.s, "<!-- unsupported geometry {other:?} -->");
            }
        }
    }

    fn polygon(&mut self, p: &Polygon<f64>, id: &str, srs: bool) {
        if srs {
            let _ = write!(
                self.s,
                "<gml:Polygon srsName=\"{}\" srsDimension=\"2\" gml:id=\"{id}\">",
                self.crs
            );
        } else {
            let _ = write!(self.s, "<gml:Polygon gml:id=\"{id}\">");
        }
        self.s.push_str("<gml:exterior><gml:LinearRing>");
        self.pos_list(p.exterior());
        self.s.push_str("</gml:LinearRing></gml:exterior>");
        for r in p.interiors() {
            self.s.push_str("<gml:interior><gml:LinearRing>");
            self.pos_list(r);
            self.s.push_str("</gml:LinearRing></gml:interior>");
        }
        self.s.push_str("</gml:Polygon>");
    }

    fn pos_list(&mut self, l: &LineString<f64>) {
        self.s.push_str("<gml:posList>");
        for (i, c) in l.0.iter().enumerate() {
            if i > 0 {
                self.s.push(' ');
            }
            // `{}` of an f64 is the shortest text that reads back to the same number.
            let _ = write!(self.s, "{} {}", c.x, c.y);
        }
        self.s.push_str("</gml:posList>");
    }
}
