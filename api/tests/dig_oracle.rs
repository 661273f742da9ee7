//! Dig requests against a brute-force oracle: on a generated town of 20,000
//! features with its owners' interest areas, random simple polygons with
//! random buffers go through the router, and the owners, their answers and
//! the feature ids in each report must equal an exhaustive computation over
//! every feature and interest area with geo's exact Euclidean distance.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::TAU;
use std::sync::Arc;

use common::*;
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{InterestArea, NetworkFeature, Role};
use forsyning_store::{replace_dataset, GpkgStore, PostgisStore, Store};
use geo::{BoundingRect, Distance, Euclidean};
use geo_types::{Coord, Geometry, LineString, Polygon, Rect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// A star-shaped, hence simple, polygon around `c` with radii in `r` metres.
fn star(rng: &mut ChaCha8Rng, c: Coord<f64>, r: (f64, f64)) -> Polygon<f64> {
    let n = rng.gen_range(3..16);
    let step = TAU / n as f64;
    let mut ring: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            // Every angular gap stays below half a turn: the ring is simple.
            let a = (i as f64 + rng.gen_range(0.0..0.9)) * step;
            let radius = rng.gen_range(r.0..r.1);
            Coord {
                x: c.x + radius * a.cos(),
                y: c.y + radius * a.sin(),
            }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}

/// Whether the bounding boxes are more than `d` apart: then so are the geometries.
fn far(a: &Rect<f64>, b: &Rect<f64>, d: f64) -> bool {
    a.min().x - d > b.max().x
        || b.min().x - d > a.max().x
        || a.min().y - d > b.max().y
        || b.min().y - d > a.max().y
}

struct Oracle {
    features: Vec<(Rect<f64>, NetworkFeature)>,
    areas: Vec<(Rect<f64>, InterestArea)>,
}

impl Oracle {
    /// Owner → expected answer code, and the expected feature ids.
    fn answer(&self, p: &Polygon<f64>, buffer: f64) -> (BTreeMap<String, String>, BTreeSet<Uuid>) {
        let pg = Geometry::Polygon(p.clone());
        let pr = p.bounding_rect().unwrap();
        let near = |r: &Rect<f64>, g: &Geometry<f64>| {
            !far(r, &pr, buffer) && Euclidean.distance(g, &pg) <= buffer
        };
        let mut owners: BTreeMap<String, (u64, bool)> = BTreeMap::new();
        for (r, a) in &self.areas {
            if near(r, &Geometry::MultiPolygon(a.geometry.clone())) {
                owners.entry(a.owner_id.to_string()).or_default().1 |= a.marks_on_site;
            }
        }
        let mut ids = BTreeSet::new();
        for (r, f) in &self.features {
            if near(r, &f.geometry) {
                owners.entry(f.owner_id.to_string()).or_default().0 += 1;
                ids.insert(f.id);
            }
        }
        let answers = owners
            .into_iter()
            .map(|(o, (n, marks))| {
                let answer = match (n, marks) {
                    (0, _) => "no_lines_in_area",
                    (_, true) => "on_site_marking_delivered",
                    _ => "delivered",
                };
                (o, answer.to_owned())
            })
            .collect();
        (answers, ids)
    }
}

async fn oracle_run(store: Arc<dyn Store>, requests: usize, seed: u64) {
    let town = Town::new(TownConfig::new(seed, 20_000));
    let s = store.as_ref();
    for owner in town.owners() {
        let fs = town.features().filter(|f| f.owner_id == owner.org_id);
        replace_dataset(s, &owner.org_id, &owner.dataset_name, fs)
            .await
            .unwrap();
    }
    let areas = town.interest_areas();
    for a in &areas {
        s.replace_interest_areas(&a.owner_id, vec![a.clone()])
            .await
            .unwrap();
    }
    let oracle = Oracle {
        features: town
            .features()
            .map(|f| (f.geometry.bounding_rect().unwrap(), f))
            .collect(),
        areas: areas
            .into_iter()
            .map(|a| (a.geometry.bounding_rect().unwrap(), a))
            .collect(),
    };
    let app = app(store.clone());
    let con = org_with_token(s, "CON-ORACLE", Role::Contractor).await;
    let e = town.extent();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut hits, mut owners_seen) = (0, BTreeSet::new());
    for q in 0..requests {
        let c = Coord {
            x: rng.gen_range(e.min().x + 240.0..e.max().x - 240.0),
            y: rng.gen_range(e.min().y + 240.0..e.max().y - 240.0),
        };
        let p = star(&mut rng, c, (5.0, 240.0));
        let buffer = if q % 10 == 0 {
            0.0
        } else {
            rng.gen_range(0.0..10.0)
        };
        let (status, r) = post_json(
            &app,
            "/api/v1/dig-requests",
            Some(&con),
            &dig_body(&p, buffer),
        )
        .await;
        assert_eq!(status, 201, "request {q}: {r}");
        let got_owners: BTreeMap<String, String> = r["owners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["owner_id"].as_str().unwrap().to_owned(),
                    o["answer"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let got_ids: BTreeSet<Uuid> = r["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().parse().unwrap())
            .collect();
        let (want_owners, want_ids) = oracle.answer(&p, buffer);
        assert_eq!(
            got_owners,
            want_owners,
            "{} request {q}: owners",
            s.backend()
        );
        assert_eq!(got_ids, want_ids, "{} request {q}: features", s.backend());
        hits += usize::from(!want_ids.is_empty());
        owners_seen.extend(want_owners.into_keys());
    }
    assert!(
        hits > requests * 9 / 10,
        "most requests should find features ({hits})"
    );
    assert_eq!(owners_seen.len(), 6, "every owner answers some request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_requests_match_brute_force_on_the_geopackage_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("o.gpkg")).await.unwrap();
    oracle_run(Arc::new(store), 500, 17).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_match_brute_force_on_the_postgis_store() {
    let Some(url) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_digoracle_{}", Uuid::new_v4().simple());
    let pg = PostgisStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    oracle_run(Arc::new(pg.clone()), 150, 18).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}
