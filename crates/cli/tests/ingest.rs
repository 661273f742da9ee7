//! `forsyning ingest network` as an owner runs it.

mod common;

use std::path::{Path, PathBuf};

use common::{forsyning, text};
use forsyning_model::{DatasetId, OrgId};
use forsyning_store::{GpkgStore, Store};

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("geojson/{name}"))
}

async fn current(dir: &Path, owner: &str) -> (u32, usize) {
    let store = GpkgStore::open(&dir.join("store.gpkg")).await.unwrap();
    let id = DatasetId::for_owner(&OrgId::new(owner).unwrap(), "network");
    let v = store.dataset_versions(id).await.unwrap();
    let Some(last) = v.last() else { return (0, 0) };
    (
        last.version,
        store
            .features_at_version(id, last.version)
            .await
            .unwrap()
            .len(),
    )
}

#[tokio::test]
async fn generated_town_round_trips_through_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let out = forsyning(
        dir.path(),
        &[
            "generate",
            "--features",
            "3000",
            "--seed",
            "9",
            "--owner",
            "SYN-VAND",
            "--out",
            "vand.geojson",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = forsyning(
        dir.path(),
        &["ingest", "network", "--owner", "SYN-VAND", "vand.geojson"],
    );
    assert!(out.status.success(), "{}", text(&out));

    let town = forsyning_fixtures::Town::new(forsyning_fixtures::TownConfig::new(9, 3000));
    let mut want: Vec<_> = town
        .features()
        .filter(|f| f.owner_id.as_str() == "SYN-VAND")
        .collect();
    let store = GpkgStore::open(&dir.path().join("store.gpkg"))
        .await
        .unwrap();
    let id = DatasetId::for_owner(&OrgId::new("SYN-VAND").unwrap(), "network");
    let mut got = store.features_at_version(id, 1).await.unwrap();
    assert_eq!(got.len(), want.len());
    want.sort_by(|a, b| a.source_id.cmp(&b.source_id));
    got.sort_by(|a, b| a.source_id.cmp(&b.source_id));
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.source_id, w.source_id);
        assert_eq!(
            (g.theme, g.kind, g.status, g.hazard),
            (w.theme, w.kind, w.status, w.hazard)
        );
        assert_eq!(g.measures, w.measures);
        assert_eq!(g.heights, w.heights);
        assert_eq!(
            g.geometry, w.geometry,
            "EPSG:25832 in, EPSG:25832 stored, unchanged"
        );
    }
}

#[tokio::test]
async fn crs84_input_is_reprojected_to_25832() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("copenhagen-crs84.geojson");
    let out = forsyning(
        dir.path(),
        &["ingest", "network", "--owner", "HOFOR", f.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let store = GpkgStore::open(&dir.path().join("store.gpkg"))
        .await
        .unwrap();
    let id = DatasetId::for_owner(&OrgId::new("HOFOR").unwrap(), "network");
    let fs = store.features_at_version(id, 1).await.unwrap();
    let point = fs.iter().find(|f| f.source_id == "vand-2").unwrap();
    let geo_types::Geometry::Point(p) = point.geometry else {
        panic!("{:?}", point.geometry)
    };
    // Copenhagen City Hall, lon 12.5683 lat 55.6761 in ETRS89 / UTM 32N.
    assert!(
        (p.x() - 724_351.93).abs() < 0.05 && (p.y() - 6_175_804.02).abs() < 0.05,
        "{p:?}"
    );
    assert_eq!(point.heights, Some(vec![Some(14.2)]));
    let pipe = fs.iter().find(|f| f.source_id == "vand-1").unwrap();
    assert_eq!(pipe.measures.depth_mm, Some(1200));
    assert_eq!(pipe.measures.installed.unwrap().to_string(), "1998-05");
}

#[tokio::test]
async fn strict_mode_rejects_the_whole_upload_and_keeps_the_stored_version() {
    let dir = tempfile::tempdir().unwrap();
    let good = fixture("copenhagen-crs84.geojson");
    assert!(forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "GASCO",
            good.to_str().unwrap()
        ]
    )
    .status
    .success());
    assert_eq!(current(dir.path(), "GASCO").await, (1, 2));

    let bad = fixture("bad-code.geojson");
    let out = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "GASCO",
            "--report-json",
            "r.json",
            bad.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("upload rejected") && t.contains("unchanged"),
        "{t}"
    );
    assert!(
        t.contains("plutonium"),
        "the problem names the bad value: {t}"
    );
    assert_eq!(
        current(dir.path(), "GASCO").await,
        (1, 2),
        "strict rejection stores nothing"
    );

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let rules: Vec<(&str, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["rule"].as_str().unwrap(),
                p["source_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        rules.contains(&("unknown_code_value", "bad-theme")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("outside_service_area", "far-away")),
        "{rules:?}"
    );

    let out = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "GASCO",
            "--lenient",
            bad.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        current(dir.path(), "GASCO").await,
        (2, 1),
        "lenient stores the one valid feature"
    );
}

#[tokio::test]
async fn unknown_crs_and_missing_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("unknown-crs.geojson");
    let out = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "X",
            "--lenient",
            f.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("EPSG:999999"), "{}", text(&out));
    assert_eq!(current(dir.path(), "X").await, (0, 0));

    let out = forsyning(
        dir.path(),
        &["ingest", "network", "--owner", "X", "nope.geojson"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("nope.geojson"), "{}", text(&out));
    std::fs::write(dir.path().join("notes.txt"), "not vector data\n").unwrap();
    let out = forsyning(
        dir.path(),
        &["ingest", "network", "--owner", "X", "notes.txt"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("notes.txt") && text(&out).contains("unsupported format"),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn ler2_dig_answer_with_a_trench_loads_with_heights_unknown() {
    let Some(data) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let f = data.join("network/ler2/examples/btest_ft_Gsvar_trace.xml");
    let out = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "LER-EL",
            f.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let store = GpkgStore::open(&dir.path().join("store.gpkg"))
        .await
        .unwrap();
    let id = DatasetId::for_owner(&OrgId::new("LER-EL").unwrap(), "network");
    let fs = store.features_at_version(id, 1).await.unwrap();
    let classes: std::collections::BTreeMap<&str, usize> =
        fs.iter().fold(Default::default(), |mut m, f| {
            *m.entry(f.source_class.as_str()).or_default() += 1;
            m
        });
    assert_eq!(
        classes,
        [("Elledning", 2), ("Ledningstrace", 1)]
            .into_iter()
            .collect()
    );
    for f in &fs {
        assert_eq!(
            f.theme,
            forsyning_model::Theme::Electricity,
            "{}",
            f.source_id
        );
        // Every height in the file is -99: unknown, never a number.
        if let Some(h) = &f.heights {
            assert!(h.iter().all(Option::is_none), "{}: {h:?}", f.source_id);
        }
    }

    let strict = data.join("network/ler2/examples/example_xml_elledning_2024.xml");
    let out = forsyning(
        dir.path(),
        &[
            "ingest",
            "network",
            "--owner",
            "LER-EL",
            strict.to_str().unwrap(),
        ],
    );
    assert!(
        !out.status.success(),
        "a 2024 line without accuracy classes is rejected"
    );
    assert!(text(&out).contains("noejagtighedsklasse"), "{}", text(&out));
    assert_eq!(
        current(dir.path(), "LER-EL").await.0,
        1,
        "and nothing is stored"
    );
}
