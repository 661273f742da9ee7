//! Values of single features: code lists, units, geometry faults, and
//! stopping a read from the callback.

mod ler2_common;

use std::ops::ControlFlow;

use forsyning_ingest::ler2::UnitPolicy;
use forsyning_ingest::{Ler2Reader, Rule, Severity};
use ler2_common::{fixture, ler_codes, one};

const HEAD: &str = r#"xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
const GEOM: &str = r#"<ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList>1 2 3 4</gml:posList></gml:LineString></ler:geometri>"#;

fn elledning(body: &str) -> String {
    format!(
        r#"<ler:Elledning {HEAD} gml:id="e1"><ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2010</ler:etableringstidspunkt><ler:fareklasse>farlig</ler:fareklasse><ler:noejagtighedsklasse>&lt;= 0.25 m</ler:noejagtighedsklasse><ler:noejagtighedsklasseVertikal>&lt;= 0.25 m</ler:noejagtighedsklasseVertikal>{GEOM}{body}</ler:Elledning>"#
    )
}

#[test]
fn code_values_must_be_spelled_as_in_the_schema() {
    let xml = elledning("")
        .replace(">i drift<", ">idrift<")
        .replace(">farlig<", ">Farlig<")
        .replace(
            "&lt;= 0.25 m</ler:noejagtighedsklasse>",
            "ukendt</ler:noejagtighedsklasse>",
        );
    let o = one(&xml);
    let rules: Vec<_> = o.problems.iter().map(|p| p.rule).collect();
    assert_eq!(rules, [Rule::UnknownCodeValue; 3], "{:?}", o.problems);
    assert!(
        o.problems[0].message.contains("\"idrift\"")
            && o.problems[0].message.contains("\"i drift\"")
    );
    assert!(o.problems[0]
        .position
        .as_deref()
        .unwrap()
        .starts_with("feature 0, line 1, column "));
    let anden = format!(
        r#"<ler:AndenLedning {HEAD} gml:id="a"><ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2010</ler:etableringstidspunkt><ler:fareklasse>farlig</ler:fareklasse><ler:forsyningsart>andet</ler:forsyningsart><ler:tvaersnitsform>oval</ler:tvaersnitsform></ler:AndenLedning>"#
    );
    let o = one(&anden);
    let unknown = o
        .problems
        .iter()
        .filter(|p| p.rule == Rule::UnknownCodeValue)
        .count();
    assert_eq!(unknown, 2, "{:?}", o.problems);
}

