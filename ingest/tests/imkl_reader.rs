//! The IMKL reader on small documents (reference resolution in either order,
//! missing links, precaution areas) and on the IMKL examples in shared data.

mod imkl_common;

use std::collections::BTreeMap;

use forsyning_ingest::{ImklElement, ImklLimits, ImklReader, ImklVersion, IngestError, Rule};
use forsyning_model::{Hazard, Kind, Status, Theme};
use imkl_common::{files, network_dir};

const HEAD: &str = r#"<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2"
 xmlns:imkl="http://www.geostandaarden.nl/imkl/wibon" xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xmlns:net="http://inspire.ec.europa.eu/schemas/net/4.0"
 xmlns:us-net-common="http://inspire.ec.europa.eu/schemas/us-net-common/4.0"
 xmlns:us-net-el="http://inspire.ec.europa.eu/schemas/us-net-el/4.0">"#;

const NET: &str = r#"<gml:featureMember><imkl:Utiliteitsnet gml:id="nl.imkl-KL1031.net">
 <imkl:thema xlink:href="http://definities.geostandaarden.nl/imkl2015/id/waarde/Thema/hoogspanning"/>
</imkl:Utiliteitsnet></gml:featureMember>"#;

fn link(id: &str) -> String {
    link_along(id, "1 2 3 4")
}

fn link_along(id: &str, pos_list: &str) -> String {
    format!(
        r#"<gml:featureMember><us-net-common:UtilityLink gml:id="{id}"><net:centrelineGeometry>
 <gml:LineString srsName="urn:ogc:def:crs:EPSG::28992"><gml:posList>{pos_list}</gml:posList></gml:LineString>
 </net:centrelineGeometry></us-net-common:UtilityLink></gml:featureMember>"#
    )
}

