//! Graceful shutdown in three steps, so that a rolling update loses no
//! request:
//!
//! 1. the signal comes: `/readyz` starts answering 503 (`draining`), while
//!    the server still takes new requests for `delay`, the time a load
//!    balancer needs to see the 503 and stop sending;
//! 2. the listener closes and open requests run to their end;
//! 3. requests still open after `grace` are cut and the server returns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

/// How the server drains.
#[derive(Debug, Clone)]
pub struct Drain {
    /// Set at the signal (shared with `AppState::draining`).
    pub draining: Arc<AtomicBool>,
    /// Time between the signal and closing the listener.
    pub delay: Duration,
    /// Longest wait for open requests after the listener closed.
    pub grace: Duration,
}

/// Serves `app` on `listener` until `signal` resolves, then drains as
/// `drain` says. Returns whether every open request finished in time.
pub async fn serve_draining(
    listener: tokio::net::TcpListener,
    app: Router,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
    drain: Drain,
) -> std::io::Result<bool> {
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let flag = drain.draining.clone();
    let delay = drain.delay;
    let shutdown = async move {
        signal.await;
        flag.store(true, Ordering::SeqCst);
        tracing::info!(
            delay_ms = delay.as_millis() as u64,
            "draining: readiness is off"
        );
        tokio::time::sleep(delay).await;
        tracing::info!("draining: listener closed, waiting for open requests");
        let _ = closed_tx.send(());
    };
    let server = crate::serve(listener, app, shutdown);
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => return r.map(|()| true),
        _ = closed_rx => {}
    }
    match tokio::time::timeout(drain.grace, server).await {
        Ok(r) => r.map(|()| true),
        Err(_) => {
            tracing::warn!(
                grace_s = drain.grace.as_secs(),
                "draining: requests still open after the grace period; cut"
            );
            Ok(false)
        }
    }
}
