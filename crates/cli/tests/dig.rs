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
