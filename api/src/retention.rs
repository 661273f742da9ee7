//! Retention: delivered and skipped webhook events older than the outbox
//! retention (30 days by default), and finished jobs older than a day, are
//! deleted from the store, once at start and then every `every`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use forsyning_store::Store;

use crate::Metrics;

/// What is kept how long.
#[derive(Debug, Clone)]
pub struct Retention {
    /// Delivered and skipped outbox events.
    pub outbox: TimeDelta,
    /// Finished jobs.
    pub jobs: TimeDelta,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            outbox: TimeDelta::days(30),
            jobs: crate::jobs::KEEP_FINISHED,
        }
    }
}

/// Prunes once; returns (outbox events, jobs) deleted.
pub async fn prune(
    store: &dyn Store,
    metrics: &Metrics,
    retention: &Retention,
) -> Result<(u64, u64), forsyning_store::StoreError> {
    let now = Utc::now();
    let events = store.prune_outbox(now - retention.outbox).await?;
    let jobs = store.prune_jobs(now - retention.jobs).await?;
    metrics.add(
        crate::metrics::PRUNED,
        crate::metrics::PRUNED_HELP,
        &[],
        events as f64,
    );
    if events + jobs > 0 {
        tracing::info!(events, jobs, "retention: pruned");
    }
    Ok((events, jobs))
}

/// Prunes now and every `every` until `stop` resolves.
pub async fn run(
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    retention: Retention,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        if let Err(e) = prune(store.as_ref(), &metrics, &retention).await {
            tracing::warn!(error = %e, "retention: pruning failed; trying again later");
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
