//! `forsyning`: the one binary of the platform.

mod access;
mod args;
mod config;
mod demo;
mod dig;
mod flood;
mod gnss;
mod ingest;
mod ops_args;
mod progress;
mod region;
mod serve;
mod tiles;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches};

use args::{Cli, Command, DbCommand, IngestCommand, TilesCommand};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `serve --config FILE`: the file fills what neither a flag nor the
    // environment set, and is checked before anything starts.
    if let Err(e) = config::apply(&mut cli, &matches) {
        eprintln!("error: {e:#}");
        return std::process::ExitCode::FAILURE;
    }
    init_tracing(cli.verbose, cli.log_format == "json");
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let location = cli.store.clone();
    if let Command::Generate(args) = &cli.command {
        return demo::generate(args);
    }
    let ctx = region::RegionCtx::resolve(&cli.region)?;
    let r = &ctx.store;
    match cli.command {
        Command::Demo(args) => {
            anyhow::ensure!(
                ctx.region.name == "denmark",
                "the demo town is Danish (EPSG:25832); run it with --region denmark"
            );
            demo::run(&location, args).await
        }
        Command::Serve(args) => {
            let ctx = ctx
                .clone()
                .with_service_area(args.service_area.as_deref())?;
            let store = open(&location, r).await?;
            serve::run(store, &args, &ctx).await
        }
        Command::Ingest {
            command: IngestCommand::Network(args),
        } => ingest::network(open_once(&location, r).await?.as_ref(), args, &ctx).await,
        Command::Generate(args) => demo::generate(&args),
        Command::Org { command } => {
            access::org(open_once(&location, r).await?.as_ref(), command).await
        }
        Command::Token { command } => {
            access::token(open_once(&location, r).await?.as_ref(), command).await
        }
        Command::Audit { command } => {
            access::audit(open_once(&location, r).await?.as_ref(), command).await
        }
        Command::Dig { command } => {
            dig::dig(open_once(&location, r).await?.as_ref(), command, &ctx).await
        }
        Command::Tiles {
            command: TilesCommand::Export(args),
        } => tiles::export(open_once(&location, r).await?.as_ref(), args, ctx.crs).await,
        Command::Flood { command } => flood::run(command),
        Command::Gnss { command } => gnss::run(command),
        Command::Db {
            command: DbCommand::Migrate,
        } => {
            let store = open_once(&location, r).await?;
            store.ping().await?;
            println!(
                "{location}: schema is up to date ({} backend)",
                store.backend()
            );
            Ok(())
        }
    }
}

/// Opens the store with its in-memory index, for serving.
async fn open(
    location: &forsyning_store::StoreLocation,
    region: &forsyning_store::StoreRegion,
) -> anyhow::Result<std::sync::Arc<dyn forsyning_store::Store>> {
    forsyning_store::open_in(location, true, region)
        .await
        .with_context(|| format!("opening store {location}"))
}

/// Opens the store for a one-shot command: no in-memory index, so neither
/// opening nor writing a large dataset holds every feature in memory.
async fn open_once(
    location: &forsyning_store::StoreLocation,
    region: &forsyning_store::StoreRegion,
) -> anyhow::Result<std::sync::Arc<dyn forsyning_store::Store>> {
    forsyning_store::open_in(location, false, region)
        .await
        .with_context(|| format!("opening store {location}"))
}

fn init_tracing(verbose: bool, json: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if verbose {
        "debug,sqlx=info"
    } else {
        "info,sqlx=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        // One object per line; the fields of the enclosing span (method,
        // route, request_id of an HTTP request) come along.
        fmt.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        fmt.init();
    }
}
