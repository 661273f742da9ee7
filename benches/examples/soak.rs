//! A load and soak generator for a running `forsyning serve`: a realistic
//! mix of 70 % vector tiles, 20 % feature queries (OGC API items with a
//! bbox) and 10 % dig requests, sent open loop from this second process.
//!
//! ```text
//! cargo run --release --example soak -- --base http://127.0.0.1:PORT \
//!     --admin TOKEN --contractor TOKEN --pid SERVER_PID \
//!     (--capacity SECONDS | --rate R --seconds S) [--warmup S]
//! ```
//!
//! `--capacity` sends the mix closed loop (64 connections, as fast as the
//! server answers) and prints the requests per second reached. Otherwise
//! requests leave on a fixed schedule of `R` per second whatever the
//! server does, and each latency is counted from when its request was due
//! (no coordinated omission). Every 10 s a line reports the rate, the
//! latency tail and the server's resident memory (`/proc/PID/status`).
//! At the end: the counts per kind and status, p50/p99 per kind, and the
//! memory growth from the end of the warm-up (default 60 s) to the end.
//! The exit code is 1 when any answer was a 5xx or a transport error, or
//! when memory grew by 10 % or more.
//!
//! The area comes from the network's TileJSON bounds (degrees): tiles are
//! drawn at z12-z16 around random points in it, feature queries are
//! 200-800 m boxes, dig requests 20-120 m squares (CRS84, so each one is
//! reprojected as an app's would be).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Tile,
    Features,
    Dig,
}

#[derive(Debug)]
struct Args {
    base: String,
    admin: String,
    contractor: String,
    pid: Option<u32>,
    capacity: Option<u64>,
    rate: f64,
    seconds: u64,
    warmup: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        base: String::new(),
        admin: String::new(),
        contractor: String::new(),
        pid: None,
        capacity: None,
        rate: 100.0,
        seconds: 600,
        warmup: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        let num = |s: String| s.parse::<f64>().map_err(|e| format!("{k}: {e}"));
        match k.as_str() {
            "--base" => a.base = v()?.trim_end_matches('/').to_owned(),
            "--admin" => a.admin = v()?,
            "--contractor" => a.contractor = v()?,
            "--pid" => a.pid = Some(num(v()?)? as u32),
            "--capacity" => a.capacity = Some(num(v()?)? as u64),
            "--rate" => a.rate = num(v()?)?,
            "--seconds" => a.seconds = num(v()?)? as u64,
            "--warmup" => a.warmup = num(v()?)? as u64,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.base.is_empty() || a.admin.is_empty() || a.contractor.is_empty() {
        return Err("--base, --admin and --contractor are required".into());
    }
    Ok(a)
}

/// The town's extent in degrees and the feature collections to query.
#[derive(Debug, Clone)]
struct Area {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
    collections: Vec<String>,
}

fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x as u32, y as u32)
}

/// One request of the mix: its kind, method, URL, token and body.
fn next_request(
    rng: &mut ChaCha8Rng,
    area: &Area,
    a: &Args,
) -> (Kind, reqwest::Method, String, String, Option<Value>) {
    let lon = rng.gen_range(area.west..area.east);
    let lat = rng.gen_range(area.south..area.north);
    let roll: f64 = rng.gen();
    // Degrees per metre, near enough for drawing boxes.
    let (mx, my) = (1.0 / (111_320.0 * lat.to_radians().cos()), 1.0 / 110_574.0);
    if roll < 0.70 {
        let z = rng.gen_range(12..=16);
        let (x, y) = tile_of(lon, lat, z);
        let url = format!("{}/tiles/network/{z}/{x}/{y}.mvt", a.base);
        (Kind::Tile, reqwest::Method::GET, url, a.admin.clone(), None)
    } else if roll < 0.90 {
        let s = rng.gen_range(200.0..800.0);
        let c = &area.collections[rng.gen_range(0..area.collections.len())];
        let url = format!(
            "{}/ogc/collections/{c}/items?bbox={:.6},{:.6},{:.6},{:.6}&limit=100",
            a.base,
            lon,
            lat,
            lon + s * mx,
            lat + s * my
        );
        (
            Kind::Features,
            reqwest::Method::GET,
            url,
            a.admin.clone(),
            None,
        )
    } else {
        let s = rng.gen_range(20.0..120.0);
        let (x1, y1) = (lon + s * mx, lat + s * my);
        let now = chrono::Utc::now();
        let body = json!({
            "crs": "CRS84",
            "polygon": {"type": "Polygon", "coordinates": [[[lon, lat], [x1, lat], [x1, y1], [lon, y1], [lon, lat]]]},
            "buffer_m": 2.0,
            "period_from": (now + chrono::Duration::hours(1)).to_rfc3339(),
            "period_to": (now + chrono::Duration::days(7)).to_rfc3339(),
            "purpose": "soak",
            "contact": "soak",
        });
        let url = format!("{}/api/v1/dig-requests", a.base);
        (
            Kind::Dig,
            reqwest::Method::POST,
            url,
            a.contractor.clone(),
            Some(body),
        )
    }
}

