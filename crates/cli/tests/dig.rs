//! `forsyning dig request` as a user runs it: on the demo town, a contractor
//! files a request from a GeoJSON file and gets the API's report as JSON.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    let store = format!("gpkg:{}", dir.join("s.gpkg").display());
    Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir)
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_contractor_files_a_dig_request_and_gets_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&run(
        d,
        &["demo", "--no-serve", "--features", "3000", "--seed", "3"],
    ));
    ok(&run(
        d,
        &[
            "org",
            "create",
            "--id",
            "CON",
            "--name",
            "Graveriet",
            "--role",
            "contractor",
        ],
    ));
    ok(&run(
        d,
        &[
            "org", "create", "--id", "OWN", "--name", "Ejer", "--role", "owner",
        ],
    ));
    // Around the demo town's centre, EPSG:25832.
    let (x, y) = (720_000.0, 6_190_000.0);
    let polygon = serde_json::json!({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon",
        "coordinates": [[[x - 60.0, y - 60.0], [x + 60.0, y - 60.0], [x + 60.0, y + 60.0], [x - 60.0, y + 60.0], [x - 60.0, y - 60.0]]]
    }});
    let file = d.join("dig.geojson");
    std::fs::write(&file, polygon.to_string()).unwrap();
    let file = file.to_str().unwrap();

    let args = [
        "dig",
        "request",
        "--polygon",
        file,
        "--buffer",
        "2",
        "--contractor",
        "CON",
    ];
    let json = ok(&run(d, &[&args[..], &["--json"]].concat()));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["requester_id"], "CON");
    assert_eq!(report["status"], "answered");
    assert_eq!(report["crs"], "EPSG:25832");
    let owners = report["owners"].as_array().unwrap();
    assert!(
        owners.len() >= 4,
        "the town's networks cross its centre: {owners:?}"
    );
    let features = report["features"].as_array().unwrap();
    assert!(!features.is_empty());
    let delivered: u64 = owners
        .iter()
        .map(|o| o["feature_count"].as_u64().unwrap())
        .sum();
    assert_eq!(delivered as usize, features.len());
    assert!(features
        .iter()
        .all(|f| f["distance_m"].as_f64().unwrap() <= 2.0));

    let text = ok(&run(d, &args));
    assert!(text.starts_with("dig request "), "{text}");
    assert!(text.contains("features delivered"), "{text}");

    let refused = run(
        d,
        &["dig", "request", "--polygon", file, "--contractor", "OWN"],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only contractors and admins"));
    let outside = run(
        d,
        &[
            "dig",
            "request",
            "--polygon",
            file,
            "--contractor",
            "CON",
            "--crs",
            "EPSG:4326",
        ],
    );
    assert!(
        !outside.status.success(),
        "metres read as degrees are far outside Denmark"
    );

    // Both reports are in the audit log, and the chain holds.
    ok(&run(d, &["audit", "verify"]));
}

