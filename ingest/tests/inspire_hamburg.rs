//! INSPIRE Utility Networks: Hamburg's water and sewer downloads
//! (shared/data/network/inspire), EPSG:4258 written latitude first.

mod imkl_common;

use forsyning_geo::{Crs, Reprojector};
use forsyning_ingest::{FeatureOutcome, InspireReader};
use forsyning_model::{Kind, SourceFormat, Status, Theme};
use geo::CoordsIter;
use imkl_common::network_dir;

fn read(name: &str) -> Option<Vec<FeatureOutcome>> {
    let dir = network_dir("inspire")?;
    let bytes = std::fs::read(dir.join(name)).unwrap();
    let mut out = Vec::new();
    let summary = InspireReader::new(&bytes[..])
        .with_file_name(name)
        .for_each(|o| out.push(o))
        .unwrap();
    assert_eq!((summary.links, summary.networks), (1, 1), "{name}");
    assert_eq!(summary.features, out.len() as u64);
    Some(out)
}

#[test]
fn hamburg_water_and_sewer_pipes_and_appurtenances() {
    for (name, theme, pipe) in [
        (
            "hamburg-WaterPipeNetwork.gml",
            Theme::Water,
            "us-net-wa:WaterPipe",
        ),
        (
            "hamburg-SewerPipeNetwork.gml",
            Theme::Sewer,
            "us-net-sw:SewerPipe",
        ),
    ] {
        let Some(out) = read(name) else {
            return;
        };
        assert_eq!(out.len(), 3, "{name}: one pipe, two appurtenances");
        for o in &out {
            assert!(o.is_accepted(), "{name}: {:?}", o.problems);
            assert_eq!(o.theme, Some(theme), "{}", o.source_id);
            assert_eq!(
                o.crs.as_deref(),
                Some("http://www.opengis.net/def/crs/EPSG/0/4258")
            );
            let f = o.feature.as_ref().unwrap();
            assert_eq!(f.source_format, SourceFormat::InspireUs);
            assert_eq!(f.status, Some(Status::InOperation));
        }
        let p = out.iter().find(|o| o.source_class == pipe).unwrap();
        let f = p.feature.as_ref().unwrap();
        assert_eq!(f.kind, Kind::CableOrPipe);
        assert!(f.measures.diameter_mm.is_some_and(|d| d > 0), "{name}");
        // Kept as written: latitude first.
        let first = f.geometry.coords_iter().next().unwrap();
        assert!((53.0..54.0).contains(&first.x) && (9.0..11.0).contains(&first.y));
        let comps = out
            .iter()
            .filter(|o| o.source_class == "us-net-common:Appurtenance")
            .count();
        assert_eq!(comps, 2);
    }
}

#[test]
fn hamburg_reprojects_into_hamburg() {
    // Hamburg spans about 9.7-10.3 deg E: UTM 32N x 555-590 km (the data's
    // envelope reaches 10.23 deg E, x 582 km); had the axes been swapped the
    // points would land thousands of km away.
    let Some(out) = read("hamburg-WaterPipeNetwork.gml") else {
        return;
    };
    let o = &out[0];
    let crs = Crs::parse(o.crs.as_deref().unwrap()).unwrap();
    for to in [Crs::STORE, Crs::epsg(25832).unwrap()] {
        let r = Reprojector::new(&crs, &to).unwrap();
        for o in &out {
            let mut g = o.feature.as_ref().unwrap().geometry.clone();
            r.transform_geometry(&mut g).unwrap();
            for c in g.coords_iter() {
                assert!(
                    (555_000.0..=590_000.0).contains(&c.x)
                        && (5_920_000.0..=5_950_000.0).contains(&c.y),
                    "{} lands at {c:?}, not in Hamburg",
                    o.source_id
                );
            }
        }
    }
}
