//! A large LER document is read one feature at a time: the reader never
//! runs ahead of the feature it hands out by more than its read buffer, and
//! the process's peak memory stays far below the document's size.

use std::cell::Cell;
use std::io::{BufWriter, Read, Write};
use std::rc::Rc;

use forsyning_ingest::{Ler2Reader, Report};
use forsyning_model::Theme;

const N: usize = 200_000;

fn feature(i: usize) -> String {
    let x = 600_000.0 + (i % 1000) as f64 * 3.25;
    let y = 6_100_000.0 + (i / 1000) as f64 * 2.5;
    format!(
        r#"<gml:featureMember><ler:Elledning gml:id="el-{i:07}">
<ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2024-02-01</ler:etableringstidspunkt>
<ler:fareklasse>farlig</ler:fareklasse><ler:noejagtighedsklasse>&lt;= 0.50 m</ler:noejagtighedsklasse>
<ler:noejagtighedsklasseVertikal>&lt;= 1.00 m</ler:noejagtighedsklasseVertikal>
<ler:vejledendeDybde uom="mm">{depth:04}</ler:vejledendeDybde>
<ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList srsDimension="3">{x:.2} {y:.2} -99 {x2:.2} {y:.2} {z:.2}</gml:posList></gml:LineString></ler:geometri>
<ler:udvendigDiameter uom="mm">40</ler:udvendigDiameter><ler:type>forsyningskabel</ler:type>
<ler:spaendingsniveau uom="kV">10</ler:spaendingsniveau></ler:Elledning></gml:featureMember>
"#,
        depth = 400 + i % 1000,
        x2 = x + 1.5,
        z = 10.0 + (i % 7) as f64,
    )
}

struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Peak resident memory of this process in kB (Linux), if known.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn two_hundred_thousand_elledning_features_from_a_file() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let header = r#"<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="big">
"#;
    let mut ends = Vec::with_capacity(N);
    {
        let mut w = BufWriter::new(file.as_file());
        let mut written = header.len() as u64;
        w.write_all(header.as_bytes()).unwrap();
        for i in 0..N {
            let f = feature(i);
            w.write_all(f.as_bytes()).unwrap();
            written += f.len() as u64;
            ends.push(written);
        }
        w.write_all(b"</gml:FeatureCollection>\n").unwrap();
    }
    let size = file.as_file().metadata().unwrap().len();
    assert!(size > 150_000_000, "{size}");
    let rss_before = peak_rss_kb();

    let read = Rc::new(Cell::new(0));
    let input = Counting {
        inner: std::fs::File::open(file.path()).unwrap(),
        read: Rc::clone(&read),
    };
    let mut report = Report::with_max_problems(10);
    let mut count = 0usize;
    let mut max_ahead = 0u64;
    let summary = Ler2Reader::new(input)
        .for_each(|o| {
            max_ahead = max_ahead.max(read.get().saturating_sub(ends[count]));
            assert_eq!(o.source_id, format!("el-{count:07}"));
            count += 1;
            let f = report.record(o).expect("every feature is valid");
            assert_eq!(f.theme, Theme::Electricity);
            assert_eq!(f.heights.as_ref().unwrap()[0], None);
        })
        .unwrap();
    assert_eq!((summary.features, count), (N as u64, N));
    assert_eq!(
        (report.accepted(), report.rejected(), report.warnings()),
        (N as u64, 0, 0)
    );
    assert!(
        max_ahead <= 64 << 10,
        "the reader ran {max_ahead} bytes ahead of the feature it handed out"
    );
    if let (Some(before), Some(after)) = (rss_before, peak_rss_kb()) {
        let grown_mb = after.saturating_sub(before) / 1024;
        assert!(
            grown_mb < 64,
            "peak memory grew by {grown_mb} MB reading {} MB",
            size >> 20
        );
    }
}
