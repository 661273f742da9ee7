//! Fix-in → alert-out latency of the GNSS pipeline: a device sends one GGA
//! at a time over the raw TCP listener, alternately on a very dangerous
//! cable and 22 m away, so every fix raises an enter or an exit; the time
//! until the alert arrives on the device's WebSocket feed is measured.
//!
//! `cargo run --release -p forsyning-benches --example gnss_latency [N]`
//! (or without `--release` and with `--workspace` to reuse a dev build).
//! Prints p50, p99 and max over N alerts (default 2000).

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use forsyning_api::gnss::hub::Assignment;
use forsyning_api::gnss::DeviceKey;
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_gnss::nmea::line::with_checksum;
use forsyning_gnss::project::ToUtm32;
use forsyning_gnss::proximity::HazardIndex;
use forsyning_model::{token_hash, Hazard, OrgId, Organisation, Role, TokenRecord};
use forsyning_store::{GpkgStore, Store};
use futures::StreamExt;
use geo_types::{line_string, Geometry};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

fn nmea_degrees(v: f64, width: usize) -> String {
    let d = v.trunc();
    format!(
        "{:0width$}{:011.8}",
        d as i64,
        (v - d) * 60.0,
        width = width
    )
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("l.gpkg")).await.unwrap());
    let con = OrgId::new("CON").unwrap();
    store
        .create_org(&Organisation {
            id: con.clone(),
            name: "CON".into(),
            role: Role::Contractor,
            boundary: None,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let secret = format!("fsy_bench_{}", Uuid::new_v4().simple());
    store
        .insert_token(&TokenRecord {
            id: Uuid::new_v4(),
            org_id: con.clone(),
            label: "gnss:digger".into(),
            hash: token_hash(&secret),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    let state = AppState::new(store).with_rate(RateLimiter::new(0.0, 1.0));
    let (lat, lon) = (55.6761, 12.5683);
    let (e, n0) = ToUtm32::new().unwrap().project(lat, lon).unwrap();
    let index = HazardIndex::from_geometries([(
        Uuid::from_u128(1),
        Hazard::VeryDangerous,
        Geometry::LineString(line_string![(x: e - 10.0, y: n0), (x: e + 10.0, y: n0)]),
    )]);
    let key = DeviceKey {
        org: con,
        name: "digger".into(),
    };
    state.gnss.assign(
        &key,
        Some(Assignment {
            dig_request: Uuid::nil(),
            valid_to: Utc::now() + chrono::TimeDelta::days(1),
            index: Arc::new(index),
        }),
    );

    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_addr = http.local_addr().unwrap();
    let app = router(state.clone(), &Limits::default());
    tokio::spawn(forsyning_api::serve(http, app, std::future::pending()));
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tcp_addr = tcp.local_addr().unwrap();
    tokio::spawn(forsyning_api::gnss::tcp::serve_tcp(
        tcp,
        state.clone(),
        std::future::pending(),
    ));

    let mut req = format!("ws://{http_addr}/api/v1/gnss/digger/live")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut device = tokio::net::TcpStream::connect(tcp_addr).await.unwrap();
    device.set_nodelay(true).unwrap();
    device
        .write_all(format!("{secret}\n").as_bytes())
        .await
        .unwrap();

    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        // Even fixes on the cable (enter), odd ones 0.0002° (22 m) north (exit).
        let la = if i % 2 == 0 { lat } else { lat + 0.0002 };
        let s = i % 86_400;
        let hms = format!("{:02}{:02}{:02}.00", s / 3600, s / 60 % 60, s % 60);
        let line = with_checksum(&format!(
            "GNGGA,{hms},{},N,{},E,4,24,1.0,12.0,M,40.0,M,1.0,0001",
            nmea_degrees(la, 2),
            nmea_degrees(lon, 3)
        ));
        let t0 = Instant::now();
        device
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        loop {
            let msg = ws.next().await.unwrap().unwrap();
            if msg.to_text().unwrap().starts_with(r#"{"type":"alert""#) {
                break;
            }
        }
        latencies.push(t0.elapsed());
    }
    latencies.sort();
    let q = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "GNSS fix-in (TCP) -> alert-out (WebSocket), {n} alerts: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        q(0.50).as_secs_f64() * 1e3,
        q(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
}
