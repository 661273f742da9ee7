//! The writer's output reads back to the same features.

mod common;

use chrono::{TimeZone, Utc};
use forsyning_ingest::{write_feature_collection, GeoJsonReader};
use forsyning_model::{
    AccuracyClass, DatasetId, DrawingMethod, Hazard, Kind, Measures, NetworkFeature, OrgId,
    PartialDate, SourceFormat, Status, Theme,
};
use geo_types::{
    line_string, point, polygon, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon,
};
use uuid::Uuid;

const EPSG_25832: &str = "urn:ogc:def:crs:EPSG::25832";

fn full(
    source_id: &str,
    geometry: Geometry<f64>,
    heights: Option<Vec<Option<f64>>>,
) -> NetworkFeature {
    NetworkFeature {
        id: Uuid::new_v4(),
        owner_id: OrgId::new("KL1031").unwrap(),
        dataset_id: DatasetId::for_owner(&OrgId::new("KL1031").unwrap(), "net"),
        version: 7,
        source_id: source_id.into(),
        source_format: SourceFormat::GeoJson,
        source_class: "Elledning".into(),
        theme: Theme::DistrictHeating,
        kind: Kind::Duct,
        status: Some(Status::PermanentlyOutOfOperation),
        hazard: Some(Hazard::VeryDangerous),
        safety_note: Some("Kontakt ejer før gravning – \"10 kV\"\nline 2".into()),
        accuracy_xy: AccuracyClass::Le050,
        accuracy_z: AccuracyClass::Gt200,
        drawing_method: Some(DrawingMethod::Schematic),
        measures: Measures {
            depth_mm: Some(u32::MAX),
            diameter_mm: Some(110),
            voltage_kv: Some(0.4),
            pressure_bar: Some(1.0e-3 / 3.0),
            material: Some("PEX".into()),
            installed: Some(PartialDate::ymd(2019, 4, 30).unwrap()),
        },
        geometry,
        heights,
        valid_from: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
        valid_to: Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()),
    }
}

fn samples() -> Vec<NetworkFeature> {
    let line = line_string![(x: 512_345.678_901_234_5, y: 6_123_456.1), (x: 512_400.0, y: 6_123_500.000_000_1), (x: 0.1 + 0.2, y: -1e-7)];
    let ring = polygon!(
        exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 0.0)],
        interiors: [[(x: 5.0, y: 1.0), (x: 6.0, y: 1.0), (x: 6.0, y: 2.0), (x: 5.0, y: 1.0)]],
    );
    let mut minimal = full("minimal", Geometry::Point(point!(x: 1.5, y: 2.5)), None);
    minimal.status = None;
    minimal.hazard = None;
    minimal.safety_note = None;
    minimal.accuracy_xy = AccuracyClass::Unknown;
    minimal.accuracy_z = AccuracyClass::Unknown;
    minimal.drawing_method = None;
    minimal.measures = Measures::default();
    minimal.kind = Kind::Component;
    let mut year_only = full("year", Geometry::LineString(line.clone()), None);
    year_only.measures.installed = Some(PartialDate::year(1987));
    year_only.measures.voltage_kv = Some(132.0);
    vec![
        full(
            "L1",
            Geometry::LineString(line.clone()),
            Some(vec![Some(-1.25), None, Some(12.345_678_901_234_5)]),
        ),
        full(
            "P1",
            Geometry::Point(point!(x: 1.0, y: 2.0)),
            Some(vec![None]),
        ),
        full(
            "A1",
            Geometry::Polygon(ring.clone()),
            Some(vec![Some(1.0); 8]),
        ),
        full(
            "MP",
            Geometry::MultiPoint(MultiPoint(vec![
                point!(x: 1.0, y: 2.0),
                point!(x: 3.0, y: 4.0),
            ])),
            None,
        ),
        full(
            "ML",
            Geometry::MultiLineString(MultiLineString(vec![
                line.clone(),
                LineString::from(vec![(5.0, 5.0), (6.0, 6.0)]),
            ])),
            None,
        ),
        full(
            "MA",
            Geometry::MultiPolygon(MultiPolygon(vec![ring.clone(), ring])),
            None,
        ),
        minimal,
        year_only,
    ]
}

