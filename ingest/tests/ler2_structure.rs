//! Documents of this repository's own (fixtures/ler2): collections of many
//! types, geometries, CRSs, units, codes and containment.

mod ler2_common;

use forsyning_ingest::ler2::{FeatureRef, Ler2Version, RelationKind};
use forsyning_ingest::{Rule, Severity};
use forsyning_model::{AccuracyClass, DrawingMethod, Hazard, Kind, PartialDate, Status, Theme};
use geo_types::{line_string, point, Geometry};
use ler2_common::{fixture, ler_codes, read_features};

#[test]
fn a_gml_collection_of_many_types() {
    let (features, end) = read_features(&fixture("ler2/collection_mixed.xml"));
    let summary = end.unwrap();
    assert_eq!(summary.root, "gml:FeatureCollection");
    assert_eq!(summary.crs.as_deref(), Some("urn:ogc:def:crs:EPSG::25832"));
    assert_eq!(summary.declared_version.as_deref(), Some("2.1"));
    assert_eq!(
        summary.min_version,
        Ler2Version::V2_1,
        "Gasledning/medietype"
    );
    assert_eq!((summary.features, summary.skipped), (5, 1));
    for f in &features {
        assert!(
            f.outcome.problems.is_empty(),
            "{}: {:?}",
            f.outcome.source_id,
            f.outcome.problems
        );
    }
    let o: Vec<_> = features.iter().map(|f| &f.outcome).collect();
    let ids: Vec<_> = o.iter().map(|o| o.source_id.as_str()).collect();
    assert_eq!(ids, ["gas-1", "valve-1", "basin-1", "h2-1", "cabinets"]);

    let gas = o[0].feature.as_ref().unwrap();
    assert_eq!(
        o[0].crs.as_deref(),
        Some("urn:ogc:def:crs:EPSG::25832"),
        "from the envelope"
    );
    assert_eq!((gas.theme, gas.kind), (Theme::Gas, Kind::CableOrPipe));
    assert_eq!(
        (gas.status, gas.hazard),
        (Some(Status::InOperation), Some(Hazard::Dangerous))
    );
    assert_eq!(gas.drawing_method, Some(DrawingMethod::Offset));
    assert_eq!(
        (gas.accuracy_xy, gas.accuracy_z),
        (AccuracyClass::Le100, AccuracyClass::Unknown)
    );
    assert_eq!(
        gas.safety_note.as_deref(),
        Some("Kontakt ejer før gravning")
    );
    assert_eq!(
        (gas.measures.depth_mm, gas.measures.diameter_mm),
        (Some(1200), Some(110))
    );
    assert_eq!(gas.measures.pressure_bar, Some(4.0), "400 kPa");
    assert_eq!(gas.measures.material.as_deref(), Some("PE"));
    assert_eq!(gas.measures.installed, Some(PartialDate::year(2019)));
    let curve = line_string![(x: 600000., y: 6100000.), (x: 600005., y: 6100000.), (x: 600005., y: 6100007.5)];
    assert_eq!(
        gas.geometry,
        Geometry::LineString(curve),
        "two segments joined"
    );
    assert_eq!(gas.heights, None, "2D");

    let valve = o[1].feature.as_ref().unwrap();
    assert_eq!(
        o[1].crs.as_deref(),
        Some("EPSG:7416"),
        "the geometry's own srsName"
    );
    assert_eq!((valve.theme, valve.kind), (Theme::Water, Kind::Component));
    assert_eq!(
        valve.geometry,
        Geometry::Point(point!(x: 600010., y: 6100010.))
    );
    assert_eq!(valve.heights, Some(vec![Some(12.5)]));
    assert_eq!(valve.measures.material.as_deref(), Some("støbejern"));
    assert_eq!(features[1].relations[0].kind, RelationKind::AttachedTo);
    assert_eq!(
        features[1].relations[0].target,
        FeatureRef::Local("water-9".into())
    );

    let basin = o[2].feature.as_ref().unwrap();
    assert_eq!(
        (basin.theme, basin.status),
        (Theme::Sewer, Some(Status::UnderConstruction))
    );
    let Geometry::Polygon(p) = &basin.geometry else {
        panic!("a polygon")
    };
    assert_eq!((p.exterior().0.len(), p.interiors().len()), (5, 1));

    let h2 = o[3].feature.as_ref().unwrap();
    assert_eq!(
        (h2.theme, h2.hazard),
        (Theme::Other, Some(Hazard::VeryDangerous))
    );
    assert_eq!(h2.status, Some(Status::PermanentlyOutOfOperation));
    assert_eq!(h2.accuracy_xy, AccuracyClass::Gt200);
    assert_eq!(
        h2.measures.installed,
        Some(PartialDate::year_month(2001, 5).unwrap())
    );
    assert_eq!(
        h2.geometry,
        Geometry::LineString(line_string![(x: 600000., y: 6100000.), (x: 600001.5, y: 6100002.)])
    );

    let cabinets = o[4].feature.as_ref().unwrap();
    assert_eq!(
        (cabinets.theme, cabinets.measures.voltage_kv),
        (Theme::Electricity, Some(0.4))
    );
    assert!(matches!(&cabinets.geometry, Geometry::MultiPoint(m) if m.0.len() == 2));
}

