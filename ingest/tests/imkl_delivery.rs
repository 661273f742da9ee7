//! Acceptance: the KLIC deliveries in shared/data/network/imkl. Element counts
//! per class are counted independently of the reader, by a plain scan of the
//! GML's start tags.

mod imkl_common;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;

use forsyning_ingest::{read_delivery, DeliveryLimits, ImklElement, Report};
use forsyning_model::Theme;
use imkl_common::{files, network_dir};

/// The IMKL network classes the reader turns into features.
const CLASSES: &[&str] = &[
    "Elektriciteitskabel",
    "Telecommunicatiekabel",
    "OlieGasChemicalienPijpleiding",
    "Rioolleiding",
    "Waterleiding",
    "ThermischePijpleiding",
    "Overig",
    "Mantelbuis",
    "Duct",
    "Kabelbed",
    "Appurtenance",
    "Kast",
    "Mangat",
    "Mast",
    "Toren",
    "TechnischGebouw",
    "AanduidingEisVoorzorgsmaatregel",
];

/// Start tags `<imkl:Class ` / `<imkl:Class>` per class, by string scan.
fn scan_counts(xml: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for class in CLASSES {
        let n = [" ", ">", "\n", "\t"]
            .iter()
            .map(|end| xml.matches(&format!("<imkl:{class}{end}")).count() as u64)
            .sum::<u64>();
        if n > 0 {
            counts.insert(format!("imkl:{class}"), n);
        }
    }
    counts
}

fn gml_text(path: &std::path::Path) -> String {
    let mut zip = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
    let name = zip
        .file_names()
        .find(|n| n.contains("GI_gebiedsinformatielevering"))
        .unwrap()
        .to_owned();
    let mut text = String::new();
    zip.by_name(&name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn deliveries_yield_every_element_with_geometry() {
    let Some(dir) = network_dir("imkl") else {
        return;
    };
    let zips = files(&dir, "Levering_", ".zip");
    assert_eq!(
        zips.len(),
        2,
        "expected two Levering_*.zip in {}",
        dir.display()
    );
    for path in zips {
        let expected = scan_counts(&gml_text(&path));
        let mut elements: Vec<ImklElement> = Vec::new();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let delivery = read_delivery(
            File::open(&path).unwrap(),
            Some(&name),
            &DeliveryLimits::default(),
            |e| elements.push(e),
        )
        .unwrap();
        let mut got = BTreeMap::new();
        for e in &elements {
            *got.entry(e.outcome.source_class.clone()).or_insert(0u64) += 1;
        }
        eprintln!("{name}: {got:?}");
        assert_eq!(got, expected, "{name}: features per class");
        let mut report = Report::new();
        for e in &elements {
            // As written: most owners say urn:ogc:def:crs:EPSG::28992, some EPSG:28992.
            let crs = e.outcome.crs.as_deref().unwrap_or("");
            assert!(crs.ends_with(":28992"), "{}: {crs}", e.outcome.source_id);
            assert!(e.owner_code.as_deref().is_some_and(|c| c.len() == 6));
            if !e.links.is_empty() {
                assert!(
                    e.outcome.feature.is_some(),
                    "{} has links but no geometry: {:?}",
                    e.outcome.source_id,
                    e.outcome.problems
                );
            }
            report.record(e.outcome.clone());
        }
        let rejected: Vec<_> = elements
            .iter()
            .filter(|e| !e.outcome.is_accepted())
            .map(|e| (&e.outcome.source_id, &e.outcome.problems))
            .collect();
        assert!(rejected.is_empty(), "{name}: rejected {rejected:?}");
        let poly = delivery.dig_polygon.expect("a Graafpolygoon");
        assert_eq!(poly.crs.as_deref(), Some("urn:ogc:def:crs:EPSG::28992"));
        assert!(matches!(poly.geometry, geo_types::Geometry::Polygon(_)));
        assert_eq!(delivery.gml_files.len(), 1);
        assert!(delivery.entries.iter().any(|e| e.ends_with(".pdf")));
    }
}

#[test]
fn delivery_themes_and_owner_codes() {
    let Some(dir) = network_dir("imkl") else {
        return;
    };
    let path = dir.join("Levering_22G003180_1.zip");
    let mut elements = Vec::new();
    read_delivery(
        File::open(&path).unwrap(),
        None,
        &DeliveryLimits::default(),
        |e| elements.push(e),
    )
    .unwrap();
    let cable = elements
        .iter()
        .find(|e| e.outcome.source_class == "imkl:Elektriciteitskabel")
        .unwrap();
    let f = cable.outcome.feature.as_ref().unwrap();
    assert_eq!(f.theme, Theme::Electricity);
    assert_eq!(cable.owner_code.as_deref(), Some("KL1040"));
    assert!(cable.thema.is_some());
    assert!(f.hazard.is_none());
    let gas = elements
        .iter()
        .find(|e| e.thema.as_deref() == Some("gasLageDruk"))
        .unwrap();
    assert_eq!(gas.outcome.theme, Some(Theme::Gas));
}
