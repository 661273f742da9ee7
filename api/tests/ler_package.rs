//! The dig-request package as LER 2.2 GML: a report over features of the
//! generated town plus hand-made ones (every theme and kind, dangerous lines,
//! missing depth and dates, 3D lines with unknown heights, multi-part lines,
//! hostile text) is written, validated against the official LER 2.2.0 schema
//! with `shared/tools/validate-ler`, and read back with the project's own
//! LER 2 reader and, for what that reader does not map (answer types,
//! contacts, the request), with an independent quick-xml walk.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Command;

use chrono::{Duration, TimeZone, Utc};
use forsyning_api::dig::package::gml::{write_ler_answer, write_owner_answer, GmlError};
use forsyning_api::dig::package::PackageInput;
use forsyning_api::dig::{build_report, DigReport, Disclosure};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_ingest::{FeatureOutcome, Ler2Reader, Rule};
use forsyning_model::{
    AccuracyClass, DigRequest, DigRequestStatus, DigResponse, DigResponseType, DrawingMethod,
    Hazard, Kind, Measures, NetworkFeature, OrgId, Status, Theme,
};
use forsyning_store::DigRecord;
use geo::{BoundingRect, CoordsIter};
use geo_types::{line_string, point, polygon, Coord, Geometry, LineString, MultiLineString};
use quick_xml::events::Event;
use uuid::Uuid;

const HOSTILE_NOTE: &str = "Pas på <&\"'>\r\nhøjspænding!\tÆbler, øl & ål ]]> <![CDATA[x]]>";
const HOSTILE_CONTACT: &str = "Søren <drift@el.dk> & \"Åse\" 'vagt' 70 20 30 40";
const HOSTILE_PURPOSE: &str = "Fiberstik <til> \"Østergade\" & 'Århusvej'";

fn org(id: &str) -> OrgId {
    OrgId::new(id).unwrap()
}

fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Skips (printing why) outside CI; fails under CI.
fn missing(what: &str) {
    assert!(
        !under_ci(),
        "{what} is missing under CI: this test must run"
    );
    eprintln!("skipping: {what} is missing");
}

/// Everything a package test needs.
struct Fixture {
    request: DigRequest,
    report: DigReport,
    features: Vec<NetworkFeature>,
}

impl Fixture {
    fn input(&self) -> PackageInput<'_> {
        PackageInput {
            report: &self.report,
            request: &self.request,
            features: &self.features,
            context: &[],
        }
    }

    fn gml(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_ler_answer(&self.input(), &mut out).unwrap();
        out
    }
}

fn hand_made(base: &NetworkFeature, n: u32) -> NetworkFeature {
    let mut f = base.clone();
    f.id = Uuid::from_u128(0x5eed_0000 + u128::from(n));
    f.source_id = format!("hand-{n}");
    f.heights = None;
    f.safety_note = None;
    f
}

