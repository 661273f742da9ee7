//! `forsyning serve`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use forsyning_api::webhooks::{Dispatcher, RetryPolicy, WebhookKey};
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
    let mut state = AppState::new(store.clone());
    anyhow::ensure!(
        args.coordination_m.is_finite() && (0.0..=1000.0).contains(&args.coordination_m),
        "--coordination-m must be a distance from 0 to 1000 metres"
    );
    state.coordination_m = args.coordination_m;
    let mut dispatcher = None;
    if let Some(path) = &args.webhook_key_file {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the webhook key {}", path.display()))?;
        let key = WebhookKey::new(bytes).with_context(|| format!("{}", path.display()))?;
        state = state.with_webhook_key(key.clone());
        dispatcher = Some(Dispatcher::new(store, key, RetryPolicy::default()));
    }
    let app = router(state, &limits);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("Forsyning is serving on http://{addr}");
    println!("  curl http://{addr}/healthz");
    println!("  curl http://{addr}/readyz");
    println!("  curl http://{addr}/api/v1/status");
    println!("Press Ctrl-C to stop.");
    // The dispatcher delivers the outbox's events, also those a previous
    // process left pending; it stops with the server.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let delivering = dispatcher.map(|d| {
        tokio::spawn(d.run(Duration::from_secs(1), async {
            let _ = stopped.await;
        }))
    });
    forsyning_api::serve(listener, app, shutdown_signal()).await?;
    let _ = stop.send(());
    if let Some(task) = delivering {
        let _ = task.await;
    }
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
