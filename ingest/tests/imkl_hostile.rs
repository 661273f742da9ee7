//! Hostile delivery zips (fixtures/hostile/imkl_*) and hostile IMKL XML.

mod imkl_common;

use std::fs::File;
use std::io::Cursor;

use forsyning_ingest::{read_delivery, DeliveryLimits, ImklReader, IngestError};
use imkl_common::{fixture, network_dir};

fn read(path: &str, limits: &DeliveryLimits) -> Result<usize, IngestError> {
    let mut n = 0;
    read_delivery(
        File::open(fixture(path)).unwrap(),
        Some(path),
        limits,
        |_| n += 1,
    )
    .map(|_| n)
}

#[test]
fn a_zip_bomb_is_refused_by_its_ratio() {
    let err = read("hostile/imkl_zip_bomb.zip", &DeliveryLimits::default()).unwrap_err();
    match &err {
        IngestError::LimitExceeded { what, limit, .. } => {
            assert_eq!((*what, *limit), ("compression ratio of a zip entry", 100));
        }
        e => panic!("{e}"),
    }
    assert!(err.to_string().contains("compression ratio"), "{err}");
}

#[test]
fn a_zip_bomb_is_refused_by_the_total_size() {
    let limits = DeliveryLimits {
        max_ratio: u64::MAX,
        max_total_bytes: 1 << 20,
        ..DeliveryLimits::default()
    };
    let err = read("hostile/imkl_zip_bomb.zip", &limits).unwrap_err();
    assert!(
        matches!(err, IngestError::LimitExceeded { what: "uncompressed bytes of the delivery zip", limit, .. } if limit == 1 << 20),
        "{err}"
    );
}

#[test]
fn a_path_traversal_entry_is_refused() {
    let err = read("hostile/imkl_traversal.zip", &DeliveryLimits::default()).unwrap_err();
    assert!(matches!(err, IngestError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("unsafe path"), "{err}");
    assert!(err.to_string().contains("../../evil.xml"), "{err}");
}

#[test]
fn an_empty_file_is_not_a_zip() {
    let err = read("hostile/imkl_empty.zip", &DeliveryLimits::default()).unwrap_err();
    assert!(matches!(err, IngestError::Malformed { .. }), "{err}");
    assert!(
        err.to_string().contains("not a readable zip archive"),
        "{err}"
    );
}

#[test]
fn too_many_entries_are_refused() {
    let Some(dir) = network_dir("imkl") else {
        return;
    };
    let limits = DeliveryLimits {
        max_entries: 3,
        ..DeliveryLimits::default()
    };
    let file = File::open(dir.join("Levering_22G003180_1.zip")).unwrap();
    let err = read_delivery(file, None, &limits, |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::LimitExceeded {
                what: "entries in the delivery zip",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_zip_without_gml_is_refused() {
    let mut buf = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("a.pdf", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, b"%PDF").unwrap();
        z.finish().unwrap();
    }
    buf.set_position(0);
    let err = read_delivery(buf, None, &DeliveryLimits::default(), |_| {}).unwrap_err();
    assert!(
        err.to_string().contains("no GI_gebiedsinformatielevering"),
        "{err}"
    );
}

#[test]
fn doctype_and_foreign_roots_are_refused() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2">&e;</gml:FeatureCollection>"#;
    let err = ImklReader::new(xxe.as_bytes())
        .for_each(|_| {})
        .unwrap_err();
    assert!(err.to_string().contains("DOCTYPE"), "{err}");
    let err = ImklReader::new(&b"<a/>"[..]).for_each(|_| {}).unwrap_err();
    assert!(err.to_string().contains("not an IMKL document"), "{err}");
    let err = ImklReader::new(&b""[..]).for_each(|_| {}).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}
