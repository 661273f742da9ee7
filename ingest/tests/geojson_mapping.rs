//! Properties to the model: English codes, LER 2 terms, defaults.

mod common;

use common::{feature, one, read_ok, rules, LINE};
use forsyning_ingest::geojson::CRS84;
use forsyning_ingest::{Report, Rule};
use forsyning_model::{
    AccuracyClass, DatasetId, DrawingMethod, Hazard, Kind, OrgId, PartialDate, SourceFormat,
    Status, Theme,
};
use geo_types::Geometry;
use uuid::Uuid;

#[test]
fn english_codes() {
    let props = r#"{"source_id": "E-1", "class": "Elledning", "theme": "electricity",
        "kind": "duct", "status": "in_operation", "hazard": "dangerous",
        "safety_note": "10 kV", "accuracy_xy": "le_0.25", "accuracy_z": "gt_2.00",
        "drawing_method": "offset", "depth_mm": 1200.0, "diameter_mm": 110,
        "voltage_kv": 10, "pressure_bar": 2.5, "material": "Cu", "installed": "2019-04",
        "unknown_extra": {"deep": [1, 2, 3]}}"#;
    let o = one(&feature(LINE, props));
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    let f = o.feature.unwrap();
    assert_eq!(
        (f.source_id.as_str(), f.source_class.as_str()),
        ("E-1", "Elledning")
    );
    assert_eq!((f.theme, f.kind), (Theme::Electricity, Kind::Duct));
    assert_eq!(
        (f.status, f.hazard),
        (Some(Status::InOperation), Some(Hazard::Dangerous))
    );
    assert_eq!(f.safety_note.as_deref(), Some("10 kV"));
    assert_eq!(
        (f.accuracy_xy, f.accuracy_z),
        (AccuracyClass::Le025, AccuracyClass::Gt200)
    );
    assert_eq!(f.drawing_method, Some(DrawingMethod::Offset));
    let m = &f.measures;
    assert_eq!((m.depth_mm, m.diameter_mm), (Some(1200), Some(110)));
    assert_eq!((m.voltage_kv, m.pressure_bar), (Some(10.0), Some(2.5)));
    assert_eq!(m.material.as_deref(), Some("Cu"));
    assert_eq!(m.installed, Some(PartialDate::year_month(2019, 4).unwrap()));
    assert!(f.heights.is_none(), "2D without a heights property");
}