/// What reading back cannot restore: the store's identity and validity fields.
fn with_identity_of(mut read: NetworkFeature, original: &NetworkFeature) -> NetworkFeature {
    read.id = original.id;
    read.owner_id = original.owner_id.clone();
    read.dataset_id = original.dataset_id;
    read.version = original.version;
    read.valid_from = original.valid_from;
    read.valid_to = original.valid_to;
    read
}

#[test]
fn every_property_survives_a_round_trip() {
    let features = samples();
    let mut buf = Vec::new();
    let written = write_feature_collection(&mut buf, EPSG_25832, &features).unwrap();
    assert_eq!(written, features.len() as u64);

    let mut back = Vec::new();
    let summary = GeoJsonReader::new(buf.as_slice())
        .for_each(|o| {
            assert!(o.problems.is_empty(), "{:?}", o.problems);
            back.push(o.feature.unwrap());
        })
        .unwrap();
    assert_eq!(summary.crs.as_deref(), Some(EPSG_25832));
    assert!(!summary.crs_after_features);
    assert_eq!(back.len(), features.len());
    for (read, original) in back.into_iter().zip(&features) {
        assert_eq!(read.owner_id.as_str(), "unassigned");
        assert_eq!(read.dataset_id, DatasetId(Uuid::nil()));
        assert_eq!(&with_identity_of(read, original), original);
    }
}

#[test]
fn the_written_document_is_plain_geojson() {
    let features = samples();
    let mut buf = Vec::new();
    write_feature_collection(&mut buf, EPSG_25832, &features[..1]).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(doc["type"], "FeatureCollection");
    assert_eq!(doc["crs"]["properties"]["name"], EPSG_25832);
    let f = &doc["features"][0];
    assert_eq!(f["id"], features[0].id.to_string());
    assert_eq!(f["geometry"]["coordinates"][0][0], 512_345.678_901_234_5);
    assert_eq!(
        f["geometry"]["coordinates"][0].as_array().unwrap().len(),
        2,
        "2D"
    );
    assert_eq!(f["properties"]["theme"], "district_heating");
    assert_eq!(f["properties"]["heights"][1], serde_json::Value::Null);
    assert_eq!(f["properties"]["installed"], "2019-04-30");
}

#[test]
fn an_empty_collection_round_trips_and_the_iterator_agrees() {
    let mut buf = Vec::new();
    let none: [&NetworkFeature; 0] = [];
    assert_eq!(
        write_feature_collection(&mut buf, "EPSG:25832", none).unwrap(),
        0
    );
    let (out, summary) = common::read_ok(std::str::from_utf8(&buf).unwrap());
    assert!(out.is_empty());
    assert_eq!(summary.crs.as_deref(), Some("EPSG:25832"));

    let features = samples();
    let mut buf = Vec::new();
    write_feature_collection(&mut buf, EPSG_25832, &features).unwrap();
    let mut iter = GeoJsonReader::new(std::io::Cursor::new(buf)).into_iter();
    let ids: Vec<String> = iter.by_ref().map(|o| o.unwrap().source_id).collect();
    let expected: Vec<_> = features.iter().map(|f| f.source_id.clone()).collect();
    assert_eq!(ids, expected);
    assert_eq!(iter.summary().unwrap().crs.as_deref(), Some(EPSG_25832));
}

#[test]
fn non_finite_coordinates_are_refused_by_the_writer() {
    let f = full("bad", Geometry::Point(point!(x: f64::NAN, y: 1.0)), None);
    let err = write_feature_collection(Vec::new(), EPSG_25832, [&f]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}
