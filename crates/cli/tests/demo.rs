//! The demo as a user runs it: the GeoPackage it writes opens in GDAL with
//! the right SRS and counts, and passes GDAL's GeoPackage validator.

use std::process::Command;

fn tool_missing(tool: &str) -> bool {
    let missing = Command::new(tool).arg("--version").output().is_err();
    if missing {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{tool} must be installed under CI"
        );
        eprintln!("skipping: {tool} is not installed (apt-get install gdal-bin)");
    }
    missing
}

#[test]
fn demo_gpkg_opens_in_ogrinfo_with_epsg_25832() {
    if tool_missing("ogrinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir.path())
        .args(["demo", "--no-serve", "--features", "5000", "--seed", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ogrinfo -so"),
        "the demo says how to look at the store: {stdout}"
    );

    let info = Command::new("ogrinfo")
        .current_dir(dir.path())
        .args(["-so", "data/forsyning.gpkg", "network_features"])
        .output()
        .unwrap();
    assert!(info.status.success());
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("Feature Count: 5000"), "{text}");
    assert!(
        text.contains("PROJCRS[\"ETRS89 / UTM zone 32N\"")
            && text.contains("    ID[\"EPSG\",25832]]"),
        "layer SRS must be EPSG:25832: {text}"
    );

    let areas = Command::new("ogrinfo")
        .current_dir(dir.path())
        .args(["-so", "data/forsyning.gpkg", "interest_areas"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&areas.stdout);
    assert!(
        text.contains("Geometry: Multi Polygon") && text.contains("Feature Count: 6"),
        "{text}"
    );

    let validator = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py";
    if std::path::Path::new(validator).exists() {
        let v = Command::new("/usr/bin/python3")
            .current_dir(dir.path())
            .args([validator, "data/forsyning.gpkg"])
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "GDAL's validate_gpkg.py: {}",
            String::from_utf8_lossy(&v.stderr)
        );
    }
}

#[test]
fn bad_store_location_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .args(["--store", "mysql://x", "db", "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("neither gpkg:PATH nor a postgres:// URL"),
        "{err}"
    );
}
