//! Bytes to [`Tile`], refusing what the specification calls fatal: a known
//! field of the wrong wire type, a layer without name or version, a version
//! other than 1 or 2, a value with no type, several types or an unknown one,
//! and tags that point past the dictionaries. Geometry command streams are
//! checked by [`Feature::decode_geometry`] / [`Tile::validate`], so a
//! reader can still list a tile whose geometries it will not draw.
//!
//! Allocation is bounded by the input: every vector grows per element
//! actually read, never by a count the bytes claim.

use super::{Feature, GeomType, Layer, Tile, Value};
use crate::proto::{packed_u32, wrong_wire, zigzag64, Field, Reader, Wire};
use crate::TileError;

impl Tile {
    /// Decodes a tile (uncompressed MVT bytes) and checks its structure.
    pub fn decode(bytes: &[u8]) -> Result<Tile, TileError> {
        let mut r = Reader::new(bytes, "tile");
        let mut tile = Tile::default();
        while let Some((number, field)) = r.next()? {
            if number == 3 {
                let Field::Len(b) = field else {
                    return Err(wrong_wire("tile", "layers", Wire::Len, field.wire()));
                };
                let at = format!("layer {}", tile.layers.len());
                tile.layers.push(decode_layer(b, &at)?);
            }
            // Other fields are extensions (16..8191) or unknown: skipped.
        }
        Ok(tile)
    }

    /// Decodes every feature's geometry, failing on the first invalid one.
    pub fn validate(&self) -> Result<(), TileError> {
        for layer in &self.layers {
            for (i, f) in layer.features.iter().enumerate() {
                if f.geom_type.unwrap_or(GeomType::Unknown) == GeomType::Unknown {
                    continue;
                }
                f.decode_geometry().map_err(|e| match e {
                    TileError::Geometry { reason, .. } => TileError::Geometry {
                        at: format!("layer {:?} feature {i}", layer.name),
                        reason,
                    },
                    other => other,
                })?;
            }
        }
        Ok(())
    }
}

fn decode_layer(bytes: &[u8], at: &str) -> Result<Layer, TileError> {
    let mut r = Reader::new(bytes, at);
    let (mut version, mut name, mut extent) = (None, None, None);
    let (mut features, mut keys, mut values) = (Vec::new(), Vec::new(), Vec::new());
    while let Some((number, field)) = r.next()? {
        match (number, field) {
            (15, Field::Varint(v)) => version = Some(v),
            (1, Field::Len(b)) => name = Some(utf8(at, "name", b)?),
            (2, Field::Len(b)) => {
                let fat = format!("{at} feature {}", features.len());
                features.push(decode_feature(b, &fat)?);
            }
            (3, Field::Len(b)) => keys.push(utf8(at, "key", b)?),
            (4, Field::Len(b)) => {
                let vat = format!("{at} value {}", values.len());
                values.push(decode_value(b, &vat)?);
            }
            (5, Field::Varint(v)) => {
                extent = Some(
                    u32::try_from(v)
                        .map_err(|_| TileError::invalid(at, "extent exceeds 32 bits"))?,
                )
            }
            (15 | 5, f) => return Err(wrong_wire(at, "version/extent", Wire::Varint, f.wire())),
            (1..=4, f) => {
                return Err(wrong_wire(
                    at,
                    "name/features/keys/values",
                    Wire::Len,
                    f.wire(),
                ))
            }
            _ => {} // extensions 16..max, unknown fields
        }
    }
    let name = name.ok_or_else(|| TileError::invalid(at, "a layer MUST contain a name"))?;
    let at = format!("layer {name:?}");
    let version = match version {
        Some(v @ (1 | 2)) => v as u32,
        Some(v) => {
            return Err(TileError::invalid(
                &at,
                format!("version {v} is not 1 or 2"),
            ))
        }
        None => return Err(TileError::invalid(&at, "a layer MUST contain a version")),
    };
    for (i, f) in features.iter().enumerate() {
        for kv in f.tags.chunks(2) {
            if kv[0] as usize >= keys.len() {
                return Err(TileError::invalid(
                    &at,
                    format!(
                        "feature {i}: tag key {} past the {} keys",
                        kv[0],
                        keys.len()
                    ),
                ));
            }
            if let Some(&v) = kv.get(1) {
                if v as usize >= values.len() {
                    return Err(TileError::invalid(
                        &at,
                        format!(
                            "feature {i}: tag value {v} past the {} values",
                            values.len()
                        ),
                    ));
                }
            }
        }
    }
    Ok(Layer {
        version,
        name,
        features,
        keys,
        values,
        extent,
    })
}

fn utf8(at: &str, what: &str, b: &[u8]) -> Result<String, TileError> {
    String::from_utf8(b.to_vec())
        .map_err(|_| TileError::invalid(at, format!("{what} is not UTF-8")))
}

fn decode_feature(bytes: &[u8], at: &str) -> Result<Feature, TileError> {
    let mut r = Reader::new(bytes, at);
    let mut f = Feature {
        id: None,
        tags: Vec::new(),
        geom_type: None,
        geometry: Vec::new(),
    };
    while let Some((number, field)) = r.next()? {
        match number {
            1 => match field {
                Field::Varint(v) => f.id = Some(v),
                other => return Err(wrong_wire(at, "id", Wire::Varint, other.wire())),
            },
            2 => packed_u32(at, "tags", field, &mut f.tags)?,
            3 => match field {
                Field::Varint(v) => f.geom_type = Some(GeomType::from_code(v)),
                other => return Err(wrong_wire(at, "type", Wire::Varint, other.wire())),
            },
            // A repeated field written twice concatenates, as protobuf
            // libraries read it (fixture 030 is "recoverable").
            4 => packed_u32(at, "geometry", field, &mut f.geometry)?,
            _ => {}
        }
    }
    Ok(f)
}

fn decode_value(bytes: &[u8], at: &str) -> Result<Value, TileError> {
    let mut r = Reader::new(bytes, at);
    let mut out: Option<Value> = None;
    while let Some((number, field)) = r.next()? {
        let v = match (number, field) {
            (1, Field::Len(b)) => Value::String(utf8(at, "string_value", b)?),
            (2, Field::I32(b)) => Value::Float(f32::from_bits(b)),
            (3, Field::I64(b)) => Value::Double(f64::from_bits(b)),
            (4, Field::Varint(v)) => Value::Int(v as i64),
            (5, Field::Varint(v)) => Value::Uint(v),
            (6, Field::Varint(v)) => Value::Sint(zigzag64(v)),
            (7, Field::Varint(v)) => Value::Bool(v != 0),
            (1..=7, f) => {
                return Err(TileError::protobuf(
                    at,
                    format!(
                        "value field {number} has the wrong wire type ({:?})",
                        f.wire()
                    ),
                ))
            }
            (n, _) => {
                return Err(TileError::invalid(
                    at,
                    format!("value field {n} is none of the seven value types"),
                ))
            }
        };
        if out.replace(v).is_some() {
            return Err(TileError::invalid(
                at,
                "a value MUST hold exactly one type, this has several",
            ));
        }
    }
    out.ok_or_else(|| TileError::invalid(at, "a value MUST hold exactly one type, this has none"))
}