fn cable(id: &str, links: &[&str]) -> String {
    let links: String = links
        .iter()
        .map(|l| format!(r#"<net:link xlink:href="{l}"/>"#))
        .collect();
    format!(
        r#"<gml:featureMember><imkl:Elektriciteitskabel gml:id="{id}">
 <net:inNetwork xlink:href="nl.imkl-KL1031.net"/>{links}
 <us-net-common:currentStatus xlink:href="http://inspire.ec.europa.eu/codelist/ConditionOfFacilityValue/functional"/>
 <us-net-common:warningType xsi:nil="true" nilReason="unknown"/>
 <us-net-el:operatingVoltage uom="urn:ogc:def:uom:OGC::V">10000</us-net-el:operatingVoltage>
 <imkl:kabelDiameter uom="urn:ogc:def:uom:OGC::cm">2.5</imkl:kabelDiameter>
 <imkl:geoNauwkeurigheidXY xlink:href="http://x/NauwkeurigheidXYvalue/tot100cm"/>
</imkl:Elektriciteitskabel></gml:featureMember>"#
    )
}

fn read(body: &str) -> Result<(Vec<ImklElement>, forsyning_ingest::ImklSummary), IngestError> {
    let doc = format!("{HEAD}{body}</gml:FeatureCollection>");
    let mut out = Vec::new();
    let s = ImklReader::new(doc.as_bytes()).for_each_element(|e| out.push(e))?;
    Ok((out, s))
}

/// A cable that loops round a cabinet and crosses itself is stored as
/// drawn, with a warning that says where it crosses.
#[test]
fn a_looped_cable_is_kept_with_a_warning() {
    let looped = "155000 463000 155010 463000 155010 463004 155005 463004 155005 462998";
    let body = format!(
        "{NET}{}{}",
        link_along("L1", looped),
        cable("nl.imkl-KL1031.c1", &["L1"])
    );
    let (out, _) = read(&body).unwrap();
    let o = &out[0].outcome;
    assert!(o.is_accepted(), "{:?}", o.problems);
    assert_eq!(o.problems.len(), 1, "{:?}", o.problems);
    let p = &o.problems[0];
    assert_eq!((p.rule, p.is_error()), (Rule::SelfIntersection, false));
    assert!(p.message.contains("near (155005, 463000)"), "{}", p.message);
    let f = o.feature.as_ref().unwrap();
    assert_eq!(geo::CoordsIter::coords_count(&f.geometry), 5, "as drawn");
}

#[test]
fn elements_before_and_after_their_links_and_network() {
    let before = format!(
        "{}{}{}{NET}",
        cable("nl.imkl-KL1031.c1", &["L1", "L2"]),
        link("L1"),
        link("L2")
    );
    let after = format!("{NET}{}{}", link("L1"), cable("nl.imkl-KL1031.c1", &["L1"]));
    for body in [before, after] {
        let (out, summary) = read(&body).unwrap();
        assert_eq!((out.len(), summary.features, summary.networks), (1, 1, 1));
        let e = &out[0];
        assert!(e.outcome.problems.is_empty(), "{:?}", e.outcome.problems);
        let f = e.outcome.feature.as_ref().unwrap();
        assert_eq!(
            (f.theme, f.kind, f.status),
            (
                Theme::Electricity,
                Kind::CableOrPipe,
                Some(Status::InOperation)
            )
        );
        assert_eq!(
            (f.measures.voltage_kv, f.measures.diameter_mm),
            (Some(10.0), Some(25))
        );
        assert_eq!(f.hazard, None);
        assert_eq!(f.source_class, "imkl:Elektriciteitskabel");
        assert_eq!(e.owner_code.as_deref(), Some("KL1031"));
        assert_eq!(e.thema.as_deref(), Some("hoogspanning"));
        assert_eq!(
            e.outcome.crs.as_deref(),
            Some("urn:ogc:def:crs:EPSG::28992")
        );
        assert_eq!(summary.version, Some(ImklVersion::V2_0));
    }
}

#[test]
fn a_missing_link_is_geometry_missing_naming_the_href() {
    let (out, _) = read(&format!(
        "{NET}{}",
        cable("nl.imkl-KL1031.c1", &["nowhere"])
    ))
    .unwrap();
    let e = &out[0];
    assert!(e.outcome.feature.is_none());
    let p = &e.outcome.problems[0];
    assert_eq!(p.rule, Rule::GeometryMissing);
    assert!(p.message.contains("\"nowhere\""), "{}", p.message);
}

#[test]
fn the_waiting_cap_is_enforced() {
    let body: String = (0..5)
        .map(|i| cable(&format!("c{i}"), &["later"]))
        .collect();
    let doc = format!("{HEAD}{body}</gml:FeatureCollection>");
    let limits = ImklLimits {
        max_waiting_elements: 3,
        ..ImklLimits::default()
    };
    let err = ImklReader::new(doc.as_bytes())
        .with_limits(limits)
        .for_each(|_| {})
        .unwrap_err();
    assert!(
        matches!(err, IngestError::LimitExceeded { limit: 3, .. }),
        "{err}"
    );
}

#[test]
fn precaution_areas_are_dangerous() {
    let body = format!(
        r#"{NET}<gml:featureMember><imkl:AanduidingEisVoorzorgsmaatregel gml:id="nl.imkl-KL1031.EV4">
 <imkl:netbeheerderNetAanduiding>distributie_broos</imkl:netbeheerderNetAanduiding>
 <imkl:inNetwork xlink:href="nl.imkl-KL1031.net"/>
 <imkl:geometrie><gml:Polygon srsName="urn:ogc:def:crs:EPSG::28992"><gml:exterior><gml:LinearRing>
 <gml:posList>0 0 10 0 10 10 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></imkl:geometrie>
</imkl:AanduidingEisVoorzorgsmaatregel></gml:featureMember>"#
    );
    let (out, _) = read(&body).unwrap();
    let f = out[0].outcome.feature.as_ref().unwrap();
    assert_eq!((f.kind, f.hazard), (Kind::Area, Some(Hazard::Dangerous)));
    assert!(f
        .safety_note
        .as_deref()
        .unwrap()
        .contains("distributie_broos"));
}

#[test]
fn the_imkl_examples_and_the_owner_upload_load() {
    let Some(dir) = network_dir("imkl") else {
        return;
    };
    let mut paths = files(&dir, "example-", ".xml");
    paths.extend(files(&dir, "owner-upload", ".xml"));
    assert_eq!(paths.len(), 5);
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut per_class: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let text = std::fs::read(&path).unwrap();
        let summary = ImklReader::new(&text[..])
            .with_file_name(name.clone())
            .for_each(|o| {
                let c = per_class.entry(o.source_class.clone()).or_default();
                if o.is_accepted() {
                    c.0 += 1;
                } else {
                    c.1 += 1;
                    eprintln!("{name}: rejected {} {:?}", o.source_id, o.problems);
                }
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        eprintln!("{name}: {per_class:?} skipped {:?}", summary.skipped);
        assert_eq!(summary.version, Some(ImklVersion::V1_2), "{name}");
        assert!(summary.features > 0, "{name}");
        let accepted: u64 = per_class.values().map(|c| c.0).sum();
        assert!(
            accepted * 10 >= summary.features * 9,
            "{name}: {per_class:?}"
        );
    }
}
