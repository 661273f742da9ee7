//! Regions as a user runs them, on the real KLIC deliveries of shared data:
//! a Netherlands store (EPSG:28992) filled with `ingest network
//! --split-by-owner`, then `dig request` with each delivery's Graafpolygoon
//! in EPSG:28992, over the CLI and over HTTP (`serve --region netherlands`).
//! The owners and features must be exactly those a brute-force check over
//! the delivery itself finds (read here with the IMKL reader, geo's exact
//! distance in EPSG:28992, no store involved), with the same distances.
//! Distances are also checked against pyproj + shapely (an independent
//! PROJ and geometry library), and a store of one region must refuse to
//! open under another.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{forsyning, text};
use forsyning_ingest::{read_delivery, DeliveryLimits};
use geo::{Distance, Euclidean};
use geo_types::{Geometry, Polygon};
use serde_json::{json, Value};

const BUFFER_M: f64 = 2.0;

/// (owner, kind, geometry as GeoJSON text): how a feature is recognised in
/// a report, since stored ids are new UUIDs.
type Key = (String, String, String);

struct Truth {
    polygon: Polygon<f64>,
    owners: BTreeSet<String>,
    /// Features within the buffer, counted (two elements may share a link).
    features: BTreeMap<Key, u32>,
    /// Each such feature's distance to the polygon, metres in EPSG:28992.
    distance: BTreeMap<Key, f64>,
    /// Every element: key and WKT-free coordinates for pyproj.
    all: Vec<(Key, Geometry<f64>)>,
}

fn geometry_text(g: &Geometry<f64>) -> String {
    forsyning_api::geojson::write_geometry(g).to_string()
}

/// Brute force over the delivery file itself.
fn truth(zip: &Path) -> Truth {
    let mut all = Vec::new();
    let delivery = read_delivery(
        std::fs::File::open(zip).unwrap(),
        None,
        &DeliveryLimits::default(),
        |e| {
            let owner = e.owner_code.clone().unwrap();
            let crs = forsyning_geo::Crs::parse(e.outcome.crs.as_deref().unwrap()).unwrap();
            assert_eq!(
                crs.horizontal().epsg_code(),
                Some(28992),
                "KLIC geometry is RD New"
            );
            let f = e.outcome.feature.clone().expect("a feature");
            let key = (owner, f.kind.code().to_owned(), geometry_text(&f.geometry));
            all.push((key, f.geometry));
        },
    )
    .unwrap();
    let Geometry::Polygon(polygon) = delivery.dig_polygon.unwrap().geometry else {
        panic!("the Graafpolygoon is a polygon")
    };
    let mut t = Truth {
        polygon,
        owners: BTreeSet::new(),
        features: BTreeMap::new(),
        distance: BTreeMap::new(),
        all,
    };
    for (key, g) in &t.all {
        let d = Euclidean.distance(g, &t.polygon);
        if d <= BUFFER_M {
            t.owners.insert(key.0.clone());
            *t.features.entry(key.clone()).or_default() += 1;
            t.distance.insert(key.clone(), d);
        }
    }
    assert!(!t.features.is_empty(), "the dig polygon touches network");
    t
}

/// Owners, features (counted) and distances of a report.
fn of_report(report: &Value) -> (BTreeSet<String>, BTreeMap<Key, u32>, BTreeMap<Key, f64>) {
    let owners = report["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner_id"].as_str().unwrap().to_owned())
        .collect();
    let mut features = BTreeMap::new();
    let mut distance = BTreeMap::new();
    for f in report["features"].as_array().unwrap() {
        let key = (
            f["owner_id"].as_str().unwrap().to_owned(),
            f["kind"].as_str().unwrap().to_owned(),
            f["geometry"].to_string(),
        );
        *features.entry(key.clone()).or_default() += 1;
        distance.insert(key, f["distance_m"].as_f64().unwrap());
    }
    (owners, features, distance)
}

fn check_report(name: &str, via: &str, report: &Value, t: &Truth) {
    assert_eq!(report["crs"], "EPSG:28992", "{name} {via}");
    let (owners, features, distance) = of_report(report);
    assert_eq!(owners, t.owners, "{name} {via}: owners");
    assert_eq!(features, t.features, "{name} {via}: features");
    for (k, d) in &distance {
        let want = t.distance[k];
        assert!(
            (d - want).abs() < 1e-9,
            "{name} {via}: distance {d} vs {want} of {k:?}"
        );
    }
}

