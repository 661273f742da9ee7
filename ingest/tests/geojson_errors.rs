//! Input that stops the read: broken JSON, not GeoJSON, a bad CRS, limits, I/O.
//! An error, never a panic.

mod common;

use common::{feature, one, read, rules, LINE};
use forsyning_ingest::{GeoJsonReader, IngestError, ReaderLimits, Rule, Severity};

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
        features.join(",")
    )
}

#[test]
fn truncated_json_is_malformed_with_a_position() {
    let doc = collection(&[
        feature(LINE, r#"{"theme": "el"}"#),
        feature(LINE, r#"{"theme": "el"}"#),
    ]);
    let cut = &doc[..doc.len() - 40];
    let (out, end) = read(cut);
    assert_eq!(
        out.len(),
        1,
        "the first feature was handed out before the break"
    );
    let err = end.unwrap_err();
    let IngestError::Malformed { at, message } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(at.line, Some(1));
    assert!(at.column.unwrap() > 100, "{at:?}");
    assert_eq!(at.feature, Some(1));
    assert!(message.contains("EOF"), "{message}");
    let problem = err.to_problem();
    assert_eq!(
        (problem.rule, problem.severity),
        (Rule::MalformedInput, Severity::Error)
    );
    assert!(problem
        .position
        .unwrap()
        .starts_with("feature 1, line 1, column "));

    for text in [
        "",
        "{",
        "{\"type\": ",
        "[",
        "nul",
        "{\"type\": \"FeatureCollection\", \"features\": [{\"a\" 1}]}",
    ] {
        let (_, end) = read(text);
        assert!(
            matches!(end, Err(IngestError::Malformed { .. })),
            "{text:?}: {end:?}"
        );
    }
}

#[test]
fn wrong_top_level_types_are_refused() {
    for (text, needle) in [
        ("[1, 2]", "expected a GeoJSON FeatureCollection or Feature"),
        ("42", "expected a GeoJSON FeatureCollection or Feature"),
        (r#"{"type": "Point", "coordinates": [1, 2]}"#, "\"Point\""),
        (r#"{"type": 7}"#, "must be a string"),
        (r#"{"features": []}"#, "no top-level \"type\""),
        (r#"{"type": "FeatureCollection"}"#, "no \"features\""),
        (
            r#"{"type": "FeatureCollection", "features": {}}"#,
            "array of features",
        ),
        (
            r#"{"type": "FeatureCollection", "features": []} trailing"#,
            "trailing",
        ),
        (r#"{"type": "Feature", "features": []}"#, "must not have"),
    ] {
        let (out, end) = read(text);
        assert!(out.is_empty());
        match end {
            Err(IngestError::Malformed { message, .. }) => {
                assert!(message.contains(needle), "{text}: {message}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn crs_member_before_after_and_broken() {
    let f = feature(LINE, r#"{"theme": "el"}"#);
    let crs = r#"{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}"#;
    let after = format!(r#"{{"type": "FeatureCollection", "features": [{f}], "crs": {crs}}}"#);
    let (out, end) = read(&after);
    let summary = end.unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(summary.crs.as_deref(), Some("urn:ogc:def:crs:EPSG::25832"));
    assert!(summary.crs_after_features);
    let geo_types::Geometry::LineString(l) = &out[0].feature.as_ref().unwrap().geometry else {
        panic!()
    };
    assert_eq!(l.0[0].x, 500_000.0, "not reprojected");

    let before = format!(r#"{{"crs": {crs}, "type": "FeatureCollection", "features": [{f}]}}"#);
    let summary = read(&before).1.unwrap();
    assert!(!summary.crs_after_features);

    for broken in [
        "null",
        "\"EPSG:25832\"",
        r#"{"type": "link", "properties": {"href": "x"}}"#,
        r#"{"type": "name", "properties": {}}"#,
        r#"{"type": "name", "properties": {"name": 25832}}"#,
    ] {
        let doc = format!(r#"{{"type": "FeatureCollection", "crs": {broken}, "features": []}}"#);
        let err = read(&doc).1.unwrap_err();
        assert!(matches!(err, IngestError::Crs { .. }), "{broken}: {err:?}");
        assert_eq!(err.rule(), Rule::UnknownCrs);
    }
}

#[test]
fn limits_stop_hostile_input() {
    let many = format!("[{}]", vec!["[1, 2]"; 1000].join(","));
    let doc = collection(&[
        feature(LINE, r#"{"theme": "el"}"#),
        feature(
            &format!(r#"{{"type": "LineString", "coordinates": {many}}}"#),
            "{}",
        ),
    ]);
    let limits = ReaderLimits {
        max_vertices: 100,
        ..ReaderLimits::default()
    };
    let mut n = 0;
    let err = GeoJsonReader::new(doc.as_bytes())
        .with_limits(limits)
        .with_file_name("hostile.json")
        .for_each(|_| n += 1)
        .unwrap_err();
    assert_eq!(n, 1);
    let IngestError::LimitExceeded { at, limit, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (at.feature, *limit, at.file.as_deref()),
        (Some(1), 100, Some("hostile.json"))
    );
    assert_eq!(err.rule(), Rule::InputTooLarge);

    let huge_note = format!(
        r#"{{"theme": "el", "safety_note": "{}"}}"#,
        "x".repeat(1 << 20)
    );
    let doc = collection(&[feature(LINE, &huge_note)]);
    let limits = ReaderLimits {
        max_feature_bytes: 100 << 10,
        ..ReaderLimits::default()
    };
    let err = GeoJsonReader::new(doc.as_bytes())
        .with_limits(limits)
        .for_each(|_| {})
        .unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::LimitExceeded {
                at: forsyning_ingest::Location {
                    feature: Some(0),
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );

    // Deep nesting is skipped without recursion (no stack overflow) or refused.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let o = one(&feature(
        LINE,
        &format!(r#"{{"theme": "el", "x": {deep}, "material": {deep}}}"#),
    ));
    assert_eq!(rules(&o), [Rule::MalformedInput], "material is an array");
    let o = one(&feature(
        &format!(r#"{{"type": "Point", "coordinates": {deep}}}"#),
        r#"{"theme": "el"}"#,
    ));
    assert_eq!(rules(&o), [Rule::MalformedInput]);
    assert!(
        o.problems[0].message.contains("nested too deep"),
        "{}",
        o.problems[0].message
    );
    let doc = format!(r#"{{"type": "FeatureCollection", "features": [], "foreign": {deep}}}"#);
    assert_eq!(read(&doc).1.unwrap().features, 0);
}

#[test]
fn out_of_range_numbers_are_errors_not_panics() {
    let g = r#"{"type": "Point", "coordinates": [1e400, 2]}"#;
    let (_, end) = read(&collection(&[feature(g, r#"{"theme": "el"}"#)]));
    let err = end.unwrap_err();
    assert!(
        matches!(&err, IngestError::Malformed { message, .. } if message.contains("out of range")),
        "{err:?}"
    );
    let g = r#"{"type": "Point", "coordinates": [1e308, -1e308]}"#;
    let o = one(&feature(g, r#"{"theme": "el", "depth_mm": 1e300}"#));
    // depth_mm 1e300 is malformed; the coordinates are absurd (validate_geometry).
    assert_eq!(rules(&o), [Rule::MalformedInput, Rule::AbsurdCoordinate]);
}

#[test]
fn reader_errors_surface() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "gone",
            ))
        }
    }
    let err = GeoJsonReader::new(Failing).for_each(|_| {}).unwrap_err();
    let IngestError::Io { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(source.kind(), std::io::ErrorKind::ConnectionReset);
    let mut iter = GeoJsonReader::new(Failing).into_iter();
    assert!(matches!(iter.next(), Some(Err(IngestError::Io { .. }))));
    assert!(iter.next().is_none());
    assert!(iter.summary().is_none());
}
