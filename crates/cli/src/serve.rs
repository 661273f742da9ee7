//! `forsyning serve`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use forsyning_api::retention::Retention;
use forsyning_api::webhooks::{Dispatcher, RetryPolicy, WebhookKey};
use forsyning_api::{
    router, AppState, Drain, Jwks, Limits, OidcConfig, RateLimiter, UploadSettings,
};
use forsyning_store::Store;

use crate::args::{OidcArgs, ServeArgs};

pub async fn run(
    store: Arc<dyn Store>,
    args: &ServeArgs,
    region: &crate::region::RegionCtx,
) -> anyhow::Result<()> {
    let limits = Limits {
        request_timeout: Duration::from_secs(args.request_timeout_s),
        concurrency: args.concurrency,
        cors_origins: args.cors_origins.clone(),
        ..Limits::default()
    };
    let mut state = AppState::new(store.clone())
        .with_rate(RateLimiter::new(
            f64::from(args.rate_limit),
            f64::from(args.rate_burst),
        ))
        .with_uploads(UploadSettings {
            max_bytes: args.max_upload_mib << 20,
            dir: Some(std::env::temp_dir()),
        })
        .with_region(region.region.clone(), region.crs)
        .with_gnss(forsyning_api::gnss::GnssConfig {
            retention: chrono::TimeDelta::days(i64::from(args.gnss_retention_days)),
            ..Default::default()
        });
    if let Some(dir) = args.rinex_dir.clone() {
        let shown = dir.display().to_string();
        let archive = tokio::task::spawn_blocking(move || {
            forsyning_api::gnss::rinex::RinexArchive::open(&dir)
        })
        .await?
        .with_context(|| format!("--rinex-dir {shown}"))?;
        for (name, why) in &archive.skipped {
            tracing::warn!(file = %name, "--rinex-dir: not indexed: {why}");
        }
        state = state.with_rinex(archive);
    }
    state = flood_state(state, args)?;
    let mut sso = None;
    if let Some(oidc) = oidc_config(&args.oidc)? {
        sso = Some(format!(
            "  single sign-on: OIDC tokens of {} for audience {} (claim {:?} names the organisation; keys: {})",
            oidc.issuer,
            oidc.audience,
            oidc.org_claim,
            describe_keys(&oidc.jwks),
        ));
        state = state.with_oidc(oidc);
    }
    anyhow::ensure!(
        args.coordination_m.is_finite() && (0.0..=1000.0).contains(&args.coordination_m),
        "--coordination-m must be a distance from 0 to 1000 metres"
    );
    state.coordination_m = args.coordination_m;
    let store_for_retention = store.clone();
    let mut dispatcher = None;
    if let Some(path) = &args.webhook_key_file {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the webhook key {}", path.display()))?;
        let key = WebhookKey::new(bytes).with_context(|| format!("{}", path.display()))?;
        state = state.with_webhook_key(key.clone());
        dispatcher = Some(Dispatcher::new(store, key, RetryPolicy::default()));
    }
    let drain = Drain {
        draining: state.draining.clone(),
        delay: Duration::from_secs(args.ops.drain_delay_s),
        grace: Duration::from_secs(args.ops.drain_grace_s),
    };
    let (metrics, jobs) = (state.metrics.clone(), state.jobs.clone());
    let gnss_state = state.clone();
    let app = router(state, &limits);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("Forsyning is serving on http://{addr}");
    if let Some(sso) = sso {
        println!("{sso}");
    }
    if args.rate_limit == 0 {
        println!("  rate limit: off");
    } else {
        println!(
            "  rate limit: {} requests/s per token, bursts of {}",
            args.rate_limit, args.rate_burst
        );
    }
    println!(
        "  uploads: at most {} MiB each, staged in {}",
        args.max_upload_mib,
        std::env::temp_dir().display()
    );
    println!("  curl http://{addr}/healthz");
    println!("  curl http://{addr}/readyz");
    println!("  curl http://{addr}/api/v1/status    (a page for people: /status)");
    println!("  curl http://{addr}/metrics");
    println!("Press Ctrl-C to stop.");
    // The dispatcher delivers the outbox's events, also those a previous
    // process left pending; it stops with the server.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = || {
        let mut rx = stopped.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let delivering =
        dispatcher.map(|d| tokio::spawn(d.run(Duration::from_secs(1), until_stopped())));
    let retention = Retention {
        outbox: chrono::TimeDelta::days(i64::from(args.ops.outbox_retention_days)),
        ..Retention::default()
    };
    let pruning = tokio::spawn(forsyning_api::retention::run(
        store_for_retention,
        metrics,
        retention,
        Duration::from_secs(3600),
        until_stopped(),
    ));
    let gnss_retention = tokio::spawn(forsyning_api::gnss::run_retention(
        gnss_state.gnss.clone(),
        Duration::from_secs(3600),
        until_stopped(),
    ));
    if let Some(addr) = args.gnss_tcp {
        let gnss = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening for GNSS devices on {addr}"))?;
        println!(
            "  GNSS devices: raw NMEA on tcp://{} (first line: the device token)",
            gnss.local_addr()?
        );
        tokio::spawn(forsyning_api::gnss::tcp::serve_tcp(
            gnss,
            gnss_state,
            until_stopped(),
        ));
    }
    let drained = forsyning_api::serve_draining(listener, app, shutdown_signal(), drain).await?;
    let _ = stop.send(true);
    if let Some(task) = delivering {
        let _ = task.await;
    }
    let _ = pruning.await;
    let _ = gnss_retention.await;
    // What the jobs last reported reaches the store before the process ends.
    jobs.flush().await;
    if !drained {
        tracing::warn!("stopped with requests still open");
    }
    Ok(())
}

