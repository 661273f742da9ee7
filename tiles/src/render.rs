//! Features to one encoded tile: the renderer and its size budget.
//!
//! # What gives way when a tile is over its budget
//!
//! A tile must not exceed [`RenderOptions::max_bytes`] (500 KB by
//! default, uncompressed MVT). When the first rendering is larger:
//!
//! 1. geometry gives way first: the tile is drawn again with 4×, then 16×
//!    the simplification tolerance (at the full-detail zoom, which is
//!    otherwise not simplified, with 1 px, then 4 px, then 16 px); a tile
//!    more than 4× over its budget goes straight to the coarsest;
//! 2. then whole features give way, least important first: lowest
//!    [`TileFeature::priority`] first (network features: not dangerous
//!    before dangerous before very dangerous), and within a priority the
//!    smallest on screen first (shortest line, smallest area; points count
//!    as size 0), until the tile fits.
//!
//! A tile that cannot fit even if every feature took the fewest bytes a
//! feature can take (a z12 tile over a town meets 300,000 of them) is drawn
//! at the coarsest tolerance at once, and its features are taken most
//! important first — priority, then on-screen size by bounding box (a
//! line's width plus height, a polygon's area) — until the budget is used;
//! only the features taken are clipped and simplified.
//!
//! [`Rendered`] says how many features were dropped and with which
//! tolerance the tile was drawn, so the server can log it; the budget is
//! never exceeded, so with a budget too small even the most important
//! features go.

use std::collections::HashMap;

use uuid::Uuid;

use crate::clip::Square;
use crate::feature::TileFeature;
use crate::mvt::{geometry, Feature, Layer, Tile, TileGeometry, Value};
use crate::prepare::{prepare, Frame};
use crate::proto::varint_len;
use crate::source::LayerSpec;
use crate::TileCoord;

/// How tiles are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Tile units across the tile (MVT extent).
    pub extent: u32,
    /// Tile units drawn beyond each edge, so lines and outlines join
    /// across tiles.
    pub buffer: u32,
    /// Tile units per screen pixel (`extent / 512`: MapLibre draws a tile
    /// 512 px wide): the unit of the simplification tolerance and of the
    /// small-feature threshold.
    pub pixel_units: f64,
    /// Simplification tolerance in pixels below the full-detail zoom.
    pub tolerance_px: f64,
    /// From this zoom on nothing is simplified or dropped for size, so
    /// over-zoomed maps keep every vertex (to the tile unit).
    pub full_detail_zoom: u8,
    /// Largest tile, bytes of uncompressed MVT.
    pub max_bytes: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            extent: 4096,
            buffer: 64,
            pixel_units: 8.0,
            tolerance_px: 1.0,
            full_detail_zoom: 16,
            max_bytes: 500_000,
        }
    }
}

/// An encoded tile and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Uncompressed MVT.
    pub bytes: Vec<u8>,
    /// The [`TileFeature::uid`] of every feature in the tile, sorted, without repeats.
    pub uids: Vec<Uuid>,
    /// Features left out for being smaller than a pixel (below the
    /// full-detail zoom) among those handed in; [`crate::render_source`]
    /// does not fetch those from an index that keeps them apart.
    pub dropped_small: usize,
    /// Features left out by the size budget.
    pub dropped_budget: usize,
    /// The tolerance the tile was drawn with, pixels.
    pub tolerance_px: f64,
}

struct Prepared<'a> {
    feature: &'a TileFeature,
    geoms: Vec<TileGeometry>,
    /// Screen size, tile units (length or area) — for the budget's order.
    size: f64,
}

fn frame(tile: TileCoord, o: &RenderOptions, tolerance_px: f64) -> Frame {
    let b = tile.bounds();
    let e = f64::from(o.extent);
    Frame {
        minx: b.min().x,
        maxy: b.max().y,
        scale: e / tile.size_m(),
        square: Square {
            lo: -f64::from(o.buffer),
            hi: e + f64::from(o.buffer),
        },
        tolerance: tolerance_px * o.pixel_units,
    }
}

