//! `forsyning tiles export`: a PMTiles v3 archive of one tile source.
//!
//! Only public sources may go into an archive meant for static hosting,
//! where nothing checks who reads it. Today no source is public: `network`,
//! `interest-areas` and `dig-requests` are each shown to some callers
//! only (anonymous sees none of them); the flood layers will be the first
//! public ones. `--include-private` exports a private source whole, as an
//! admin sees it, for hosting behind access control; that export is a
//! disclosure of every feature in it and is written to the audit log.

use std::io::BufWriter;
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::Utc;
use clap::Args;
use forsyning_model::AuditRecord;
use forsyning_store::{DigFilter, Store};
use forsyning_tiles::layers;
use forsyning_tiles::pmtiles::{tile_id, ArchiveInfo, PmTilesWriter};
use forsyning_tiles::{
    bounds_degrees, render_source, IndexSource, RenderOptions, SourceInfo, TileCoord, TileFeature,
    TileIndex, TileSource,
};

use crate::progress;

#[derive(Debug, Args)]
pub struct TilesExportArgs {
    /// The source to export: network, interest-areas or dig-requests.
    #[arg(long)]
    pub layer: String,
    /// Lowest zoom written (at least the source's minimum).
    #[arg(long)]
    pub min_zoom: Option<u8>,
    /// Highest zoom written (at most the source's maximum).
    #[arg(long)]
    pub max_zoom: Option<u8>,
    /// Export a source that is not public, as an admin sees it (audited).
    #[arg(long)]
    pub include_private: bool,
    /// The archive to write.
    pub out: PathBuf,
}

/// Every feature of `info`'s source, as an admin sees it; geometries are
/// in `crs`, the store's. Base map datasets (street context of the printed
/// map) are nobody's network and stay out, as in the served tiles.
async fn features(
    store: &dyn Store,
    info: &SourceInfo,
    crs: forsyning_geo::Crs,
) -> anyhow::Result<Vec<TileFeature>> {
    let mut out = Vec::new();
    match info.id.as_str() {
        "network" => {
            for d in store.datasets(None).await? {
                if d.name == forsyning_api::dig::package::map::BASEMAP_DATASET {
                    continue;
                }
                for f in store
                    .features_at_version(d.dataset_id, d.current_version)
                    .await?
                {
                    out.push(layers::network_feature(f, crs)?);
                }
            }
        }
        "interest-areas" => {
            for a in store.interest_areas(None).await? {
                out.push(layers::interest_area_feature(&a, crs)?);
            }
        }
        _ => {
            for r in store.dig_requests(&DigFilter::All).await? {
                out.push(layers::dig_request_feature(&r.request, crs)?);
            }
        }
    }
    Ok(out)
}

pub async fn export(
    store: &dyn Store,
    args: TilesExportArgs,
    crs: forsyning_geo::Crs,
) -> anyhow::Result<()> {
    let all = layers::all();
    let Some(info) = all.iter().find(|i| i.id == args.layer).cloned() else {
        let names: Vec<&str> = all.iter().map(|i| i.id.as_str()).collect();
        bail!(
            "--layer {:?}: no such tile source (there are: {})",
            args.layer,
            names.join(", ")
        );
    };
    if !info.public && !args.include_private {
        bail!(
            "--layer {}: not a public layer (anonymous callers see none of it), and a PMTiles archive \
             has no access control. No layer is public today; the flood layers will be. \
             --include-private exports it as an admin sees it, for hosting behind access control (audited).",
            info.id
        );
    }
    let min = args.min_zoom.unwrap_or(info.minzoom);
    let max = args.max_zoom.unwrap_or(info.maxzoom);
    if min > max || max > forsyning_tiles::grid::MAX_ZOOM {
        bail!(
            "--min-zoom {min} --max-zoom {max}: need min <= max <= {}",
            forsyning_tiles::grid::MAX_ZOOM
        );
    }
    let feats = features(store, &info, crs).await?;
    let ids: Vec<uuid::Uuid> = feats.iter().map(|f| f.uid).collect();
    let source = IndexSource {
        info: info.clone(),
        index: TileIndex::new(feats),
    };
    let Some(bounds) = source.bounds() else {
        bail!("--layer {}: the store holds no features of it", info.id);
    };
    let mut tiles: Vec<TileCoord> = (min..=max)
        .flat_map(|z| TileCoord::covering(&bounds, z))
        .collect();
    tiles.sort_by_key(|t| tile_id(*t));
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut writer = PmTilesWriter::new(BufWriter::new(file))?;
    let bar = progress::bar(tiles.len() as u64, "tiles");
    let o = RenderOptions::default();
    let (mut empty, mut dropped) = (0u64, 0usize);
    for t in &tiles {
        let r = render_source(&source, *t, &|_| true, &o);
        dropped += r.dropped_budget;
        if r.bytes.is_empty() {
            empty += 1;
        } else {
            writer.add(*t, &r.bytes)?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let [w, s, e, n] = bounds_degrees(Some(bounds));
    let url = format!("pmtiles://{}", args.out.display());
    let mut metadata = info.tilejson(&url, Some(bounds));
    metadata["minzoom"] = min.into();
    metadata["maxzoom"] = max.into();
    let archive = ArchiveInfo {
        min_zoom: min,
        max_zoom: max,
        bounds: [w, s, e, n],
        center: ((w + e) / 2.0, (s + n) / 2.0, min),
        metadata,
    };
    let (_, written) = writer.finish(&archive)?;
    if !info.public {
        let (feature_count, feature_digest) = AuditRecord::digest_ids(ids);
        store
            .append_audit(AuditRecord {
                at: Utc::now(),
                org_id: None,
                token_id: None,
                action: "tiles.export".into(),
                dig_request_id: None,
                feature_count,
                feature_digest,
            })
            .await?;
    }
    println!(
        "{}: {} tiles of {} (zoom {min}-{max}), {} stored ({} skipped empty), {} bytes{}",
        args.out.display(),
        written.tiles,
        info.id,
        written.contents,
        empty,
        written.bytes,
        if dropped > 0 {
            format!(", {dropped} features dropped by the size budget")
        } else {
            String::new()
        }
    );
    Ok(())
}
