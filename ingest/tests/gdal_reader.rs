//! The GDAL reader on files that `ogr2ogr` makes from a GeoJSON fixture.

use std::path::Path;
use std::process::Command;

use forsyning_ingest::gdal::GdalReader;
use forsyning_ingest::{FeatureOutcome, IngestError, Mapping, Rule};
use forsyning_model::SourceFormat;
use geo_types::{point, Geometry};

fn fixture(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(rel)
}

fn ogr2ogr(args: &[&str]) {
    let o = Command::new("ogr2ogr")
        .args(args)
        .output()
        .expect("ogr2ogr (gdal-bin) is installed");
    assert!(
        o.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn read(path: &Path, mapping: Mapping) -> Result<Vec<FeatureOutcome>, IngestError> {
    let mut out = Vec::new();
    GdalReader::open(path)?
        .with_mapping(mapping)
        .for_each(|o| out.push(o))?;
    Ok(out)
}

fn owner_mapping() -> Mapping {
    let path = fixture("mapping/owner.toml");
    Mapping::from_toml(&std::fs::read_to_string(&path).unwrap(), "owner.toml").unwrap()
}

#[test]
fn a_geopackage_layer_in_4326_is_read_latitude_first() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("o.gpkg");
    let src = fixture("mapping/owner-crs84.geojson");
    ogr2ogr(&[
        "-f",
        "GPKG",
        gpkg.to_str().unwrap(),
        src.to_str().unwrap(),
        "-nln",
        "net",
    ]);
    let out = read(&gpkg, owner_mapping()).unwrap();
    assert_eq!(out.len(), 3);
    let vand = out.iter().find(|o| o.source_id == "VAND-1").unwrap();
    // OGR gives lon, lat; EPSG:4326 is latitude first, and so is the
    // geometry the reader hands on with crs EPSG:4326.
    assert_eq!(vand.crs.as_deref(), Some("EPSG:4326"));
    let f = vand.feature.as_ref().unwrap();
    assert_eq!(f.geometry, Geometry::Point(point!(x: 55.6761, y: 12.5683)));
    assert_eq!(f.source_format, SourceFormat::Gdal);
    assert_eq!(f.source_class, "net", "the layer name is the class");
    assert!(
        vand.position.starts_with("layer \"net\", feature "),
        "{}",
        vand.position
    );
}

#[test]
fn layers_without_an_epsg_crs_are_unknown_never_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("mapping/owner-3044.geojson");
    // A transverse Mercator of its own: a valid CRS, but without an EPSG code.
    let custom = dir.path().join("custom.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        custom.to_str().unwrap(),
        src.to_str().unwrap(),
        "-a_srs",
        "+proj=tmerc +lat_0=0 +lon_0=9.5 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m",
    ]);
    let err = read(&custom, owner_mapping()).unwrap_err();
    assert_eq!(err.rule(), Rule::UnknownCrs);
    assert!(err.to_string().contains("unknown CRS"), "{err}");
    assert!(err.to_string().contains("custom.gpkg"), "{err}");

    // A declared CRS that contradicts the layer's is refused too.
    let gpkg = dir.path().join("tm32.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        gpkg.to_str().unwrap(),
        src.to_str().unwrap(),
        "-a_srs",
        "EPSG:25832",
    ]);
    let text = format!(
        "crs = \"EPSG:4326\"\n{}",
        std::fs::read_to_string(fixture("mapping/owner.toml")).unwrap()
    );
    let err = read(&gpkg, Mapping::from_toml(&text, "m.toml").unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("EPSG:4326") && err.to_string().contains("EPSG:25832"),
        "{err}"
    );

    let err = GdalReader::open(&fixture("mapping/owner.toml")).unwrap_err();
    assert!(err.to_string().contains("GDAL does not open it"), "{err}");
}