#[derive(Debug, Default)]
struct Stats {
    /// Latencies in microseconds per kind.
    latencies: BTreeMap<Kind, Vec<u64>>,
    /// Answers per kind and status (0: transport error).
    statuses: BTreeMap<(Kind, u16), u64>,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn fetch_area(client: &reqwest::Client, a: &Args) -> Result<Area, String> {
    let get = |url: String| async move {
        let r = client
            .get(&url)
            .bearer_auth(&a.admin)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = r.status();
        let bytes = r.bytes().await.map_err(|e| format!("{url}: {e}"))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| format!("{url}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{url}: {status} {v}"));
        }
        Ok(v)
    };
    let tj = get(format!("{}/tiles/network/tilejson.json", a.base)).await?;
    let b: Vec<f64> = tj["bounds"]
        .as_array()
        .ok_or("TileJSON has no bounds")?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    if b.len() != 4 {
        return Err(format!("TileJSON bounds {b:?} are not four numbers"));
    }
    let cols = get(format!("{}/ogc/collections", a.base)).await?;
    let collections: Vec<String> = cols["collections"]
        .as_array()
        .ok_or("no collections")?
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    if collections.is_empty() {
        return Err("the server offers no feature collection".into());
    }
    Ok(Area {
        west: b[0],
        south: b[1],
        east: b[2],
        north: b[3],
        collections,
    })
}

async fn send(
    client: &reqwest::Client,
    req: (Kind, reqwest::Method, String, String, Option<Value>),
) -> (Kind, u16) {
    let (kind, method, url, token, body) = req;
    let mut b = client.request(method, &url).bearer_auth(token);
    if let Some(body) = body {
        b = b
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap_or_default());
    }
    let status = match b.send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            // Read the whole body, as a client would.
            match r.bytes().await {
                Ok(_) => s,
                Err(_) => 0,
            }
        }
        Err(_) => 0,
    };
    (kind, status)
}

fn record(stats: &Mutex<Stats>, kind: Kind, status: u16, micros: u64) {
    let mut s = stats.lock().unwrap();
    s.latencies.entry(kind).or_default().push(micros);
    *s.statuses.entry((kind, status)).or_default() += 1;
}

