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
    /// The region: `denmark`, `netherlands` or a region file (TOML, see
    /// deploy/regions/). It sets the store's native CRS (recorded in a new
    /// store; a store of another region is refused), the service area, dig
    /// limits, deadline rule and holidays, and the package format.
    #[arg(
        long,
        global = true,
        env = "FORSYNING_REGION",
        default_value = "denmark"
    )]
    pub region: String,
    /// More log output.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Log lines as `text` or `json` (one JSON object per line, with the
    /// request id of HTTP requests), on standard error.
    #[arg(long, global = true, env = "FORSYNING_LOG_FORMAT", default_value = "text",
          value_parser = ["text", "json"])]
    pub log_format: String,
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
    /// Vector tiles.
    Tiles {
        #[command(subcommand)]
        command: TilesCommand,
    },
    /// Flood maps from a DEM: fill, bluespots, sea level, cloudburst.
    Flood {
        #[command(subcommand)]
        command: crate::flood::FloodCommand,
    },
    /// GNSS: decode NMEA logs, index RINEX files.
    Gnss {
        #[command(subcommand)]
        command: crate::gnss::GnssCommand,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TilesCommand {
    /// Write a PMTiles v3 archive of a tile source.
    Export(crate::tiles::TilesExportArgs),
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
    /// Replace an owner's interest areas with those of a GeoJSON file, or
    /// print them (as the API's `/api/v1/owners/{org}/interest-areas`).
    InterestAreas(InterestAreasArgs),
}

#[derive(Debug, Args)]
pub struct InterestAreasArgs {
    /// The owner organisation.
    #[arg(long)]
    pub owner: String,
    /// A GeoJSON FeatureCollection of (Multi)Polygons with `themes`,
    /// `contact` and `marks_on_site` properties (EPSG:25832 unless it names
    /// a CRS); it replaces all of the owner's areas at once. Without it the
    /// current areas are printed as GeoJSON.
    pub file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct DigRequestArgs {
    /// A GeoJSON file with the dig polygon: a Polygon geometry or a Feature holding one.
    #[arg(long)]
    pub polygon: std::path::PathBuf,
    /// The polygon's CRS (positions easting/longitude first); the region's
    /// (EPSG:25832 in Denmark, EPSG:28992 in the Netherlands) when absent.
    #[arg(long)]
    pub crs: Option<String>,
    /// Another service area than the region's: MINX,MINY,MAXX,MAXY in the
    /// region's CRS.
    #[arg(long)]
    pub service_area: Option<String>,
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
    #[arg(long, env = "FORSYNING_REQUEST_TIMEOUT_S", default_value_t = 30)]
    pub request_timeout_s: u64,
    /// Requests handled at once.
    #[arg(long, env = "FORSYNING_CONCURRENCY", default_value_t = 512)]
    pub concurrency: usize,
    /// An origin allowed to call the API from a browser (CORS); repeat for more.
    #[arg(
        long = "cors-origin",
        env = "FORSYNING_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// File holding the server's webhook key (at least 32 random bytes, e.g.
    /// `head -c 32 /dev/urandom > key`). Owners' signing secrets are derived
    /// from it; without it owners cannot register webhooks. Keep it out of
    /// the store's backups.
    #[arg(long, env = "FORSYNING_WEBHOOK_KEY_FILE")]
    pub webhook_key_file: Option<std::path::PathBuf>,
    /// Another service area than the region's (dig requests and interest
    /// areas): MINX,MINY,MAXX,MAXY in the region's CRS.
    #[arg(long, env = "FORSYNING_SERVICE_AREA")]
    pub service_area: Option<String>,
    /// Distance (metres) within which dig requests are listed for coordination.
    #[arg(long, env = "FORSYNING_COORDINATION_M", default_value_t = 50.0)]
    pub coordination_m: f64,
    /// Requests per second allowed per token (and for all anonymous callers
    /// together), sustained; 0 turns the limit off.
    #[arg(long, env = "FORSYNING_RATE_LIMIT", default_value_t = 50)]
    pub rate_limit: u32,
    /// Requests a token may make at once before the per-second rate applies.
    #[arg(long, env = "FORSYNING_RATE_BURST", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_burst: u32,
    /// Largest dataset upload over the API (all files of one upload
    /// together), MiB.
    #[arg(long, env = "FORSYNING_MAX_UPLOAD_MIB", default_value_t = 512,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_upload_mib: u64,
    /// Also accept raw NMEA from GNSS devices on this TCP address (first
    /// line: the device's token); off unless given.
    #[arg(long, env = "FORSYNING_GNSS_TCP")]
    pub gnss_tcp: Option<SocketAddr>,
    /// Days GNSS fixes and alerts are kept (personal data).
    #[arg(long, env = "FORSYNING_GNSS_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub gnss_retention_days: u32,
    /// A folder of reference-station RINEX 3/4 files (observation and
    /// navigation, Hatanaka and gzip too), indexed at start and listed at
    /// `/api/v1/rinex`.
    #[arg(long, env = "FORSYNING_RINEX_DIR")]
    pub rinex_dir: Option<std::path::PathBuf>,
    /// A DEM (GeoTIFF or any GDAL raster; metres in EPSG:25832, heights
    /// DVR90) that flood jobs (`POST /api/v1/flood/jobs`) run on; without it
    /// the API answers flood jobs with 409.
    #[arg(long, env = "FORSYNING_FLOOD_DEM")]
    pub flood_dem: Option<std::path::PathBuf>,
    /// Where flood jobs keep their results, one folder per job.
    #[arg(long, env = "FORSYNING_FLOOD_DIR", default_value = "./data/flood")]
    pub flood_dir: std::path::PathBuf,
    /// A climate scenario file replacing the built-in one (the format of
    /// crates/terrain/data/climate.toml) for `/api/v1/flood/climate-level`
    /// and sea jobs.
    #[arg(long, env = "FORSYNING_CLIMATE")]
    pub climate: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub oidc: OidcArgs,
    #[command(flatten)]
    pub ops: crate::ops_args::OpsArgs,
}

/// Single sign-on: accept OIDC JWTs of one identity provider. Give the
/// issuer, the audience and the JWKS together, or none of them.
#[derive(Debug, Args)]
pub struct OidcArgs {
    /// The `iss` of accepted JWTs, e.g. `https://login.example.dk/realms/ler`.
    #[arg(
        long,
        env = "FORSYNING_OIDC_ISSUER",
        requires_all = ["oidc_audience", "oidc_jwks"]
    )]
    pub oidc_issuer: Option<String>,
    /// The `aud` accepted JWTs must include: this API's client id.
    #[arg(
        long,
        env = "FORSYNING_OIDC_AUDIENCE",
        requires_all = ["oidc_issuer", "oidc_jwks"]
    )]
    pub oidc_audience: Option<String>,
    /// A JWKS file (JSON) with the identity provider's public signature keys.
    #[arg(
        long,
        env = "FORSYNING_OIDC_JWKS",
        requires_all = ["oidc_issuer", "oidc_audience"]
    )]
    pub oidc_jwks: Option<std::path::PathBuf>,
    /// The JWT claim that holds the caller's organisation id.
    #[arg(long, env = "FORSYNING_OIDC_ORG_CLAIM", default_value = "org")]
    pub oidc_org_claim: String,
    /// Clock skew allowed on `exp` and `nbf`, seconds (at most 3600).
    #[arg(long, env = "FORSYNING_OIDC_LEEWAY_S", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub oidc_leeway_s: u64,
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
    /// The service area, in the region's CRS: `denmark`, `netherlands` or
    /// `MINX,MINY,MAXX,MAXY`. Default: the region's; in the Denmark region
    /// the Netherlands (in EPSG:25832) for KLIC delivery zips.
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
