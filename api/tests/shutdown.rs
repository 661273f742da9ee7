//! Graceful shutdown over a real socket: a request under way when the
//! signal comes is answered, readiness turns 503 during the delay, new
//! connections are refused once the listener closes, and a request past
//! the grace period is cut.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use forsyning_api::{router, serve_draining, AppState, Drain, Limits};
use forsyning_store::GpkgStore;

async fn start(
    grace: Duration,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<bool>>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("s.gpkg")).await.unwrap();
    let state = AppState::new(Arc::new(store));
    let draining = state.draining.clone();
    let app = router(state, &Limits::default()).merge(axum::Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(1200)).await;
            "done"
        }),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let drain = Drain {
        draining,
        delay: Duration::from_millis(300),
        grace,
    };
    let server = tokio::spawn(serve_draining(
        listener,
        app,
        async {
            let _ = rx.await;
        },
        drain,
    ));
    (addr, tx, server, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_requests_finish_after_the_signal() {
    let (addr, stop, server, _dir) = start(Duration::from_secs(10)).await;
    let client = reqwest::Client::new();
    let slow = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .get(format!("http://{addr}/slow"))
                .send()
                .await?
                .text()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // In the delay: still serving, but not ready.
    let ready = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(slow.await.unwrap().unwrap(), "done");
    assert!(server.await.unwrap().unwrap(), "drained in time");
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err(),
        "listener closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_the_grace_period_are_cut() {
    let (addr, stop, server, _dir) = start(Duration::from_millis(200)).await;
    let slow = tokio::spawn(async move { reqwest::get(format!("http://{addr}/slow")).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let t = std::time::Instant::now();
    assert!(!server.await.unwrap().unwrap(), "reported as cut");
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
    drop(slow);
}
