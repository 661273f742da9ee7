//! The world of the access matrix: two owners' networks from a synthetic
//! town, six organisations, a token per caller, and contractor A's dig
//! request over the east of the town.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use forsyning_api::{router, AppState, Limits, RateLimiter};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{
    token_hash, DatasetId, NetworkFeature, OrgId, Organisation, Role, TokenRecord,
};
use forsyning_store::{replace_dataset, Store};
use geo::{BoundingRect, Distance, Euclidean};
use geo_types::{polygon, Geometry, MultiPolygon, Polygon};
use uuid::Uuid;

pub mod tiles;

pub const CALLERS: [&str; 9] = [
    "anonymous",
    "owner_a",
    "owner_b",
    "contractor_a",
    "contractor_b",
    "municipality",
    "admin",
    "revoked",
    "malformed",
];

/// Metres of buffer of contractor A's request.
pub const BUFFER_M: f64 = 5.0;

pub struct World {
    pub app: axum::Router,
    pub store: Arc<dyn Store>,
    pub a_dataset: DatasetId,
    /// A feature of owner A outside contractor A's request.
    pub a_outside: Uuid,
    /// A feature of owner A inside contractor A's request.
    pub a_granted: Uuid,
    pub a_ids: BTreeSet<Uuid>,
    pub b_ids: BTreeSet<Uuid>,
    /// The town's extent, `minx,miny,maxx,maxy`.
    pub bbox: String,
    /// Contractor A's dig polygon, EPSG:25832.
    pub dig_polygon: Polygon<f64>,
    /// Every feature within `BUFFER_M` of the polygon, by geo's exact distance.
    pub granted: BTreeSet<Uuid>,
}

pub fn org(id: &str) -> OrgId {
    OrgId::new(id).unwrap()
}

/// Owner A: the town's electricity network. Owner B: its water network in
/// the west only, so B has nothing near the request and does not answer it.
pub async fn setup(store: Arc<dyn Store>) -> World {
    let town = Town::new(TownConfig::new(5, 2_000));
    let e = town.extent();
    let cx = (e.min().x + e.max().x) / 2.0;
    let cy = (e.min().y + e.max().y) / 2.0;
    let owned = |owner: &str| -> Vec<NetworkFeature> {
        town.features()
            .filter(|f| f.owner_id.as_str() == owner)
            .collect()
    };
    let a = owned("SYN-EL");
    let b: Vec<_> = owned("SYN-VAND")
        .into_iter()
        .filter(|f| f.geometry.bounding_rect().unwrap().max().x < cx - 100.0)
        .collect();
    let va = replace_dataset(store.as_ref(), &org("OWN-A"), "network", a.clone())
        .await
        .unwrap();
    replace_dataset(store.as_ref(), &org("OWN-B"), "network", b.clone())
        .await
        .unwrap();
    let town_area = MultiPolygon(vec![e.to_polygon()]);
    for (id, role) in [
        ("OWN-A", Role::Owner),
        ("OWN-B", Role::Owner),
        ("CON-A", Role::Contractor),
        ("CON-B", Role::Contractor),
        ("MUNI", Role::Municipality),
        ("ADMIN", Role::Admin),
    ] {
        let o = Organisation {
            id: org(id),
            name: id.into(),
            role,
            boundary: (role == Role::Municipality).then(|| town_area.clone()),
            created_at: Utc::now(),
        };
        store.create_org(&o).await.unwrap();
    }
    let dig_polygon = polygon![
        (x: cx + 20.0, y: cy - 120.0),
        (x: cx + 230.0, y: cy - 100.0),
        (x: cx + 250.0, y: cy + 130.0),
        (x: cx + 40.0, y: cy + 90.0),
    ];
    let dig = Geometry::Polygon(dig_polygon.clone());
    let granted: BTreeSet<Uuid> = a
        .iter()
        .chain(&b)
        .filter(|f| Euclidean.distance(&f.geometry, &dig) <= BUFFER_M)
        .map(|f| f.id)
        .collect();
    assert!(
        granted.len() > 20,
        "the request should cover part of the network"
    );
    assert!(granted.len() * 3 < a.len(), "and leave most of it out");
    World {
        app: router(
            AppState::new(store.clone()).with_rate(RateLimiter::new(0.0, 1.0)),
            &Limits::default(),
        ),
        store,
        a_dataset: va.dataset_id,
        a_outside: a.iter().find(|f| !granted.contains(&f.id)).unwrap().id,
        a_granted: a.iter().find(|f| granted.contains(&f.id)).unwrap().id,
        a_ids: a.iter().map(|f| f.id).collect(),
        b_ids: b.iter().map(|f| f.id).collect(),
        bbox: format!("{},{},{},{}", e.min().x, e.min().y, e.max().x, e.max().y),
        dig_polygon,
        granted,
    }
}

/// The Authorization header of each caller.
pub async fn headers(store: &dyn Store) -> Vec<(&'static str, Option<String>)> {
    let mut out = Vec::new();
    for caller in CALLERS {
        let org_id = match caller {
            "owner_a" | "revoked" => "OWN-A",
            "owner_b" => "OWN-B",
            "contractor_a" => "CON-A",
            "contractor_b" => "CON-B",
            "municipality" => "MUNI",
            "admin" => "ADMIN",
            _ => "",
        };
        let header = match caller {
            "anonymous" => None,
            "malformed" => Some("Basic b3duZXI6cGFzcw==".to_owned()),
            _ => {
                let secret = format!("fsy_test_{caller}");
                let id = Uuid::new_v4();
                store
                    .insert_token(&TokenRecord {
                        id,
                        org_id: org(org_id),
                        label: caller.into(),
                        hash: token_hash(&secret),
                        created_at: Utc::now(),
                        revoked_at: None,
                    })
                    .await
                    .unwrap();
                if caller == "revoked" {
                    assert!(store.revoke_token(id, Utc::now()).await.unwrap());
                }
                Some(format!("Bearer {secret}"))
            }
        };
        out.push((caller, header));
    }
    out
}
