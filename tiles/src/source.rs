//! Tile sources: what a layer holds ([`SourceInfo`], written out as
//! TileJSON 3.0.0) and where its features come from ([`TileSource`]).
//!
//! The encoder knows nothing of networks or floods: a new kind of layer
//! (bluespots, flood depth classes) is a new [`TileSource`] (or an
//! [`IndexSource`] over its features) with its own [`SourceInfo`].

use geo_types::Rect;
use serde_json::{json, Value as Json};

use crate::feature::TileFeature;
use crate::grid::mercator_to_lonlat;
use crate::index::TileIndex;
use crate::render::{render, RenderOptions, Rendered};
use crate::TileCoord;

/// The type of a field, as TileJSON's `vector_layers` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Number,
    Boolean,
}

/// One property of a layer's features.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: FieldKind,
    pub description: &'static str,
}

/// One MVT layer of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSpec {
    /// The MVT layer name.
    pub id: String,
    pub description: String,
    pub fields: Vec<FieldSpec>,
}

/// What a source serves.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// The URL segment: `/tiles/{id}/...`.
    pub id: String,
    pub name: String,
    pub description: String,
    pub layers: Vec<LayerSpec>,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// Whether anyone, without a token, may have these tiles (what a
    /// PMTiles export may hold).
    pub public: bool,
}

impl SourceInfo {
    /// TileJSON 3.0.0 for this source. `tiles_url` is the template
    /// (`/tiles/network/{z}/{x}/{y}.mvt`, relative or absolute); `bounds`
    /// is the data's extent in EPSG:3857 metres (the whole world if `None`).
    pub fn tilejson(&self, tiles_url: &str, bounds: Option<Rect<f64>>) -> Json {
        let [w, s, e, n] = bounds_degrees(bounds);
        let layers: Vec<Json> = self
            .layers
            .iter()
            .map(|l| {
                let fields: serde_json::Map<String, Json> = l
                    .fields
                    .iter()
                    .map(|f| {
                        let kind = match f.kind {
                            FieldKind::String => "String",
                            FieldKind::Number => "Number",
                            FieldKind::Boolean => "Boolean",
                        };
                        (
                            f.name.to_owned(),
                            Json::String(format!("{kind}: {}", f.description)),
                        )
                    })
                    .collect();
                json!({
                    "id": l.id,
                    "description": l.description,
                    "minzoom": self.minzoom,
                    "maxzoom": self.maxzoom,
                    "fields": fields,
                })
            })
            .collect();
        json!({
            "tilejson": "3.0.0",
            "name": self.name,
            "description": self.description,
            "scheme": "xyz",
            "tiles": [tiles_url],
            "minzoom": self.minzoom,
            "maxzoom": self.maxzoom,
            "bounds": [w, s, e, n],
            "center": [(w + e) / 2.0, (s + n) / 2.0, self.minzoom.max(12).min(self.maxzoom)],
            "vector_layers": layers,
        })
    }
}

/// West, south, east, north in degrees of an EPSG:3857 box (clamped to
/// the Web Mercator world, ±85.0511°).
pub fn bounds_degrees(bounds: Option<Rect<f64>>) -> [f64; 4] {
    match bounds {
        None => [-180.0, -85.051_128_779_806_6, 180.0, 85.051_128_779_806_6],
        Some(b) => {
            let (w, s) = mercator_to_lonlat(b.min().x, b.min().y);
            let (e, n) = mercator_to_lonlat(b.max().x, b.max().y);
            [
                w.max(-180.0),
                s.max(-85.051_128_779_806_6),
                e.min(180.0),
                n.min(85.051_128_779_806_6),
            ]
        }
    }
}

/// Where a source's features come from.
pub trait TileSource: Send + Sync + std::fmt::Debug {
    fn info(&self) -> &SourceInfo;

    /// The data's extent, EPSG:3857 metres; `None` when empty.
    fn bounds(&self) -> Option<Rect<f64>>;

    /// Appends to `out` every feature whose bounding box meets `bbox`
    /// (EPSG:3857 metres), in a stable order.
    fn query<'a>(&'a self, bbox: &Rect<f64>, out: &mut Vec<&'a TileFeature>);

    /// As [`TileSource::query`], leaving out lines and polygons smaller
    /// than `min_side` metres on both sides of their box (the renderer
    /// drops them below the full-detail zoom). A source without a faster
    /// way answers [`TileSource::query`] and lets the renderer drop them.
    fn query_visible<'a>(
        &'a self,
        bbox: &Rect<f64>,
        min_side: f64,
        out: &mut Vec<&'a TileFeature>,
    ) {
        let _ = min_side;
        self.query(bbox, out);
    }
}

/// Renders `tile` of `source` with the features that `allow` lets
/// through (an access filter; `|_| true` for public data).
pub fn render_source(
    source: &dyn TileSource,
    tile: TileCoord,
    allow: &dyn Fn(&TileFeature) -> bool,
    o: &RenderOptions,
) -> Rendered {
    let mut picked: Vec<&TileFeature> = Vec::new();
    let min_side = if tile.z() >= o.full_detail_zoom {
        0.0
    } else {
        crate::render::small_side_m(tile, o)
    };
    source.query_visible(&buffered_bounds(tile, o), min_side, &mut picked);
    picked.retain(|f| allow(f));
    render(tile, &source.info().layers, &picked, o)
}

/// The tile's bounds grown by the buffer, EPSG:3857 metres.
pub fn buffered_bounds(tile: TileCoord, o: &RenderOptions) -> Rect<f64> {
    let b = tile.bounds();
    let m = tile.size_m() * f64::from(o.buffer) / f64::from(o.extent);
    Rect::new(
        geo_types::coord! { x: b.min().x - m, y: b.min().y - m },
        geo_types::coord! { x: b.max().x + m, y: b.max().y + m },
    )
}

/// A source over one in-memory [`TileIndex`].
#[derive(Debug)]
pub struct IndexSource {
    pub info: SourceInfo,
    pub index: TileIndex,
}

impl TileSource for IndexSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn bounds(&self) -> Option<Rect<f64>> {
        self.index.bounds()
    }

    fn query<'a>(&'a self, bbox: &Rect<f64>, out: &mut Vec<&'a TileFeature>) {
        out.extend(self.index.query(bbox));
    }

    fn query_visible<'a>(
        &'a self,
        bbox: &Rect<f64>,
        min_side: f64,
        out: &mut Vec<&'a TileFeature>,
    ) {
        out.extend(self.index.query_visible(bbox, min_side));
    }
}
