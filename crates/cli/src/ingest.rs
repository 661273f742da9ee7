//! `forsyning ingest network`: read, validate, reproject and store an
//! owner's upload as one new dataset version, or nothing at all.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use forsyning_ingest::gdal::GdalReader;
use forsyning_ingest::geojson::CRS84;
use forsyning_ingest::{
    read_delivery, CsvReader, DeliveryLimits, FeatureOutcome, GeoJsonReader, IngestError,
    Ler2Reader, Mapping, Normaliser, Problem, Report, Rule,
};
use forsyning_model::{NetworkFeature, OrgId, Organisation, Role};
use forsyning_store::Store;
use geo_types::{coord, Rect};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    GeoJson,
    Ler2Gml,
    Csv,
    /// A KLIC delivery zip (IMKL 2.0).
    Klic,
    /// Anything GDAL opens as vector data.
    Gdal,
}

impl Format {
    fn of(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Format::GeoJson,
            "gml" | "xml" => Format::Ler2Gml,
            "csv" => Format::Csv,
            "zip" => Format::Klic,
            _ => Format::Gdal,
        }
    }

    fn takes_mapping(self) -> bool {
        matches!(self, Format::GeoJson | Format::Csv | Format::Gdal)
    }
}

/// The Netherlands in EPSG:25832 (UTM 32N reaches west of its zone there).
fn netherlands() -> Rect<f64> {
    Rect::new(
        coord! {x: -100_000.0, y: 5_500_000.0},
        coord! {x: 500_000.0, y: 6_200_000.0},
    )
}

/// The service area of `--service-area`, or the default for the input.
fn service_area(arg: Option<&str>, klic: bool) -> anyhow::Result<Rect<f64>> {
    let Some(arg) = arg else {
        return Ok(if klic {
            netherlands()
        } else {
            forsyning_geo::denmark_service_area()
        });
    };
    match arg {
        "denmark" => Ok(forsyning_geo::denmark_service_area()),
        "netherlands" => Ok(netherlands()),
        other => {
            let v: Vec<f64> = other
                .split(',')
                .map(|s| s.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .ok()
                .filter(|v: &Vec<f64>| v.len() == 4 && v.iter().all(|x| x.is_finite()))
                .with_context(|| {
                    format!("--service-area {other:?}: expected denmark, netherlands or MINX,MINY,MAXX,MAXY")
                })?;
            if v[0] >= v[2] || v[1] >= v[3] {
                bail!("--service-area {other:?}: the minimum must be below the maximum");
            }
            Ok(Rect::new(
                coord! {x: v[0], y: v[1]},
                coord! {x: v[2], y: v[3]},
            ))
        }
    }
}

/// What the files are and how to read them, checked before anything is stored.
struct Plan {
    files: Vec<(PathBuf, Format)>,
    mapping: Mapping,
    service_area: Rect<f64>,
    total_bytes: u64,
}

fn plan(args: &IngestNetworkArgs) -> anyhow::Result<Plan> {
    let mapping = match &args.mapping {
        None => Mapping::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the mapping file {}", path.display()))?;
            Mapping::from_toml(&text, &path.display().to_string())
                .map_err(|e| anyhow::anyhow!("invalid mapping: {e}"))?
        }
    };
    let mut files = Vec::new();
    let mut total_bytes = 0;
    for path in &args.files {
        let format = Format::of(path);
        total_bytes += std::fs::metadata(path)
            .with_context(|| format!("{}", path.display()))?
            .len();
        if args.mapping.is_some() && !format.takes_mapping() {
            bail!(
                "{}: --mapping applies to GeoJSON, CSV and GDAL formats, not to {}",
                path.display(),
                if format == Format::Klic {
                    "KLIC deliveries"
                } else {
                    "LER 2 GML"
                }
            );
        }
        if args.split_by_owner && format != Format::Klic {
            bail!(
                "{}: --split-by-owner applies to KLIC delivery zips (.zip) only",
                path.display()
            );
        }
        if format == Format::Gdal {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if let Err(e) = GdalReader::open(path) {
                if matches!(ext.to_ascii_lowercase().as_str(), "gpkg" | "shp" | "fgb") {
                    bail!("{e}");
                }
                bail!(
                    "{}: unsupported format (.{ext}): not GeoJSON, LER 2 GML, CSV or a KLIC zip, and GDAL does not open it as vector data",
                    path.display()
                );
            }
        }
        files.push((path.clone(), format));
    }
    let klic = files.iter().all(|(_, f)| *f == Format::Klic);
    Ok(Plan {
        service_area: service_area(args.service_area.as_deref(), klic)?,
        files,
        mapping,
        total_bytes,
    })
}