fn size_of(geoms: &[TileGeometry]) -> f64 {
    let len = |l: &[[i64; 2]]| {
        l.windows(2)
            .map(|w| (((w[1][0] - w[0][0]).pow(2) + (w[1][1] - w[0][1]).pow(2)) as f64).sqrt())
            .sum::<f64>()
    };
    geoms
        .iter()
        .map(|g| match g {
            TileGeometry::Lines(ls) => ls.iter().map(|l| len(l)).sum(),
            TileGeometry::Polygons(ps) => ps
                .iter()
                .filter_map(|p| p.first())
                .map(|r| geometry::ring_area2(r) as f64 / 2.0)
                .sum(),
            _ => 0.0,
        })
        .sum()
}

/// A pixel of `tile`, metres: below the full-detail zoom a line or polygon
/// whose box is smaller than this on both sides is left out.
pub fn small_side_m(tile: TileCoord, o: &RenderOptions) -> f64 {
    o.pixel_units * tile.size_m() / f64::from(o.extent)
}

/// Renders `features` (EPSG:3857) into tile `tile` with layers `layers`.
/// Features are written in the order given, layer by layer in the order
/// of `layers`; empty layers are left out.
pub fn render(
    tile: TileCoord,
    layers: &[LayerSpec],
    features: &[&TileFeature],
    o: &RenderOptions,
) -> Rendered {
    let detail = tile.z() >= o.full_detail_zoom;
    let mut dropped_small = 0;
    let mut kept: Vec<&TileFeature> = Vec::with_capacity(features.len());
    let small = small_side_m(tile, o);
    for &f in features {
        let tiny = !detail
            && !matches!(
                f.geometry,
                geo_types::Geometry::Point(_) | geo_types::Geometry::MultiPoint(_)
            )
            && f.bbox()
                .is_some_and(|b| b.width() < small && b.height() < small);
        if tiny {
            dropped_small += 1;
        } else {
            kept.push(f);
        }
    }
    let tolerances: &[f64] = if detail {
        &[0.0, 1.0, 4.0, 16.0]
    } else {
        &[o.tolerance_px, o.tolerance_px * 4.0, o.tolerance_px * 16.0]
    };
    let floor: usize = kept
        .iter()
        .map(|f| MIN_FEATURE_BYTES + 2 * f.props.len())
        .sum();
    if floor > 4 * o.max_bytes {
        let coarsest = tolerances[tolerances.len() - 1];
        return render_far_over(tile, layers, &kept, o, dropped_small, coarsest);
    }
    let prepare_all = |tol: f64| -> Vec<Prepared> {
        let fr = frame(tile, o, tol);
        kept.iter()
            .map(|&feature| {
                let mut geoms = Vec::new();
                prepare(&fr, &feature.geometry, &mut geoms);
                Prepared {
                    feature,
                    geoms,
                    size: 0.0,
                }
            })
            .filter(|p| !p.geoms.is_empty())
            .collect()
    };
    let mut last = None;
    for &tol in tolerances {
        let prepared = prepare_all(tol);
        let bytes = encode(layers, &prepared, o.extent);
        let far_over = bytes.len() > 4 * o.max_bytes;
        if bytes.len() <= o.max_bytes {
            return finish(bytes, &prepared, dropped_small, 0, tol);
        }
        last = Some((prepared, tol));
        // Far over: the middle tolerance will not do, go to the coarsest.
        if far_over && tol < tolerances[tolerances.len() - 1] && tolerances.len() > 2 {
            let coarsest = tolerances[tolerances.len() - 1];
            let prepared = prepare_all(coarsest);
            let bytes = encode(layers, &prepared, o.extent);
            if bytes.len() <= o.max_bytes {
                return finish(bytes, &prepared, dropped_small, 0, coarsest);
            }
            last = Some((prepared, coarsest));
            break;
        }
    }
    let (mut prepared, tol) = last.expect("at least one tolerance");
    // Features give way: least important first, then smallest.
    for p in &mut prepared {
        p.size = size_of(&p.geoms);
    }
    let mut order: Vec<usize> = (0..prepared.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&prepared[a], &prepared[b]);
        (pa.feature.priority, pa.size)
            .partial_cmp(&(pb.feature.priority, pb.size))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let cost: Vec<usize> = prepared.iter().map(feature_cost).collect();
    let mut total: usize = cost.iter().sum();
    let mut drop = vec![false; prepared.len()];
    let mut next = 0;
    // Aim a little low: the estimate leaves out the dictionaries' sharing.
    let mut target = o.max_bytes - o.max_bytes / 10;
    loop {
        // Drop until the estimate fits, then check the real size.
        while total > target && next < order.len() {
            drop[order[next]] = true;
            total -= cost[order[next]];
            next += 1;
        }
        let keep: Vec<Prepared> = prepared
            .iter()
            .zip(&drop)
            .filter(|(_, d)| !**d)
            .map(|(p, _)| Prepared {
                feature: p.feature,
                geoms: p.geoms.clone(),
                size: p.size,
            })
            .collect();
        let bytes = encode(layers, &keep, o.extent);
        if bytes.len() <= o.max_bytes || next >= order.len() {
            return finish(bytes, &keep, dropped_small, next, tol);
        }
        // The estimate missed the dictionaries: aim 5% lower.
        target = target.saturating_sub(o.max_bytes / 20);
    }
}

