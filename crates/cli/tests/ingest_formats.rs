//! `forsyning ingest network` on GDAL formats (GeoPackage, Shapefile,
//! FlatGeobuf made with `ogr2ogr` from a GeoJSON fixture), CSV with WKT, and
//! a TOML mapping of the owner's columns, codes and units.

mod common;

use std::path::Path;
use std::process::Command;

use common::{fixture, forsyning, text};
use forsyning_model::{
    DatasetId, Hazard, Kind, NetworkFeature, OrgId, SourceFormat, Status, Theme,
};
use forsyning_store::{GpkgStore, Store};
use geo_types::Geometry;

/// `ogr2ogr -f DRIVER out in [extra...]`, asserting it worked.
fn ogr2ogr(driver: &str, out: &Path, input: &Path, extra: &[&str]) {
    let o = Command::new("ogr2ogr")
        .args(["-f", driver])
        .arg(out)
        .arg(input)
        .args(extra)
        .output()
        .expect("ogr2ogr (gdal-bin) is installed");
    assert!(o.status.success(), "ogr2ogr: {}", text(&o));
}

async fn stored(dir: &Path, owner: &str) -> Vec<NetworkFeature> {
    let store = GpkgStore::open(&dir.join("store.gpkg")).await.unwrap();
    let id = DatasetId::for_owner(&OrgId::new(owner).unwrap(), "network");
    let versions = store.dataset_versions(id).await.unwrap();
    let Some(last) = versions.last() else {
        return Vec::new();
    };
    let mut fs = store.features_at_version(id, last.version).await.unwrap();
    fs.sort_by(|a, b| a.source_id.cmp(&b.source_id));
    fs
}

fn point(f: &NetworkFeature) -> (f64, f64) {
    match &f.geometry {
        Geometry::Point(p) => (p.x(), p.y()),
        g => panic!("{}: not a point: {g:?}", f.source_id),
    }
}

/// Copenhagen City Hall, lon 12.5683 lat 55.6761, in EPSG:25832 (the
/// figure of the GeoJSON reprojection test and of forsyning-geo's doc test).
const CITY_HALL: (f64, f64) = (724_351.93, 6_175_804.02);

fn near(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
    (a.0 - b.0).abs() < tol && (a.1 - b.1).abs() < tol
}

/// What the owner mapping must make of `mapping/owner-crs84.geojson`.
fn assert_owner_features(fs: &[NetworkFeature], format: SourceFormat, what: &str) {
    let ids: Vec<&str> = fs.iter().map(|f| f.source_id.as_str()).collect();
    assert_eq!(ids, ["EL-1", "GAS-1", "VAND-1"], "{what}");
    let (el, gas, vand) = (&fs[0], &fs[1], &fs[2]);
    assert_eq!(
        (el.theme, el.kind, el.status, el.hazard),
        (
            Theme::Electricity,
            Kind::CableOrPipe,
            Some(Status::InOperation),
            Some(Hazard::VeryDangerous)
        ),
        "{what}: mapped codes of EL-1"
    );
    assert_eq!(el.measures.depth_mm, Some(600), "{what}: 60 cm is 600 mm");
    assert_eq!(
        (vand.theme, vand.kind, vand.hazard),
        (Theme::Water, Kind::Component, Some(Hazard::NotDangerous)),
        "{what}: VAND-1 with the default hazard"
    );
    assert_eq!(vand.measures.depth_mm, Some(1250), "{what}");
    assert!(
        near(point(vand), CITY_HALL, 0.05),
        "{what}: {:?}",
        point(vand)
    );
    assert_eq!(
        (gas.theme, gas.status, gas.measures.depth_mm),
        (Theme::Gas, Some(Status::UnderConstruction), None),
        "{what}: a model code passes through a value table"
    );
    let Geometry::LineString(l) = &el.geometry else {
        panic!("{what}: {:?}", el.geometry)
    };
    assert_eq!(l.0.len(), 2);
    assert!(near((l.0[0].x, l.0[0].y), CITY_HALL, 0.05), "{what}: {l:?}");
    for f in fs {
        assert_eq!(f.source_format, format, "{what}");
    }
}