/// The town's features (every theme of the town, cables, pipes and
/// components, dangerous trunk lines, 3D lines, missing depths and dates)
/// and hand-made ones for what the town lacks.
fn fixture() -> Fixture {
    let town = Town::new(TownConfig::new(11, 3_000));
    let all: Vec<NetworkFeature> = town.features().collect();
    let mut picked: Vec<NetworkFeature> = Vec::new();
    let mut take = |pred: &dyn Fn(&NetworkFeature) -> bool, n: usize, what: &str| {
        let found: Vec<_> = all
            .iter()
            .filter(|f| pred(f) && !picked.iter().any(|p| p.id == f.id))
            .take(n)
            .cloned()
            .collect();
        assert!(
            !found.is_empty() || what.starts_with("optional"),
            "the town has no {what}"
        );
        picked.extend(found);
    };
    for theme in [
        Theme::Electricity,
        Theme::Gas,
        Theme::Water,
        Theme::Sewer,
        Theme::DistrictHeating,
        Theme::Telecom,
    ] {
        for kind in [Kind::CableOrPipe, Kind::Component] {
            take(&|f| f.theme == theme && f.kind == kind, 2, "theme/kind");
        }
    }
    take(
        &|f| f.hazard == Some(Hazard::VeryDangerous),
        2,
        "optional: very dangerous line",
    );
    take(
        &|f| f.hazard == Some(Hazard::Dangerous),
        2,
        "optional: dangerous line",
    );
    take(
        &|f| f.kind == Kind::CableOrPipe && f.measures.depth_mm.is_none(),
        2,
        "line without depth",
    );
    take(
        &|f| {
            f.kind == Kind::CableOrPipe
                && f.heights
                    .as_ref()
                    .is_some_and(|h| h.iter().any(Option::is_none))
        },
        1,
        "3D line with an unknown height",
    );
    take(
        &|f| f.kind == Kind::CableOrPipe && f.heights.as_ref().is_some_and(|h| h.len() > 2),
        1,
        "3D line",
    );
    take(
        &|f| f.kind == Kind::Component && f.heights.is_some(),
        1,
        "3D component",
    );
    take(
        &|f| f.measures.installed.is_none(),
        1,
        "feature without a date",
    );
    take(
        &|f| f.status == Some(Status::UnderConstruction),
        1,
        "line under construction",
    );
    take(&|f| f.drawing_method.is_none(), 1, "no drawing method");

    let line = picked
        .iter()
        .find(|f| f.kind == Kind::CableOrPipe && f.theme == Theme::Electricity)
        .unwrap()
        .clone();
    let comp = picked
        .iter()
        .find(|f| f.kind == Kind::Component)
        .unwrap()
        .clone();
    let (x, y) = match &line.geometry {
        Geometry::LineString(l) => (l.0[0].x, l.0[0].y),
        g => panic!("a town line is a LineString, not {g:?}"),
    };

    let mut n = 0;
    let mut next = |base: &NetworkFeature| {
        n += 1;
        hand_made(base, n)
    };
    // An oil pipe, a line of another theme.
    let mut oil = next(&line);
    (oil.theme, oil.source_class) = (Theme::Oil, "Olieledning".into());
    oil.measures.pressure_bar = Some(16.5);
    oil.measures.voltage_kv = None;
    let mut other = next(&line);
    (other.theme, other.measures.voltage_kv) = (Theme::Other, None);
    // Ducts: one for electricity, one of another theme, 3D with an unknown height.
    let mut duct = next(&line);
    (duct.kind, duct.measures.voltage_kv) = (Kind::Duct, None);
    duct.measures.diameter_mm = Some(110);
    let mut duct_other = next(&line);
    (duct_other.kind, duct_other.theme) = (Kind::Duct, Theme::Other);
    duct_other.geometry = Geometry::LineString(line_string![
        (x: x + 1.0, y: y + 1.0), (x: x + 5.25, y: y + 1.0), (x: x + 9.5, y: y + 2.125)
    ]);
    duct_other.heights = Some(vec![Some(12.34), None, Some(11.9)]);
    duct_other.accuracy_z = AccuracyClass::Le050;
    // Trenches: a water trench of two parts in 3D, one of another theme.
    let mut trench = next(&line);
    (trench.kind, trench.theme) = (Kind::Trench, Theme::Water);
    trench.geometry = Geometry::MultiLineString(MultiLineString(vec![
        line_string![(x: x, y: y + 3.0), (x: x + 10.0, y: y + 3.0)],
        line_string![(x: x + 12.0, y: y + 3.0), (x: x + 20.0, y: y + 4.5), (x: x + 25.0, y: y + 4.5)],
    ]));
    trench.heights = Some(vec![Some(10.0), Some(10.5), None, Some(9.75), Some(9.5)]);
    let mut trench_other = next(&line);
    (trench_other.kind, trench_other.theme) = (Kind::Trench, Theme::Other);
    // Components of oil and of another theme, an area.
    let mut oil_comp = next(&comp);
    oil_comp.theme = Theme::Oil;
    let mut other_comp = next(&comp);
    other_comp.theme = Theme::Other;
    let mut area = next(&comp);
    (area.kind, area.theme, area.hazard) = (Kind::Area, Theme::Gas, Some(Hazard::VeryDangerous));
    area.geometry = Geometry::Polygon(polygon![
        (x: x, y: y), (x: x + 10.0, y: y), (x: x + 10.0, y: y + 10.0), (x: x, y: y + 10.0), (x: x, y: y)
    ]);
    area.safety_note = Some("Sikkerhedszone om gasregulator".into());
    // A cable of two parts, a dangerous cable with hostile text and a
    // source id that is no XML name, a line with nothing optional known.
    let mut split = next(&line);
    split.geometry = Geometry::MultiLineString(MultiLineString(vec![
        line_string![(x: x, y: y - 2.0), (x: x + 4.0, y: y - 2.0)],
        line_string![(x: x + 6.0, y: y - 2.0), (x: x + 9.0, y: y - 2.5)],
    ]));
    let mut hostile = next(&line);
    hostile.source_id = "12 <LER> & co/7".into();
    hostile.hazard = Some(Hazard::VeryDangerous);
    hostile.safety_note = Some(HOSTILE_NOTE.into());
    hostile.measures.material = Some("PEX & <stål> \"æøå\"".into());
    split.hazard = Some(Hazard::Dangerous);
    split.heights = Some(vec![Some(1.5), None, Some(2.0), Some(2.25)]);
    split.accuracy_z = AccuracyClass::Le100;
    let mut bare = next(&line);
    bare.status = None;
    bare.hazard = None;
    bare.accuracy_xy = AccuracyClass::Unknown;
    bare.accuracy_z = AccuracyClass::Unknown;
    bare.drawing_method = None;
    bare.measures = Default::default();
    let hand = [
        oil,
        other,
        duct,
        duct_other,
        trench,
        trench_other,
        oil_comp,
        other_comp,
        area,
        split,
        hostile,
        bare,
    ];
    picked.extend(hand);

    // Two delivering owners hold every feature, alternately; four more
    // owners give the other answers.
    let delivered = org("SYN-EL");
    let marked = org("LER-TEST_2");
    for (i, f) in picked.iter_mut().enumerate() {
        f.owner_id = if i % 2 == 0 {
            delivered.clone()
        } else {
            marked.clone()
        };
    }
    let received = Utc.with_ymd_and_hms(2026, 11, 30, 8, 15, 0).unwrap();
    let answers = [
        (delivered.clone(), DigResponseType::Delivered),
        (marked.clone(), DigResponseType::OnSiteMarkingDelivered),
        (org("SYN-GAS"), DigResponseType::NoLinesInArea),
        (org("SYN-VAND"), DigResponseType::NotDelivered),
        (org("SYN-FJV"), DigResponseType::TakenForManualHandling),
        (org("SYN-TELE"), DigResponseType::OnSiteMarkingNotDelivered),
    ];
    let responses = answers
        .iter()
        .map(|(owner, answer)| DigResponse {
            owner_id: owner.clone(),
            answer: *answer,
            deadline: received + Duration::hours(2),
            answered_at: answer.is_final().then_some(received + Duration::minutes(1)),
            features_count: picked.iter().filter(|f| &f.owner_id == owner).count() as u64,
        })
        .collect();
    let bbox = geo_types::GeometryCollection(picked.iter().map(|f| f.geometry.clone()).collect())
        .bounding_rect()
        .unwrap();
    let request = DigRequest {
        id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        requester_id: org("ENTREPRENOER"),
        polygon: bbox.to_polygon(),
        buffer_m: 2.5,
        // 23:30 UTC is the next day in Copenhagen.
        period_from: Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
        period_to: Utc.with_ymd_and_hms(2026, 12, 14, 23, 30, 0).unwrap(),
        purpose: HOSTILE_PURPOSE.into(),
        contact: HOSTILE_CONTACT.into(),
        status: DigRequestStatus::Received,
        received_at: received,
    };
    let record = DigRecord {
        request: request.clone(),
        responses,
    };
    let contacts: BTreeMap<OrgId, String> = [
        (delivered.clone(), HOSTILE_CONTACT.to_owned()),
        (marked.clone(), "x".repeat(150)),
        (org("SYN-FJV"), "Fjernvarmevagten, 33 44 55 66".to_owned()),
    ]
    .into_iter()
    .collect();
    let report = build_report(&record, &contacts, shared(&picked), &Disclosure::Full);
    let by_id: HashMap<Uuid, NetworkFeature> = picked.into_iter().map(|f| (f.id, f)).collect();
    let features = report
        .features
        .as_ref()
        .unwrap()
        .iter()
        .map(|rf| by_id[&rf.id].clone())
        .collect();
    Fixture {
        request,
        report,
        features,
    }
}

