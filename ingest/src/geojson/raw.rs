//! Serde visitors that read one GeoJSON Feature into [`RawFeature`] without
//! failing on wrong types: a value of the wrong JSON type is kept as
//! [`Value::Other`] (and skipped without allocating) so that the mapping can
//! report it as a problem of that feature and reading goes on.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use super::coords::{CoordSeed, Coords};
use super::mapping::Prop;
use super::reader::{Abort, Ctx};

/// A JSON value as far as the mapping needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    /// An array of numbers and nulls (kept only where an array is expected).
    Numbers(Vec<Option<f64>>),
    /// Any other value, described for messages: "an object", "an array".
    Other(&'static str),
}

impl Value {
    /// "a string", "the number 12", ... for messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Num(n) => format!("the number {n}"),
            Value::Str(_) => "a string".into(),
            Value::Numbers(_) => "an array of numbers".into(),
            Value::Other(what) => (*what).into(),
        }
    }
}

/// The members of a Feature that the mapping reads.
#[derive(Debug, Default)]
pub(crate) struct RawFeature {
    /// Set when the element of `features` is not an object at all.
    pub not_object: Option<&'static str>,
    pub type_name: Option<Value>,
    pub id: Option<Value>,
    /// `None` when the member is absent.
    pub geometry: Option<RawGeometry>,
    pub props: [Option<Value>; Prop::ALL.len()],
    /// Set when `properties` is neither an object nor null.
    pub properties_not_object: Option<&'static str>,
}

/// The `geometry` member of a Feature.
#[derive(Debug)]
pub(crate) enum RawGeometry {
    Null,
    NotObject(&'static str),
    Object {
        type_name: Option<Value>,
        coords: Option<Coords>,
        has_geometries: bool,
    },
}

impl RawFeature {
    /// Reads the value of member `key` if it is one of a Feature's; returns
    /// `false` (value not consumed) for any other key.
    pub fn visit_member<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        ctx: &Ctx,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => self.id = Some(map.next_value_seed(ValueSeed::scalar(ctx))?),
            "geometry" => self.geometry = Some(map.next_value_seed(GeometrySeed { ctx })?),
            "properties" => map.next_value_seed(PropertiesSeed { raw: self, ctx })?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads one element of `features`.
pub(crate) struct FeatureSeed<'a> {
    pub ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = RawFeature;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawFeature, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_> {
    type Value = RawFeature;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFeature, A::Error> {
        let mut raw = RawFeature::default();
        while let Some(key) = map.next_key::<String>()? {
            if key == "type" {
                raw.type_name = Some(map.next_value_seed(ValueSeed::scalar(self.ctx))?);
            } else if !raw.visit_member(&key, &mut map, self.ctx)? {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(raw)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawFeature, A::Error> {
        drain_seq(seq)?;
        Ok(RawFeature::not_object("an array"))
    }
    fn visit_unit<E>(self) -> Result<RawFeature, E> {
        Ok(RawFeature::not_object("null"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawFeature, E> {
        Ok(RawFeature::not_object("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<RawFeature, E> {
        Ok(RawFeature::not_object("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<RawFeature, E> {
        Ok(RawFeature::not_object("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawFeature, E> {
        Ok(RawFeature::not_object("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<RawFeature, E> {
        Ok(RawFeature::not_object("a string"))
    }
}

impl RawFeature {
    fn not_object(what: &'static str) -> Self {
        Self {
            not_object: Some(what),
            ..Self::default()
        }
    }
}

struct PropertiesSeed<'a> {
    raw: &'a mut RawFeature,
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for PropertiesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let ctx = self.ctx;
        match d.deserialize_any(ValueSeed {
            ctx,
            props: Some(self.raw),
            numbers: false,
        })? {
            Value::Null | Value::Other("an object") => {}
            other => self.raw.properties_not_object = Some(other_kind(&other)),
        }
        Ok(())
    }
}

fn other_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Num(_) => "a number",
        Value::Str(_) => "a string",
        Value::Numbers(_) => "an array",
        Value::Other(what) => what,
    }
}

/// Reads any JSON value as a [`Value`]; objects are skipped unless `props`
/// asks for the known properties to be kept, arrays unless `numbers` is set.
pub(crate) struct ValueSeed<'a> {
    ctx: &'a Ctx,
    props: Option<&'a mut RawFeature>,
    numbers: bool,
}

impl<'a> ValueSeed<'a> {
    pub fn scalar(ctx: &'a Ctx) -> Self {
        Self {
            ctx,
            props: None,
            numbers: false,
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Num(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Other("a non-finite number"), Value::Num))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(raw) = self.props else {
            drain_map(map)?;
            return Ok(Value::Other("an object"));
        };
        while let Some(key) = map.next_key::<String>()? {
            match Prop::from_key(&key) {
                Some(prop) => {
                    let seed = ValueSeed {
                        ctx: self.ctx,
                        props: None,
                        numbers: prop == Prop::Heights,
                    };
                    raw.props[prop as usize] = Some(map.next_value_seed(seed)?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Other("an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if !self.numbers {
            drain_seq(seq)?;
            return Ok(Value::Other("an array"));
        }
        let max = self.ctx.limits.max_vertices;
        let mut values = Vec::new();
        let mut all_numbers = true;
        while let Some(v) = seq.next_element_seed(ValueSeed::scalar(self.ctx))? {
            match v {
                Value::Null => values.push(None),
                Value::Num(n) => values.push(n.as_f64()),
                _ => all_numbers = false,
            }
            if values.len() > max {
                return Err(self.ctx.fail(Abort::Limit {
                    what: "number of heights in one feature",
                    limit: max as u64,
                }));
            }
        }
        Ok(if all_numbers {
            Value::Numbers(values)
        } else {
            Value::Other("an array with values other than numbers and null")
        })
    }
}

struct GeometrySeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for GeometrySeed<'_> {
    type Value = RawGeometry;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawGeometry, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GeometrySeed<'_> {
    type Value = RawGeometry;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON geometry or null")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawGeometry, A::Error> {
        let (mut type_name, mut coords, mut has_geometries) = (None, None, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => type_name = Some(map.next_value_seed(ValueSeed::scalar(self.ctx))?),
                "coordinates" => coords = Some(map.next_value_seed(CoordSeed { ctx: self.ctx })?),
                "geometries" => {
                    // GeometryCollections are refused; skip their members unread.
                    map.next_value::<IgnoredAny>()?;
                    has_geometries = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RawGeometry::Object {
            type_name,
            coords,
            has_geometries,
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawGeometry, E> {
        Ok(RawGeometry::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawGeometry, A::Error> {
        drain_seq(seq)?;
        Ok(RawGeometry::NotObject("an array"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawGeometry, E> {
        Ok(RawGeometry::NotObject("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<RawGeometry, E> {
        Ok(RawGeometry::NotObject("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<RawGeometry, E> {
        Ok(RawGeometry::NotObject("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawGeometry, E> {
        Ok(RawGeometry::NotObject("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<RawGeometry, E> {
        Ok(RawGeometry::NotObject("a string"))
    }
}