fn nl(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--region", "netherlands"];
    all.extend_from_slice(args);
    forsyning(dir, &all)
}

fn http_post(addr: &str, path: &str, token: &str, body: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// The JSON body of a `Connection: close` HTTP/1.1 answer (chunked or not).
fn body_json(answer: &str) -> Value {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        loop {
            let (size, tail) = rest.split_once("\r\n").unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        body.to_owned()
    };
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

#[test]
fn netherlands_dig_requests_over_cli_and_http_match_brute_force() {
    let Some(zips) = forsyning_fixtures::test_env::klic_deliveries() else {
        return;
    };
    for zip in zips {
        let name = zip.file_name().unwrap().to_string_lossy().to_string();
        let t = truth(&zip);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let o = nl(
            d,
            &[
                "ingest",
                "network",
                "--split-by-owner",
                zip.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{name}: {}", text(&o));

        // The store keeps RD New and says so to GeoPackage readers.
        let conn = rusqlite::Connection::open(d.join("store.gpkg")).unwrap();
        let srs: i64 = conn
            .query_row(
                "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'network_features'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(srs, 28992);
        drop(conn);

        let o = nl(
            d,
            &[
                "org",
                "create",
                "--id",
                "AANNEMER",
                "--name",
                "Aannemer B.V.",
                "--role",
                "contractor",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        let polygon = json!({"type": "Feature", "properties": {},
            "geometry": forsyning_api::geojson::write_geometry(&Geometry::Polygon(t.polygon.clone()))});
        std::fs::write(d.join("graaf.geojson"), polygon.to_string()).unwrap();
        let buffer = BUFFER_M.to_string();
        let o = nl(
            d,
            &[
                "dig",
                "request",
                "--contractor",
                "AANNEMER",
                "--polygon",
                "graaf.geojson",
                "--crs",
                "EPSG:28992",
                "--buffer",
                &buffer,
                "--json",
            ],
        );
        assert!(o.status.success(), "{name}: {}", text(&o));
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        check_report(&name, "CLI", &report, &t);

        // The same over HTTP, the polygon in the region's CRS by default.
        let issued = nl(d, &["token", "issue", "--org", "AANNEMER"]);
        assert!(issued.status.success(), "{}", text(&issued));
        let token = String::from_utf8(issued.stdout).unwrap().trim().to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_forsyning"))
            .current_dir(d)
            .args([
                "--store",
                "gpkg:store.gpkg",
                "--region",
                "netherlands",
                "serve",
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 300];
        let n = stdout.read(&mut first).unwrap();
        let line = String::from_utf8_lossy(&first[..n]).to_string();
        let addr = line
            .split("http://")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        let now = chrono::Utc::now();
        let body = json!({
            "polygon": polygon["geometry"],
            "buffer_m": BUFFER_M,
            "period_from": now.to_rfc3339(),
            "period_to": (now + chrono::Duration::days(10)).to_rfc3339(),
            "purpose": "regions test", "contact": "test",
        });
        let answer = http_post(&addr, "/api/v1/dig-requests", &token, &body.to_string());
        assert!(answer.starts_with("HTTP/1.1 201"), "{name}: {answer}");
        let report = body_json(&answer);
        check_report(&name, "HTTP", &report, &t);
        let received: chrono::DateTime<chrono::Utc> =
            report["received"].as_str().unwrap().parse().unwrap();
        let deadline: chrono::DateTime<chrono::Utc> =
            report["deadline"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            deadline,
            forsyning_model::Region::netherlands().answer_deadline(received),
            "KLIC's deadline"
        );
        child.kill().unwrap();
        child.wait().unwrap();

        // A Netherlands store refuses to open as Denmark, naming both.
        let o = forsyning(d, &["token", "list"]);
        assert!(!o.status.success());
        let msg = text(&o);
        assert!(
            msg.contains("netherlands (EPSG:28992)") && msg.contains("denmark (EPSG:25832)"),
            "{msg}"
        );
    }
}

/// Distances of a dig request given in EPSG:25832 (reprojected by
/// Forsyning's PROJ to the store's EPSG:28992) against pyproj + shapely:
/// pyproj takes the same 25832 polygon to 28992 and shapely measures to
/// each feature of the delivery. They must agree within 1 mm; the same
/// distances measured in EPSG:25832 must not (else the test proves nothing).
#[test]
fn distances_agree_with_pyproj_in_rd_new() {
    let Some(zips) = forsyning_fixtures::test_env::klic_deliveries() else {
        return;
    };
    let probe = Command::new("python3")
        .args(["-c", "import pyproj, shapely"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pyproj and shapely (pip install pyproj shapely) are needed under CI"
        );
        eprintln!("skipped: python3 with pyproj and shapely not found");
        return;
    }
    let zip = &zips[0];
    let t = truth(zip);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(nl(
        d,
        &[
            "ingest",
            "network",
            "--split-by-owner",
            zip.to_str().unwrap()
        ]
    )
    .status
    .success());
    assert!(nl(
        d,
        &[
            "org",
            "create",
            "--id",
            "AANNEMER",
            "--name",
            "A",
            "--role",
            "contractor"
        ]
    )
    .status
    .success());
    // A 60 m square in the middle of the Graafpolygoon (the delivery holds
    // little outside the Graafpolygoon itself), given in EPSG:25832, with a
    // buffer of 50 m, so that many features lie at 1-50 m from it.
    let b = geo::BoundingRect::bounding_rect(&t.polygon).unwrap();
    let (cx, cy) = (b.center().x, b.center().y);
    let square = Polygon::new(
        geo_types::LineString::from(vec![
            (cx - 30.0, cy - 30.0),
            (cx + 30.0, cy - 30.0),
            (cx + 30.0, cy + 30.0),
            (cx - 30.0, cy + 30.0),
            (cx - 30.0, cy - 30.0),
        ]),
        vec![],
    );
    let mut g = Geometry::Polygon(square);
    forsyning_geo::Reprojector::new(
        &forsyning_geo::Crs::epsg(28992).unwrap(),
        &forsyning_geo::Crs::STORE,
    )
    .unwrap()
    .transform_geometry(&mut g)
    .unwrap();
    let utm = forsyning_api::geojson::write_geometry(&g);
    std::fs::write(d.join("utm.geojson"), utm.to_string()).unwrap();
    let o = nl(
        d,
        &[
            "dig",
            "request",
            "--contractor",
            "AANNEMER",
            "--polygon",
            "utm.geojson",
            "--crs",
            "EPSG:25832",
            "--buffer",
            "20",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let features: Vec<Value> = report["features"].as_array().unwrap().clone();
    assert!(features.len() > 5);
    let input = json!({
        "polygon_25832": utm["coordinates"][0],
        "features": features.iter().map(|f| json!({"geometry": f["geometry"], "distance_m": f["distance_m"]})).collect::<Vec<_>>(),
    });
    std::fs::write(d.join("input.json"), input.to_string()).unwrap();
    let script = r#"
import json, sys
from pyproj import Transformer
from shapely.geometry import Polygon, shape
from shapely.ops import transform
i = json.load(open(sys.argv[1]))
to_rd = Transformer.from_crs("EPSG:25832", "EPSG:28992", always_xy=True)
to_utm = Transformer.from_crs("EPSG:28992", "EPSG:25832", always_xy=True)
utm = Polygon(i["polygon_25832"])
rd = transform(to_rd.transform, utm)
worst, differs, outside = 0.0, 0, 0
for f in i["features"]:
    g = shape(f["geometry"])
    d_rd = g.distance(rd)
    worst = max(worst, abs(d_rd - f["distance_m"]))
    d_utm = transform(to_utm.transform, g).distance(utm)
    if d_rd > 1.0:
        outside += 1
    if abs(d_utm - f["distance_m"]) > 0.001:
        differs += 1
print(json.dumps({"worst": worst, "differs_in_utm": differs, "outside_1m": outside, "n": len(i["features"])}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(d.join("input.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let worst = r["worst"].as_f64().unwrap();
    assert!(
        worst < 0.001,
        "largest difference to pyproj/shapely: {worst} m ({r})"
    );
    assert!(r["outside_1m"].as_u64().unwrap() > 20, "{r}");
    assert!(
        r["differs_in_utm"].as_u64().unwrap() > 0,
        "measured in EPSG:25832 the distances would be the same: the test could not tell ({r})"
    );
    eprintln!("pyproj/shapely agreement: {r}");
}
