//! `forsyning serve`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use forsyning_api::{router, AppState, Limits};
use forsyning_store::Store;

use crate::args::ServeArgs;

pub async fn run(store: Arc<dyn Store>, args: &ServeArgs) -> anyhow::Result<()> {
    let limits = Limits {
        request_timeout: Duration::from_secs(args.request_timeout_s),
        concurrency: args.concurrency,
        cors_origins: args.cors_origins.clone(),
        ..Limits::default()
    };
    let app = router(AppState::new(store), &limits);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("Forsyning is serving on http://{addr}");
    println!("  curl http://{addr}/healthz");
    println!("  curl http://{addr}/readyz");
    println!("  curl http://{addr}/api/v1/status");
    println!("Press Ctrl-C to stop.");
    forsyning_api::serve(listener, app, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
