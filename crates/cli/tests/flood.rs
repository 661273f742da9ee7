//! `forsyning flood bluespots` on DEMs in other CRSs: a projected one (the
//! malstroem DEM labelled EPSG:28992, Amersfoort / RD New, as the Dutch AHN
//! is) gives the same 104 bluespots, written in that CRS; a geographic one
//! (degrees) is refused with the file and its CRS named.

mod common;

use std::process::Command;

use common::{forsyning, text};

#[test]
fn a_dem_in_rd_new_gives_bluespots_in_rd_new_and_degrees_are_refused() {
    let Some(shared) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rd = d.join("dtm28992.tif");
    let o = Command::new("gdal_translate")
        .args(["-q", "-a_srs", "EPSG:28992"])
        .arg(shared.join("terrain/malstroem/dtm.tif"))
        .arg(&rd)
        .output()
        .expect("gdal_translate (gdal-bin)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let out = d.join("bs.geojson");
    let o = forsyning(
        d,
        &[
            "flood",
            "bluespots",
            rd.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        doc["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::28992"
    );
    assert_eq!(doc["features"].as_array().unwrap().len(), 104);

    let gpkg = d.join("bs.gpkg");
    let o = forsyning(
        d,
        &[
            "flood",
            "bluespots",
            rd.to_str().unwrap(),
            "--out",
            gpkg.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let info = Command::new("ogrinfo")
        .args(["-so", "-ro"])
        .arg(&gpkg)
        .arg("bluespots")
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Feature Count: 104"), "{info}");
    assert!(info.contains("Amersfoort / RD New"), "{info}");

    let degrees = shared.join("terrain/other/pysheds_dem.tif");
    let o = forsyning(
        d,
        &[
            "flood",
            "bluespots",
            degrees.to_str().unwrap(),
            "--out",
            d.join("x.geojson").to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("pysheds_dem.tif")
            && msg.contains("EPSG:4326")
            && msg.contains("not a projected CRS"),
        "{msg}"
    );
}
