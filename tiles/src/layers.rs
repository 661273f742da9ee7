//! The model's tile sources: what each holds (its MVT layers and their
//! fields) and how a model record becomes a [`TileFeature`] (EPSG:3857).
//! Who may see which record is the API's business, not this module's.

use forsyning_model::{DigRequest, Hazard, InterestArea, NetworkFeature, Theme};
use geo_types::Geometry;

use crate::project::to_web_mercator;
use crate::{FieldKind, FieldSpec, LayerSpec, Prop, SourceInfo, TileError, TileFeature};
use forsyning_geo::Crs;

fn field(name: &'static str, kind: FieldKind, description: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        description,
    }
}

/// The properties of every network layer, in tag order.
pub const NETWORK_FIELDS: [&str; 7] = [
    "id", "owner", "theme", "kind", "status", "hazard", "depth_mm",
];

/// `network`: one MVT layer per theme, named by the model's theme code.
pub fn network() -> SourceInfo {
    let fields = vec![
        field("id", FieldKind::String, "feature id (UUID)"),
        field("owner", FieldKind::String, "owner organisation id"),
        field(
            "theme",
            FieldKind::String,
            "theme code (electricity, gas, water, ...)",
        ),
        field(
            "kind",
            FieldKind::String,
            "cable_or_pipe, duct, trench, component or area",
        ),
        field(
            "status",
            FieldKind::String,
            "under_construction, in_operation or out_of_operation",
        ),
        field(
            "hazard",
            FieldKind::String,
            "not_dangerous, dangerous or very_dangerous",
        ),
        field(
            "depth_mm",
            FieldKind::Number,
            "indicative depth below terrain, millimetres",
        ),
    ];
    SourceInfo {
        id: "network".into(),
        name: "Utility networks".into(),
        description: "The network features the caller may see, one layer per theme".into(),
        layers: Theme::ALL
            .iter()
            .map(|t| LayerSpec {
                id: t.code().into(),
                description: format!("{} network features", t.code()),
                fields: fields.clone(),
            })
            .collect(),
        minzoom: 12,
        maxzoom: 16,
        public: false,
    }
}

/// The layer index of a theme in [`network`].
pub fn theme_layer(t: Theme) -> u16 {
    Theme::ALL
        .iter()
        .position(|x| *x == t)
        .unwrap_or(Theme::ALL.len() - 1) as u16
}

/// `interest-areas`: owners' interest areas (LER `interesseområder`).
pub fn interest_areas() -> SourceInfo {
    SourceInfo {
        id: "interest-areas".into(),
        name: "Interest areas".into(),
        description: "Owners' interest areas the caller may see".into(),
        layers: vec![LayerSpec {
            id: "interest_areas".into(),
            description: "where dig requests concern an owner".into(),
            fields: vec![
                field("id", FieldKind::String, "interest area id (UUID)"),
                field("owner", FieldKind::String, "owner organisation id"),
                field("themes", FieldKind::String, "theme codes, comma-separated"),
                field(
                    "marks_on_site",
                    FieldKind::Boolean,
                    "whether the owner marks on site",
                ),
            ],
        }],
        minzoom: 8,
        maxzoom: 16,
        public: false,
    }
}

/// `dig-requests`: dig request polygons the caller may see.
pub fn dig_requests() -> SourceInfo {
    SourceInfo {
        id: "dig-requests".into(),
        name: "Dig requests".into(),
        description: "Dig request polygons the caller may see".into(),
        layers: vec![LayerSpec {
            id: "dig_requests".into(),
            description: "dig areas (polygon without its buffer)".into(),
            fields: vec![
                field("id", FieldKind::String, "dig request id (UUID)"),
                field("requester", FieldKind::String, "requesting organisation id"),
                field(
                    "status",
                    FieldKind::String,
                    "received, answered or complete",
                ),
                field(
                    "period_from",
                    FieldKind::String,
                    "start of the dig period, RFC 3339 UTC",
                ),
                field(
                    "period_to",
                    FieldKind::String,
                    "end of the dig period, RFC 3339 UTC",
                ),
                field(
                    "buffer_m",
                    FieldKind::Number,
                    "buffer around the polygon, metres",
                ),
            ],
        }],
        minzoom: 8,
        maxzoom: 16,
        public: false,
    }
}

/// A network feature (in `crs`, the store's) as the `network` source shows it.
pub fn network_feature(f: NetworkFeature, crs: Crs) -> Result<TileFeature, TileError> {
    let mut geometry = f.geometry;
    to_web_mercator(&mut geometry, crs)
        .map_err(|e| TileError::Projection(format!("feature {}: {e}", f.id)))?;
    let mut props = vec![
        (0, Prop::Uuid(f.id)),
        (1, Prop::Str(f.owner_id.as_str().into())),
        (2, Prop::Static(f.theme.code())),
        (3, Prop::Static(f.kind.code())),
    ];
    if let Some(s) = f.status {
        props.push((4, Prop::Static(s.code())));
    }
    if let Some(h) = f.hazard {
        props.push((5, Prop::Static(h.code())));
    }
    if let Some(d) = f.measures.depth_mm {
        props.push((6, Prop::Uint(u64::from(d))));
    }
    Ok(TileFeature {
        layer: theme_layer(f.theme),
        uid: f.id,
        owner: Some(f.owner_id),
        priority: match f.hazard {
            Some(Hazard::VeryDangerous) => 2,
            Some(Hazard::Dangerous) => 1,
            _ => 0,
        },
        props,
        geometry,
    })
}

/// An interest area as the `interest-areas` source shows it.
pub fn interest_area_feature(a: &InterestArea, crs: Crs) -> Result<TileFeature, TileError> {
    let mut geometry = Geometry::MultiPolygon(a.geometry.clone());
    to_web_mercator(&mut geometry, crs)
        .map_err(|e| TileError::Projection(format!("interest area {}: {e}", a.id)))?;
    let themes: Vec<&str> = a.themes.iter().map(|t| t.code()).collect();
    Ok(TileFeature {
        layer: 0,
        uid: a.id,
        owner: Some(a.owner_id.clone()),
        priority: 0,
        props: vec![
            (0, Prop::Uuid(a.id)),
            (1, Prop::Str(a.owner_id.as_str().into())),
            (2, Prop::Str(themes.join(",").into())),
            (3, Prop::Bool(a.marks_on_site)),
        ],
        geometry,
    })
}

/// A dig request's polygon as the `dig-requests` source shows it.
pub fn dig_request_feature(r: &DigRequest, crs: Crs) -> Result<TileFeature, TileError> {
    let mut geometry = Geometry::Polygon(r.polygon.clone());
    to_web_mercator(&mut geometry, crs)
        .map_err(|e| TileError::Projection(format!("dig request {}: {e}", r.id)))?;
    Ok(TileFeature {
        layer: 0,
        uid: r.id,
        owner: None,
        priority: 0,
        props: vec![
            (0, Prop::Uuid(r.id)),
            (1, Prop::Str(r.requester_id.as_str().into())),
            (2, Prop::Static(r.status.code())),
            (3, Prop::Str(r.period_from.to_rfc3339().into())),
            (4, Prop::Str(r.period_to.to_rfc3339().into())),
            (5, Prop::Double(r.buffer_m)),
        ],
        geometry,
    })
}

/// Every source of the model, in the order `/tiles` lists them.
pub fn all() -> Vec<SourceInfo> {
    vec![network(), interest_areas(), dig_requests()]
}
