//! The visitors of the document: the top-level object, its `features` array
//! and its `crs` member.

use std::fmt;
use std::ops::ControlFlow;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::limits::{Abort, Budget, Ctx};
use super::mapping::to_outcome;
use super::raw::{FeatureSeed, RawFeature};
use super::reader::ReadSummary;
use super::value::{Value, ValueSeed};
use crate::FeatureOutcome;

/// The state of one read: the visitor of the top-level object.
pub(crate) struct Top<'a> {
    ctx: &'a Ctx,
    budget: &'a Budget,
    sink: &'a mut dyn FnMut(FeatureOutcome) -> ControlFlow<()>,
    summary: ReadSummary,
    /// The top-level `"type"`, once seen.
    kind: Option<String>,
    features_seen: bool,
    /// The feature being read, for error locations.
    current: Option<u64>,
    /// The members of a top-level Feature, read before its `"type"` may be known.
    lone: RawFeature,
}

impl<'a> Top<'a> {
    pub fn new(
        ctx: &'a Ctx,
        budget: &'a Budget,
        sink: &'a mut dyn FnMut(FeatureOutcome) -> ControlFlow<()>,
    ) -> Self {
        Self {
            ctx,
            budget,
            sink,
            summary: ReadSummary::default(),
            kind: None,
            features_seen: false,
            current: None,
            lone: RawFeature::default(),
        }
    }

    /// The feature being read, if any.
    pub fn current(&self) -> Option<u64> {
        self.current
    }

    pub fn into_summary(self) -> ReadSummary {
        self.summary
    }

    fn emit<E: de::Error>(&mut self, raw: RawFeature) -> Result<(), E> {
        let index = self.summary.features;
        self.summary.features += 1;
        let mut outcome = to_outcome(raw, index, &self.ctx.mapping);
        // The CRS declared so far; one declared after the features is
        // reported in the summary for the caller to refuse.
        outcome.crs.clone_from(&self.summary.crs);
        match (self.sink)(outcome) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(self.ctx.fail(Abort::Stopped)),
        }
    }

    fn malformed<E: de::Error>(&self, message: impl Into<String>) -> E {
        self.ctx.fail(Abort::Malformed(message.into()))
    }
}

impl<'de> Visitor<'de> for &mut Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection or Feature object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        loop {
            self.budget.mark();
            let Some(key) = map.next_key::<String>()? else {
                break;
            };
            let is_collection = self.kind.as_deref() == Some("FeatureCollection");
            match key.as_str() {
                "type" => {
                    let Value::Str(kind) = map.next_value_seed(ValueSeed::scalar(self.ctx))? else {
                        return Err(self.malformed("the top-level \"type\" must be a string"));
                    };
                    if !matches!(kind.as_str(), "FeatureCollection" | "Feature") {
                        return Err(self.malformed(format!(
                            "the top-level type is {kind:?}, not a FeatureCollection or a Feature"
                        )));
                    }
                    self.kind = Some(kind);
                }
                "features" => {
                    map.next_value_seed(FeaturesSeed(&mut *self))?;
                    self.features_seen = true;
                }
                "crs" => {
                    self.summary.crs = map.next_value_seed(CrsSeed(self.ctx))?;
                    self.summary.crs_after_features = self.features_seen;
                }
                "id" | "geometry" | "properties" if !is_collection => {
                    self.current = Some(0);
                    self.lone.visit_member(&key, &mut map, self.ctx)?;
                    self.current = None;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.features_seen && self.kind.as_deref() == Some("Feature") {
                return Err(self.malformed("a Feature must not have a \"features\" member"));
            }
        }
        match self.kind.as_deref() {
            None => {
                Err(self
                    .malformed("no top-level \"type\": not a GeoJSON FeatureCollection or Feature"))
            }
            Some("Feature") => {
                let mut raw = std::mem::take(&mut self.lone);
                raw.type_name = Some(Value::Str("Feature".into()));
                self.emit(raw)
            }
            Some(_) if !self.features_seen => {
                Err(self.malformed("the FeatureCollection has no \"features\" member"))
            }
            Some(_) => Ok(()),
        }
    }
}

struct FeaturesSeed<'a, 'b>(&'a mut Top<'b>);

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let top = self.0;
        loop {
            top.budget.mark();
            top.current = Some(top.summary.features);
            let Some(raw) = seq.next_element_seed(FeatureSeed { ctx: top.ctx })? else {
                break;
            };
            top.emit(raw)?;
        }
        top.current = None;
        Ok(())
    }
}

/// Reads the legacy (2008) CRS member, `{"type": "name", "properties": {"name": "..."}}`,
/// into the name; anything else stops the read, since no coordinate could be trusted.
struct CrsSeed<'a>(&'a Ctx);

impl<'de> DeserializeSeed<'de> for CrsSeed<'_> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        let ctx = self.0;
        let value = d.deserialize_any(ValueSeed::crs(ctx))?;
        let fail = |m: String| Err(ctx.fail(Abort::Crs(m)));
        let (kind, name) = match value {
            Value::Crs { kind, name } => (kind, name),
            Value::Null => return fail("\"crs\" is null, which means the CRS is unknown".into()),
            other => {
                return fail(format!(
                    "\"crs\" must be an object, not {}",
                    other.describe()
                ))
            }
        };
        match (kind.as_deref(), name) {
            (Some("name"), Some(name)) if !name.trim().is_empty() => Ok(Some(name)),
            (Some("name"), _) => fail("the \"crs\" member has no properties.name string".into()),
            (kind, _) => fail(format!(
                "a \"crs\" of type {kind:?} is not supported; use {{\"type\": \"name\", \
                 \"properties\": {{\"name\": \"urn:ogc:def:crs:EPSG::25832\"}}}}"
            )),
        }
    }
}
