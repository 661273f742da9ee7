//! `forsyning serve --config FILE`: one TOML file with the settings of the
//! server. Every key is a flag of `serve` (with `_` for `-`), plus `store`,
//! `region`, `log_format` and an `[oidc]` table:
//!
//! ```toml
//! store = "postgres://forsyning@db/forsyning"
//! region = "netherlands"
//! listen = "0.0.0.0:8080"
//! rate_limit = 50
//! outbox_retention_days = 30
//! [oidc]
//! issuer = "https://login.example.dk/realms/ler"
//! audience = "forsyning-api"
//! jwks = "/etc/forsyning/jwks.json"
//! ```
//!
//! A flag on the command line wins, then its `FORSYNING_*` variable, then
//! the file, then the default. The file is checked whole before anything
//! starts: an unknown key, a value of the wrong type or out of range is an
//! error naming the file and the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::Deserialize;

use crate::args::{Cli, Command, ServeArgs};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    store: Option<String>,
    region: Option<String>,
    log_format: Option<String>,
    listen: Option<String>,
    request_timeout_s: Option<u64>,
    concurrency: Option<usize>,
    cors_origins: Option<Vec<String>>,
    webhook_key_file: Option<PathBuf>,
    service_area: Option<String>,
    coordination_m: Option<f64>,
    rate_limit: Option<u32>,
    rate_burst: Option<u32>,
    max_upload_mib: Option<u64>,
    gnss_tcp: Option<String>,
    gnss_retention_days: Option<u32>,
    rinex_dir: Option<PathBuf>,
    flood_dem: Option<PathBuf>,
    flood_dir: Option<PathBuf>,
    climate: Option<PathBuf>,
    drain_delay_s: Option<u64>,
    drain_grace_s: Option<u64>,
    outbox_retention_days: Option<u32>,
    oidc: Option<Oidc>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Oidc {
    issuer: Option<String>,
    audience: Option<String>,
    jwks: Option<PathBuf>,
    org_claim: Option<String>,
    leeway_s: Option<u64>,
}

/// Reads and checks the file of `serve --config`, if one is given, and
/// fills in what neither a flag nor the environment set.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let Command::Serve(args) = &mut cli.command else {
        return Ok(());
    };
    let Some(path) = args.ops.config.clone() else {
        return Ok(());
    };
    let serve = matches.subcommand_matches("serve").unwrap_or(matches);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the configuration {}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}, {}: {}",
            path.display(),
            location(&text, e.span()),
            e.message().trim_end()
        )
    })?;
    let unset = |id: &str| {
        !matches!(
            serve.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    if let Some(store) = &file.store {
        if unset("store") {
            cli.store = store.parse().map_err(|e| key_error(&path, "store", e))?;
        }
    }
    if let Some(region) = &file.region {
        // Checked when the region is resolved, before the store opens.
        if unset("region") {
            cli.region = region.clone();
        }
    }
    if let Some(format) = &file.log_format {
        if !["text", "json"].contains(&format.as_str()) {
            return Err(key_error(
                &path,
                "log_format",
                format!("{format:?} is not \"text\" or \"json\""),
            ));
        }
        if unset("log_format") {
            cli.log_format = format.clone();
        }
    }
    let Command::Serve(args) = &mut cli.command else {
        return Ok(());
    };
    fill(args, file, &path, unset)
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(s) => {
            let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}")
        }
        None => "the file".into(),
    }
}

fn key_error(path: &Path, key: &str, problem: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{}: key `{key}`: {problem}", path.display())
}

/// The socket address of `key`, `HOST:PORT`.
fn address(path: &Path, key: &str, v: &str) -> anyhow::Result<SocketAddr> {
    v.parse()
        .map_err(|e| key_error(path, key, format!("{v:?}: {e}")))
}

fn range<T: PartialOrd + std::fmt::Display + Copy>(
    path: &Path,
    key: &str,
    v: T,
    lo: T,
    hi: T,
) -> anyhow::Result<T> {
    if v < lo || v > hi {
        return Err(key_error(path, key, format!("{v} is not in {lo}..={hi}")));
    }
    Ok(v)
}

