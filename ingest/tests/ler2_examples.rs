//! LER's example documents load with the values written in them (checked
//! by hand against the files in shared/data/network/ler2/examples).

mod ler2_common;

use forsyning_ingest::ler2::{FeatureRef, Ler2Version, Relation, RelationKind};
use forsyning_ingest::{Report, Rule, Severity};
use forsyning_model::{
    AccuracyClass, DigResponseType, Hazard, Kind, PartialDate, SourceFormat, Status, Theme,
};
use geo_types::{line_string, Geometry, MultiLineString};
use ler2_common::{example, ler_codes, one, read_features, read_ok};

fn line() -> Geometry<f64> {
    Geometry::LineString(line_string![(x: 700000., y: 6200000.), (x: 700010., y: 6200010.)])
}

#[test]
fn elledning_examples_2022_and_2024_schema_files() {
    for (file, id) in [
        ("btest_ft_Elledning22.xml", "elledning-001"),
        ("btest_ft_Elledning24.xml", "elledning24-001"),
    ] {
        let Some(xml) = example(file) else { return };
        let o = one(&xml);
        assert!(o.problems.is_empty(), "{file}: {:?}", o.problems);
        assert_eq!(o.crs.as_deref(), Some("EPSG:25832"));
        assert_eq!(
            (o.source_id.as_str(), o.source_class.as_str()),
            (id, "Elledning")
        );
        let f = o.feature.expect("accepted");
        assert_eq!(f.source_format, SourceFormat::Ler2Gml);
        assert_eq!((f.theme, f.kind), (Theme::Electricity, Kind::CableOrPipe));
        assert_eq!(f.status, Some(Status::InOperation));
        assert_eq!(f.hazard, Some(Hazard::NotDangerous));
        assert_eq!(
            (f.accuracy_xy, f.accuracy_z),
            (AccuracyClass::Le025, AccuracyClass::Le025)
        );
        assert_eq!(f.drawing_method, None, "no indtegningsmetode element");
        assert_eq!(f.measures.depth_mm, Some(500));
        assert_eq!(f.measures.diameter_mm, Some(20));
        assert_eq!(
            f.measures.installed,
            Some(PartialDate::ymd(2024, 1, 1).unwrap())
        );
        assert_eq!(f.geometry, line());
        assert_eq!(
            f.heights,
            Some(vec![None, None]),
            "-99 is an unknown height"
        );
    }
}

#[test]
fn foeringsroer_example_is_an_electricity_duct() {
    let Some(xml) = example("btest_ft_Foeringsroer.xml") else {
        return;
    };
    let o = one(&xml);
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    let f = o.feature.unwrap();
    assert_eq!(
        (f.source_class.as_str(), f.kind, f.theme),
        ("Foeringsroer", Kind::Duct, Theme::Electricity)
    );
    assert_eq!(
        (f.measures.diameter_mm, f.measures.depth_mm),
        (Some(100), Some(500))
    );
    assert_eq!(f.heights, Some(vec![None, None]));
}

