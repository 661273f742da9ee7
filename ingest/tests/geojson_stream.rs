//! Large inputs are read one feature at a time.

mod common;

use std::cell::Cell;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use forsyning_ingest::{write_feature_collection, GeoJsonReader};
use forsyning_model::{
    AccuracyClass, DatasetId, Kind, Measures, NetworkFeature, OrgId, SourceFormat, Theme,
};
use geo_types::{line_string, Geometry};
use uuid::Uuid;

const N: u64 = 200_000;

fn synthetic(i: u64) -> NetworkFeature {
    let x = 500_000.0 + i as f64 * 0.37;
    let y = 6_200_000.0 + (i % 1000) as f64 / 7.0;
    NetworkFeature {
        id: Uuid::nil(),
        owner_id: OrgId::new("unassigned").unwrap(),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: format!("L{i}"),
        source_format: SourceFormat::GeoJson,
        source_class: if i % 2 == 0 {
            "Elledning"
        } else {
            "Vandledning"
        }
        .into(),
        theme: if i % 2 == 0 {
            Theme::Electricity
        } else {
            Theme::Water
        },
        kind: Kind::CableOrPipe,
        status: None,
        hazard: None,
        safety_note: None,
        accuracy_xy: AccuracyClass::Le100,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: None,
        measures: Measures {
            depth_mm: Some((i % 2000) as u32),
            ..Measures::default()
        },
        geometry: Geometry::LineString(line_string![(x: x, y: y), (x: x + 1.5, y: y + 2.5)]),
        heights: (i % 3 == 0).then(|| vec![Some(i as f64 / 100.0), None]),
        valid_from: chrono::DateTime::UNIX_EPOCH,
        valid_to: None,
    }
}

#[test]
fn two_hundred_thousand_features_through_a_file() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let written = write_feature_collection(
        file.reopen().unwrap(),
        "urn:ogc:def:crs:EPSG::25832",
        (0..N).map(synthetic).collect::<Vec<_>>().iter(),
    )
    .unwrap();
    assert_eq!(written, N);

    let (mut count, mut electricity, mut with_heights) = (0u64, 0u64, 0u64);
    let checked = [0, 1, 12_345, 123_456, N - 1];
    let summary = GeoJsonReader::new(file.reopen().unwrap())
        .with_file_name("big.geojson")
        .for_each(|o| {
            let i = count;
            count += 1;
            assert!(o.problems.is_empty(), "{:?}", o.problems);
            let f = o.feature.unwrap();
            electricity += u64::from(f.theme == Theme::Electricity);
            with_heights += u64::from(f.heights.is_some());
            if checked.contains(&i) {
                let mut expected = synthetic(i);
                expected.id = f.id;
                assert_eq!(f, expected, "feature {i}");
            }
        })
        .unwrap();
    assert_eq!(count, N);
    assert_eq!(summary.features, N);
    assert_eq!(electricity, N / 2);
    assert_eq!(with_heights, N.div_ceil(3));
    assert_eq!(summary.crs.as_deref(), Some("urn:ogc:def:crs:EPSG::25832"));
}

/// Generates a FeatureCollection as it is read and counts the bytes handed out.
struct Generator {
    next: u64,
    total: u64,
    pending: Vec<u8>,
    done: bool,
    produced: Rc<Cell<u64>>,
}

impl Read for Generator {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pending.is_empty() && !self.done {
            self.pending = if self.next == 0 {
                br#"{"type":"FeatureCollection","features":["#.to_vec()
            } else {
                Vec::new()
            };
            if self.next < self.total {
                let sep = if self.next == 0 { "" } else { "," };
                let f = common::feature(common::LINE, r#"{"theme": "el", "class": "Elledning"}"#);
                self.pending
                    .extend_from_slice(format!("{sep}{f}").as_bytes());
                self.next += 1;
            } else {
                self.pending.extend_from_slice(b"]}");
                self.done = true;
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.produced.set(self.produced.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn features_arrive_before_the_document_is_read() {
    let produced = Rc::new(Cell::new(0));
    let source = Generator {
        next: 0,
        total: N,
        pending: Vec::new(),
        done: false,
        produced: Rc::clone(&produced),
    };
    let mut seen_at = Vec::new();
    let mut count = 0u64;
    GeoJsonReader::new(BufReader::new(source))
        .for_each(|o| {
            assert!(o.feature.is_some());
            if count % 50_000 == 0 {
                seen_at.push(produced.get());
            }
            count += 1;
        })
        .unwrap();
    let total = produced.get();
    assert_eq!(count, N);
    // Feature 0 was handed out after reading a sliver of the document.
    assert!(
        seen_at[0] < 200 << 10,
        "{} of {total} bytes read",
        seen_at[0]
    );
    assert!(seen_at.windows(2).all(|w| w[0] < w[1]), "{seen_at:?}");
}
