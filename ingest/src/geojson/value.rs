//! Lenient reading of JSON values: a value of an unexpected JSON type is kept
//! as a description ([`Value::Other`]) and skipped without allocating, so the
//! mapping can report it as a problem of its feature and reading goes on.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use super::limits::{Abort, Ctx};
use super::props::Prop;
use super::raw::RawFeature;

/// A JSON value as far as the mapping needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    /// An array of numbers and nulls (kept only where such an array is expected).
    Numbers(Vec<Option<f64>>),
    /// The legacy `crs` member: its `type` and `properties.name`, when strings.
    Crs {
        kind: Option<String>,
        name: Option<String>,
    },
    /// An object whose wanted members went elsewhere, or none were wanted.
    Object,
    /// Any other value, described for messages: "an array".
    Other(&'static str),
}

impl Value {
    /// The JSON type, for messages: "a string", "an object".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Num(_) => "a number",
            Value::Str(_) => "a string",
            Value::Numbers(_) => "an array of numbers",
            Value::Crs { .. } | Value::Object => "an object",
            Value::Other(what) => what,
        }
    }

    /// The JSON type, with the value when it is short: "the number 12".
    pub fn describe(&self) -> String {
        match self {
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Num(n) => format!("the number {n}"),
            v => v.kind().into(),
        }
    }
}

pub(crate) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

pub(crate) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the scalar visits of a visitor that wants an object or an
/// array: each gives `Ok($make(self, "a boolean"))` and so on.
macro_rules! scalars_as {
    ($make:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($make(self, "a boolean"))
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($make(self, "a number"))
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($make(self, "a number"))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($make(self, "a number"))
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($make(self, "a string"))
        }
    };
}
pub(crate) use scalars_as;

/// What [`ValueSeed`] keeps of objects and arrays; the rest is skipped.
enum Mode<'a> {
    Scalar,
    /// An array of numbers and nulls (`heights`).
    Numbers,
    /// The known members of a Feature's `properties`, into the feature.
    Props(&'a mut RawFeature),
    /// The legacy `crs` member, and its `properties`.
    Crs,
    CrsProperties,
}

/// Reads any JSON value as a [`Value`].
pub(crate) struct ValueSeed<'a> {
    ctx: &'a Ctx,
    mode: Mode<'a>,
}

impl<'a> ValueSeed<'a> {
    pub fn scalar(ctx: &'a Ctx) -> Self {
        let mode = Mode::Scalar;
        Self { ctx, mode }
    }

    pub fn crs(ctx: &'a Ctx) -> Self {
        let mode = Mode::Crs;
        Self { ctx, mode }
    }

    /// Reads a `properties` object into `raw.props`; gives [`Value::Object`] for it.
    pub fn properties(ctx: &'a Ctx, raw: &'a mut RawFeature) -> Self {
        let mode = Mode::Props(raw);
        Self { ctx, mode }
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
        let ctx = self.ctx;
        match self.mode {
            Mode::Props(raw) => {
                while let Some(key) = map.next_key::<String>()? {
                    let Some(prop) = ctx.mapping.prop_of(&key) else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    let mode = if prop == Prop::Heights {
                        Mode::Numbers
                    } else {
                        Mode::Scalar
                    };
                    raw.props[prop as usize] = Some(map.next_value_seed(ValueSeed { ctx, mode })?);
                }
                Ok(Value::Object)
            }
            Mode::Crs | Mode::CrsProperties => {
                let (mut kind, mut name) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match (&self.mode, key.as_str()) {
                        (Mode::Crs, "type") | (Mode::CrsProperties, "name") => {
                            if let Value::Str(s) = map.next_value_seed(ValueSeed::scalar(ctx))? {
                                let slot = if key == "type" { &mut kind } else { &mut name };
                                *slot = Some(s);
                            }
                        }
                        (Mode::Crs, "properties") => {
                            let mode = Mode::CrsProperties;
                            if let Value::Crs { name: n, .. } =
                                map.next_value_seed(ValueSeed { ctx, mode })?
                            {
                                name = n;
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Value::Crs { kind, name })
            }
            Mode::Scalar | Mode::Numbers => {
                drain_map(map)?;
                Ok(Value::Object)
            }
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if !matches!(self.mode, Mode::Numbers) {
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