/// `shared/tools/validate-ler` on the documents (file name, content), in
/// one run: `Some((every one valid, output))`, `None` when it cannot run
/// here (skipped outside CI).
fn validate(docs: &[(&str, &[u8])]) -> Option<(bool, String)> {
    let data = forsyning_fixtures::test_env::shared_data()?;
    let tool: PathBuf = data.parent().unwrap().join("tools/validate-ler");
    if !tool.is_file() {
        missing(&format!("{}", tool.display()));
        return None;
    }
    let probe = Command::new("python3")
        .args(["-c", "import xmlschema"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        missing("python3 with the package xmlschema (pip install xmlschema lxml)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(&tool).current_dir(dir.path());
    for (name, xml) in docs {
        std::fs::write(dir.path().join(name), xml).unwrap();
        cmd.arg(name);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

fn read_back(xml: &[u8]) -> (Vec<FeatureOutcome>, forsyning_ingest::ler2::Ler2Summary) {
    let mut outcomes = Vec::new();
    let summary = Ler2Reader::new(xml)
        .with_file_name("package.gml")
        .for_each(|o| outcomes.push(o))
        .unwrap();
    (outcomes, summary)
}

#[test]
fn package_covers_every_theme_kind_and_answer() {
    let fx = fixture();
    let kinds: Vec<(Theme, Kind)> = fx.features.iter().map(|f| (f.theme, f.kind)).collect();
    for theme in Theme::ALL {
        for kind in [Kind::CableOrPipe, Kind::Component] {
            assert!(kinds.contains(&(*theme, kind)), "no {theme} {kind}");
        }
    }
    for kind in Kind::ALL {
        assert!(kinds.iter().any(|(_, k)| k == kind), "no {kind}");
    }
    for h in Hazard::ALL {
        assert!(fx.features.iter().any(|f| f.hazard == Some(*h)), "no {h}");
    }
    assert!(fx.features.iter().any(|f| f.hazard.is_none()));
    assert!(fx.features.iter().any(|f| f.measures.depth_mm.is_none()));
    assert!(fx
        .features
        .iter()
        .any(|f| f.kind == Kind::CableOrPipe && f.heights.is_some()));
    let answers: Vec<_> = fx.report.owners.iter().map(|o| o.answer).collect();
    for t in DigResponseType::ALL {
        assert!(answers.contains(&t), "no owner answers {t:?}");
    }
    assert!(fx.features.len() >= 40, "{} features", fx.features.len());
}

#[test]
fn package_validates_against_the_ler_2_2_schema() {
    let fx = fixture();
    let xml = fx.gml();
    // And each owner's answer alone, with the answer as the root.
    let answers: Vec<(String, Vec<u8>)> = fx
        .report
        .owners
        .iter()
        .map(|owner| {
            let mut one = Vec::new();
            write_owner_answer(&fx.input(), &owner.owner_id, &mut one).unwrap();
            (format!("answer-{}.gml", owner.owner_id), one)
        })
        .collect();
    let mut docs: Vec<(&str, &[u8])> = vec![("package.gml", &xml)];
    docs.extend(answers.iter().map(|(n, x)| (n.as_str(), x.as_slice())));
    let Some((ok, output)) = validate(&docs) else {
        return;
    };
    assert!(
        ok,
        "validate-ler rejected the package:\n{output}\n--- document ---\n{}",
        String::from_utf8_lossy(&xml)
    );
    for (name, _) in &docs {
        assert!(
            output.contains(&format!("{name}: valid LER 2.2.0")),
            "{name}: {output}"
        );
    }
}

#[test]
fn validator_rejects_a_broken_package() {
    // The schema check must be able to fail: the same package with an answer
    // type that LER does not have.
    let fx = fixture();
    let xml = String::from_utf8(fx.gml()).unwrap();
    let broken = xml.replacen(
        "<ler:type>ledningsoplysninger udleveret</ler:type>",
        "<ler:type>leveret</ler:type>",
        1,
    );
    assert_ne!(broken, xml);
    let Some((ok, output)) = validate(&[("broken.gml", broken.as_bytes())]) else {
        return;
    };
    assert!(!ok, "{output}");
    assert!(output.contains("leveret"), "{output}");
}

/// The measures of `f` that its LER 2.2 type can carry (checked by hand in
/// `2.2_ler.xsd`): pressure only on gas, district heating and oil pipes,
/// voltage only on electricity cables and components, diameter only on
/// lines and ducts, no material on a trace.
fn carried(f: &NetworkFeature) -> Measures {
    let m = &f.measures;
    let line = matches!(f.kind, Kind::CableOrPipe | Kind::Duct);
    let pressure = f.kind == Kind::CableOrPipe
        && matches!(f.theme, Theme::Gas | Theme::DistrictHeating | Theme::Oil);
    let voltage = f.kind != Kind::Duct && f.kind != Kind::Trench && f.theme == Theme::Electricity;
    Measures {
        depth_mm: m.depth_mm,
        diameter_mm: m.diameter_mm.filter(|_| line),
        voltage_kv: m.voltage_kv.filter(|_| voltage),
        pressure_bar: m.pressure_bar.filter(|_| pressure),
        material: m.material.clone().filter(|_| f.kind != Kind::Trench),
        installed: m.installed,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.001
}

/// The vertices of a geometry with their heights.
fn vertices(g: &Geometry<f64>) -> Vec<Coord<f64>> {
    g.coords_iter().collect()
}

/// One LER feature as written: its `gml:id`, geometry and heights.
type Part = (String, Geometry<f64>, Option<Vec<Option<f64>>>);

/// The expected `gml:id`s and geometries of one written feature.
fn expected_parts(f: &NetworkFeature) -> Vec<Part> {
    let id = if f.source_id.starts_with("hand-") || f.source_id.starts_with("syn-") {
        f.source_id.clone()
    } else {
        format!("f-{}", f.id)
    };
    match (&f.geometry, f.kind) {
        (Geometry::MultiLineString(m), Kind::CableOrPipe | Kind::Duct) if m.0.len() > 1 => {
            let mut at = 0;
            m.0.iter()
                .enumerate()
                .map(|(i, l)| {
                    let hs = f.heights.as_ref().map(|h| h[at..at + l.0.len()].to_vec());
                    at += l.0.len();
                    (
                        format!("{id}.{}", i + 1),
                        Geometry::LineString(l.clone()),
                        hs,
                    )
                })
                .collect()
        }
        (g, _) => vec![(id, g.clone(), f.heights.clone())],
    }
}

#[test]
fn package_reads_back_with_the_ler_2_reader() {
    let fx = fixture();
    let xml = fx.gml();
    let (outcomes, summary) = read_back(&xml);
    assert_eq!(summary.root, "gml:FeatureCollection");
    assert_eq!(summary.crs.as_deref(), Some("EPSG:25832"));
    assert_eq!(summary.declared_version, None);
    let by_id: HashMap<&str, &FeatureOutcome> =
        outcomes.iter().map(|o| (o.source_id.as_str(), o)).collect();
    let mut expected_count = 0;
    for f in &fx.features {
        for (gml_id, geometry, heights) in expected_parts(f) {
            expected_count += 1;
            let o = by_id
                .get(gml_id.as_str())
                .unwrap_or_else(|| panic!("{gml_id} was not read back"));
            let bad: Vec<_> = o
                .problems
                .iter()
                .filter(|p| {
                    matches!(
                        p.rule,
                        Rule::UnknownCodeValue
                            | Rule::MalformedInput
                            | Rule::UnitNotAllowed
                            | Rule::UnsupportedGeometry
                            | Rule::UnknownCrs
                            | Rule::GeometryMissing
                    )
                })
                .collect();
            assert!(bad.is_empty(), "{gml_id}: {bad:?}");
            assert_eq!(o.crs.as_deref(), Some("EPSG:25832"), "{gml_id}");
            let r = o
                .feature
                .as_ref()
                .unwrap_or_else(|| panic!("{gml_id}: {:?}", o.problems));
            let kind = if f.kind == Kind::Area {
                Kind::Component
            } else {
                f.kind
            };
            assert_eq!((r.theme, r.kind), (f.theme, kind), "{gml_id}");
            assert_eq!(r.status, f.status, "{gml_id}");
            assert_eq!(r.hazard, f.hazard, "{gml_id}");
            assert_eq!(r.safety_note, f.safety_note, "{gml_id}");
            assert_eq!(r.accuracy_xy, f.accuracy_xy, "{gml_id}");
            assert_eq!(r.accuracy_z, f.accuracy_z, "{gml_id}");
            let component = matches!(f.kind, Kind::Component | Kind::Area);
            let drawing: Option<DrawingMethod> = if component { None } else { f.drawing_method };
            assert_eq!(r.drawing_method, drawing, "{gml_id}");
            assert_eq!(r.measures, carried(f), "{gml_id}");
            let trace = f.kind == Kind::Trench;
            // Geometry to the millimetre, vertex by vertex, heights too.
            let (got, want) = (vertices(&r.geometry), vertices(&geometry));
            assert_eq!(got.len(), want.len(), "{gml_id}");
            for (a, b) in got.iter().zip(&want) {
                assert!(
                    close(a.x, b.x) && close(a.y, b.y),
                    "{gml_id}: {a:?} vs {b:?}"
                );
            }
            let shape_ok = match (&geometry, &r.geometry) {
                (Geometry::LineString(_), Geometry::LineString(_))
                | (Geometry::Point(_), Geometry::Point(_))
                | (Geometry::Polygon(_), Geometry::Polygon(_))
                | (Geometry::MultiLineString(_), Geometry::MultiLineString(_)) => true,
                (Geometry::LineString(_), Geometry::MultiLineString(m)) => trace && m.0.len() == 1,
                _ => false,
            };
            assert!(
                shape_ok,
                "{gml_id}: {:?} read as {:?}",
                geometry, r.geometry
            );
            match (&heights, &r.heights) {
                (None, None) => {}
                (Some(want), Some(got)) => {
                    assert_eq!(want.len(), got.len(), "{gml_id}");
                    for (w, g) in want.iter().zip(got) {
                        match (w, g) {
                            (None, None) => {}
                            (Some(w), Some(g)) => assert!(close(*w, *g), "{gml_id}: {w} vs {g}"),
                            _ => panic!("{gml_id}: heights {want:?} read as {got:?}"),
                        }
                    }
                }
                _ => panic!("{gml_id}: heights {heights:?} read as {:?}", r.heights),
            }
        }
    }
    assert_eq!(outcomes.len(), expected_count, "no extra features");
    // The hand-made 3D duct has an unknown height in the middle: -99 on the wire.
    let text = String::from_utf8(xml).unwrap();
    assert!(
        text.contains("12.34 ") && text.contains(" -99 "),
        "3D posList"
    );
}

/// An independent walk of the document: each answer's
/// (owner, type, navn, forventetAfleveringstidspunkt, gyldigTil, ler:ids of features),
/// the root's description and the request polygon's posList.
#[derive(Debug, Default)]
struct Walked {
    answers: Vec<BTreeMap<String, String>>,
    feature_ler_ids: Vec<String>,
    root_description: String,
    location_pos: Vec<String>,
}

fn walk(xml: &[u8]) -> Walked {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut w = Walked::default();
    loop {
        match r.read_event_into(&mut buf).unwrap() {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "ler:Graveforespoergselssvar" {
                    w.answers.push(BTreeMap::new());
                }
                path.push(name);
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let text = t.unescape().unwrap().into_owned();
                let parent = path.last().cloned().unwrap_or_default();
                let grand = path.len().checked_sub(2).map(|i| path[i].as_str());
                match (grand, parent.as_str()) {
                    (Some("gml:FeatureCollection"), "gml:description") => w.root_description = text,
                    (
                        Some("ler:Graveforespoergselssvar"),
                        "gml:identifier"
                        | "ler:type"
                        | "ler:gyldigTil"
                        | "ler:forventetAfleveringstidspunkt"
                        | "ler:id",
                    ) => {
                        w.answers.last_mut().unwrap().insert(parent.clone(), text);
                    }
                    (Some("ler:Kontaktprofil"), "ler:navn") => {
                        w.answers.last_mut().unwrap().insert("navn".into(), text);
                    }
                    (Some(g), "ler:id") if g != "ler:Graveforespoergselssvar" => {
                        w.feature_ler_ids.push(text)
                    }
                    (Some("gml:LinearRing"), "gml:posList")
                        if path.iter().any(|p| p == "gml:location") =>
                    {
                        w.location_pos.push(text)
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    w
}

#[test]
fn answers_and_request_are_in_the_document() {
    let fx = fixture();
    let w = walk(&fx.gml());
    assert_eq!(w.answers.len(), fx.report.owners.len());
    for (a, owner) in w.answers.iter().zip(&fx.report.owners) {
        assert_eq!(a["gml:identifier"], owner.owner_id.as_str());
        assert_eq!(a["ler:type"], owner.answer.ler_term());
        assert_eq!(a["ler:id"].len(), 36);
        // 2026-12-14T23:30Z is 2026-12-15 in Copenhagen.
        assert_eq!(a["ler:gyldigTil"], "2026-12-15");
        let expected_when = (owner.answer == DigResponseType::TakenForManualHandling)
            .then(|| "2026-11-30T10:15:00Z".to_owned());
        assert_eq!(
            a.get("ler:forventetAfleveringstidspunkt").cloned(),
            expected_when,
            "{}",
            owner.owner_id
        );
        let navn = a.get("navn").cloned();
        match owner.owner_id.as_str() {
            "SYN-EL" => assert_eq!(navn.as_deref(), Some(HOSTILE_CONTACT)),
            "SYN-FJV" => assert_eq!(navn.as_deref(), Some("Fjernvarmevagten, 33 44 55 66")),
            "LER-TEST_2" => {
                // 150 characters cut to the schema's 100.
                let n = navn.unwrap();
                assert_eq!(n.chars().count(), 100);
                assert!(n.ends_with('…') && n.starts_with("xxxx"));
            }
            _ => assert_eq!(navn, None),
        }
    }
    let ids: Vec<String> = w.answers.iter().map(|a| a["ler:id"].clone()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "answer ids are unique");

    // Every feature's own UUID is its ler:id (a split line's parts share it).
    let mut want: Vec<String> = Vec::new();
    for f in &fx.features {
        for _ in expected_parts(f) {
            want.push(f.id.to_string());
        }
    }
    let mut got = w.feature_ler_ids.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);

    // The request: hostile purpose and contact survive; the polygon twice
    // (the collection and each answer) with the request's exact vertices.
    assert!(
        w.root_description.contains(HOSTILE_PURPOSE),
        "{}",
        w.root_description
    );
    assert!(w.root_description.contains(HOSTILE_CONTACT));
    assert!(w.root_description.contains(&fx.request.id.to_string()));
    assert!(w.root_description.contains("2026-12-01T07:00:00Z"));
    assert_eq!(w.location_pos.len(), 1 + fx.report.owners.len());
    for pos in &w.location_pos {
        let nums: Vec<f64> = pos.split_whitespace().map(|s| s.parse().unwrap()).collect();
        let ring: Vec<f64> = fx
            .request
            .polygon
            .exterior()
            .0
            .iter()
            .flat_map(|c| [c.x, c.y])
            .collect();
        assert_eq!(nums, ring);
    }
}

#[test]
fn hostile_text_survives_the_round_trip() {
    let fx = fixture();
    let xml = fx.gml();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(!text.contains(HOSTILE_NOTE), "the raw note is escaped");
    assert!(!text.contains("<LER>"), "the source id is not written raw");
    let (outcomes, _) = read_back(&xml);
    let hostile = fx
        .features
        .iter()
        .find(|f| f.safety_note.as_deref() == Some(HOSTILE_NOTE))
        .unwrap();
    let back = outcomes
        .iter()
        .find(|o| o.source_id == format!("f-{}", hostile.id))
        .expect("a source id that is no XML name becomes f-<uuid>");
    let f = back.feature.as_ref().unwrap();
    assert_eq!(f.safety_note.as_deref(), Some(HOSTILE_NOTE));
    assert_eq!(f.measures.material.as_deref(), Some("PEX & <stål> \"æøå\""));
    assert_eq!(f.hazard, Some(Hazard::VeryDangerous));
}

#[test]
fn one_owner_answer_reads_back_as_a_dig_answer() {
    let fx = fixture();
    for owner in &fx.report.owners {
        let mut xml = Vec::new();
        write_owner_answer(&fx.input(), &owner.owner_id, &mut xml).unwrap();
        let (outcomes, summary) = read_back(&xml);
        assert_eq!(summary.root, "ler:Graveforespoergselssvar");
        assert_eq!(summary.declared_version.as_deref(), Some("2.2"));
        let answer = summary.dig_answer.expect("a dig answer");
        assert_eq!(answer.response_type, Some(owner.answer));
        assert_eq!(
            answer.response_term.as_deref(),
            Some(owner.answer.ler_term())
        );
        let expected: usize = fx
            .features
            .iter()
            .filter(|f| f.owner_id == owner.owner_id)
            .map(|f| expected_parts(f).len())
            .sum();
        assert_eq!(outcomes.len(), expected, "{}", owner.owner_id);
        assert_eq!(
            expected > 0,
            owner.answer.delivers_features(),
            "{}",
            owner.owner_id
        );
    }
    let mut sink = Vec::new();
    let err = write_owner_answer(&fx.input(), &org("NOBODY"), &mut sink).unwrap_err();
    assert!(matches!(err, GmlError::Inconsistent(_)), "{err}");
    assert!(err.to_string().contains("NOBODY"), "{err}");
}

#[test]
fn inconsistent_input_is_an_error_not_a_document() {
    let fx = fixture();
    // Features that are not the report's.
    let mut sink = Vec::new();
    let fewer = &fx.features[1..];
    let input = PackageInput {
        features: fewer,
        context: &[],
        ..fx.input()
    };
    let err = write_ler_answer(&input, &mut sink).unwrap_err();
    assert!(matches!(err, GmlError::Inconsistent(_)), "{err}");
    assert!(sink.is_empty(), "nothing written");

    // A feature of an owner whose answer delivers nothing.
    let mut report = fx.report.clone();
    let owner = fx.features[0].owner_id.clone();
    for o in &mut report.owners {
        if o.owner_id == owner {
            o.answer = DigResponseType::NotDelivered;
        }
    }
    let input = PackageInput {
        report: &report,
        ..fx.input()
    };
    let err = write_ler_answer(&input, &mut sink).unwrap_err();
    assert!(err.to_string().contains("delivers no features"), "{err}");

    // A line whose geometry is a point.
    let mut features = fx.features.clone();
    let i = features
        .iter()
        .position(|f| f.kind == Kind::CableOrPipe)
        .unwrap();
    features[i].geometry = Geometry::Point(point!(x: 1.0, y: 2.0));
    features[i].heights = None;
    let input = PackageInput {
        features: &features,
        context: &[],
        ..fx.input()
    };
    let mut sink = Vec::new();
    let err = write_ler_answer(&input, &mut sink).unwrap_err();
    assert!(sink.is_empty(), "nothing written: the error is found first");
    assert!(
        matches!(&err, GmlError::Feature { source_id, .. } if *source_id == features[i].source_id),
        "{err}"
    );
    assert!(err.to_string().contains("Point"), "{err}");

    // Heights that do not match the vertices; a NaN coordinate.
    let mut features = fx.features.clone();
    features[i].geometry = Geometry::LineString(LineString::from(vec![(1.0, 2.0), (3.0, 4.0)]));
    features[i].heights = Some(vec![Some(1.0)]);
    let input = PackageInput {
        features: &features,
        context: &[],
        ..fx.input()
    };
    let err = write_ler_answer(&input, &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string().contains("1 heights for 2 vertices"),
        "{err}"
    );
    features[i].heights = None;
    features[i].geometry =
        Geometry::LineString(LineString::from(vec![(1.0, f64::NAN), (3.0, 4.0)]));
    let input = PackageInput {
        features: &features,
        context: &[],
        ..fx.input()
    };
    let err = write_ler_answer(&input, &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("not finite"), "{err}");
}

#[test]
fn a_request_without_owners_is_an_empty_valid_collection() {
    let fx = fixture();
    let mut report = fx.report.clone();
    report.owners.clear();
    report.features = None;
    let input = PackageInput {
        report: &report,
        request: &fx.request,
        features: &[],
        context: &[],
    };
    let mut xml = Vec::new();
    write_ler_answer(&input, &mut xml).unwrap();
    let (outcomes, _) = read_back(&xml);
    assert!(outcomes.is_empty());
    if let Some((ok, output)) = validate(&[("empty.gml", &xml)]) {
        assert!(ok, "{output}");
    }
}

/// A package of every feature of `features` under one delivering owner.
fn one_owner_package(features: Vec<NetworkFeature>) -> Fixture {
    let owner = org("SYN-EL");
    let features: Vec<NetworkFeature> = features
        .into_iter()
        .map(|mut f| {
            f.owner_id = owner.clone();
            f
        })
        .collect();
    let bbox = geo_types::GeometryCollection(features.iter().map(|f| f.geometry.clone()).collect())
        .bounding_rect()
        .unwrap();
    let received = Utc.with_ymd_and_hms(2026, 11, 30, 8, 15, 0).unwrap();
    let request = DigRequest {
        id: Uuid::from_u128(7),
        requester_id: org("ENTREPRENOER"),
        polygon: bbox.to_polygon(),
        buffer_m: 1.0,
        period_from: received,
        period_to: received + Duration::days(14),
        purpose: "Kabelarbejde".into(),
        contact: "Jens, 20 30 40 50".into(),
        status: DigRequestStatus::Answered,
        received_at: received,
    };
    let record = DigRecord {
        request: request.clone(),
        responses: vec![DigResponse {
            owner_id: owner,
            answer: DigResponseType::Delivered,
            deadline: received + Duration::hours(2),
            answered_at: Some(received),
            features_count: features.len() as u64,
        }],
    };
    let report = build_report(
        &record,
        &BTreeMap::new(),
        shared(&features),
        &Disclosure::Full,
    );
    let by_id: HashMap<Uuid, NetworkFeature> = features.into_iter().map(|f| (f.id, f)).collect();
    let features = report
        .features
        .as_ref()
        .unwrap()
        .iter()
        .map(|rf| by_id[&rf.id].clone())
        .collect();
    Fixture {
        request,
        report,
        features,
    }
}

#[test]
fn lers_own_dig_answer_example_goes_through_the_package() {
    // LER's example answer: a trace holding a line without geometry, and a
    // line of its own. Read, packaged, validated and read again, the
    // features come back as they were read the first time.
    let Some(data) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let xml = std::fs::read(data.join("network/ler2/examples/btest_ft_Gsvar_trace.xml")).unwrap();
    let (first, _) = read_back(&xml);
    let read: Vec<NetworkFeature> = first.into_iter().map(|o| o.feature.unwrap()).collect();
    assert_eq!(read.len(), 3);
    let fx = one_owner_package(read.clone());
    let gml = fx.gml();
    if let Some((ok, output)) = validate(&[("example.gml", &gml)]) {
        assert!(ok, "{output}\n{}", String::from_utf8_lossy(&gml));
    }
    let (again, _) = read_back(&gml);
    assert_eq!(again.len(), 3);
    for f in &read {
        let o = again.iter().find(|o| o.source_id == f.source_id).unwrap();
        assert!(o.problems.is_empty(), "{}: {:?}", f.source_id, o.problems);
        let g = o.feature.as_ref().unwrap();
        assert_eq!((g.theme, g.kind), (f.theme, f.kind), "{}", f.source_id);
        assert_eq!(g.status, f.status);
        assert_eq!(g.hazard, f.hazard);
        assert_eq!(g.measures, f.measures, "{}", f.source_id);
        assert_eq!((g.accuracy_xy, g.accuracy_z), (f.accuracy_xy, f.accuracy_z));
        assert_eq!(g.heights, f.heights, "{}: -99 stays unknown", f.source_id);
        // elledning-A took the trace's MultiCurve; as a line it is one LineString.
        let want: Vec<Coord<f64>> = vertices(&f.geometry);
        assert_eq!(vertices(&g.geometry), want, "{}", f.source_id);
    }
}

#[test]
fn every_feature_of_a_town_validates() {
    // Not a sample: a whole town, every generated variant of every theme.
    let town = Town::new(TownConfig::new(3, 2_000));
    let fx = one_owner_package(town.features().collect());
    let gml = fx.gml();
    let (outcomes, _) = read_back(&gml);
    assert_eq!(outcomes.len(), fx.features.len());
    let by_id: HashMap<&str, &FeatureOutcome> =
        outcomes.iter().map(|o| (o.source_id.as_str(), o)).collect();
    for f in &fx.features {
        let o = by_id[f.source_id.as_str()];
        let g = o.feature.as_ref().unwrap();
        assert_eq!(
            (
                g.theme,
                g.kind,
                g.status,
                g.hazard,
                &g.safety_note,
                &g.measures
            ),
            (
                f.theme,
                f.kind,
                f.status,
                f.hazard,
                &f.safety_note,
                &carried(f)
            ),
            "{}",
            f.source_id
        );
        assert_eq!(
            vertices(&g.geometry),
            vertices(&f.geometry),
            "{}",
            f.source_id
        );
        assert_eq!(g.heights, f.heights, "{}", f.source_id);
    }
    if let Some((ok, output)) = validate(&[("town.gml", &gml)]) {
        assert!(ok, "{output}");
    }
}

/// The features as the store's index hands them out.
fn shared(features: &[NetworkFeature]) -> Vec<std::sync::Arc<NetworkFeature>> {
    features.iter().cloned().map(std::sync::Arc::new).collect()
}
