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
    /// Load data into the store.
    Ingest {
        #[command(subcommand)]
        command: IngestCommand,
    },
    /// Write a synthetic town as GeoJSON (EPSG:25832).
    Generate(GenerateArgs),
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log of disclosures.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Dig requests.
    Dig {
        #[command(subcommand)]
        command: DigCommand,
    },
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

#[derive(Debug, Subcommand)]
pub enum DigCommand {
    /// File a dig request for a contractor and print its report.
    Request(DigRequestArgs),
}

#[derive(Debug, Args)]
pub struct DigRequestArgs {
    /// A GeoJSON file with the dig polygon: a Polygon geometry or a Feature holding one.
    #[arg(long)]
    pub polygon: std::path::PathBuf,
    /// The polygon's CRS (positions easting/longitude first); EPSG:25832 when absent.
    #[arg(long)]
    pub crs: Option<String>,
    /// Metres around the polygon that also count.
    #[arg(long, default_value_t = 1.0)]
    pub buffer: f64,
    /// The contractor (or admin) organisation filing the request.
    #[arg(long)]
    pub contractor: String,
    /// Start of the dig period, RFC 3339; now when absent.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the dig period, RFC 3339; 14 days after the start when absent.
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, default_value = "dig request from the command line")]
    pub purpose: String,
    /// Who to contact about the dig; the organisation's name when absent.
    #[arg(long)]
    pub contact: Option<String>,
    /// Print the whole report as JSON (the API's answer).
    #[arg(long)]
    pub json: bool,
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
    /// An origin allowed to call the API from a browser (CORS); repeat for more.
    #[arg(
        long = "cors-origin",
        env = "FORSYNING_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
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

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation.
    Create {
        /// Its id, e.g. a CVR-based code (A-Z a-z 0-9 . _ -).
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// owner, contractor, municipality or admin.
        #[arg(long)]
        role: String,
    },
    /// List organisations.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for an organisation; it is printed once and stored as a hash.
    Issue {
        #[arg(long)]
        org: String,
        /// What the token is for (a machine, a system).
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a token by its id.
    Revoke { id: uuid::Uuid },
    /// List tokens (ids and labels, never secrets).
    List {
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; names the first entry changed, removed or reordered.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// Replace an owner's network dataset with the features of FILE...
    Network(IngestNetworkArgs),
}

#[derive(Debug, Args)]
pub struct IngestNetworkArgs {
    /// The owner's organisation id. For a KLIC delivery zip, only the
    /// features whose owner code (bronhoudercode) is this id are read.
    #[arg(long, required_unless_present = "split_by_owner")]
    pub owner: Option<String>,
    /// KLIC delivery zips only: store each owner's features under the
    /// organisation named by its owner code, creating missing organisations.
    #[arg(long, conflicts_with = "owner")]
    pub split_by_owner: bool,
    /// The owner's dataset to replace.
    #[arg(long, default_value = "network")]
    pub dataset: String,
    /// A TOML mapping of the owner's column names, codes and units
    /// (GeoJSON, CSV and GDAL formats); see the README.
    #[arg(long)]
    pub mapping: Option<std::path::PathBuf>,
    /// The service area, in EPSG:25832: `denmark`, `netherlands` or
    /// `MINX,MINY,MAXX,MAXY`. Default: the Netherlands for KLIC delivery
    /// zips, Denmark for everything else.
    #[arg(long)]
    pub service_area: Option<String>,
    /// Store the valid features even when others are rejected.
    #[arg(long)]
    pub lenient: bool,
    /// Write the validation report as JSON.
    #[arg(long)]
    pub report_json: Option<std::path::PathBuf>,
    /// Input files: GeoJSON (.geojson, .json), LER 2 GML (.gml, .xml), CSV
    /// with WKT (.csv), KLIC delivery zips (.zip), and any vector format GDAL
    /// opens (.gpkg, .shp, .fgb ...).
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 10_000)]
    pub features: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Only this owner's features (e.g. SYN-EL); all owners when absent.
    #[arg(long)]
    pub owner: Option<String>,
    /// Output GeoJSON file.
    #[arg(long)]
    pub out: std::path::PathBuf,
}
