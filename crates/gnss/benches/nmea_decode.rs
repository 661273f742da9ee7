//! Decoded NMEA sentences per second on one core: checksum, zero-copy field
//! split, typed decoding and gpsd-style epoch assembly, over a synthetic
//! 10 Hz RTK stream (GGA, RMC, GSA×4, GST, VTG, ZDA per epoch) and over the
//! real gpsd logs of shared data when present.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use forsyning_gnss::nmea::line::with_checksum;
use forsyning_gnss::nmea::Decoder;

fn synthetic(epochs: usize) -> (Vec<u8>, usize) {
    let mut s = String::new();
    let mut n = 0;
    for i in 0..epochs {
        let t = i as f64 * 0.1;
        let (h, m, sec) = (
            10 + (t as usize / 3600) % 12,
            (t as usize / 60) % 60,
            t % 60.0,
        );
        let hms = format!("{h:02}{m:02}{sec:05.2}");
        let lat = 5540.0 + (i % 1000) as f64 * 1e-5;
        let lon = 1230.0 + (i % 777) as f64 * 1e-5;
        for body in [
            format!(
                "GNGGA,{hms},{lat:.8},N,0{lon:.8},E,4,24,0.6,{:.3},M,40.123,M,1.0,0001",
                12.0 + (i % 10) as f64 * 0.01
            ),
            format!("GNRMC,{hms},A,{lat:.8},N,0{lon:.8},E,0.012,123.4,081222,,,R,V"),
            "GNGSA,A,3,08,24,02,18,27,23,32,10,,,,,1.12,0.62,0.94,1".to_string(),
            "GNGSA,A,3,65,72,81,82,,,,,,,,,1.12,0.62,0.94,2".to_string(),
            "GNGSA,A,3,02,07,11,30,,,,,,,,,1.12,0.62,0.94,3".to_string(),
            "GNGSA,A,3,19,20,29,,,,,,,,,,1.12,0.62,0.94,4".to_string(),
            format!("GNGST,{hms},0.8,0.012,0.010,45.0,0.011,0.010,0.020"),
            "GNVTG,123.4,T,,M,0.012,N,0.022,K,R".to_string(),
            format!("GNZDA,{hms},08,12,2022,00,00"),
        ] {
            s.push_str(&with_checksum(&body));
            s.push_str("\r\n");
            n += 1;
        }
    }
    (s.into_bytes(), n)
}

fn real_logs() -> Option<(Vec<u8>, usize)> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gnss/gpsd");
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).ok()? {
        let p = e.ok()?.path();
        if p.extension().is_some_and(|x| x == "log") {
            all.extend(std::fs::read(p).ok()?);
            all.push(b'\n');
        }
    }
    let mut d = Decoder::new();
    d.push_bytes(&all, |_| {});
    let n = d.report().sentences;
    Some((all, n))
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("nmea_decode");
    let (bytes, n) = synthetic(20_000);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("synthetic_rtk_10hz", |b| {
        b.iter(|| {
            let mut d = Decoder::new();
            let mut fixes = 0usize;
            d.push_bytes(black_box(&bytes), |_| fixes += 1);
            black_box(fixes)
        })
    });
    if let Some((bytes, n)) = real_logs() {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("gpsd_logs", |b| {
            b.iter(|| {
                let mut d = Decoder::new();
                let mut fixes = 0usize;
                d.push_bytes(black_box(&bytes), |_| fixes += 1);
                black_box(fixes)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
