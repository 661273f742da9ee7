//! The visitors of one Feature: its members into a [`RawFeature`] that the
//! mapping turns into a model feature and problems. Nothing here fails on a
//! value of the wrong type; only broken JSON and the limits stop the read.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::coords::{CoordSeed, Coords};
use super::limits::Ctx;
use super::props::Prop;
use super::value::{drain_seq, scalars_as, Value, ValueSeed};

/// The members of a Feature that the mapping reads.
#[derive(Debug, Default)]
pub(crate) struct RawFeature {
    /// Set when the element of `features` is not an object at all.
    pub not_object: Option<&'static str>,
    pub type_name: Option<Value>,
    pub id: Option<Value>,
    /// `None` when the member is absent.
    pub geometry: Option<RawGeometry>,
    /// The known properties, indexed by [`Prop`].
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
        /// A `geometries` member: a GeometryCollection, whatever its `type` says.
        has_geometries: bool,
    },
}

impl RawFeature {
    fn not_object(what: &'static str) -> Self {
        Self {
            not_object: Some(what),
            ..Self::default()
        }
    }

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
            "properties" => match map.next_value_seed(ValueSeed::properties(ctx, self))? {
                Value::Null | Value::Object => {}
                other => self.properties_not_object = Some(other.kind()),
            },
            _ => return Ok(false),
        }
        Ok(true)
    }
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
    scalars_as!(|_, what| RawFeature::not_object(what));
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
    fn visit_unit<E>(self) -> Result<RawGeometry, E> {
        Ok(RawGeometry::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawGeometry, A::Error> {
        drain_seq(seq)?;
        Ok(RawGeometry::NotObject("an array"))
    }
    scalars_as!(|_, what| RawGeometry::NotObject(what));
}
