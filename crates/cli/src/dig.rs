//! `forsyning dig request`: files a dig request for a contractor from the
//! command line and prints its report, built by the same code as the API's
//! `POST /api/v1/dig-requests` (matching, storing, auditing).

use anyhow::{bail, Context};
use chrono::{DateTime, Duration, Utc};
use forsyning_api::dig::{parse_crs, submit, Caller, DigIntake, DigReport};
use forsyning_api::interest::{read_areas_in, write_areas_in};
use forsyning_api::policy::may_file_dig_requests;
use forsyning_model::{OrgId, Role};
use forsyning_store::Store;
use serde_json::Value;

use crate::args::{DigCommand, DigRequestArgs, InterestAreasArgs};
use crate::region::RegionCtx;

pub async fn dig(store: &dyn Store, cmd: DigCommand, ctx: &RegionCtx) -> anyhow::Result<()> {
    match cmd {
        DigCommand::Request(args) => {
            let ctx = ctx
                .clone()
                .with_service_area(args.service_area.as_deref())?;
            request(store, args, &ctx).await
        }
        DigCommand::InterestAreas(args) => interest_areas(store, args, ctx).await,
    }
}

async fn interest_areas(
    store: &dyn Store,
    args: InterestAreasArgs,
    ctx: &RegionCtx,
) -> anyhow::Result<()> {
    let owner = OrgId::new(args.owner.as_str())?;
    let org = store
        .org(&owner)
        .await?
        .with_context(|| format!("no organisation {owner}"))?;
    if org.role != Role::Owner {
        bail!(
            "{owner} is a {} organisation; interest areas belong to owners",
            org.role.code()
        );
    }
    let Some(path) = args.file else {
        let areas = store.interest_areas(Some(&owner)).await?;
        println!(
            "{}",
            serde_json::to_string_pretty(&write_areas_in(&areas, &ctx.region.crs_urn()))?
        );
        return Ok(());
    };
    let body = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let o = owner.clone();
    let (area, native) = (ctx.region.service_area, ctx.crs);
    let areas = tokio::task::spawn_blocking(move || read_areas_in(&body, &o, area, native))
        .await?
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let n = areas.len();
    store.replace_interest_areas(&owner, areas).await?;
    println!(
        "{owner} has {n} interest areas now (from {})",
        path.display()
    );
    Ok(())
}

/// The polygon of a GeoJSON file: a Polygon geometry, or a Feature holding one.
fn polygon_of(doc: Value) -> anyhow::Result<Value> {
    match doc.get("type").and_then(Value::as_str) {
        Some("Feature") => doc
            .get("geometry")
            .cloned()
            .context("the Feature has no geometry"),
        Some("Polygon") => Ok(doc),
        Some(other) => bail!("expected a GeoJSON Polygon or a Feature with one, not a {other}"),
        None => bail!("expected a GeoJSON Polygon geometry (no \"type\" member)"),
    }
}

fn time(s: Option<&str>, default: DateTime<Utc>, what: &str) -> anyhow::Result<DateTime<Utc>> {
    match s {
        None => Ok(default),
        Some(s) => Ok(DateTime::parse_from_rfc3339(s)
            .with_context(|| format!("--{what} {s:?} is not an RFC 3339 time"))?
            .with_timezone(&Utc)),
    }
}

async fn request(store: &dyn Store, args: DigRequestArgs, ctx: &RegionCtx) -> anyhow::Result<()> {
    let org_id = OrgId::new(args.contractor.as_str())?;
    let org = store
        .org(&org_id)
        .await?
        .with_context(|| format!("no organisation {org_id}"))?;
    may_file_dig_requests(&org)?;
    let text = std::fs::read(&args.polygon)
        .with_context(|| format!("reading {}", args.polygon.display()))?;
    let doc: Value = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not JSON", args.polygon.display()))?;
    let polygon = polygon_of(doc).with_context(|| args.polygon.display().to_string())?;
    let crs = match &args.crs {
        Some(c) => parse_crs(c)?,
        None => ctx.crs,
    };
    let now = Utc::now();
    let from = time(args.from.as_deref(), now, "from")?;
    let to = time(args.to.as_deref(), from + Duration::days(14), "to")?;
    let contact = args.contact.clone().unwrap_or_else(|| org.name.clone());
    let limits = ctx.region.dig_limits.clone();
    let native = ctx.crs;
    let buffer = args.buffer;
    let purpose = args.purpose.clone();
    // PROJ objects stay on their thread: a blocking task.
    let intake = tokio::task::spawn_blocking(move || {
        DigIntake::from_parts(
            &polygon,
            crs,
            buffer,
            (from, to),
            purpose,
            contact,
            now,
            &limits,
            native,
        )
    })
    .await??;
    let caller = Caller {
        org_id: &org.id,
        token_id: None,
    };
    let report = submit(store, caller, intake, now, &ctx.region).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(())
}

fn print_summary(r: &DigReport) {
    println!(
        "dig request {} ({}), answer due {}",
        r.id,
        r.status.code(),
        r.deadline
    );
    for o in &r.owners {
        println!(
            "  {:<16} {:<28} {:>5} features  {}",
            o.owner_id.as_str(),
            o.answer.code(),
            o.feature_count,
            o.contact.as_deref().unwrap_or("-")
        );
    }
    let features = r.features.as_deref().unwrap_or_default();
    let dangerous: Vec<_> = features
        .iter()
        .filter(|f| f.contact_owner_before_digging)
        .collect();
    println!(
        "{} features delivered, {} dangerous: call their owners before digging",
        features.len(),
        dangerous.len()
    );
    for f in dangerous {
        println!(
            "  {} {} {:.2} m away: {}",
            f.owner_id.as_str(),
            f.id,
            f.distance_m,
            f.safety_note.as_deref().unwrap_or("")
        );
    }
}
