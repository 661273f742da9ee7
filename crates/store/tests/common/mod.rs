//! Shared helpers of the store's integration tests.
#![allow(dead_code)]

use std::f64::consts::TAU;

use chrono::{TimeZone, Utc};
use forsyning_model::{
    AccuracyClass, DatasetId, Hazard, Kind, Measures, NetworkFeature, OrgId, SourceFormat, Status,
    Theme,
};
use forsyning_store::PostgisStore;
use geo_types::{Coord, Geometry, LineString, Point, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// The PostGIS URL of the test database, from `FORSYNING_TEST_POSTGRES`.
/// Without it the PostGIS tests skip, except under CI (`CI=true`), where they fail.
pub fn postgres_url() -> Option<String> {
    match std::env::var("FORSYNING_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "FORSYNING_TEST_POSTGRES is not set under CI: the PostGIS backend must be tested"
            )
        }
        _ => {
            eprintln!("skipping PostGIS tests: FORSYNING_TEST_POSTGRES is not set");
            None
        }
    }
}

/// A PostGIS store in a fresh schema of its own; the schema is dropped by `drop_schema`.
pub async fn postgis_store(url: &str, tag: &str) -> (PostgisStore, String) {
    let schema = format!("t_{tag}_{}", Uuid::new_v4().simple());
    let store = PostgisStore::connect_in_schema(url, Some(&schema))
        .await
        .expect("connect PostGIS");
    (store, schema)
}

pub async fn drop_schema(store: &PostgisStore, schema: &str) {
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}

/// Centre of the random test area, EPSG:25832.
pub const CX: f64 = 720_000.0;
pub const CY: f64 = 6_190_000.0;

/// A simple (star-shaped) polygon around `(cx, cy)` with radii in `r_min..r_max` metres.
pub fn star_polygon(
    rng: &mut ChaCha8Rng,
    cx: f64,
    cy: f64,
    r_min: f64,
    r_max: f64,
) -> Polygon<f64> {
    // Angles in order with every gap below half a turn: the ring is simple.
    let n = rng.gen_range(4..12);
    let step = TAU / n as f64;
    let angles: Vec<f64> = (0..n)
        .map(|i| (i as f64 + rng.gen_range(0.0..0.9)) * step)
        .collect();
    let mut ring: Vec<Coord<f64>> = angles
        .iter()
        .map(|a| {
            let r = rng.gen_range(r_min..r_max);
            Coord {
                x: cx + r * a.cos(),
                y: cy + r * a.sin(),
            }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}

/// A random point, line or small polygon within `extent` metres of the centre.
pub fn random_geometry(rng: &mut ChaCha8Rng, extent: f64) -> Geometry<f64> {
    let x = CX + rng.gen_range(-extent..extent);
    let y = CY + rng.gen_range(-extent..extent);
    match rng.gen_range(0..10) {
        0..=2 => Point::new(x, y).into(),
        3..=8 => {
            let n = rng.gen_range(2..7);
            let mut pts = vec![Coord { x, y }];
            for _ in 1..n {
                let last = *pts.last().unwrap();
                pts.push(Coord {
                    x: last.x + rng.gen_range(-80.0..80.0),
                    y: last.y + rng.gen_range(-80.0..80.0),
                });
            }
            LineString(pts).into()
        }
        _ => star_polygon(rng, x, y, 2.0, 15.0).into(),
    }
}

/// A feature with random attributes and the given geometry.
pub fn random_feature(rng: &mut ChaCha8Rng, n: usize, geometry: Geometry<f64>) -> NetworkFeature {
    let theme = Theme::ALL[rng.gen_range(0..Theme::ALL.len())];
    let hazard = Hazard::ALL[rng.gen_range(0..Hazard::ALL.len())];
    NetworkFeature {
        id: Uuid::from_u128(rng.gen()),
        owner_id: OrgId::new("placeholder").unwrap(),
        dataset_id: DatasetId(Uuid::nil()),
        version: 0,
        source_id: format!("f{n}"),
        source_format: SourceFormat::Synthetic,
        source_class: "Ledning".into(),
        theme,
        kind: match &geometry {
            Geometry::Point(_) => Kind::Component,
            Geometry::Polygon(_) => Kind::Area,
            _ => Kind::CableOrPipe,
        },
        status: Some(Status::InOperation),
        hazard: Some(hazard),
        safety_note: hazard
            .is_dangerous()
            .then(|| "Kontakt ledningsejer før gravning".into()),
        accuracy_xy: AccuracyClass::Le050,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: None,
        measures: Measures {
            depth_mm: Some(rng.gen_range(300..3000)),
            ..Default::default()
        },
        geometry,
        heights: None,
        valid_from: Utc.timestamp_opt(0, 0).unwrap(),
        valid_to: None,
    }
}
