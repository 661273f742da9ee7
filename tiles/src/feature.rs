//! [`TileFeature`]: what a source hands the renderer, in EPSG:3857.

use std::sync::Arc;

use forsyning_model::OrgId;
use geo::BoundingRect;
use geo_types::{Geometry, Rect};
use uuid::Uuid;

use crate::mvt::Value;

/// A property value as a source keeps it: shared strings, so a million
/// features with the same owner or code hold one copy.
#[derive(Debug, Clone, PartialEq)]
pub enum Prop {
    /// A code of the model (`electricity`, `in_operation`, ...).
    Static(&'static str),
    Str(Arc<str>),
    /// Written as its hyphenated text.
    Uuid(Uuid),
    Uint(u64),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl Prop {
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Prop::Static(s) => Value::String((*s).to_owned()),
            Prop::Str(s) => Value::String(s.to_string()),
            Prop::Uuid(u) => Value::String(u.to_string()),
            Prop::Uint(v) => Value::Uint(*v),
            Prop::Int(v) => Value::Sint(*v),
            Prop::Double(v) => Value::Double(*v),
            Prop::Bool(v) => Value::Bool(*v),
        }
    }
}

/// One feature ready for tiling.
#[derive(Debug, Clone, PartialEq)]
pub struct TileFeature {
    /// Index of its layer in the source's [`crate::SourceInfo::layers`].
    pub layer: u16,
    /// The model's id (written as the property `id` when the layer has
    /// that field; tiles carry no MVT feature id).
    pub uid: Uuid,
    /// The owning organisation, for access filters; `None` for public data.
    pub owner: Option<OrgId>,
    /// What the size budget keeps longest: higher first (network features:
    /// 2 very dangerous, 1 dangerous, 0 otherwise).
    pub priority: u8,
    /// (field index in the layer's fields, value).
    pub props: Vec<(u16, Prop)>,
    /// EPSG:3857 metres.
    pub geometry: Geometry<f64>,
}

impl TileFeature {
    /// Bounding box, EPSG:3857 metres.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.geometry.bounding_rect()
    }
}