#[test]
fn dig_answer_with_a_trace_holding_a_line_without_geometry() {
    let Some(xml) = example("btest_ft_Gsvar_trace.xml") else {
        return;
    };
    let (features, end) = read_features(xml.as_bytes());
    let summary = end.unwrap();
    assert_eq!(summary.root, "ler:Graveforespoergselssvar");
    assert_eq!(summary.declared_version.as_deref(), Some("2.2"));
    assert_eq!(summary.min_version, Ler2Version::V2_2);
    let answer = summary.dig_answer.unwrap();
    assert_eq!(answer.id.as_deref(), Some("GSVAR-001"));
    assert_eq!(answer.response_type, Some(DigResponseType::Delivered));
    let ids: Vec<&str> = features
        .iter()
        .map(|f| f.outcome.source_id.as_str())
        .collect();
    assert_eq!(ids, ["trace-001", "elledning-A", "elledning-B"]);
    for f in &features {
        assert!(f.outcome.problems.is_empty(), "{:?}", f.outcome.problems);
        assert_eq!(f.outcome.crs.as_deref(), Some("EPSG:25832"));
    }

    let trace = &features[0];
    let t = trace.outcome.feature.as_ref().unwrap();
    assert_eq!((t.kind, t.theme), (Kind::Trench, Theme::Electricity));
    let multi = Geometry::MultiLineString(MultiLineString(vec![line_string![
        (x: 700000., y: 6200000.), (x: 700010., y: 6200010.)
    ]]));
    assert_eq!(t.geometry, multi);
    assert_eq!(
        t.measures.installed,
        Some(PartialDate::ymd(2022, 1, 1).unwrap())
    );
    let contains = Relation {
        kind: RelationKind::Contains,
        target: FeatureRef::Local("elledning-A".into()),
    };
    assert_eq!(trace.relations, [contains]);

    let a = &features[1];
    let fa = a
        .outcome
        .feature
        .as_ref()
        .expect("takes the trace's geometry");
    assert_eq!(fa.geometry, multi);
    assert_eq!(fa.heights, Some(vec![None, None]));
    assert_eq!(fa.accuracy_xy, AccuracyClass::Unknown);
    assert_eq!(fa.measures.diameter_mm, Some(20));
    assert_eq!(a.relations[0].kind, RelationKind::ContainedIn);
    assert_eq!(a.relations[0].target, FeatureRef::Local("trace-001".into()));

    let b = features[2].outcome.feature.as_ref().unwrap();
    assert_eq!(
        b.geometry,
        Geometry::LineString(line_string![(x: 700020., y: 6200020.), (x: 700030., y: 6200030.)])
    );
    assert_eq!(b.accuracy_z, AccuracyClass::Le025);
    assert_eq!(b.measures.depth_mm, Some(500));

    let mut report = Report::new();
    for f in features {
        report.record(f.outcome);
    }
    assert_eq!((report.accepted(), report.rejected()), (3, 0));
}

/// The two `example_xml` files leave out the accuracy classes: before the
/// cut-off (2022) the line is kept with unknown accuracy and warnings; after
/// it (2024) the line is rejected.
#[test]
fn accuracy_classes_depend_on_the_establishment_date() {
    let Some(old) = example("example_xml_elledning_2022.xml") else {
        return;
    };
    let o = one(&old);
    let expected = [
        "nøjagtighedsklasseBetingelse",
        "nøjagtighedsklasseVertikalBetingelse",
    ];
    assert_eq!(ler_codes([&o]), expected.map(String::from).into());
    assert!(o
        .problems
        .iter()
        .all(|p| p.severity == Severity::Warning && p.rule == Rule::MandatoryAttributeMissing));
    assert!(o.is_accepted());
    let f = o.feature.unwrap();
    assert_eq!(
        (f.accuracy_xy, f.accuracy_z),
        (AccuracyClass::Unknown, AccuracyClass::Unknown)
    );
    assert_eq!(
        f.heights,
        Some(vec![Some(0.0), Some(0.0)]),
        "0 is a known height"
    );
    assert_eq!(f.measures.diameter_mm, None);

    let Some(new) = example("example_xml_elledning_2024.xml") else {
        return;
    };
    let o = one(&new);
    assert_eq!(ler_codes([&o]), expected.map(String::from).into());
    assert!(o
        .problems
        .iter()
        .all(|p| p.is_error() && p.rule == Rule::MandatoryAttributeMissing));
    assert!(!o.is_accepted());
    assert_eq!(o.feature.unwrap().measures.diameter_mm, Some(20));
}

#[test]
fn every_example_reads_to_the_end() {
    let Some(dir) = ler2_common::ler2_dir() else {
        return;
    };
    let mut names: Vec<_> = std::fs::read_dir(dir.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(names.len() >= 6);
    for path in names {
        let xml = std::fs::read_to_string(&path).unwrap();
        let (out, summary) = read_ok(&xml);
        assert!(!out.is_empty(), "{}", path.display());
        assert_eq!(summary.features, out.len() as u64);
    }
}