#[test]
fn lines_in_a_duct_take_its_geometry() {
    let (features, end) = read_features(&fixture("ler2/duct_with_cables.xml"));
    let summary = end.unwrap();
    assert_eq!(
        (summary.root.as_str(), summary.crs.as_deref()),
        ("{http://www.opengis.net/wfs/2.0}FeatureCollection", None)
    );
    let ids: Vec<_> = features
        .iter()
        .map(|f| f.outcome.source_id.as_str())
        .collect();
    assert_eq!(ids, ["duct-1", "fiber-1", "cable-2", "inner-3", "lost-4"]);
    let positions: Vec<_> = features
        .iter()
        .map(|f| f.outcome.position.as_str())
        .collect();
    assert_eq!(
        positions,
        [
            "feature 1",
            "feature 0",
            "feature 2",
            "feature 3",
            "feature 4"
        ]
    );

    let duct = &features[0];
    let d = duct.outcome.feature.as_ref().unwrap();
    assert_eq!(
        (d.kind, d.theme),
        (Kind::Duct, Theme::Telecom),
        "the first forsyningsart"
    );
    assert_eq!(d.heights, Some(vec![Some(10.5), None, Some(10.1)]));
    let targets: Vec<_> = duct
        .relations
        .iter()
        .map(|r| (r.kind, r.target.clone()))
        .collect();
    assert_eq!(
        targets,
        [
            (RelationKind::Contains, FeatureRef::Local("fiber-1".into())),
            (RelationKind::Contains, FeatureRef::Local("cable-2".into())),
            (
                RelationKind::Contains,
                FeatureRef::External("https://example.invalid/ler/other-owner#x".into())
            ),
        ]
    );
    for inside in &features[1..3] {
        assert!(
            inside.outcome.problems.is_empty(),
            "{:?}",
            inside.outcome.problems
        );
        assert_eq!(inside.outcome.crs.as_deref(), Some("EPSG:7416"));
        let f = inside.outcome.feature.as_ref().unwrap();
        assert_eq!((&f.geometry, &f.heights), (&d.geometry, &d.heights));
        assert_eq!(
            (f.accuracy_xy, f.accuracy_z),
            (AccuracyClass::Le050, AccuracyClass::Le100)
        );
        assert_eq!(
            inside.relations.last().unwrap().target,
            FeatureRef::Local("duct-1".into())
        );
    }
    assert_eq!(
        features[2]
            .outcome
            .feature
            .as_ref()
            .unwrap()
            .measures
            .voltage_kv,
        Some(10.0)
    );

    let inner = &features[3].outcome;
    assert!(inner.feature.is_none());
    assert_eq!(
        (inner.problems[0].rule, inner.problems[0].severity),
        (Rule::GeometryMissing, Severity::Warning)
    );
    let lost = &features[4].outcome;
    assert_eq!(ler_codes([lost]), ["geometriBetingelse".to_owned()].into());
    assert!(lost.problems[0].is_error());
}
