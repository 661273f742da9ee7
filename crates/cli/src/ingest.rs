//! `forsyning ingest network`: read, validate, reproject and store an
//! owner's upload as one new dataset version, or nothing at all.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::{bail, Context};
use forsyning_api::upload::stage;
use forsyning_ingest::{
    default_service_area, detect, Format, Mapping, NoProgress, Pipeline, Plan, Progress, Report,
    Source,
};
use forsyning_model::{OrgId, Organisation, Role};
use forsyning_store::Store;
use geo_types::Rect;
use indicatif::ProgressBar;

use crate::args::IngestNetworkArgs;
use crate::progress;
use crate::region::{parse_service_area, RegionCtx};

/// The progress bar as the pipeline's progress.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn read(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

/// The service area of `--service-area` (in the region's CRS), or the
/// default: the region's; in Denmark (EPSG:25832) the Netherlands for KLIC
/// zips, as before regions existed.
fn service_area(arg: Option<&str>, files: &[Source], ctx: &RegionCtx) -> anyhow::Result<Rect<f64>> {
    match arg {
        Some(arg) => parse_service_area(arg, &ctx.region),
        None if ctx.region.name == "denmark" => {
            Ok(default_service_area(files.iter().map(|s| s.format)))
        }
        None => Ok(ctx.region.service_area),
    }
}

fn plan(args: &IngestNetworkArgs, ctx: &RegionCtx) -> anyhow::Result<Plan> {
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
        let name = path.display().to_string();
        let format = Format::of(path);
        total_bytes += std::fs::metadata(path)
            .with_context(|| format!("{}", path.display()))?
            .len();
        if args.mapping.is_some() && !format.takes_mapping() {
            bail!(
                "{}: --mapping applies to GeoJSON, CSV and GDAL formats, not to {}",
                path.display(),
                format.describe()
            );
        }
        if args.split_by_owner && format != Format::Klic {
            bail!(
                "{}: --split-by-owner applies to KLIC delivery zips (.zip) only",
                path.display()
            );
        }
        let format = detect(path, &name)?;
        files.push(Source {
            path: path.clone(),
            name,
            format,
        });
    }
    Ok(Plan {
        service_area: service_area(args.service_area.as_deref(), &files, ctx)?,
        target_crs: ctx.crs,
        files,
        mapping,
        total_bytes,
        klic_hint: " (use --owner with one of them, or --split-by-owner)".to_owned(),
    })
}

pub async fn network(
    store: &dyn Store,
    args: IngestNetworkArgs,
    ctx: &RegionCtx,
) -> anyhow::Result<()> {
    let plan = plan(&args, ctx)?;
    if args.split_by_owner {
        return split_by_owner(store, &args, plan).await;
    }
    let owner = OrgId::new(args.owner.clone().unwrap_or_default())?;
    let pb = progress::bar(plan.total_bytes, "reading");
    let staged = stage(
        store,
        &owner,
        &args.dataset,
        Arc::new(plan),
        Some(owner.as_str().to_owned()),
        Arc::new(Bar(pb.clone())),
    )
    .await?;
    for note in &staged.notes {
        println!("{note}");
    }
    pb.finish_and_clear();
    write_report(&args, &staged.report)?;
    print_summary(&staged.report);
    if staged.report.is_rejected(!args.lenient) {
        let (errors, bad_files) = (staged.report.errors(), staged.bad_files.clone());
        staged.abort().await?;
        bail!(
            "upload rejected: {errors} errors{}; the stored data of {owner} is unchanged{}",
            in_files(&bad_files),
            strict_hint(args.lenient)
        );
    }
    let v = staged.commit().await?;
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
/// Each KLIC owner code with the files (indexes into the plan) holding its features.
type OwnerFiles = BTreeMap<String, BTreeSet<usize>>;

async fn split_by_owner(
    store: &dyn Store,
    args: &IngestNetworkArgs,
    plan: Plan,
) -> anyhow::Result<()> {
    let plan = Arc::new(plan);
    let pb = progress::bar(plan.total_bytes, "validating");
    let (p, bar) = (plan.clone(), Bar(pb.clone()));
    let (report, owners, bad_files) = tokio::task::spawn_blocking(
        move || -> anyhow::Result<(Report, OwnerFiles, Vec<String>)> {
            let mut pipeline = Pipeline::new(&p);
            // Each owner code with the files (indexes) that hold its features.
            let mut owners = OwnerFiles::new();
            for (k, source) in p.files.iter().enumerate() {
                pipeline.klic_owners(source, &bar, &mut |code| {
                    owners.entry(code.to_owned()).or_default().insert(k);
                })?;
            }
            let (report, _, bad_files) = pipeline.finish();
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
    for (code, files) in &owners {
        let owner = OrgId::new(code.clone())?;
        // The second read takes only the deliveries that hold this owner's
        // features: a delivery without them is not an error here.
        let own = Plan {
            files: files.iter().map(|&k| plan.files[k].clone()).collect(),
            ..(*plan).clone()
        };
        let staged = stage(
            store,
            &owner,
            &args.dataset,
            Arc::new(own),
            Some(code.clone()),
            Arc::new(NoProgress),
        )
        .await?;
        for note in &staged.notes {
            println!("{note}");
        }
        if staged.report.is_rejected(!args.lenient) {
            staged.abort().await?;
            bail!("{code}: the second read of the deliveries found errors the first did not; {code} is unchanged");
        }
        let v = staged.commit().await?;
        println!(
            "stored {owner}/{} version {} with {} features",
            args.dataset, v.version, v.feature_count
        );
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
