//! Tiles as a user gets them: `forsyning demo` serves a town, curl fetches
//! a tile with the demo's token, and GDAL's MVT driver (`ogrinfo`) lists
//! the layers and counts our own decoder finds; `forsyning tiles export`
//! refuses private layers and writes a PMTiles v3 archive that the
//! `pmtiles` crate reads back.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use forsyning_fixtures::{Town, TownConfig};
use forsyning_tiles::mvt::Tile;
use forsyning_tiles::TileCoord;

fn tool_missing(tool: &str) -> bool {
    let missing = Command::new(tool).arg("--version").output().is_err();
    if missing {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{tool} must be installed under CI"
        );
        eprintln!("skipping: {tool} is not installed");
    }
    missing
}

/// The z16 tile over the centre of the town of `seed` and `n` features.
fn centre_tile(seed: u64, n: usize, z: u8) -> TileCoord {
    let c = Town::new(TownConfig::new(seed, n)).extent().center();
    let m = forsyning_tiles::project::coord_to_web_mercator(c, forsyning_geo::Crs::STORE).unwrap();
    TileCoord::covering(&geo_types::Rect::new(m, m), z)
        .next()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Layer name → feature count, as `ogrinfo -so -al` prints them.
fn ogrinfo_counts(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut layer = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("Layer name: ") {
            layer = Some(n.trim().to_owned());
        }
        if let (Some(c), Some(l)) = (line.strip_prefix("Feature Count: "), &layer) {
            out.insert(l.clone(), c.trim().parse().unwrap());
        }
    }
    out
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_served_tile_reads_in_ogrinfo_with_the_layers_and_counts_we_decode() {
    if tool_missing("ogrinfo") || tool_missing("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir.path())
        .args([
            "demo",
            "--features",
            "5000",
            "--seed",
            "3",
            "--listen",
            &listen,
            "--rate-limit",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _guard = Child(child);
    // Read the demo's output to the end on a thread of its own: a closed
    // pipe would fail the server's next line of output.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(t) = l.split("Bearer ").nth(1) {
                let _ = tx.send(t.split('\'').next().unwrap().to_owned());
            }
        }
    });
    let token = rx
        .recv_timeout(std::time::Duration::from_secs(600))
        .expect("the demo prints a token");
    let base = format!("http://{listen}");
    let mut ready = false;
    for _ in 0..3000 {
        ready = Command::new("curl")
            .args(["-sf", &format!("{base}/readyz")])
            .output()
            .unwrap()
            .status
            .success();
        if ready {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ready, "the demo server did not get ready in 5 minutes");
    let t = centre_tile(3, 5000, 16);
    // GDAL's MVT driver georeferences a tile from a z/x/y path.
    let path = dir
        .path()
        .join(format!("{}/{}/{}.mvt", t.z(), t.x(), t.y()));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let url = format!("{base}/tiles/network/{}/{}/{}.mvt", t.z(), t.x(), t.y());
    let got = Command::new("curl")
        .args([
            "-sSf",
            "--retry",
            "5",
            "--retry-all-errors",
            "--compressed",
            "-H",
            &format!("Authorization: Bearer {token}"),
            "-o",
            path.to_str().unwrap(),
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        got.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&got.stderr)
    );
    let tile = Tile::decode(&std::fs::read(&path).unwrap()).unwrap();
    tile.validate().unwrap();
    let ours: BTreeMap<String, u64> = tile
        .layers
        .iter()
        .map(|l| (l.name.clone(), l.features.len() as u64))
        .collect();
    assert!(
        ours.values().sum::<u64>() > 10,
        "the centre tile holds features: {ours:?}"
    );
    assert!(ours.keys().all(|k| [
        "electricity",
        "gas",
        "water",
        "sewer",
        "district_heating",
        "oil",
        "telecom",
        "other"
    ]
    .contains(&k.as_str())));
    let info = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success(),
        "ogrinfo: {}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert_eq!(ogrinfo_counts(&text), ours, "ogrinfo:\n{text}");
    assert!(
        text.contains("depth_mm") && text.contains("hazard"),
        "the fields are there:\n{text}"
    );
    // Without a token: 401, as for /api/v1/features.
    let anon = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &url])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&anon.stdout), "401");
}

fn forsyning(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn export_refuses_private_layers_and_writes_a_pmtiles_archive_pmtiles_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = forsyning(
        dir.path(),
        &["demo", "--no-serve", "--features", "3000", "--seed", "5"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Network tiles are not public: no archive without --include-private.
    let refused = forsyning(
        dir.path(),
        &[
            "tiles",
            "export",
            "--layer",
            "network",
            "--min-zoom",
            "12",
            "--max-zoom",
            "15",
            "n.pmtiles",
        ],
    );
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("not a public layer"), "{err}");
    assert!(!dir.path().join("n.pmtiles").exists());
    let unknown = forsyning(
        dir.path(),
        &["tiles", "export", "--layer", "roads", "x.pmtiles"],
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no such tile source"));

    let ok = forsyning(
        dir.path(),
        &[
            "tiles",
            "export",
            "--layer",
            "network",
            "--min-zoom",
            "12",
            "--max-zoom",
            "15",
            "--include-private",
            "n.pmtiles",
        ],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bytes = std::fs::read(dir.path().join("n.pmtiles")).unwrap();
    assert_eq!(&bytes[..8], b"PMTiles\x03");
    let reader = pmtiles::AsyncPmTilesReader::try_from_source(Memory(bytes))
        .await
        .unwrap();
    let h = reader.get_header();
    assert_eq!((h.min_zoom, h.max_zoom), (12, 15));
    let t = centre_tile(5, 3000, 15);
    let c = pmtiles::TileCoord::new(t.z(), t.x(), t.y()).unwrap();
    let mvt = reader
        .get_tile_decompressed(c)
        .await
        .unwrap()
        .expect("the centre tile is in the archive");
    let tile = Tile::decode(&mvt).unwrap();
    tile.validate().unwrap();
    assert!(tile.layers.iter().map(|l| l.features.len()).sum::<usize>() > 10);
    let meta: serde_json::Value =
        serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
    assert_eq!(meta["vector_layers"][0]["id"], "electricity");
    // The export disclosed every feature: it is in the audit log, and the chain holds.
    let verify = forsyning(dir.path(), &["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(text.contains("intact: 1 entries"), "{text}");
}

/// An archive in memory, as a range-request backend.
struct Memory(Vec<u8>);

impl pmtiles::AsyncBackend for Memory {
    async fn read(&self, offset: usize, length: usize) -> pmtiles::PmtResult<bytes::Bytes> {
        let end = (offset + length).min(self.0.len());
        Ok(bytes::Bytes::copy_from_slice(&self.0[offset.min(end)..end]))
    }
}
