//! Command-line arguments.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};
use forsyning_store::StoreLocation;

#[derive(Debug, Parser)]
#[command(
    name = "forsyning",
    version,
    about = "Forsyning: a spatial register of buried utility networks"
)]
pub struct Cli {
    /// The store: `gpkg:PATH` (embedded GeoPackage) or a `postgres://` URL (PostGIS).
    #[arg(
        long,
        global = true,
        env = "FORSYNING_STORE",
        default_value = "gpkg:./data/forsyning.gpkg"
    )]
    pub store: StoreLocation,
    /// More log output.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a synthetic town, store its networks and serve the API.
    Demo(DemoArgs),
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create or migrate the store's schema (also done on every start).
    Migrate,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FORSYNING_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Whole-request timeout, seconds.
    #[arg(long, default_value_t = 30)]
    pub request_timeout_s: u64,
    /// Requests handled at once.
    #[arg(long, default_value_t = 512)]
    pub concurrency: usize,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of network features in the synthetic town.
    #[arg(long, default_value_t = 100_000)]
    pub features: usize,
    /// Seed of the town: the same seed gives the same town.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Store the town and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    #[command(flatten)]
    pub serve: ServeArgs,
}