fn fill(
    args: &mut ServeArgs,
    f: File,
    path: &Path,
    unset: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    // Values are checked before the flag/environment test, so a bad file
    // fails whatever overrides it.
    macro_rules! set {
        ($key:literal, $value:expr, $target:expr) => {
            if let Some(v) = $value {
                if unset($key) {
                    $target = v;
                }
            }
        };
    }
    let listen = f.listen.map(|l| address(path, "listen", &l)).transpose()?;
    set!("listen", listen, args.listen);
    let timeout = f
        .request_timeout_s
        .map(|v| range(path, "request_timeout_s", v, 1, 3600))
        .transpose()?;
    set!("request_timeout_s", timeout, args.request_timeout_s);
    let concurrency = f
        .concurrency
        .map(|v| range(path, "concurrency", v, 1, 100_000))
        .transpose()?;
    set!("concurrency", concurrency, args.concurrency);
    set!("cors_origins", f.cors_origins, args.cors_origins);
    set!(
        "webhook_key_file",
        f.webhook_key_file.map(Some),
        args.webhook_key_file
    );
    set!("service_area", f.service_area.map(Some), args.service_area);
    let coordination = f
        .coordination_m
        .map(|v| {
            if v.is_finite() {
                range(path, "coordination_m", v, 0.0, 1000.0)
            } else {
                Err(key_error(
                    path,
                    "coordination_m",
                    "must be a number of metres",
                ))
            }
        })
        .transpose()?;
    set!("coordination_m", coordination, args.coordination_m);
    set!("rate_limit", f.rate_limit, args.rate_limit);
    let burst = f
        .rate_burst
        .map(|v| range(path, "rate_burst", v, 1, u32::MAX))
        .transpose()?;
    set!("rate_burst", burst, args.rate_burst);
    let upload = f
        .max_upload_mib
        .map(|v| range(path, "max_upload_mib", v, 1, 1_048_576))
        .transpose()?;
    set!("max_upload_mib", upload, args.max_upload_mib);
    let gnss_tcp = f
        .gnss_tcp
        .map(|l| address(path, "gnss_tcp", &l).map(Some))
        .transpose()?;
    set!("gnss_tcp", gnss_tcp, args.gnss_tcp);
    let gnss_days = f
        .gnss_retention_days
        .map(|v| range(path, "gnss_retention_days", v, 1, 3650))
        .transpose()?;
    set!("gnss_retention_days", gnss_days, args.gnss_retention_days);
    set!("rinex_dir", f.rinex_dir.map(Some), args.rinex_dir);
    set!("flood_dem", f.flood_dem.map(Some), args.flood_dem);
    set!("flood_dir", f.flood_dir, args.flood_dir);
    set!("climate", f.climate.map(Some), args.climate);
    let delay = f
        .drain_delay_s
        .map(|v| range(path, "drain_delay_s", v, 0, 300))
        .transpose()?;
    set!("drain_delay_s", delay, args.ops.drain_delay_s);
    let grace = f
        .drain_grace_s
        .map(|v| range(path, "drain_grace_s", v, 1, 3600))
        .transpose()?;
    set!("drain_grace_s", grace, args.ops.drain_grace_s);
    let days = f
        .outbox_retention_days
        .map(|v| range(path, "outbox_retention_days", v, 1, 3650))
        .transpose()?;
    set!(
        "outbox_retention_days",
        days,
        args.ops.outbox_retention_days
    );
    if let Some(o) = f.oidc {
        let o_args = &mut args.oidc;
        set!("oidc_issuer", o.issuer.map(Some), o_args.oidc_issuer);
        set!("oidc_audience", o.audience.map(Some), o_args.oidc_audience);
        set!("oidc_jwks", o.jwks.map(Some), o_args.oidc_jwks);
        set!("oidc_org_claim", o.org_claim, o_args.oidc_org_claim);
        let leeway = o
            .leeway_s
            .map(|v| range(path, "oidc.leeway_s", v, 0, 3600))
            .transpose()?;
        set!("oidc_leeway_s", leeway, o_args.oidc_leeway_s);
        let given = [&o_args.oidc_issuer, &o_args.oidc_audience]
            .iter()
            .filter(|v| v.is_some())
            .count()
            + usize::from(o_args.oidc_jwks.is_some());
        if given != 0 && given != 3 {
            bail!(
                "{}: [oidc]: issuer, audience and jwks come together (with the flags and environment, {given} of 3 are set)",
                path.display()
            );
        }
    }
    Ok(())
}