#[test]
fn an_owner_registers_interest_areas_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&run(
        d,
        &[
            "org", "create", "--id", "FIB", "--name", "Fiber", "--role", "owner",
        ],
    ));
    ok(&run(
        d,
        &[
            "org",
            "create",
            "--id",
            "CON",
            "--name",
            "Graver",
            "--role",
            "contractor",
        ],
    ));
    // Two areas in EPSG:25832 (named; GeoJSON's default is CRS84): a square
    // at the town's centre and one 5 km away.
    let (x, y) = (720_000.0, 6_190_000.0);
    let sq = |x: f64, y: f64| {
        serde_json::json!([[
            [x, y],
            [x + 100.0, y],
            [x + 100.0, y + 100.0],
            [x, y + 100.0],
            [x, y]
        ]])
    };
    let areas = serde_json::json!({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}, "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": sq(x, y)},
         "properties": {"themes": ["telecom"], "contact": "Fiber vagt, 70 10 10 10", "marks_on_site": true}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": sq(x + 5000.0, y)},
         "properties": {"themes": ["telecom"], "contact": "Fiber vagt, 70 10 10 10", "marks_on_site": false}}
    ]});
    let file = d.join("areas.geojson");
    std::fs::write(&file, areas.to_string()).unwrap();
    let file = file.to_str().unwrap();
    let out = ok(&run(d, &["dig", "interest-areas", "--owner", "FIB", file]));
    assert!(out.contains("FIB has 2 interest areas"), "{out}");
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&run(d, &["dig", "interest-areas", "--owner", "FIB"]))).unwrap();
    assert_eq!(listed["features"].as_array().unwrap().len(), 2);
    // A request over the first area matches the owner, which marks on site.
    let polygon = serde_json::json!({"type": "Polygon", "coordinates": sq(x + 20.0, y + 20.0)});
    let dig = d.join("dig.geojson");
    std::fs::write(&dig, polygon.to_string()).unwrap();
    let report: serde_json::Value = serde_json::from_str(&ok(&run(
        d,
        &[
            "dig",
            "request",
            "--polygon",
            dig.to_str().unwrap(),
            "--contractor",
            "CON",
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(report["owners"][0]["owner_id"], "FIB");
    assert_eq!(report["owners"][0]["answer"], "no_lines_in_area");
    assert_eq!(report["owners"][0]["contact"], "Fiber vagt, 70 10 10 10");
    // Bad files and callers are refused with the reason.
    std::fs::write(d.join("bad.geojson"), r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [720000, 6190000]}, "properties": {}}]}"#).unwrap();
    let bad = run(
        d,
        &["dig", "interest-areas", "--owner", "FIB", "bad.geojson"],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("bad.geojson") && err.to_lowercase().contains("polygon"),
        "{err}"
    );
    let con = run(d, &["dig", "interest-areas", "--owner", "CON", file]);
    assert!(String::from_utf8_lossy(&con.stderr).contains("belong to owners"));
    // The refused file changed nothing.
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&run(d, &["dig", "interest-areas", "--owner", "FIB"]))).unwrap();
    assert_eq!(listed["features"].as_array().unwrap().len(), 2);
}

/// A cable that loops round its cabinet and crosses itself is stored by a
/// strict ingest (a warning that says where) and found by a dig request
/// over the crossing only, through the binary as a user runs it.
#[test]
fn a_dig_request_finds_a_cable_that_crosses_itself() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (id, role) in [("CON", "contractor"), ("EL-NET", "owner")] {
        ok(&run(
            d,
            &["org", "create", "--id", id, "--name", id, "--role", role],
        ));
    }
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/geojson/looped-cable.geojson");
    let report_json = d.join("report.json");
    let out = ok(&run(
        d,
        &[
            "ingest",
            "network",
            "--owner",
            "EL-NET",
            "--report-json",
            report_json.to_str().unwrap(),
            fixture.to_str().unwrap(),
        ],
    ));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_json).unwrap()).unwrap();
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{out}\n{problems:?}");
    assert_eq!(problems[0]["rule"], "self_intersection");
    assert_eq!(problems[0]["severity"], "warning");
    assert_eq!(problems[0]["source_id"], "el-loop");
    // The loop's last leg (x 720006) crosses its first (y 6190000).
    let message = problems[0]["message"].as_str().unwrap();
    assert!(message.contains("near (720006, 6190000)"), "{message}");

    // 3 m × 3 m over the crossing; the cabinet (6 m away) and the water
    // pipe (36 m away) are outside it.
    let (x, y) = (720_006.0, 6_190_000.0);
    let polygon = serde_json::json!({"type": "Polygon", "coordinates":
        [[[x - 1.5, y - 1.5], [x + 1.5, y - 1.5], [x + 1.5, y + 1.5], [x - 1.5, y + 1.5], [x - 1.5, y - 1.5]]]});
    let file = d.join("dig.geojson");
    std::fs::write(&file, polygon.to_string()).unwrap();
    let json = ok(&run(
        d,
        &[
            "dig",
            "request",
            "--polygon",
            file.to_str().unwrap(),
            "--buffer",
            "0",
            "--contractor",
            "CON",
            "--json",
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let features = report["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{json}");
    let f = &features[0];
    assert_eq!(
        (&f["theme"], &f["kind"]),
        (&"electricity".into(), &"cable_or_pipe".into())
    );
    assert_eq!(f["owner_id"], "EL-NET");
    assert_eq!(f["distance_m"], 0.0);
    assert_eq!(
        f["geometry"]["coordinates"].as_array().unwrap().len(),
        6,
        "as drawn"
    );
    assert_eq!(report["owners"][0]["owner_id"], "EL-NET");
}
