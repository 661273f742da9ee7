//! [`Tile`] to bytes. Writes every field the specification requires
//! (version, name, extent, type) even at its default, as the fixtures'
//! "proto3-style" encoders do.

use super::{Feature, Layer, Tile, Value};
use crate::proto::{unzigzag64, Writer};

impl Tile {
    /// The tile as uncompressed MVT bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        let mut layer_buf = Writer::default();
        for layer in &self.layers {
            layer_buf.buf.clear();
            encode_layer(layer, &mut layer_buf);
            w.bytes(3, &layer_buf.buf);
        }
        w.buf
    }
}

fn encode_layer(layer: &Layer, w: &mut Writer) {
    w.varint(15, u64::from(layer.version));
    w.bytes(1, layer.name.as_bytes());
    let mut fw = Writer::default();
    for f in &layer.features {
        fw.buf.clear();
        encode_feature(f, &mut fw);
        w.bytes(2, &fw.buf);
    }
    for k in &layer.keys {
        w.bytes(3, k.as_bytes());
    }
    let mut vw = Writer::default();
    for v in &layer.values {
        vw.buf.clear();
        encode_value(v, &mut vw);
        w.bytes(4, &vw.buf);
    }
    if let Some(extent) = layer.extent {
        w.varint(5, u64::from(extent));
    }
}

fn encode_feature(f: &Feature, w: &mut Writer) {
    if let Some(id) = f.id {
        w.varint(1, id);
    }
    w.packed(2, &f.tags);
    if let Some(t) = f.geom_type {
        w.varint(3, t.code());
    }
    w.packed(4, &f.geometry);
}

fn encode_value(v: &Value, w: &mut Writer) {
    match v {
        Value::String(s) => w.bytes(1, s.as_bytes()),
        Value::Float(f) => w.fixed32(2, f.to_bits()),
        Value::Double(f) => w.fixed64(3, f.to_bits()),
        Value::Int(i) => w.varint(4, *i as u64),
        Value::Uint(u) => w.varint(5, *u),
        Value::Sint(i) => w.varint(6, unzigzag64(*i)),
        Value::Bool(b) => w.varint(7, u64::from(*b)),
    }
}