pub async fn network(store: &dyn Store, args: IngestNetworkArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    if args.split_by_owner {
        return split_by_owner(store, &args, plan).await;
    }
    let owner = OrgId::new(args.owner.clone().unwrap_or_default())?;
    let pb = progress::bar(plan.total_bytes, "reading");
    let mut writer = store.begin_replace(&owner, &args.dataset).await?;
    // Read on a blocking thread (PROJ, GDAL and the parsers are synchronous)
    // and hand batches to the writer through a short queue, so memory stays
    // bounded whatever the size of the input.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NetworkFeature>>(4);
    let reading_pb = pb.clone();
    let only = owner.as_str().to_owned();
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<(Report, Vec<String>)> {
        let mut report = Report::new();
        let mut normaliser = Normaliser::new(plan.service_area);
        let mut batch: Vec<NetworkFeature> = Vec::with_capacity(BATCH);
        let mut bad_files = Vec::new();
        for (path, format) in &plan.files {
            let errors = report.errors();
            let mut input = Input {
                path,
                format: *format,
                pb: &reading_pb,
                mapping: &plan.mapping,
                normaliser: &mut normaliser,
                report: &mut report,
            };
            input.read(Some(&only), &mut |f| {
                batch.push(f);
                if batch.len() >= BATCH {
                    // A closed queue means the writer failed; its error is reported.
                    let _ =
                        tx.blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            })?;
            if report.errors() > errors {
                bad_files.push(path.display().to_string());
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        Ok((report, bad_files))
    });
    while let Some(batch) = rx.recv().await {
        writer.write(batch).await?;
    }
    let (report, bad_files) = reader
        .await
        .map_err(|e| anyhow::anyhow!("reading failed: {e}"))??;
    pb.finish_and_clear();
    write_report(&args, &report)?;
    print_summary(&report);
    if report.is_rejected(!args.lenient) {
        writer.abort().await?;
        bail!(
            "upload rejected: {} errors{}; the stored data of {owner} is unchanged{}",
            report.errors(),
            in_files(&bad_files),
            strict_hint(args.lenient)
        );
    }
    let v = writer.commit().await?;
    println!(
        "stored {owner}/{} version {} with {} features",
        args.dataset, v.version, v.feature_count
    );
    Ok(())
}

/// ` in a.geojson, b.csv`: the files with errors, for the rejection message.
fn in_files(files: &[String]) -> String {
    if files.is_empty() {
        String::new()
    } else {
        format!(" in {}", files.join(", "))
    }
}

fn strict_hint(lenient: bool) -> &'static str {
    if lenient {
        ""
    } else {
        " (strict mode: any error rejects the upload; --lenient stores the valid features)"
    }
}

fn write_report(args: &IngestNetworkArgs, report: &Report) -> anyhow::Result<()> {
    if let Some(out) = &args.report_json {
        std::fs::write(out, serde_json::to_vec_pretty(report)?)
            .with_context(|| format!("writing the report to {}", out.display()))?;
    }
    Ok(())
}

/// `--split-by-owner`: every owner of the KLIC deliveries gets its own
/// dataset version. All files are read and validated first; only when the
/// upload is accepted is each owner's dataset replaced, one after the other,
/// each atomically, by reading the files again for that owner.
async fn split_by_owner(
    store: &dyn Store,
    args: &IngestNetworkArgs,
    plan: Plan,
) -> anyhow::Result<()> {
    let plan = std::sync::Arc::new(plan);
    let pb = progress::bar(plan.total_bytes, "validating");
    let (p, reading_pb) = (plan.clone(), pb.clone());
    let (report, owners, bad_files) = tokio::task::spawn_blocking(
        move || -> anyhow::Result<(Report, BTreeMap<String, u64>, Vec<String>)> {
            let mut report = Report::new();
            let mut normaliser = Normaliser::new(p.service_area);
            let mut owners = BTreeMap::new();
            let mut bad_files = Vec::new();
            for (path, format) in &p.files {
                let errors = report.errors();
                let mut input = Input {
                    path,
                    format: *format,
                    pb: &reading_pb,
                    mapping: &p.mapping,
                    normaliser: &mut normaliser,
                    report: &mut report,
                };
                input.klic(None, &mut |code, _| {
                    *owners.entry(code.to_owned()).or_default() += 1
                })?;
                if report.errors() > errors {
                    bad_files.push(path.display().to_string());
                }
            }
            Ok((report, owners, bad_files))
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("reading failed: {e}"))??;
    pb.finish_and_clear();
    write_report(args, &report)?;
    print_summary(&report);
    if report.is_rejected(!args.lenient) {
        bail!(
            "upload rejected: {} errors{}; the stored data of every owner is unchanged{}",
            report.errors(),
            in_files(&bad_files),
            strict_hint(args.lenient)
        );
    }
    if owners.is_empty() {
        bail!("upload rejected: the deliveries hold no network features");
    }
    for code in owners.keys() {
        let owner = OrgId::new(code.clone())
            .with_context(|| format!("owner code {code:?} is not a usable organisation id"))?;
        if store.org(&owner).await?.is_none() {
            store
                .create_org(&Organisation {
                    id: owner.clone(),
                    name: format!("KLIC {code}"),
                    role: Role::Owner,
                    boundary: None,
                    created_at: chrono::Utc::now(),
                })
                .await?;
            println!("created organisation {code} (role owner) for its KLIC features");
        }
    }
    for code in owners.keys() {
        let owner = OrgId::new(code.clone())?;
        let mut writer = store.begin_replace(&owner, &args.dataset).await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NetworkFeature>>(4);
        let (p, only) = (plan.clone(), code.clone());
        let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<Report> {
            let mut report = Report::new();
            let mut normaliser = Normaliser::new(p.service_area);
            let mut batch = Vec::with_capacity(BATCH);
            for (path, format) in &p.files {
                let mut input = Input {
                    path,
                    format: *format,
                    pb: &ProgressBar::hidden(),
                    mapping: &p.mapping,
                    normaliser: &mut normaliser,
                    report: &mut report,
                };
                input.read(Some(&only), &mut |f| {
                    batch.push(f);
                    if batch.len() >= BATCH {
                        let _ = tx.blocking_send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(BATCH),
                        ));
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
        let again = reader
            .await
            .map_err(|e| anyhow::anyhow!("reading failed: {e}"))??;
        if again.is_rejected(!args.lenient) {
            writer.abort().await?;
            bail!("{code}: the second read of the deliveries found errors the first did not; {code} is unchanged");
        }
        let v = writer.commit().await?;
        println!(
            "stored {owner}/{} version {} with {} features",
            args.dataset, v.version, v.feature_count
        );
    }
    Ok(())
}

/// One input file and what reading it needs.
struct Input<'a> {
    path: &'a Path,
    format: Format,
    pb: &'a ProgressBar,
    mapping: &'a Mapping,
    normaliser: &'a mut Normaliser,
    report: &'a mut Report,
}

impl Input<'_> {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// A document-level error as a problem that names the file.
    fn fail(&mut self, e: &IngestError) {
        let mut p = e.to_problem();
        let name = self.name();
        if !p.message.starts_with(&name) {
            p.message = format!("{name}: {}", p.message);
        }
        self.report.push(p);
    }

    /// Normalises and records one outcome in the source CRS `crs`; an
    /// accepted feature goes to `sink`.
    fn accept(&mut self, mut outcome: FeatureOutcome, sink: &mut dyn FnMut(NetworkFeature)) {
        match outcome.crs.clone() {
            Some(crs) => self.normaliser.normalise(&mut outcome, &crs),
            None if outcome.feature.is_some() => {
                outcome.feature = None;
                outcome.problems.push(
                    Problem::error(
                        Rule::UnknownCrs,
                        "the geometry has no CRS (no srsName), and the format has no default CRS",
                    )
                    .with_source_id(outcome.source_id.clone())
                    .at(outcome.position.clone()),
                );
            }
            None => {}
        }
        if let Some(f) = self.report.record(outcome) {
            sink(f);
        }
    }

    /// Reads the file into `sink`, recording every outcome in the report.
    /// `owner` selects the features of a KLIC delivery.
    fn read(
        &mut self,
        owner: Option<&str>,
        sink: &mut dyn FnMut(NetworkFeature),
    ) -> anyhow::Result<()> {
        let name = self.name();
        match self.format {
            Format::Klic => {
                self.klic(owner, &mut |_, f| {
                    if let Some(f) = f {
                        sink(f);
                    }
                })?;
                return Ok(());
            }
            Format::Gdal => {
                let size = std::fs::metadata(self.path).map(|m| m.len()).unwrap_or(0);
                let result = GdalReader::open(self.path).and_then(|r| {
                    r.with_file_name(name.clone())
                        .with_mapping(self.mapping.clone())
                        .for_each(|outcome| self.accept(outcome, sink))
                });
                self.pb.inc(size);
                if let Err(e) = result {
                    self.fail(&e);
                }
                return Ok(());
            }
            _ => {}
        }
        let file = File::open(self.path).with_context(|| format!("opening {name}"))?;
        let input = BufReader::with_capacity(
            1 << 16,
            Counting {
                inner: file,
                pb: self.pb.clone(),
            },
        );
        match self.format {
            Format::GeoJson => {
                let summary = GeoJsonReader::new(input)
                    .with_file_name(name.clone())
                    .with_mapping(self.mapping.clone())
                    .for_each(|mut outcome| {
                        outcome.crs = Some(outcome.crs.clone().unwrap_or_else(|| CRS84.to_owned()));
                        self.accept(outcome, sink);
                    });
                match summary {
                    Ok(s) if s.crs_after_features && s.crs_or_default() != CRS84 => self.report.push(Problem::error(
                        Rule::UnknownCrs,
                        format!("{name}: the \"crs\" member comes after \"features\"; put it first so the features can be reprojected as they stream"),
                    )),
                    Ok(_) => {}
                    Err(e) => self.fail(&e),
                }
            }
            Format::Ler2Gml => {
                let summary = Ler2Reader::new(input)
                    .with_file_name(name.clone())
                    .for_each(|outcome| self.accept(outcome, sink));
                if let Err(e) = summary {
                    self.fail(&e);
                }
            }
            Format::Csv => {
                let summary = CsvReader::new(input, self.mapping.clone())
                    .with_file_name(name.clone())
                    .for_each(|outcome| self.accept(outcome, sink));
                if let Err(e) = summary {
                    self.fail(&e);
                }
            }
            Format::Klic | Format::Gdal => unreachable!("handled above"),
        }
        Ok(())
    }

    /// Reads a KLIC delivery zip. With `owner`, only that owner's elements
    /// are validated and recorded, and `f` gets `(code, Some(feature))` for
    /// each accepted one and `(code, None)` for each element of another
    /// owner; without, every element is recorded and `f` gets
    /// `(code, None)` for each.
    fn klic(
        &mut self,
        owner: Option<&str>,
        f: &mut dyn FnMut(&str, Option<NetworkFeature>),
    ) -> anyhow::Result<()> {
        let name = self.name();
        let file = File::open(self.path).with_context(|| format!("opening {name}"))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut others: BTreeMap<String, u64> = BTreeMap::new();
        let mut mine = 0u64;
        let result = read_delivery(
            BufReader::new(file),
            Some(&name),
            &DeliveryLimits::default(),
            |e| {
                let code = e.owner_code.clone().unwrap_or_default();
                if owner.is_some_and(|o| o != code) {
                    *others.entry(code.clone()).or_default() += 1;
                    f(&code, None);
                    return;
                }
                if code.is_empty() {
                    let mut outcome = e.outcome;
                    outcome.feature = None;
                    outcome.problems.push(
                        Problem::error(
                            Rule::MandatoryAttributeMissing,
                            "the element's gml:id has no owner code (nl.imkl-KLnnnn.…)",
                        )
                        .with_source_id(outcome.source_id.clone())
                        .at(outcome.position.clone()),
                    );
                    self.accept(outcome, &mut |_| {});
                    return;
                }
                mine += 1;
                let mut accepted = None;
                self.accept(e.outcome, &mut |feature| accepted = Some(feature));
                match (owner, accepted) {
                    (Some(_), Some(feature)) => f(&code, Some(feature)),
                    (Some(_), None) => {}
                    (None, _) => f(&code, None),
                }
            },
        );
        self.pb.inc(size);
        if let Err(e) = result {
            self.fail(&e);
            return Ok(());
        }
        if let Some(owner) = owner {
            if !others.is_empty() {
                let list: Vec<String> = others.iter().map(|(c, n)| format!("{c} ({n})")).collect();
                println!(
                    "{name}: {mine} features of {owner}; skipped those of other owners: {}",
                    list.join(", ")
                );
            }
            if mine == 0 {
                let list: Vec<&str> = others.keys().map(String::as_str).collect();
                self.report.push(Problem::error(
                    Rule::MandatoryAttributeMissing,
                    format!(
                        "{name}: the delivery has no features of owner {owner}; its owners are {} (use --owner with one of them, or --split-by-owner)",
                        list.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
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