#[tokio::test]
async fn geopackage_shapefile_and_flatgeobuf_load_through_the_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("mapping/owner-crs84.geojson");
    let mapping = fixture("mapping/owner.toml");
    // A Shapefile holds one geometry type: lines and points go to two
    // files of one folder, which GDAL opens as one dataset of two layers.
    let shp = dir.path().join("owner_shp");
    std::fs::create_dir(&shp).unwrap();
    for (kind, name) in [("LINESTRING", "lines.shp"), ("POINT", "points.shp")] {
        let filter = format!("OGR_GEOMETRY='{kind}'");
        ogr2ogr(
            "ESRI Shapefile",
            &shp.join(name),
            &src,
            &["-where", &filter],
        );
    }
    for (driver, file) in [
        ("GPKG", "owner.gpkg"),
        ("", "owner_shp"),
        ("FlatGeobuf", "owner.fgb"),
    ] {
        let out = dir.path().join(file);
        if !driver.is_empty() {
            ogr2ogr(driver, &out, &src, &[]);
        }
        let owner = format!("OWN-{}", file.replace('.', "-").to_uppercase());
        let o = forsyning(
            dir.path(),
            &[
                "ingest",
                "network",
                "--owner",
                &owner,
                "--mapping",
                mapping.to_str().unwrap(),
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{file}: {}", text(&o));
        let t = text(&o);
        assert!(
            t.contains("unit_not_allowed") && t.contains("converted"),
            "{file}: the cm conversion is a warning: {t}"
        );
        let fs = stored(dir.path(), &owner).await;
        assert_owner_features(&fs, SourceFormat::Gdal, file);
    }
}

#[tokio::test]
async fn the_mapping_applies_to_geojson_too() {
    let dir = tempfile::tempdir().unwrap();
    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "OWN-JSON",
            "--mapping",
            fixture("mapping/owner.toml").to_str().unwrap(),
            fixture("mapping/owner-crs84.geojson").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let fs = stored(dir.path(), "OWN-JSON").await;
    assert_owner_features(&fs, SourceFormat::GeoJson, "GeoJSON");

    // Without the mapping the owner's columns mean nothing: no theme.
    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "OWN-JSON",
            fixture("mapping/owner-crs84.geojson").to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("mandatory_attribute_missing"),
        "{}",
        text(&o)
    );
    assert_eq!(stored(dir.path(), "OWN-JSON").await.len(), 3, "unchanged");
}

#[tokio::test]
async fn strict_unit_policy_rejects_centimetres() {
    let dir = tempfile::tempdir().unwrap();
    let strict = std::fs::read_to_string(fixture("mapping/owner.toml"))
        .unwrap()
        .replace("unit_policy = \"convert\"", "");
    std::fs::write(dir.path().join("strict.toml"), strict).unwrap();
    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "OWN-STRICT",
            "--mapping",
            "strict.toml",
            "--report-json",
            "r.json",
            fixture("mapping/owner-crs84.geojson").to_str().unwrap(),
        ],
    );
    assert!(!o.status.success(), "{}", text(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let unit_errors: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["rule"] == "unit_not_allowed" && p["severity"] == "error")
        .map(|p| p["source_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        unit_errors,
        ["EL-1", "VAND-1"],
        "the two features with a depth; GAS-1 has none"
    );
    assert_eq!(report["accepted"], 1);
    assert!(stored(dir.path(), "OWN-STRICT").await.is_empty());
}

#[tokio::test]
async fn a_northing_first_crs_keeps_its_axes_right() {
    // EPSG:3044 (ETRS89 / ETRS-TM32) is UTM 32N with northing first; OGR
    // hands out easting first. Its numbers equal EPSG:25832's.
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("tm32.gpkg");
    ogr2ogr(
        "GPKG",
        &gpkg,
        &fixture("mapping/owner-3044.geojson"),
        &["-a_srs", "EPSG:3044"],
    );
    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "OWN-TM32",
            "--mapping",
            fixture("mapping/owner.toml").to_str().unwrap(),
            gpkg.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let fs = stored(dir.path(), "OWN-TM32").await;
    assert_eq!(fs.len(), 1);
    assert!(near(point(&fs[0]), CITY_HALL, 0.01), "{:?}", point(&fs[0]));
    assert_eq!(fs[0].heights, Some(vec![Some(4.5)]), "Z is the height");
    assert_eq!(fs[0].measures.depth_mm, Some(2000));
}

#[tokio::test]
async fn a_layer_without_crs_is_an_error_unless_the_mapping_declares_one() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("nocrs.shp");
    ogr2ogr(
        "ESRI Shapefile",
        &shp,
        &fixture("mapping/owner-3044.geojson"),
        &["-a_srs", "EPSG:25832"],
    );
    std::fs::remove_file(dir.path().join("nocrs.prj")).unwrap();
    let mapping = fixture("mapping/owner.toml");
    let args = |extra: &'static str| {
        let mut a = vec![
            "ingest".to_owned(),
            "network".into(),
            "--owner".into(),
            "OWN-SHP".into(),
            "--mapping".into(),
            extra.into(),
            shp.to_str().unwrap().into(),
        ];
        if extra.is_empty() {
            a[5] = mapping.to_str().unwrap().into();
        }
        a
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        forsyning(dir.path(), &refs)
    };
    let o = run(args(""));
    assert!(!o.status.success());
    let t = text(&o);
    assert_ne!(o.status.code(), Some(101), "no panic: {t}");
    assert!(
        t.contains("nocrs.shp") && t.contains("unknown CRS") && t.contains("unknown_crs"),
        "{t}"
    );
    assert!(stored(dir.path(), "OWN-SHP").await.is_empty());

    let declared = std::fs::read_to_string(&mapping).unwrap() + "\n";
    let declared = format!("crs = \"EPSG:25832\"\n{declared}");
    std::fs::write(dir.path().join("declared.toml"), declared).unwrap();
    let o = run(args("declared.toml"));
    assert!(o.status.success(), "{}", text(&o));
    let fs = stored(dir.path(), "OWN-SHP").await;
    assert!(near(point(&fs[0]), CITY_HALL, 0.01), "{:?}", point(&fs[0]));
}

