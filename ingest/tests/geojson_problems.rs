//! Problems of single features: reported, the feature rejected, the read goes on.

mod common;

use common::{feature, one, read, rules, LINE};
use forsyning_ingest::Rule;

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
        features.join(",")
    )
}

#[test]
fn unknown_code_values_name_the_property_and_value() {
    let o = one(&feature(
        LINE,
        r#"{"theme": "strøm", "status": "i  drift", "source_id": "X7"}"#,
    ));
    assert_eq!(rules(&o), [Rule::UnknownCodeValue, Rule::UnknownCodeValue]);
    assert!(o.feature.is_none());
    let p = &o.problems[0];
    assert!(
        p.message.contains("\"theme\"") && p.message.contains("\"strøm\""),
        "{}",
        p.message
    );
    assert!(
        p.message.contains("electricity"),
        "lists the codes: {}",
        p.message
    );
    assert_eq!(p.source_id.as_deref(), Some("X7"));
    assert_eq!(p.position.as_deref(), Some("feature 0"));
    assert!(o.problems[1].message.contains("\"status\""));
    assert!(!o.is_accepted());
}

#[test]
fn missing_and_mistyped_properties() {
    let o = one(&feature(LINE, r#"{"class": "Elledning"}"#));
    assert_eq!(rules(&o), [Rule::MandatoryAttributeMissing]);
    assert_eq!(o.source_class, "Elledning");
    let o = one(&feature(LINE, "null"));
    assert_eq!(rules(&o), [Rule::MandatoryAttributeMissing]);

    let bad = r#"{"theme": "el", "depth_mm": "1200", "diameter_mm": -1, "voltage_kv": [10],
        "material": 5, "installed": "30-04-2019", "heights": [1, "x"], "safety_note": {}}"#;
    let o = one(&feature(LINE, bad));
    assert!(o
        .problems
        .iter()
        .all(|p| p.rule == Rule::MalformedInput && p.is_error()));
    let named: Vec<_> = o
        .problems
        .iter()
        .map(|p| p.message.split('"').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(
        named,
        [
            "safety_note",
            "depth_mm",
            "diameter_mm",
            "voltage_kv",
            "material",
            "installed",
            "heights"
        ]
    );
    assert!(o.feature.is_some() && !o.is_accepted());

    let o = one(r#"{"type": "Feature", "geometry": null, "properties": [1]}"#);
    assert_eq!(
        rules(&o),
        [
            Rule::MalformedInput,
            Rule::MandatoryAttributeMissing,
            Rule::GeometryMissing
        ]
    );
    let o = one(r#""a string""#);
    assert_eq!(rules(&o)[0], Rule::MalformedInput);
    let o = one(&feature(LINE, r#"{"theme": "el"}"#).replace("\"Feature\"", "\"Point\""));
    assert_eq!(rules(&o), [Rule::MalformedInput]);
}

#[test]
fn geometry_problems() {
    let props = r#"{"theme": "el"}"#;
    for (geometry, rule) in [
        ("null", Rule::GeometryMissing),
        (
            r#"{"type": "Point", "coordinates": []}"#,
            Rule::GeometryEmpty,
        ),
        (
            r#"{"type": "MultiPolygon", "coordinates": [[[]]]}"#,
            Rule::GeometryEmpty,
        ),
        (
            r#"{"type": "LineString", "coordinates": [[1, 2]]}"#,
            Rule::TooFewPoints,
        ),
        (
            r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}"#,
            Rule::TooFewPoints,
        ),
        (
            r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}"#,
            Rule::MalformedInput,
        ),
        (
            r#"{"type": "LineString", "coordinates": [1, 2]}"#,
            Rule::MalformedInput,
        ),
        (
            r#"{"type": "LineString", "coordinates": [[1, 2], [[3, 4]]]}"#,
            Rule::MalformedInput,
        ),
        (
            r#"{"type": "LineString", "coordinates": [[1, 2], [3, "4"]]}"#,
            Rule::MalformedInput,
        ),
        (
            r#"{"type": "LineString", "coordinates": [[1, 2], [3]]}"#,
            Rule::MalformedInput,
        ),
        (
            r#"{"type": "LineString", "coordinates": [[[[[[1, 2]]]]]]}"#,
            Rule::MalformedInput,
        ),
        (
            r#"{"type": "LineString", "coordinates": "1 2, 3 4"}"#,
            Rule::MalformedInput,
        ),
        (r#"{"type": "LineString"}"#, Rule::MalformedInput),
        (r#"{"coordinates": [1, 2]}"#, Rule::MalformedInput),
        (r#"[1, 2]"#, Rule::MalformedInput),
        (
            r#"{"type": "Circle", "coordinates": [1, 2]}"#,
            Rule::UnsupportedGeometry,
        ),
        (
            r#"{"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]}"#,
            Rule::UnsupportedGeometry,
        ),
    ] {
        let o = one(&feature(geometry, props));
        assert_eq!(rules(&o), [rule], "{geometry}: {:?}", o.problems);
        assert!(o.feature.is_none());
    }
    let ok = r#"{"coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]], [[5.5, 5.2], [5.8, 5.2], [5.8, 5.5], [5.5, 5.2]]]], "type": "MultiPolygon"}"#;
    // (The hole lies strictly inside its shell: one touching the shell
    // along an edge is repaired into a notch, see repair.rs.)
    let o = one(&feature(ok, props));
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    let f = o.feature.unwrap();
    let geo_types::Geometry::MultiPolygon(mp) = f.geometry else {
        panic!()
    };
    assert_eq!((mp.0.len(), mp.0[1].interiors().len()), (2, 1));
}

#[test]
fn a_feature_with_problems_does_not_stop_the_others() {
    let doc = collection(&[
        feature("null", r#"{"theme": "el"}"#),
        "17".into(),
        feature(LINE, r#"{"theme": "nope"}"#),
        feature(LINE, r#"{"theme": "el"}"#),
    ]);
    let (out, end) = read(&doc);
    assert_eq!(end.unwrap().features, 4);
    let accepted: Vec<_> = out.iter().map(|o| o.is_accepted()).collect();
    assert_eq!(accepted, [false, false, false, true]);
}
