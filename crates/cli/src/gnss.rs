//! `forsyning gnss`: decode NMEA logs, index RINEX files.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use forsyning_gnss::heights::{national_height, GeoidModel, GridGeoid};
use forsyning_gnss::nmea::Decoder;
use forsyning_gnss::project::ToUtm32;
use forsyning_gnss::{rinex, Fix};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum GnssCommand {
    /// Decode an NMEA 0183 log into fixes (one per receiver epoch).
    Decode(DecodeArgs),
    /// Index RINEX 3/4 observation or navigation files (.rnx, .crx, .gz).
    Rinex(RinexArgs),
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The NMEA log (`-` for standard input).
    pub file: PathBuf,
    /// One JSON object per fix (time, lat, lon, alt_hae, alt_msl, quality,
    /// satellites, hdop, sigma_h, e, n in EPSG:25832, ...).
    #[arg(long)]
    pub jsonl: bool,
    /// A geoid grid in GTX format (e.g. the DVR90 geoid) for `dvr90` heights;
    /// without it `dvr90` is null.
    #[arg(long)]
    pub geoid: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RinexArgs {
    /// The files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(command: GnssCommand) -> anyhow::Result<()> {
    match command {
        GnssCommand::Decode(args) => decode(&args),
        GnssCommand::Rinex(args) => rinex_index(&args),
    }
}

fn decode(args: &DecodeArgs) -> anyhow::Result<()> {
    let geoid: Option<GridGeoid> = match &args.geoid {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            Some(GridGeoid::from_gtx(&name, &bytes).map_err(anyhow::Error::msg)?)
        }
        None => None,
    };
    let geoid_ref: Option<&dyn GeoidModel> = geoid.as_ref().map(|g| g as &dyn GeoidModel);
    let utm = ToUtm32::new().context("setting up the EPSG:25832 projection")?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut decoder = Decoder::new();
    let mut write_err: Option<std::io::Error> = None;
    let mut emit = |f: Fix| {
        if write_err.is_some() {
            return;
        }
        let (e, n) = match (f.lat, f.lon) {
            (Some(la), Some(lo)) => utm
                .project(la, lo)
                .map_or((None, None), |(e, n)| (Some(e), Some(n))),
            _ => (None, None),
        };
        let r = if args.jsonl {
            let v = json!({
                "line": f.line,
                "time": f.time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                "lat": f.lat,
                "lon": f.lon,
                "alt_hae": f.alt_hae,
                "alt_msl": f.alt_msl,
                "geoid_sep": f.geoid_sep,
                "dvr90": national_height(&f, geoid_ref),
                "quality": f.quality.as_str(),
                "mode": f.mode.gpsd(),
                "satellites": f.satellites,
                "hdop": f.hdop,
                "sigma_h": f.sigma_h,
                "sigma_v": f.sigma_v,
                "sigma_source": f.sigma_source,
                "speed": f.speed,
                "track": f.track,
                "e": e.map(|v| (v * 1000.0).round() / 1000.0),
                "n": n.map(|v| (v * 1000.0).round() / 1000.0),
            });
            writeln!(out, "{v}")
        } else {
            let opt = |v: Option<f64>, p: usize| v.map_or("-".to_string(), |v| format!("{v:.p$}"));
            writeln!(
                out,
                "{:>6} {} {:<14} lat {} lon {} hae {} e {} n {} σh {}",
                f.line,
                f.time.map_or("-".to_string(), |t| t
                    .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                    .to_string()),
                f.quality.as_str(),
                opt(f.lat, 9),
                opt(f.lon, 9),
                opt(f.alt_hae, 3),
                opt(e, 3),
                opt(n, 3),
                opt(f.sigma_h, 3)
            )
        };
        if let Err(e) = r {
            write_err = Some(e);
        }
    };
    let label = args.file.display().to_string();
    if args.file.as_os_str() == "-" {
        decoder.push_reader(std::io::stdin().lock(), &mut emit)
    } else {
        let file = std::fs::File::open(&args.file).with_context(|| format!("opening {label}"))?;
        decoder.push_reader(BufReader::with_capacity(1 << 16, file), &mut emit)
    }
    .with_context(|| format!("reading {label}"))?;
    if let Some(e) = write_err {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e).context("writing standard output");
        }
    }
    out.flush().ok();
    let r = decoder.finish();
    eprintln!(
        "{label}: {} lines, {} sentences, {} fixes, {} malformed lines",
        r.lines, r.sentences, r.fixes, r.malformed_count
    );
    for m in r.malformed.iter().take(20) {
        eprintln!("  line {}: {}", m.line, m.reason);
    }
    if r.malformed_count > 20 {
        eprintln!("  ... and {} more", r.malformed_count - 20);
    }
    Ok(())
}

fn rinex_index(args: &RinexArgs) -> anyhow::Result<()> {
    for p in &args.files {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let name = p.display().to_string();
        let ix = rinex::index(&name, &bytes)?;
        let mut v = serde_json::to_value(&ix)?;
        v["file"] = json!(name);
        println!("{v}");
    }
    Ok(())
}