/// The OIDC configuration of the flags, reading the JWKS file; `None`
/// when single sign-on is off.
fn oidc_config(args: &OidcArgs) -> anyhow::Result<Option<OidcConfig>> {
    let (Some(issuer), Some(audience), Some(path)) =
        (&args.oidc_issuer, &args.oidc_audience, &args.oidc_jwks)
    else {
        // clap makes the three come together.
        return Ok(None);
    };
    for (flag, value) in [
        ("--oidc-issuer", issuer),
        ("--oidc-audience", audience),
        ("--oidc-org-claim", &args.oidc_org_claim),
    ] {
        if value.trim().is_empty() {
            anyhow::bail!("{flag} must not be empty");
        }
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the JWKS file {}", path.display()))?;
    let jwks = Jwks::from_json(&text)
        .with_context(|| format!("{} is not a usable JWKS", path.display()))?;
    Ok(Some(
        OidcConfig::new(issuer.clone(), audience.clone(), jwks)
            .with_org_claim(args.oidc_org_claim.clone())
            .with_leeway(Duration::from_secs(args.oidc_leeway_s)),
    ))
}

fn describe_keys(jwks: &Jwks) -> String {
    let kids = jwks.kids();
    if kids.is_empty() {
        format!("{} without kid", jwks.len())
    } else {
        kids.join(", ")
    }
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

/// The flood settings of `args`: the DEM (checked to open), the results
/// folder (created) and the climate table.
fn flood_state(mut state: AppState, args: &ServeArgs) -> anyhow::Result<AppState> {
    if let Some(path) = &args.climate {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--climate: reading {}", path.display()))?;
        let name = path.display().to_string();
        let climate = forsyning_terrain::climate::Climate::parse(&text, &name)
            .with_context(|| format!("--climate {name}"))?;
        state = state.with_climate(climate, name);
    }
    if let Some(dem) = &args.flood_dem {
        forsyning_terrain::io::Raster::open(dem)
            .with_context(|| format!("--flood-dem {}", dem.display()))?;
        std::fs::create_dir_all(&args.flood_dir)
            .with_context(|| format!("--flood-dir {}", args.flood_dir.display()))?;
        println!(
            "  flood jobs on {}, results in {}",
            dem.display(),
            args.flood_dir.display()
        );
        state = state.with_dem(dem.clone());
    }
    Ok(state.with_flood_results(args.flood_dir.clone()))
}