#[tokio::main]
async fn main() {
    let a = match parse_args() {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let area = match fetch_area(&client, &a).await {
        Ok(area) => Arc::new(area),
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "area {:.4},{:.4} - {:.4},{:.4}, collections {:?}",
        area.west, area.south, area.east, area.north, area.collections
    );
    let stats = Arc::new(Mutex::new(Stats::default()));
    let start = Instant::now();

    if let Some(secs) = a.capacity {
        // Closed loop: 64 workers, each sends its next request when the
        // last one is answered.
        let deadline = start + Duration::from_secs(secs);
        let mut workers = Vec::new();
        for w in 0..64u64 {
            let (client, area, a, stats) = (client.clone(), area.clone(), a.clone(), stats.clone());
            workers.push(tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64(w);
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    let (kind, status) = send(&client, next_request(&mut rng, &area, &a)).await;
                    record(&stats, kind, status, t0.elapsed().as_micros() as u64);
                }
            }));
        }
        for w in workers {
            let _ = w.await;
        }
        let elapsed = start.elapsed().as_secs_f64();
        let s = stats.lock().unwrap();
        let total: u64 = s.statuses.values().sum();
        let errors: u64 = s
            .statuses
            .iter()
            .filter(|((_, st), _)| *st == 0 || *st >= 500)
            .map(|(_, n)| n)
            .sum();
        println!(
            "capacity: {:.0} requests/s closed loop (64 connections, {total} requests, {errors} 5xx or errors)",
            total as f64 / elapsed
        );
        println!("statuses {:?}", s.statuses);
        return;
    }

    // Open loop at a fixed rate.
    let interval = Duration::from_secs_f64(1.0 / a.rate);
    let total = (a.rate * a.seconds as f64) as u64;
    let in_flight = Arc::new(AtomicU64::new(0));
    let dropped = Arc::new(AtomicU64::new(0));
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut rss_after_warmup = None;
    let mut rss_max = 0u64;
    let mut next_report = Duration::from_secs(10);
    let mut reported_count = 0usize;
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let elapsed = start.elapsed();
        if elapsed >= next_report {
            let rss = rss_kib(a.pid);
            if let Some(r) = rss {
                rss_max = rss_max.max(r);
                if rss_after_warmup.is_none() && elapsed.as_secs() >= a.warmup {
                    rss_after_warmup = Some(r);
                }
            }
            let s = stats.lock().unwrap();
            let n: usize = s.latencies.values().map(Vec::len).sum();
            let mut recent: Vec<u64> = Vec::new();
            for v in s.latencies.values() {
                recent.extend_from_slice(&v[v.len().saturating_sub(2_000)..]);
            }
            recent.sort_unstable();
            let bad: u64 = s
                .statuses
                .iter()
                .filter(|((_, st), _)| *st == 0 || *st >= 500)
                .map(|(_, n)| n)
                .sum();
            println!(
                "{:>4} s: {:.0}/s answered, in flight {}, recent p50 {:.1} ms p99 {:.1} ms, 5xx/errors {bad}, RSS {} MiB",
                elapsed.as_secs(),
                (n - reported_count) as f64 / 10.0,
                in_flight.load(Ordering::Relaxed),
                percentile(&recent, 0.5),
                percentile(&recent, 0.99),
                rss.map_or("?".into(), |r| (r / 1024).to_string())
            );
            reported_count = n;
            next_report += Duration::from_secs(10);
        }
        // A bound on what is in flight, so a stalled server cannot make
        // this process grow without end; what is dropped is reported.
        if in_flight.load(Ordering::Relaxed) >= 4_096 {
            dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let req = next_request(&mut rng, &area, &a);
        let (client, stats, in_flight) = (client.clone(), stats.clone(), in_flight.clone());
        in_flight.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let (kind, status) = send(&client, req).await;
            record(&stats, kind, status, due.elapsed().as_micros() as u64);
            in_flight.fetch_sub(1, Ordering::Relaxed);
        });
    }
    // Let the last requests finish.
    let wait = Instant::now();
    while in_flight.load(Ordering::Relaxed) > 0 && wait.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rss_end = rss_kib(a.pid);
    let elapsed = start.elapsed().as_secs_f64();
    let mut s = stats.lock().unwrap();
    let mut failed = false;
    println!(
        "== {total} requests scheduled at {}/s over {:.0} s, {} dropped (4096 in flight)",
        a.rate,
        elapsed,
        dropped.load(Ordering::Relaxed)
    );
    for (kind, v) in s.latencies.iter_mut() {
        v.sort_unstable();
        println!(
            "{kind:?}: {} answers, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.9),
            percentile(v, 0.99),
            percentile(v, 1.0)
        );
    }
    println!("statuses (0: transport error): {:?}", s.statuses);
    let bad: u64 = s
        .statuses
        .iter()
        .filter(|((_, st), _)| *st == 0 || *st >= 500)
        .map(|(_, n)| n)
        .sum();
    if bad > 0 || dropped.load(Ordering::Relaxed) > 0 {
        println!("FAIL: {bad} 5xx answers or transport errors");
        failed = true;
    } else {
        println!("zero 5xx answers, zero transport errors");
    }
    if let (Some(w), Some(e)) = (rss_after_warmup, rss_end) {
        let growth = (e as f64 - w as f64) / w as f64 * 100.0;
        println!(
            "server RSS after the {} s warm-up {} MiB, at the end {} MiB (max {} MiB): growth {growth:.1} %",
            a.warmup,
            w / 1024,
            e / 1024,
            rss_max.max(e) / 1024
        );
        if growth >= 10.0 {
            println!("FAIL: memory grew by 10 % or more");
            failed = true;
        }
    }
    std::process::exit(i32::from(failed));
}
