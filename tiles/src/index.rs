//! [`TileIndex`]: features in EPSG:3857 behind R-trees of their boxes,
//! bulk-loaded once per dataset version, so a tile is a few box queries.
//!
//! The features are kept apart by on-screen size: points (never dropped as
//! small) in one tree, and lines and polygons in one tree per power of two
//! of their bounding box's larger side, in metres. A tile below the
//! full-detail zoom drops every line or polygon whose box is smaller than a
//! pixel on both sides ([`crate::render`]); [`TileIndex::query_visible`]
//! does not fetch them at all (a z12 tile over the generated town meets
//! some 300,000 features; how many of them this leaves out, and what it
//! gains in time, is not measured yet).
//!
//! Invariant: every feature with a bounding box is in exactly one tree,
//! once; a query answers in the order the features were given.

use geo_types::{coord, Geometry, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, RTreeObject, AABB};

use crate::feature::TileFeature;

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Sizes below 2^LOWEST m share the first band, above 2^HIGHEST m the last.
const LOWEST: i32 = -4;
const HIGHEST: i32 = 24;

/// One tree of features: the points, or the lines and polygons whose box's
/// larger side lies in `[lo, hi)` metres.
#[derive(Debug)]
struct Band {
    lo: f64,
    hi: f64,
    tree: RTree<Entry>,
}

/// An immutable spatial index of tile features.
#[derive(Debug)]
pub struct TileIndex {
    features: Vec<TileFeature>,
    points: RTree<Entry>,
    bands: Vec<Band>,
    bounds: Option<Rect<f64>>,
}

fn is_point(f: &TileFeature) -> bool {
    matches!(f.geometry, Geometry::Point(_) | Geometry::MultiPoint(_))
}

/// The band of a box whose larger side is `d` metres.
fn band_of(d: f64) -> usize {
    let k = if d > 0.0 {
        (d.log2().floor() as i32).clamp(LOWEST, HIGHEST)
    } else {
        LOWEST
    };
    (k - LOWEST) as usize
}

fn band_bounds(i: usize) -> (f64, f64) {
    let k = i as i32 + LOWEST;
    let lo = if k == LOWEST { 0.0 } else { 2f64.powi(k) };
    let hi = if k == HIGHEST {
        f64::INFINITY
    } else {
        2f64.powi(k + 1)
    };
    (lo, hi)
}

impl TileIndex {
    /// Indexes `features` (EPSG:3857); features without a box (empty
    /// geometries) are kept out.
    pub fn new(features: Vec<TileFeature>) -> TileIndex {
        let mut bounds: Option<Rect<f64>> = None;
        let features: Vec<TileFeature> = features
            .into_iter()
            .filter(|f| f.bbox().is_some())
            .collect();
        let mut points = Vec::new();
        let mut banded: Vec<Vec<Entry>> = (0..=(HIGHEST - LOWEST) as usize)
            .map(|_| Vec::new())
            .collect();
        for (i, f) in features.iter().enumerate() {
            let b = f.bbox().expect("filtered");
            bounds = Some(match bounds {
                None => b,
                Some(u) => Rect::new(
                    coord! { x: u.min().x.min(b.min().x), y: u.min().y.min(b.min().y) },
                    coord! { x: u.max().x.max(b.max().x), y: u.max().y.max(b.max().y) },
                ),
            });
            let e = GeomWithData::new(
                Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                i as u32,
            );
            if is_point(f) {
                points.push(e);
            } else {
                banded[band_of(b.width().max(b.height()))].push(e);
            }
        }
        let bands = banded
            .into_iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(i, v)| {
                let (lo, hi) = band_bounds(i);
                Band {
                    lo,
                    hi,
                    tree: RTree::bulk_load(v),
                }
            })
            .collect();
        TileIndex {
            features,
            points: RTree::bulk_load(points),
            bands,
            bounds,
        }
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The union of the features' boxes, EPSG:3857 metres.
    pub fn bounds(&self) -> Option<Rect<f64>> {
        self.bounds
    }

    pub fn features(&self) -> &[TileFeature] {
        &self.features
    }

    /// Features whose box meets `bbox`, in the order they were given.
    pub fn query(&self, bbox: &Rect<f64>) -> impl Iterator<Item = &TileFeature> + '_ {
        self.query_visible(bbox, 0.0)
    }

    /// Features whose box meets `bbox` and that are not smaller than
    /// `min_side` metres on both sides (points always), in the order they
    /// were given: what a tile whose pixel is `min_side` metres draws.
    pub fn query_visible(
        &self,
        bbox: &Rect<f64>,
        min_side: f64,
    ) -> impl Iterator<Item = &TileFeature> + '_ {
        let env = AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let mut hits: Vec<u32> = self
            .points
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        for band in self.bands.iter().filter(|b| b.hi > min_side) {
            let found = band.tree.locate_in_envelope_intersecting(&env);
            if band.lo >= min_side {
                hits.extend(found.map(|e| e.data));
            } else {
                // The band straddles the threshold: the render's own test.
                hits.extend(
                    found
                        .filter(|e| {
                            let env = e.envelope();
                            let (lo, hi) = (env.lower(), env.upper());
                            !(hi[0] - lo[0] < min_side && hi[1] - lo[1] < min_side)
                        })
                        .map(|e| e.data),
                );
            }
        }
        hits.sort_unstable();
        hits.into_iter().map(move |i| &self.features[i as usize])
    }
}
