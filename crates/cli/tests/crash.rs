//! A `forsyning` process killed with SIGKILL while it replaces datasets
//! leaves every dataset either at its old version or at its new one, whole.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use forsyning_store::{GpkgStore, PostgisStore, Store, StoreLocation};

fn forsyning(store: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_forsyning"));
    c.arg("--store")
        .arg(store)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn demo(store: &str, seed: &str, features: &str) -> Command {
    forsyning(
        store,
        &["demo", "--no-serve", "--seed", seed, "--features", features],
    )
}

/// Current version and feature count of every dataset, checked to be whole.
async fn versions(store: &dyn Store) -> BTreeMap<String, (u32, usize)> {
    common::whole_datasets(store)
        .await
        .into_iter()
        .map(|((owner, _), v)| (owner, v))
        .collect()
}

fn kill_when(mut child: Child, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the writer finished before it could be killed"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the writer never got going"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

fn check_outcome(before: &BTreeMap<String, (u32, usize)>, after: &BTreeMap<String, (u32, usize)>) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let mut old = 0;
    for (owner, &(v, n)) in after {
        match v {
            1 => {
                assert_eq!(
                    (v, n),
                    before[owner],
                    "{owner} changed without a new version"
                );
                old += 1;
            }
            2 => assert!(
                n > before[owner].1,
                "{owner} version 2 should be the larger town"
            ),
            _ => panic!("{owner} at unexpected version {v}"),
        }
    }
    assert!(
        old > 0,
        "the kill came after every dataset was replaced: nothing was tested"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_replace_leaves_gpkg_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.gpkg");
    let loc = format!("gpkg:{}", path.display());
    assert!(demo(&loc, "1", "3000").status().unwrap().success());
    let before = versions(&GpkgStore::open(&path).await.unwrap()).await;

    let wal = dir.path().join("crash.gpkg-wal");
    let child = demo(&loc, "2", "400000").spawn().unwrap();
    kill_when(child, || {
        std::fs::metadata(&wal)
            .map(|m| m.len() > 8 << 20)
            .unwrap_or(false)
    });

    common::assert_gpkg_whole(&path);
    let store = GpkgStore::open(&path).await.unwrap();
    let after = versions(&store).await;
    check_outcome(&before, &after);
    let in_memory: usize = after.values().map(|(_, n)| n).sum();
    assert_eq!(store.feature_count(), in_memory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_replace_leaves_postgis_whole() {
    let Some(base) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    let schema = format!("t_crash_{}", uuid::Uuid::new_v4().simple());
    let admin = PostgisStore::connect_in_schema(&base, Some(&schema))
        .await
        .unwrap();
    let url = forsyning_fixtures::test_env::postgres_url_in_schema(&base, &schema);
    assert!(matches!(
        url.parse::<StoreLocation>(),
        Ok(StoreLocation::Postgres(_))
    ));
    assert!(demo(&url, "1", "3000").status().unwrap().success());
    let store = PostgisStore::connect_in_schema(&base, Some(&schema))
        .await
        .unwrap();
    let before = versions(&store).await;

    let child = demo(&url, "2", "400000").spawn().unwrap();
    let pool = admin.pool().clone();
    let handle = tokio::runtime::Handle::current();
    let busy = move || {
        // The writer's transaction has inserted rows that nobody else can see yet.
        let q = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO network_features %' AND state <> 'idle'",
        );
        let n = tokio::task::block_in_place(|| handle.block_on(q.fetch_one(&pool))).unwrap();
        n > 0
    };
    kill_when(child, busy);
    // The server notices the dead client and rolls its transaction back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = versions(&store).await;
    check_outcome(&before, &after);
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(admin.pool())
        .await
        .unwrap();
}