#[test]
fn units_by_policy_and_missing_uom() {
    let v = elledning(r#"<ler:spaendingsniveau uom="V">400</ler:spaendingsniveau>"#);
    let mut out = Vec::new();
    Ler2Reader::new(v.as_bytes())
        .with_unit_policy(UnitPolicy::Convert)
        .for_each(|o| out.push(o))
        .unwrap();
    assert_eq!(
        out[0].feature.as_ref().unwrap().measures.voltage_kv,
        Some(0.4)
    );
    assert_eq!(
        (out[0].problems[0].rule, out[0].problems[0].severity),
        (Rule::UnitNotAllowed, Severity::Warning)
    );
    let o = one(&v);
    assert!(o.problems[0].is_error() && o.problems[0].message.contains("allowed: kV"));
    let o = one(&elledning(
        r#"<ler:udvendigDiameter>20</ler:udvendigDiameter>"#,
    ));
    assert!(
        o.problems[0].message.contains("has no uom"),
        "{:?}",
        o.problems
    );
    let o = one(&elledning(
        r#"<ler:vejledendeDybde uom="mm">-5</ler:vejledendeDybde>"#,
    ));
    assert_eq!(o.problems[0].rule, Rule::MalformedInput);
}

#[test]
fn geometry_faults_are_problems_of_the_feature() {
    let with = |geom: &str| one(&elledning("").replace(GEOM, geom));
    let o = with(
        r#"<ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList>1 2 x 4</gml:posList></gml:LineString></ler:geometri>"#,
    );
    assert_eq!(o.problems[0].rule, Rule::MalformedInput);
    assert!(o.problems[0].message.contains("\"x\""), "{:?}", o.problems);
    assert!(
        o.problems[0]
            .position
            .as_deref()
            .unwrap()
            .contains("column"),
        "the number's position"
    );
    let o = with(
        r#"<ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList>1 2 INF 4</gml:posList></gml:LineString></ler:geometri>"#,
    );
    assert_eq!(o.problems[0].rule, Rule::NonFiniteCoordinate);
    let o = with(
        r#"<ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList>1 2</gml:posList></gml:LineString></ler:geometri>"#,
    );
    assert_eq!(o.problems[0].rule, Rule::TooFewPoints);
    let o = with(
        r#"<ler:geometri><gml:LineString><gml:posList>1 2 3 4</gml:posList></gml:LineString></ler:geometri>"#,
    );
    assert_eq!(
        (o.problems[0].rule, o.problems[0].severity),
        (Rule::UnknownCrs, Severity::Warning)
    );
    assert_eq!(o.crs, None);
    let o = with("");
    assert_eq!(
        ler_codes([&o]),
        [
            "geometriBetingelse".to_owned(),
            "nøjagtighedsklasseBetingelse".to_owned(),
            "nøjagtighedsklasseVertikalBetingelse".to_owned()
        ]
        .into()
    );
    let o = with(
        r#"<ler:geometri><gml:Point srsName="EPSG:25832"><gml:pos>1 2</gml:pos></gml:Point></ler:geometri>"#,
    );
    assert_eq!(
        ler_codes([&o]),
        ["geometriDatatyperestriktion".to_owned()].into()
    );
    let o = with(
        r#"<ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList>1 2 3e7 4</gml:posList></gml:LineString></ler:geometri>"#,
    );
    assert_eq!(o.problems[0].rule, Rule::AbsurdCoordinate);
    let trace = format!(
        r#"<ler:Ledningstrace {HEAD} gml:id="t"><ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2010</ler:etableringstidspunkt><ler:fareklasse>farlig</ler:fareklasse><ler:geometri><gml:MultiCurve><gml:curveMember><gml:LineString srsName="EPSG:25832"><gml:posList>1 2 3 4</gml:posList></gml:LineString></gml:curveMember><gml:curveMember><gml:LineString srsName="EPSG:4258"><gml:posList>1 2 3 4</gml:posList></gml:LineString></gml:curveMember></gml:MultiCurve></ler:geometri><ler:forsyningsart>el</ler:forsyningsart></ler:Ledningstrace>"#
    );
    let o = one(&trace);
    assert_eq!(o.problems[0].rule, Rule::UnknownCrs);
    assert!(
        o.problems[0].message.contains("EPSG:4258"),
        "{:?}",
        o.problems
    );
}

#[test]
fn the_callback_may_stop_the_read() {
    let mut seen = 0;
    let summary = Ler2Reader::new(&fixture("ler2/collection_mixed.xml")[..])
        .try_for_each_feature(|_| {
            seen += 1;
            ControlFlow::Break(())
        })
        .unwrap();
    assert_eq!((seen, summary.features), (1, 1));
}

/// Found by the `ler2` fuzz target: the time-zone cut of
/// `etableringstidspunkt` (six bytes from the end) fell inside a
/// multi-byte character and the reader panicked. Such a text is a
/// malformed date of the feature.
#[test]
fn an_installation_date_cut_inside_a_character_is_malformed_not_a_panic() {
    let xml = elledning("").replace(
        "<ler:etableringstidspunkt>2010<",
        "<ler:etableringstidspunkt>é12345<",
    );
    let o = one(&xml);
    assert!(
        o.problems.iter().any(|p| p.rule == Rule::MalformedInput
            && p.message.contains("etableringstidspunkt")
            && p.message.contains("é12345")),
        "{:?}",
        o.problems
    );
}
