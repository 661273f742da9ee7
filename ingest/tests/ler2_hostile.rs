//! Hostile and broken input (fixtures/hostile): every document-level fault
//! stops the read with a clear error and a position; nothing is expanded.

mod ler2_common;

use std::time::Instant;

use forsyning_ingest::{IngestError, Ler2Limits, Ler2Reader, Rule};
use ler2_common::{fixture, read_err, read_features};

fn malformed(path: &str) -> (String, IngestError) {
    let start = Instant::now();
    let (features, end) = read_features(&fixture(path));
    assert!(
        start.elapsed().as_secs() < 2,
        "{path} took {:?}",
        start.elapsed()
    );
    assert!(features.is_empty(), "{path}: no feature before the fault");
    let err = end.expect_err(path);
    assert_eq!(err.rule(), Rule::MalformedInput, "{path}: {err}");
    (err.to_string(), err)
}

#[test]
fn dtds_are_refused_and_never_expanded() {
    for path in ["hostile/billion_laughs.xml", "hostile/xxe_system.xml"] {
        let (message, err) = malformed(path);
        assert!(message.contains("<!DOCTYPE> is not allowed"), "{message}");
        assert!(
            !message.contains("lollol") && !message.contains("root:"),
            "{message}"
        );
        assert_eq!(err.location().file.as_deref(), Some("test.xml"));
        assert_eq!(err.location().line, Some(2), "{path}: the DOCTYPE's line");
    }
    let (message, _) = malformed("hostile/undefined_entity.xml");
    assert!(
        message.contains("secret") && message.contains("never expanded"),
        "{message}"
    );
}

#[test]
fn truncated_documents_fail_with_a_position() {
    let (message, err) = malformed("hostile/truncated.xml");
    assert!(message.contains("truncated"), "{message}");
    assert_eq!(err.location().line, Some(9), "where the input ends");
    let (message, err) = malformed("hostile/mismatched.xml");
    assert!(message.contains("fareklasse"), "{message}");
    assert_eq!(err.location().line, Some(3));
}

#[test]
fn encodings_other_than_utf8_are_refused() {
    let (message, err) = malformed("hostile/invalid_utf8.xml");
    assert!(message.contains("not valid UTF-8"), "{message}");
    assert_eq!(
        (err.location().line, err.location().column),
        (Some(3), Some(27))
    );
    let (message, _) = malformed("hostile/utf16.xml");
    assert!(message.contains("UTF-8"), "{message}");
    let (message, _) = malformed("hostile/latin1.xml");
    assert!(message.contains("ISO-8859-1"), "{message}");
}

#[test]
fn empty_and_foreign_documents() {
    for path in ["hostile/empty.xml", "hostile/whitespace_only.xml"] {
        let (message, _) = malformed(path);
        assert!(message.contains("empty"), "{message}");
    }
    let (message, _) = malformed("hostile/wrong_namespace.xml");
    assert!(message.contains("not in the LER 2 namespace"), "{message}");
    assert!(
        message.contains("http://data.gov.dk/schemas/LER/1/gml"),
        "{message}"
    );
    let (message, _) = malformed("hostile/foreign_member.xml");
    assert!(
        message.contains("imkl") && message.contains("not a LER 2 feature"),
        "{message}"
    );
    let (message, _) = malformed("hostile/two_roots.xml");
    assert!(message.contains("after the root element"), "{message}");
    let err = read_err(b"<html><body/></html>");
    assert!(err.to_string().contains("not a LER 2 document"), "{err}");
    let err = read_err(b"not xml at all");
    assert!(err.to_string().contains("text before the root"), "{err}");
}

const HEAD: &str = r#"<ler:Elledning xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="x">"#;

fn limited(xml: &str, limits: Ler2Limits) -> IngestError {
    Ler2Reader::new(xml.as_bytes())
        .with_limits(limits)
        .for_each(|_| {})
        .expect_err("over a limit")
}

#[test]
fn limits_stop_the_read() {
    let deep = format!(
        "{HEAD}{}{}</ler:Elledning>",
        "<ler:x>".repeat(5000),
        "</ler:x>".repeat(5000)
    );
    let err = limited(&deep, Ler2Limits::default());
    assert!(
        matches!(
            err,
            IngestError::LimitExceeded {
                what: "nesting depth of elements",
                limit: 64,
                ..
            }
        ),
        "{err}"
    );

    let posl = format!(
        "{HEAD}<ler:geometri><gml:LineString srsName=\"EPSG:25832\"><gml:posList>{}</gml:posList></gml:LineString></ler:geometri></ler:Elledning>",
        "1 2 ".repeat(1000)
    );
    let limits = Ler2Limits {
        max_vertices: 999,
        ..Ler2Limits::default()
    };
    let err = limited(&posl, limits);
    assert!(
        matches!(
            err,
            IngestError::LimitExceeded {
                what: "vertices of one feature",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.rule(), Rule::InputTooLarge);

    let big = format!(
        "{HEAD}<ler:sikkerhedshensyn>{}</ler:sikkerhedshensyn></ler:Elledning>",
        "x".repeat(1 << 20)
    );
    let limits = Ler2Limits {
        max_feature_bytes: 100_000,
        ..Ler2Limits::default()
    };
    let err = limited(&big, limits);
    assert!(
        matches!(err, IngestError::LimitExceeded { limit: 100_000, .. }),
        "{err}"
    );
    let comment = format!("<!-- {} -->{HEAD}</ler:Elledning>", "c".repeat(1 << 20));
    assert!(matches!(
        limited(&comment, limits),
        IngestError::LimitExceeded { .. }
    ));
}

#[test]
fn long_properties_are_cut_and_reported() {
    let xml = format!(
        "{HEAD}<ler:sikkerhedshensyn>{}</ler:sikkerhedshensyn></ler:Elledning>",
        "x".repeat(100_000)
    );
    let (out, end) = read_features(xml.as_bytes());
    end.unwrap();
    assert!(out[0]
        .outcome
        .problems
        .iter()
        .any(|p| p.rule == Rule::InputTooLarge));
}

/// Every prefix of a real document, and seeded random byte changes, end in
/// an error or a read, never a panic.
#[test]
fn prefixes_and_random_damage_never_panic() {
    let Some(doc) = ler2_common::example("btest_ft_Gsvar_trace.xml") else {
        return;
    };
    let bytes = doc.as_bytes();
    for end in 0..bytes.len() {
        let (_, result) = read_features(&bytes[..end]);
        if end < bytes.len() - 30 {
            assert!(result.is_err(), "a prefix of {end} bytes is not a document");
        }
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"<>/=\"'&;: -9.0e#x";
    for _ in 0..3000 {
        let mut damaged = bytes.to_vec();
        for _ in 0..1 + next() % 4 {
            let i = (next() as usize) % damaged.len();
            damaged[i] = alphabet[(next() as usize) % alphabet.len()];
        }
        let _ = read_features(&damaged);
    }
}
