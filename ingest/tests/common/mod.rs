//! Helpers shared by the integration tests.
#![allow(dead_code)]

use forsyning_ingest::{FeatureOutcome, GeoJsonReader, IngestError, ReadSummary, Rule};

/// Every feature of `json`, and how the read ended.
pub fn read(json: &str) -> (Vec<FeatureOutcome>, Result<ReadSummary, IngestError>) {
    let mut out = Vec::new();
    let end = GeoJsonReader::new(json.as_bytes()).for_each(|o| out.push(o));
    (out, end)
}

/// The outcomes of a document that must read to its end.
pub fn read_ok(json: &str) -> (Vec<FeatureOutcome>, ReadSummary) {
    let (out, end) = read(json);
    (out, end.expect("the document reads"))
}

/// The single feature of a collection holding `feature`.
pub fn one(feature: &str) -> FeatureOutcome {
    let json = format!(r#"{{"type": "FeatureCollection", "features": [{feature}]}}"#);
    let (mut out, _) = read_ok(&json);
    assert_eq!(out.len(), 1);
    out.pop().unwrap()
}

/// A Feature with this geometry and these properties (JSON text).
pub fn feature(geometry: &str, properties: &str) -> String {
    format!(r#"{{"type": "Feature", "geometry": {geometry}, "properties": {properties}}}"#)
}

pub const LINE: &str =
    r#"{"type": "LineString", "coordinates": [[500000, 6200000], [500010, 6200010]]}"#;

/// The rules of the outcome's problems.
pub fn rules(o: &FeatureOutcome) -> Vec<Rule> {
    o.problems.iter().map(|p| p.rule).collect()
}