#[test]
fn ler_danish_terms() {
    let props = r#"{"theme": "fjernvarme/fjernkøling", "kind": "Ledningskomponent",
        "status": "permanent ude af drift", "hazard": "meget farlig",
        "accuracy_xy": "<= 0.50 m", "accuracy_z": "ukendt", "drawing_method": "nøjagtigt"}"#;
    let f = one(&feature(LINE, props)).feature.unwrap();
    assert_eq!(f.theme, Theme::DistrictHeating);
    assert_eq!(f.kind, Kind::Component);
    assert_eq!(f.status, Some(Status::PermanentlyOutOfOperation));
    assert_eq!(f.hazard, Some(Hazard::VeryDangerous));
    assert_eq!(
        (f.accuracy_xy, f.accuracy_z),
        (AccuracyClass::Le050, AccuracyClass::Unknown)
    );
    assert_eq!(f.drawing_method, Some(DrawingMethod::Exact));
    for (term, theme) in [
        ("el", Theme::Electricity),
        ("afløb", Theme::Sewer),
        ("telekommunikation", Theme::Telecom),
        ("andet", Theme::Other),
    ] {
        let f = one(&feature(LINE, &format!(r#"{{"theme": "{term}"}}"#)))
            .feature
            .unwrap();
        assert_eq!(f.theme, theme);
    }
}

#[test]
fn defaults_and_placeholders() {
    let point = r#"{"type": "Point", "coordinates": [1, 2]}"#;
    let area = r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}"#;
    let multi_line = r#"{"type": "MultiLineString", "coordinates": [[[0, 0], [1, 0]]]}"#;
    let doc = format!(
        r#"{{"type": "FeatureCollection", "features": [{}, {}, {}, {}]}}"#,
        feature(point, r#"{"theme": "gas", "status": null}"#)
            .replace("\"type\": \"Feature\"", "\"type\": \"Feature\", \"id\": 17"),
        feature(area, r#"{"theme": "gas"}"#).replace(
            "\"type\": \"Feature\"",
            "\"type\": \"Feature\", \"id\": \"A-9\""
        ),
        feature(multi_line, r#"{"theme": "gas"}"#),
        feature(LINE, r#"{"theme": "gas", "source_id": "S", "class": null}"#).replace(
            "\"type\": \"Feature\"",
            "\"type\": \"Feature\", \"id\": \"ignored\""
        ),
    );
    let (out, summary) = read_ok(&doc);
    assert_eq!(summary.crs, None, "CRS84 when no crs member");
    assert_eq!(summary.crs_or_default(), CRS84);
    let f: Vec<_> = out.into_iter().map(|o| o.feature.unwrap()).collect();
    let ids: Vec<_> = f.iter().map(|f| f.source_id.as_str()).collect();
    assert_eq!(ids, ["17", "A-9", "feature 2", "S"]);
    let kinds: Vec<_> = f.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Component,
            Kind::Area,
            Kind::CableOrPipe,
            Kind::CableOrPipe
        ]
    );
    for f in &f {
        assert_eq!(f.source_class, "Feature");
        assert_eq!(
            (f.accuracy_xy, f.accuracy_z),
            (AccuracyClass::Unknown, AccuracyClass::Unknown)
        );
        assert_eq!((f.status, f.hazard, f.drawing_method), (None, None, None));
        assert_eq!(f.owner_id, OrgId::new("unassigned").unwrap());
        assert_eq!(f.dataset_id, DatasetId(Uuid::nil()));
        assert_eq!(f.version, 0);
        assert_eq!(f.valid_from.timestamp(), 0);
        assert_eq!(f.source_format, SourceFormat::GeoJson);
    }
    assert_ne!(f[0].id, f[1].id);
}

#[test]
fn heights_from_the_third_ordinate_and_from_the_property() {
    let line_3d =
        r#"{"type": "LineString", "coordinates": [[0, 0, 12.5], [1, 1, -99], [2, 2], [3, 3, 0]]}"#;
    let f = one(&feature(line_3d, r#"{"theme": "water"}"#))
        .feature
        .unwrap();
    assert_eq!(f.heights, Some(vec![Some(12.5), None, None, Some(0.0)]));

    let with_prop = feature(LINE, r#"{"theme": "water", "heights": [-99, 3.25]}"#);
    assert_eq!(
        one(&with_prop).feature.unwrap().heights,
        Some(vec![None, Some(3.25)])
    );

    let point_3d = r#"{"type": "Point", "coordinates": [1, 2, 3, 4]}"#;
    let f = one(&feature(point_3d, r#"{"theme": "water", "heights": [9]}"#))
        .feature
        .unwrap();
    assert_eq!(
        f.heights,
        Some(vec![Some(3.0)]),
        "the ordinate wins, the measure is ignored"
    );
    assert_eq!(
        f.geometry,
        Geometry::Point(geo_types::point!(x: 1.0, y: 2.0))
    );

    let wrong_length = one(&feature(
        LINE,
        r#"{"theme": "water", "heights": [1, 2, 3]}"#,
    ));
    assert_eq!(rules(&wrong_length), [Rule::MalformedInput]);
    assert!(wrong_length.problems[0]
        .message
        .contains("3 values for 2 vertices"));
    assert!(!wrong_length.is_accepted());
}

#[test]
fn top_level_members_in_any_order_and_a_lone_feature() {
    let doc = format!(
        r#"{{"features": [{}], "bbox": [0, 0, 1, 1], "name": "net", "type": "FeatureCollection"}}"#,
        feature(LINE, r#"{"theme": "oil"}"#)
    );
    let (out, _) = read_ok(&doc);
    assert_eq!(out[0].feature.as_ref().unwrap().theme, Theme::Oil);

    let lone = r#"{"properties": {"theme": "telecom"}, "crs": {"type": "name",
        "properties": {"name": "EPSG:25832"}}, "geometry": {"coordinates": [5, 6], "type": "Point"},
        "type": "Feature", "id": "T1"}"#;
    let (out, summary) = read_ok(lone);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].source_id, "T1");
    assert_eq!(out[0].position, "feature 0");
    assert_eq!(summary.crs.as_deref(), Some("EPSG:25832"));
    assert_eq!(summary.features, 1);
}

#[test]
fn a_report_counts_per_class_and_theme() {
    let doc = format!(
        r#"{{"type": "FeatureCollection", "features": [{}, {}, {}]}}"#,
        feature(LINE, r#"{"theme": "el", "class": "Elledning"}"#),
        feature(LINE, r#"{"theme": "strøm", "class": "Elledning"}"#),
        feature("null", r#"{"theme": "vand", "class": "Vandledning"}"#),
    );
    let (out, _) = read_ok(&doc);
    let mut report = Report::new();
    let stored: Vec<_> = out.into_iter().filter_map(|o| report.record(o)).collect();
    assert_eq!(stored.len(), 1);
    assert_eq!((report.accepted(), report.rejected()), (1, 2));
    assert!(report.is_rejected(true));
    assert!(!report.is_rejected(false));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["by_class"]["Elledning"],
        serde_json::json!({"accepted": 1, "rejected": 1})
    );
    assert_eq!(json["by_theme"]["water"]["rejected"], 1);
    assert_eq!(json["by_rule"]["unknown_code_value"], 1);
    assert_eq!(json["by_rule"]["geometry_missing"], 1);
    assert_eq!(json["problems"][0]["position"], "feature 1");
    assert_eq!(json["problems"][0]["source_id"], "feature 1");
}
