//! [`TileIndex`]: features in EPSG:3857 behind an R-tree of their boxes,
//! bulk-loaded once per dataset version, so a tile is one box query.
//!
//! Invariant: every feature with a bounding box is in the tree exactly
//! once; a query answers in the order the features were given.

use geo_types::{coord, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::feature::TileFeature;

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// An immutable spatial index of tile features.
#[derive(Debug)]
pub struct TileIndex {
    features: Vec<TileFeature>,
    tree: RTree<Entry>,
    bounds: Option<Rect<f64>>,
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
        let entries: Vec<Entry> = features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let b = f.bbox().expect("filtered");
                bounds = Some(match bounds {
                    None => b,
                    Some(u) => Rect::new(
                        coord! { x: u.min().x.min(b.min().x), y: u.min().y.min(b.min().y) },
                        coord! { x: u.max().x.max(b.max().x), y: u.max().y.max(b.max().y) },
                    ),
                });
                GeomWithData::new(
                    Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                    i as u32,
                )
            })
            .collect();
        TileIndex {
            features,
            tree: RTree::bulk_load(entries),
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
        let env = AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let mut hits: Vec<u32> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        hits.sort_unstable();
        hits.into_iter().map(move |i| &self.features[i as usize])
    }
}