/// The fewest bytes a feature of a line or polygon layer takes in a tile
/// (message framing, geometry type, one MoveTo and one LineTo), before its
/// two bytes per property.
const MIN_FEATURE_BYTES: usize = 12;

/// On-screen size from the bounding box, tile units: a line's width plus
/// height, a polygon's area, 0 for points.
fn bbox_size(f: &TileFeature, scale: f64) -> f64 {
    let Some(b) = f.bbox() else { return 0.0 };
    match f.geometry {
        geo_types::Geometry::Polygon(_) | geo_types::Geometry::MultiPolygon(_) => {
            b.width() * b.height() * scale * scale
        }
        geo_types::Geometry::Point(_) | geo_types::Geometry::MultiPoint(_) => 0.0,
        _ => (b.width() + b.height()) * scale,
    }
}

/// A tile far over its budget (see the module docs): features taken most
/// important first until the budget is used, only those prepared.
fn render_far_over(
    tile: TileCoord,
    layers: &[LayerSpec],
    kept: &[&TileFeature],
    o: &RenderOptions,
    dropped_small: usize,
    tol: f64,
) -> Rendered {
    let fr = frame(tile, o, tol);
    let mut order: Vec<(usize, f64)> = kept
        .iter()
        .enumerate()
        .map(|(i, f)| (i, bbox_size(f, fr.scale)))
        .collect();
    order.sort_by(|a, b| {
        (kept[b.0].priority, b.1)
            .partial_cmp(&(kept[a.0].priority, a.1))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut target = o.max_bytes - o.max_bytes / 10;
    // (index into kept, geometry, cost), most important first.
    let mut taken: Vec<(usize, Vec<TileGeometry>, usize)> = Vec::new();
    let mut total = 0usize;
    // Features clipped away entirely: not in the tile, but not dropped by the budget.
    let mut empty = 0usize;
    for &(i, _) in &order {
        let mut geoms = Vec::new();
        prepare(&fr, &kept[i].geometry, &mut geoms);
        if geoms.is_empty() {
            empty += 1;
            continue;
        }
        let p = Prepared {
            feature: kept[i],
            geoms,
            size: 0.0,
        };
        let cost = feature_cost(&p);
        if total + cost > target {
            break;
        }
        total += cost;
        taken.push((i, p.geoms, cost));
    }
    loop {
        // Written in the order given, as every tile is.
        let mut chosen: Vec<&(usize, Vec<TileGeometry>, usize)> = taken.iter().collect();
        chosen.sort_by_key(|t| t.0);
        let prepared: Vec<Prepared> = chosen
            .iter()
            .map(|(i, g, _)| Prepared {
                feature: kept[*i],
                geoms: g.clone(),
                size: 0.0,
            })
            .collect();
        let bytes = encode(layers, &prepared, o.extent);
        if bytes.len() <= o.max_bytes || taken.is_empty() {
            let dropped = kept.len() - taken.len() - empty;
            return finish(bytes, &prepared, dropped_small, dropped, tol);
        }
        // The estimate missed the dictionaries: aim 5% lower.
        target = target.saturating_sub(o.max_bytes / 20);
        while total > target {
            match taken.pop() {
                Some((_, _, c)) => total -= c,
                None => break,
            }
        }
    }
}

/// About what a feature adds to the tile: its geometry and tags, the
/// message framing, and its share of the value dictionary.
fn feature_cost(p: &Prepared) -> usize {
    let cmds: usize = p
        .geoms
        .iter()
        .map(|g| {
            geometry::encode(g)
                .1
                .iter()
                .map(|&c| varint_len(u64::from(c)))
                .sum::<usize>()
                + 16
        })
        .sum();
    cmds + p.feature.props.len() * 3 + 40
}

fn finish(
    bytes: Vec<u8>,
    prepared: &[Prepared],
    dropped_small: usize,
    dropped_budget: usize,
    tol: f64,
) -> Rendered {
    let mut uids: Vec<Uuid> = prepared.iter().map(|p| p.feature.uid).collect();
    uids.sort_unstable();
    uids.dedup();
    Rendered {
        bytes,
        uids,
        dropped_small,
        dropped_budget,
        tolerance_px: tol,
    }
}

fn encode(layers: &[LayerSpec], prepared: &[Prepared], extent: u32) -> Vec<u8> {
    let mut tile = Tile::default();
    for (li, spec) in layers.iter().enumerate() {
        let mut layer = Layer {
            version: 2,
            name: spec.id.clone(),
            features: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
            extent: Some(extent),
        };
        let mut key_of: HashMap<u16, u32> = HashMap::new();
        let mut value_of: HashMap<(u8, u64, String), u32> = HashMap::new();
        for p in prepared
            .iter()
            .filter(|p| usize::from(p.feature.layer) == li)
        {
            let mut tags = Vec::with_capacity(p.feature.props.len() * 2);
            for (field, prop) in &p.feature.props {
                let Some(name) = spec.fields.get(usize::from(*field)) else {
                    continue;
                };
                let k = *key_of.entry(*field).or_insert_with(|| {
                    layer.keys.push(name.name.to_owned());
                    (layer.keys.len() - 1) as u32
                });
                let v: Value = prop.to_value();
                let (t, n, s) = v.dedup_key();
                let key = (t, n, s.to_owned());
                let vi = match value_of.get(&key) {
                    Some(&i) => i,
                    None => {
                        layer.values.push(v);
                        let i = (layer.values.len() - 1) as u32;
                        value_of.insert(key, i);
                        i
                    }
                };
                tags.push(k);
                tags.push(vi);
            }
            for g in &p.geoms {
                let (t, cmds) = geometry::encode(g);
                layer.features.push(Feature {
                    // No MVT id: `id` is a property (a UUID does not fit
                    // the u64 id, and 10 bytes a feature add up).
                    id: None,
                    tags: tags.clone(),
                    geom_type: Some(t),
                    geometry: cmds,
                });
            }
        }
        if !layer.features.is_empty() {
            tile.layers.push(layer);
        }
    }
    tile.encode()
}
