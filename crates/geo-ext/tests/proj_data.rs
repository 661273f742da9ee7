//! Where PROJ's database comes from at run time. Its own test binary (its own
//! process), because it changes `PROJ_DATA`.

use std::path::PathBuf;

use forsyning_geo::{Crs, GeoError, Reprojector};
use geo_types::coord;

/// A fresh directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("forsyning-geo-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn embedded_proj_db_serves_without_files_but_a_foreign_one_wins() {
    // No proj.db file where PROJ_DATA points: the copy compiled into the
    // binary answers, so a deployed binary needs no data files.
    let empty = temp_dir("empty");
    std::env::set_var("PROJ_DATA", &empty);
    let crs = Crs::epsg(25833).unwrap();
    assert_eq!(crs.epsg_code(), Some(25833));
    let c = Reprojector::new(&Crs::CRS84, &Crs::STORE)
        .unwrap()
        .transform_coord(coord! { x: 12.5683, y: 55.6761 })
        .unwrap();
    assert!((c.x - 724_351.929).abs() < 0.01, "{c:?}");

    // A proj.db file that PROJ cannot use (here: not a database at all, in
    // practice another PROJ version's) shadows the embedded copy.
    let broken = temp_dir("broken");
    std::fs::write(broken.join("proj.db"), b"not a database").unwrap();
    std::env::set_var("PROJ_DATA", &broken);
    let err = Crs::epsg(25834).unwrap_err();
    assert!(matches!(err, GeoError::ProjDatabase { .. }), "{err:?}");
    assert!(err.to_string().contains("PROJ_DATA"), "{err}");

    let _ = std::fs::remove_dir_all(empty);
    let _ = std::fs::remove_dir_all(broken);
}
