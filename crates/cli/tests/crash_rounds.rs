//! The crash harness: `forsyning serve` killed with SIGKILL at a random
//! moment while contractors file dig requests and an owner's upload
//! replaces a dataset, round after round on each backend
//! (`FORSYNING_CRASH_ROUNDS`, default 50). After every kill the store is
//! checked as it lies on disk, and the next round starts the server again on
//! it, so every round also tests the restart. Two rounds in three kill
//! anywhere from before the upload is taken to after it is stored (0.05 to
//! 1.6 times an upload's measured time); every third kills just after the
//! upload is stored. What must hold:
//!
//! - GeoPackage: `PRAGMA integrity_check` is `ok` and the R-tree holds one
//!   entry per feature row;
//! - every dataset's current version is whole (as many features as the
//!   version says), and the uploaded dataset is at one of the uploads, never
//!   a part of one;
//! - every dig request the server answered `201` is stored with the owners
//!   its report named, and the outbox holds one `dig_request.received` event
//!   per owner for it;
//! - every upload the server answered `202` is known after the restart
//!   (`GET /api/v1/jobs/{id}`), and one reported succeeded names a stored
//!   version holding the upload's features.
//!
//! `cargo test -p forsyning --test crash_rounds -- --nocapture` prints
//! where each kill fell.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{token_hash, OrgId, Organisation, Role, TokenRecord};
use forsyning_store::{EventKind, GpkgStore, PostgisStore, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use uuid::Uuid;

/// The owner whose dataset the uploads replace, and the dataset.
const OWNER: &str = "SYN-VAND";
const DATASET: &str = "crash";
/// Two uploads of different sizes, sent in turn.
const UPLOADS: [(u64, usize); 2] = [(11, 24_000), (12, 36_000)];
const BOUNDARY: &str = "----forsyning-crash-harness";

fn rounds() -> usize {
    std::env::var("FORSYNING_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50)
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_forsyning")
}

/// The upload's GeoJSON and its feature count.
fn upload_body(seed: u64, n: usize) -> (Vec<u8>, usize) {
    let features: Vec<_> = Town::new(TownConfig::new(seed, n))
        .features()
        .filter(|f| f.owner_id.as_str() == OWNER)
        .collect();
    let mut geojson = Vec::new();
    forsyning_ingest::write_feature_collection(
        &mut geojson,
        "urn:ogc:def:crs:EPSG::25832",
        &features,
    )
    .unwrap();
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vand.geojson\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(&geojson);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (body, features.len())
}

/// Organisation `id` with `role` and a new token; the Authorization header.
async fn org_with_token(store: &dyn Store, id: &str, role: Role) -> String {
    store
        .create_org(&Organisation {
            id: OrgId::new(id).unwrap(),
            name: id.into(),
            role,
            boundary: None,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let secret = format!("fsy_crash_{}", Uuid::new_v4().simple());
    store
        .insert_token(&TokenRecord {
            id: Uuid::new_v4(),
            org_id: OrgId::new(id).unwrap(),
            label: "crash harness".into(),
            hash: token_hash(&secret),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    format!("Bearer {secret}")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `forsyning serve`, killed (SIGKILL) and waited for when
/// dropped, so a failing round leaves no server behind.
struct Server(Child);

impl Server {
    fn kill(&mut self) {
        let _ = self.0.kill(); // SIGKILL
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `forsyning serve` on `store`, answering on its `/readyz`.
async fn serve(store: &str, http: &reqwest::Client) -> (Server, String) {
    let port = free_port();
    let child = Server(
        Command::new(bin())
            .args(["--store", store, "serve", "--rate-limit", "0"])
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return (child, base);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the server did not get ready on {store}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What the server accepted before it was killed.
#[derive(Debug, Default)]
struct Accepted {
    /// Dig request id -> the owners its report named.
    digs: BTreeMap<Uuid, BTreeSet<String>>,
    /// Upload job id -> the feature count of what was uploaded.
    jobs: BTreeMap<Uuid, usize>,
}

/// Contractors filing dig requests until the server stops answering.
async fn file_digs(
    http: reqwest::Client,
    base: String,
    auth: String,
    seed: u64,
    extent: geo_types::Rect<f64>,
    accepted: Arc<Mutex<Accepted>>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    loop {
        let x = rng.gen_range(extent.min().x..extent.max().x - 100.0);
        let y = rng.gen_range(extent.min().y..extent.max().y - 100.0);
        let s = rng.gen_range(20.0..100.0);
        let now = Utc::now();
        let body = json!({
            "polygon": {"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]},
            "buffer_m": 2.0,
            "period_from": (now + chrono::Duration::hours(1)).to_rfc3339(),
            "period_to": (now + chrono::Duration::days(7)).to_rfc3339(),
            "purpose": "crash harness",
            "contact": "crash harness",
        });
        let sent = http
            .post(format!("{base}/api/v1/dig-requests"))
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await;
        let Ok(res) = sent else { return };
        let status = res.status().as_u16();
        let Ok(bytes) = res.bytes().await else {
            return;
        };
        let report: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(status, 201, "{report}");
        let id: Uuid = report["id"].as_str().unwrap().parse().unwrap();
        let owners = report["owners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["owner_id"].as_str().unwrap().to_owned())
            .collect();
        accepted.lock().unwrap().digs.insert(id, owners);
    }
}

/// Four contractors filing dig requests until the server stops answering.
fn spawn_filers(
    http: &reqwest::Client,
    base: &str,
    auth: &str,
    seed: u64,
    extent: geo_types::Rect<f64>,
    accepted: &Arc<Mutex<Accepted>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..4)
        .map(|k| {
            tokio::spawn(file_digs(
                http.clone(),
                base.to_owned(),
                auth.to_owned(),
                seed * 4 + k,
                extent,
                accepted.clone(),
            ))
        })
        .collect()
}

async fn upload(
    http: &reqwest::Client,
    base: &str,
    auth: &str,
    body: Vec<u8>,
) -> Result<Uuid, reqwest::Error> {
    let res = http
        .post(format!(
            "{base}/api/v1/owners/{OWNER}/datasets?dataset={DATASET}"
        ))
        .header("authorization", auth)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await?;
    let status = res.status().as_u16();
    let bytes = res.bytes().await?;
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(status, 202, "{v}");
    Ok(v["job"].as_str().unwrap().parse().unwrap())
}

async fn job(http: &reqwest::Client, base: &str, auth: &str, id: Uuid) -> Value {
    let res = http
        .get(format!("{base}/api/v1/jobs/{id}"))
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let v: Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(status, 200, "job {id} after the restart: {v}");
    v
}

/// Waits until this round's upload is accepted and has succeeded.
async fn stored_then(http: &reqwest::Client, base: &str, auth: &str, round: &Mutex<Accepted>) {
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the round's upload did not end"
        );
        let id = round.lock().unwrap().jobs.keys().next().copied();
        if let Some(id) = id {
            let v = job(http, base, auth, id).await;
            match v["state"].as_str().unwrap() {
                "succeeded" => return,
                "queued" | "running" => {}
                other => panic!("the upload ended {other}: {v}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// How long an upload takes when nothing kills it, so kills can fall
/// anywhere in one.
async fn time_upload(http: &reqwest::Client, base: &str, auth: &str, body: Vec<u8>) -> Duration {
    let start = Instant::now();
    let id = upload(http, base, auth, body).await.unwrap();
    loop {
        let v = job(http, base, auth, id).await;
        match v["state"].as_str().unwrap() {
            "succeeded" => return start.elapsed(),
            "queued" | "running" => tokio::time::sleep(Duration::from_millis(10)).await,
            other => panic!("the timing upload ended {other}: {v}"),
        }
    }
}

/// The feature count of the uploaded dataset's current version (0 before
/// the first upload), every current version checked whole.
async fn check_datasets(store: &dyn Store, sizes: &[usize]) -> usize {
    let all = common::whole_datasets(store).await;
    match all.get(&(OWNER.to_owned(), DATASET.to_owned())) {
        Some(&(_, n)) => {
            assert!(
                sizes.contains(&n),
                "{OWNER}/{DATASET} holds {n} features: not an upload"
            );
            n
        }
        None => 0,
    }
}

async fn check_digs(store: &dyn Store, accepted: &Accepted) {
    let mut events: BTreeMap<Uuid, BTreeSet<String>> = BTreeMap::new();
    for e in store.events(None, u32::MAX).await.unwrap() {
        if e.kind == EventKind::DigRequestReceived {
            assert!(
                events
                    .entry(e.dig_request_id)
                    .or_default()
                    .insert(e.owner_id.to_string()),
                "two events for {} and {}",
                e.dig_request_id,
                e.owner_id
            );
        }
    }
    for (id, owners) in &accepted.digs {
        let record = store
            .dig_request(*id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("accepted dig request {id} was lost"));
        let stored: BTreeSet<String> = record
            .responses
            .iter()
            .map(|r| r.owner_id.to_string())
            .collect();
        assert_eq!(
            &stored, owners,
            "dig request {id}: other owners than reported"
        );
        let none = BTreeSet::new();
        assert_eq!(
            events.get(id).unwrap_or(&none),
            owners,
            "dig request {id}: outbox events lost"
        );
    }
}

/// Where the store lies, reopened after each kill.
enum Backend {
    Gpkg(std::path::PathBuf),
    Postgis { base: String, schema: String },
}

impl Backend {
    fn arg(&self) -> String {
        match self {
            Self::Gpkg(p) => format!("gpkg:{}", p.display()),
            Self::Postgis { base, schema } => {
                forsyning_fixtures::test_env::postgres_url_in_schema(base, schema)
            }
        }
    }

    async fn open(&self) -> Box<dyn Store> {
        match self {
            Self::Gpkg(p) => {
                common::assert_gpkg_whole(p);
                Box::new(GpkgStore::open(p).await.unwrap())
            }
            Self::Postgis { base, schema } => Box::new(
                PostgisStore::connect_in_schema(base, Some(schema))
                    .await
                    .unwrap(),
            ),
        }
    }
}

/// The rounds on one backend.
async fn run_rounds(backend: &Backend) {
    let store_arg = backend.arg();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let demo = Command::new(bin())
        .args(["--store", &store_arg, "demo", "--no-serve", "--seed", "1"])
        .args(["--features", "3000"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(demo.success());
    let extent = Town::new(TownConfig::new(1, 3000)).extent();
    let (admin, contractor) = {
        let s = backend.open().await;
        (
            org_with_token(s.as_ref(), "CRASH-ADMIN", Role::Admin).await,
            org_with_token(s.as_ref(), "CRASH-CON", Role::Contractor).await,
        )
    };
    {
        // The demo stores the town's networks, not their owners' organisations.
        let s = backend.open().await;
        org_with_token(s.as_ref(), OWNER, Role::Owner).await;
    };
    let mut accepted = Accepted::default();
    let bodies: Vec<(Vec<u8>, usize)> = UPLOADS.iter().map(|&(s, n)| upload_body(s, n)).collect();
    let sizes: Vec<usize> = bodies.iter().map(|b| b.1).collect();
    assert_ne!(sizes[0], sizes[1]);

    let (mut child, mut base) = serve(&store_arg, &http).await;
    // Timed under the same load as the rounds: contractors filing meanwhile.
    let timing = Arc::new(Mutex::new(Accepted::default()));
    let filers = spawn_filers(&http, &base, &contractor, 1_000_000, extent, &timing);
    let took = time_upload(&http, &base, &admin, bodies[0].0.clone()).await;
    child.kill();
    for f in filers {
        f.await.unwrap();
    }
    accepted
        .digs
        .extend(std::mem::take(&mut timing.lock().unwrap().digs));
    (child, base) = serve(&store_arg, &http).await;
    println!(
        "{store_arg}: an upload of {} features takes {took:?}",
        sizes[0]
    );
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let (mut mid_upload, mut stored_uploads) = (0, 0);
    let n_rounds = rounds();
    for round in 0..n_rounds {
        let (body, n) = bodies[round % 2].clone();
        let this_round = Arc::new(Mutex::new(Accepted::default()));
        let filers = spawn_filers(&http, &base, &contractor, round as u64, extent, &this_round);
        let uploader = {
            let (http, base, admin) = (http.clone(), base.clone(), admin.clone());
            let acc = this_round.clone();
            tokio::spawn(async move {
                if let Ok(id) = upload(&http, &base, &admin, body).await {
                    acc.lock().unwrap().jobs.insert(id, n);
                }
            })
        };
        let started = Instant::now();
        if round % 3 == 2 {
            // Just after the upload is stored, dig requests still coming.
            stored_then(&http, &base, &admin, &this_round).await;
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..30))).await;
        } else {
            // Anywhere from before the upload is taken to after it is
            // stored (the measured time varies with the machine's load).
            tokio::time::sleep(took.mul_f64(rng.gen_range(0.05..1.6))).await;
        }
        let delay = started.elapsed();
        child.kill();
        for f in filers {
            f.await.unwrap();
        }
        uploader.await.unwrap();

        let round_acc = std::mem::take(&mut *this_round.lock().unwrap());
        let digs_before = accepted.digs.len();
        accepted.digs.extend(round_acc.digs);
        let store = backend.open().await;
        let now_at = check_datasets(store.as_ref(), &sizes).await;
        check_digs(store.as_ref(), &accepted).await;
        let versions = match store
            .datasets(Some(&OrgId::new(OWNER).unwrap()))
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.name == DATASET)
        {
            Some(d) => store.dataset_versions(d.dataset_id).await.unwrap(),
            None => Vec::new(),
        };
        drop(store);

        // The restart; uploads accepted before the kill are known to it.
        (child, base) = serve(&store_arg, &http).await;
        let mut outcome = "not accepted".to_owned();
        for (&id, &n) in &round_acc.jobs {
            let v = job(&http, &base, &admin, id).await;
            let state = v["state"].as_str().unwrap().to_owned();
            match state.as_str() {
                "succeeded" => {
                    let version = v["version"].as_u64().unwrap_or_else(|| panic!("{v}"));
                    let stored = versions
                        .iter()
                        .find(|x| u64::from(x.version) == version)
                        .unwrap_or_else(|| {
                            panic!("job {id} names version {version}, not stored: {v}")
                        });
                    assert_eq!(stored.feature_count, n as u64, "{v}");
                    stored_uploads += 1;
                }
                "queued" | "running" => mid_upload += 1,
                // A restart marks a job failed only once it is stale (60 s);
                // a failure here is the upload's own, which is a defect.
                _ => panic!("job {id} after the restart: {v}"),
            }
            outcome = state;
        }
        println!(
            "round {round}: killed after {delay:?}: {} dig requests accepted, upload {outcome}, dataset at {now_at} features",
            accepted.digs.len() - digs_before,
        );
        accepted.jobs.extend(round_acc.jobs);
    }
    // The last restart serves every accepted request.
    for id in accepted.digs.keys() {
        let res = http
            .get(format!("{base}/api/v1/dig-requests/{id}"))
            .header("authorization", &contractor)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "dig request {id}");
    }
    child.kill();
    println!(
        "{store_arg}: {n_rounds} rounds, {} dig requests accepted and kept, {} uploads accepted ({stored_uploads} stored, {mid_upload} killed before their end)",
        accepted.digs.len(),
        accepted.jobs.len()
    );
    assert!(
        mid_upload > 0,
        "no kill fell inside an upload: nothing was tested"
    );
    assert!(
        stored_uploads > 0,
        "no kill fell after an upload was stored"
    );
    assert!(
        !accepted.digs.is_empty(),
        "no dig request was accepted: nothing was tested"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_rounds_on_the_gpkg_store_lose_nothing_accepted() {
    let dir = tempfile::tempdir().unwrap();
    run_rounds(&Backend::Gpkg(dir.path().join("crash.gpkg"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_rounds_on_the_postgis_store_lose_nothing_accepted() {
    let Some(base) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_crash_rounds_{}", Uuid::new_v4().simple());
    let admin = PostgisStore::connect_in_schema(&base, Some(&schema))
        .await
        .unwrap();
    run_rounds(&Backend::Postgis {
        base: base.clone(),
        schema: schema.clone(),
    })
    .await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(admin.pool())
        .await
        .unwrap();
}
