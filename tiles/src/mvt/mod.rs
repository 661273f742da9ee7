//! The MVT 2.1 message model, as the protocol buffer holds it, with its
//! decoder ([`Tile::decode`]), encoder ([`Tile::encode`]) and geometry
//! command streams ([`geometry`]).
//!
//! Fields the specification makes optional keep their presence (`None` when
//! absent), so a decoded tile says exactly what the bytes held; this is what
//! the conformance suite (`tests/conformance.rs`) compares.

mod decode;
mod encode;
pub mod geometry;

pub use geometry::{GeomType, TileGeometry};

/// A vector tile: its layers in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tile {
    pub layers: Vec<Layer>,
}

/// One layer: a name, features, and the key and value dictionaries their
/// tags index.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// 1 or 2 (the decoder refuses others).
    pub version: u32,
    pub name: String,
    pub features: Vec<Feature>,
    pub keys: Vec<String>,
    pub values: Vec<Value>,
    /// Tile width and height in its integer coordinates; `None` when the
    /// bytes omit it (the default, 4096, then applies: [`Layer::extent`]).
    pub extent: Option<u32>,
}

impl Layer {
    /// The extent, or the specification's default of 4096.
    pub fn extent(&self) -> u32 {
        self.extent.unwrap_or(4096)
    }

    /// The properties of `feature` as (key, value) pairs. Tags were checked
    /// against the dictionaries when the tile was decoded.
    pub fn properties<'a>(
        &'a self,
        feature: &'a Feature,
    ) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        feature.tags.chunks_exact(2).filter_map(move |kv| {
            Some((
                self.keys.get(kv[0] as usize)?.as_str(),
                self.values.get(kv[1] as usize)?,
            ))
        })
    }

    /// A property of `feature` by key.
    pub fn property<'a>(&'a self, feature: &'a Feature, key: &str) -> Option<&'a Value> {
        self.properties(feature)
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// One feature: optional id, tags into the layer's dictionaries, and the
/// command stream of its geometry in tile coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub id: Option<u64>,
    /// Pairs of (key index, value index).
    pub tags: Vec<u32>,
    /// `None` when the bytes omit the type (then UNKNOWN, and invalid).
    pub geom_type: Option<GeomType>,
    /// Commands and zig-zag parameters, as in the specification's section 4.3.
    pub geometry: Vec<u32>,
}

impl Feature {
    /// The decoded geometry in tile coordinates (y down), checked against
    /// the rules of its type. UNKNOWN features have no geometry to decode.
    pub fn decode_geometry(&self) -> Result<TileGeometry, crate::TileError> {
        geometry::decode(self.geom_type.unwrap_or(GeomType::Unknown), &self.geometry)
    }
}

/// A property value: exactly one of the specification's seven types.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Float(f32),
    Double(f64),
    Int(i64),
    Uint(u64),
    Sint(i64),
    Bool(bool),
}

impl Value {
    /// The value as text, when it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an unsigned integer, when it is an integer type and not negative.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Uint(v) => Some(v),
            Value::Int(v) | Value::Sint(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// A key for dictionary deduplication: floats by their bits.
    pub(crate) fn dedup_key(&self) -> (u8, u64, &str) {
        match self {
            Value::String(s) => (0, 0, s),
            Value::Float(f) => (1, u64::from(f.to_bits()), ""),
            Value::Double(f) => (2, f.to_bits(), ""),
            Value::Int(v) => (3, *v as u64, ""),
            Value::Uint(v) => (4, *v, ""),
            Value::Sint(v) => (5, *v as u64, ""),
            Value::Bool(b) => (6, u64::from(*b), ""),
        }
    }
}