#[tokio::test]
async fn csv_with_wkt_loads_by_its_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "OWN-CSV",
            "--mapping",
            fixture("csv/network.toml").to_str().unwrap(),
            fixture("csv/network.csv").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let fs = stored(dir.path(), "OWN-CSV").await;
    let ids: Vec<&str> = fs.iter().map(|f| f.source_id.as_str()).collect();
    assert_eq!(ids, ["K-1", "K-2", "K-3"]);
    assert_eq!(
        (
            fs[0].theme,
            fs[0].kind,
            fs[0].hazard,
            fs[0].measures.depth_mm
        ),
        (
            Theme::Electricity,
            Kind::CableOrPipe,
            Some(Hazard::Dangerous),
            Some(600)
        ),
        "0.6 m is 600 mm; farlig is a LER term"
    );
    assert_eq!(
        fs[0].heights,
        Some(vec![None, Some(3.25)]),
        "-99 is unknown"
    );
    assert_eq!(
        (
            fs[1].theme,
            fs[1].kind,
            fs[1].hazard,
            fs[1].measures.depth_mm
        ),
        (Theme::Water, Kind::Component, None, Some(1200)),
        "an empty cell is absent"
    );
    assert_eq!(point(&fs[1]), CITY_HALL, "EPSG:25832 is stored as written");
    assert_eq!(fs[2].measures.depth_mm, None);
    assert!(fs.iter().all(|f| f.source_format == SourceFormat::CsvWkt));
}

#[tokio::test]
async fn csv_problems_name_their_rows_and_csv_needs_a_crs() {
    let dir = tempfile::tempdir().unwrap();
    let o = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "OWN-CSV",
            "--mapping",
            fixture("csv/problems.toml").to_str().unwrap(),
            "--report-json",
            "r.json",
            "--lenient",
            fixture("csv/problems.csv").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let mut problems: Vec<(String, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["position"].as_str().unwrap().to_owned(),
                p["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    problems.sort();
    let want: Vec<(String, String)> = [
        ("row 3", "unknown_code_value"),
        ("row 4", "malformed_input"),
        ("row 5", "geometry_missing"),
        ("row 5", "malformed_input"),
        ("row 6", "outside_service_area"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(problems, want);
    let fs = stored(dir.path(), "OWN-CSV").await;
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].source_id, "P-1");

    // Without a CRS in the mapping (or without a mapping) CSV is refused.
    for mapping in [None, Some(fixture("csv/network.toml"))] {
        let mut args = vec!["ingest", "network", "--owner", "OWN-CSV"];
        let nocrs;
        if let Some(m) = mapping {
            nocrs = dir.path().join("nocrs.toml");
            let text = std::fs::read_to_string(m)
                .unwrap()
                .replace("crs = \"EPSG:25832\"", "");
            std::fs::write(&nocrs, text).unwrap();
            args.extend(["--mapping", nocrs.to_str().unwrap()]);
        }
        let csv = fixture("csv/network.csv");
        args.push(csv.to_str().unwrap());
        let o = forsyning(dir.path(), &args);
        assert!(!o.status.success());
        let t = text(&o);
        assert!(
            t.contains("network.csv") && t.contains("unknown CRS") && t.contains("crs = "),
            "{t}"
        );
        assert_eq!(
            stored(dir.path(), "OWN-CSV").await.len(),
            1,
            "the stored version is untouched"
        );
    }
}

#[tokio::test]
async fn bad_mapping_files_are_clear_errors_naming_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[fields]\ncolour = \"C\"\n",
            "[fields] colour",
            "unknown model field",
        ),
        (
            "[values.theme]\n\"EL\" = \"elektrisk\"\n",
            "[values.theme] \"EL\"",
            "not a model code",
        ),
        (
            "[units]\ndepth = \"inch\"\n",
            "[units] depth",
            "unknown unit",
        ),
        (
            "[fields]\ntheme = \"NOPE\"\n",
            "[fields] theme",
            "has no column \"NOPE\"",
        ),
    ];
    let gpkg = dir.path().join("owner.gpkg");
    ogr2ogr("GPKG", &gpkg, &fixture("mapping/owner-crs84.geojson"), &[]);
    for (i, (toml, key, message)) in cases.iter().enumerate() {
        let name = format!("bad{i}.toml");
        std::fs::write(dir.path().join(&name), toml).unwrap();
        let o = forsyning(
            dir.path(),
            &[
                "ingest",
                "network",
                "--owner",
                "OWN-BAD",
                "--mapping",
                &name,
                gpkg.to_str().unwrap(),
            ],
        );
        let t = text(&o);
        assert!(!o.status.success(), "{t}");
        assert_ne!(o.status.code(), Some(101), "{t}");
        assert!(
            t.contains(&name) && t.contains(key) && t.contains(message),
            "{toml}: {t}"
        );
    }
    assert!(stored(dir.path(), "OWN-BAD").await.is_empty());
}
