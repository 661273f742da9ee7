//! `forsyning ingest network`: read, validate, reproject and store an
//! owner's upload as one new dataset version, or nothing at all.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use forsyning_ingest::geojson::CRS84;
use forsyning_ingest::{GeoJsonReader, Ler2Reader, Normaliser, Problem, Report, Rule};
use forsyning_model::{NetworkFeature, OrgId};
use forsyning_store::Store;
use indicatif::ProgressBar;

use crate::args::IngestNetworkArgs;
use crate::progress;

const BATCH: usize = 10_000;

/// Counts bytes as they are read, for the progress bar.
struct Counting<R> {
    inner: R,
    pb: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pb.inc(n as u64);
        Ok(n)
    }
}

enum Format {
    GeoJson,
    Ler2Gml,
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "geojson" | "json" => Ok(Format::GeoJson),
        "gml" | "xml" => Ok(Format::Ler2Gml),
        _ => bail!(
            "{}: unsupported format (.{ext}); this version reads GeoJSON (.geojson, .json) and LER 2 GML (.gml, .xml)",
            path.display()
        ),
    }
}

pub async fn network(store: &dyn Store, args: IngestNetworkArgs) -> anyhow::Result<()> {
    let owner = OrgId::new(args.owner.clone())?;
    if args.mapping.is_some() {
        bail!("--mapping applies to GDAL formats (GeoPackage, Shapefile, FlatGeobuf), which this version does not read yet");
    }
    let mut total = 0;
    for f in &args.files {
        format_of(f)?;
        total += std::fs::metadata(f)
            .with_context(|| format!("{}", f.display()))?
            .len();
    }
    let pb = progress::bar(total, "reading");
    let mut writer = store.begin_replace(&owner, &args.dataset).await?;
    // Read on a blocking thread (PROJ and the parsers are synchronous) and
    // hand batches to the writer through a short queue, so memory stays
    // bounded whatever the size of the input.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NetworkFeature>>(4);
    let (files, reading_pb) = (args.files.clone(), pb.clone());
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<Report> {
        let mut report = Report::new();
        let mut normaliser = Normaliser::new(forsyning_geo::denmark_service_area());
        let mut batch: Vec<NetworkFeature> = Vec::with_capacity(BATCH);
        for path in &files {
            read_file(path, &reading_pb, &mut normaliser, &mut report, &mut |f| {
                batch.push(f);
                if batch.len() >= BATCH {
                    // A closed queue means the writer failed; its error is reported.
                    let _ =
                        tx.blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            })?;
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        Ok(report)
    });
    while let Some(batch) = rx.recv().await {
        writer.write(batch).await?;
    }
    let report = reader
        .await
        .map_err(|e| anyhow::anyhow!("reading failed: {e}"))??;
    pb.finish_and_clear();
    if let Some(out) = &args.report_json {
        std::fs::write(out, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing the report to {}", out.display()))?;
    }
    print_summary(&report);
    if report.is_rejected(!args.lenient) {
        writer.abort().await?;
        bail!(
            "upload rejected: {} errors; the stored data of {owner} is unchanged{}",
            report.errors(),
            if args.lenient {
                ""
            } else {
                " (strict mode: any error rejects the upload; --lenient stores the valid features)"
            }
        );
    }
    let v = writer.commit().await?;
    println!(
        "stored {owner}/{} version {} with {} features",
        args.dataset, v.version, v.feature_count
    );
    Ok(())
}

/// Reads one file into `sink`, recording every outcome in `report`.
fn read_file(
    path: &PathBuf,
    pb: &ProgressBar,
    normaliser: &mut Normaliser,
    report: &mut Report,
    sink: &mut dyn FnMut(NetworkFeature),
) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let file = File::open(path).with_context(|| format!("opening {name}"))?;
    let input = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: file,
            pb: pb.clone(),
        },
    );
    match format_of(path)? {
        Format::GeoJson => {
            let summary = GeoJsonReader::new(input)
                .with_file_name(name.clone())
                .for_each(|mut outcome| {
                    let crs = outcome.crs.clone().unwrap_or_else(|| CRS84.to_owned());
                    normaliser.normalise(&mut outcome, &crs);
                    if let Some(f) = report.record(outcome) {
                        sink(f);
                    }
                });
            match summary {
                Ok(s) if s.crs_after_features && s.crs_or_default() != CRS84 => report.push(Problem::error(
                    Rule::UnknownCrs,
                    format!("{name}: the \"crs\" member comes after \"features\"; put it first so the features can be reprojected as they stream"),
                )),
                Ok(_) => {}
                Err(e) => report.push(e.to_problem()),
            }
        }
        Format::Ler2Gml => {
            let summary = Ler2Reader::new(input)
                .with_file_name(name.clone())
                .for_each(|mut outcome| {
                    match outcome.crs.clone() {
                        Some(crs) => normaliser.normalise(&mut outcome, &crs),
                        None if outcome.feature.is_some() => {
                            outcome.feature = None;
                            outcome.problems.push(
                                Problem::error(
                                    Rule::UnknownCrs,
                                    "the geometry has no srsName, and LER 2 has no default CRS",
                                )
                                .with_source_id(outcome.source_id.clone())
                                .at(outcome.position.clone()),
                            );
                        }
                        None => {}
                    }
                    if let Some(f) = report.record(outcome) {
                        sink(f);
                    }
                });
            if let Err(e) = summary {
                report.push(e.to_problem());
            }
        }
    }
    Ok(())
}

fn print_summary(report: &Report) {
    println!(
        "accepted {}, rejected {}, errors {}, warnings {}",
        report.accepted(),
        report.rejected(),
        report.errors(),
        report.warnings()
    );
    for (class, c) in report.by_class() {
        println!(
            "  {class:<28} accepted {:>9}  rejected {:>7}",
            c.accepted, c.rejected
        );
    }
    for p in report.problems().iter().take(20) {
        println!("  {p}");
    }
    if report.problems().len() > 20 {
        println!(
            "  ... {} more problems (see --report-json)",
            report.problems().len() - 20
        );
    }
}
