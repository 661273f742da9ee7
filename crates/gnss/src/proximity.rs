//! Proximity alerts: a machine's fix against the dangerous and very dangerous
//! features of its dig-request area.
//!
//! **Rule.** With `d` the horizontal distance (metres, EPSG:25832) from the
//! fix to a feature's geometry, `T` the feature's threshold (by hazard class)
//! and `σ` the fix's horizontal 1σ ([`crate::Fix::sigma_h`]):
//!
//! - *enter* when `d ≤ T + 2σ` and the feature was not alerting;
//! - *exit* when `d > T + 2σ + M` while it was alerting, `M` the exit margin
//!   (hysteresis: a machine standing on the enter boundary with jittering
//!   fixes raises one alert, not one per fix);
//! - an unknown σ counts as [`AlertConfig::unknown_sigma`] (conservative).
//!
//! The state is per (monitor, feature); a monitor serves one device. Features
//! are decomposed into segments in a bulk-loaded R-tree (`rstar`), so a check
//! costs a logarithmic search plus the few segments near the machine.

use std::collections::HashSet;

use forsyning_model::{Hazard, NetworkFeature};
use geo_types::{Coord, Geometry, LineString};
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;
use uuid::Uuid;

/// Thresholds and hysteresis, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertConfig {
    /// `T` for dangerous features (LER `farlig`).
    pub dangerous_m: f64,
    /// `T` for very dangerous features (LER `meget farlig`: high voltage, high-pressure gas).
    pub very_dangerous_m: f64,
    /// Exit margin `M` added to the enter radius before an alert ends.
    pub exit_margin_m: f64,
    /// σ assumed when a fix has none.
    pub unknown_sigma: f64,
}

impl Default for AlertConfig {
    /// Dangerous 1.0 m, very dangerous 2.0 m, exit margin 1.0 m, unknown σ 5.0 m.
    fn default() -> Self {
        AlertConfig {
            dangerous_m: 1.0,
            very_dangerous_m: 2.0,
            exit_margin_m: 1.0,
            unknown_sigma: 5.0,
        }
    }
}

impl AlertConfig {
    /// `T` of a hazard class (0 for not dangerous: such features are not indexed).
    pub fn threshold(&self, hazard: Hazard) -> f64 {
        match hazard {
            Hazard::VeryDangerous => self.very_dangerous_m,
            Hazard::Dangerous => self.dangerous_m,
            _ => 0.0,
        }
    }
}

/// A feature the index watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watched {
    /// Feature id.
    pub id: Uuid,
    /// Its hazard class.
    pub hazard: Hazard,
}

type Segment = GeomWithData<Line<[f64; 2]>, u32>;

/// An R-tree over the segments (and points) of dangerous features, EPSG:25832.
#[derive(Debug)]
pub struct HazardIndex {
    tree: RTree<Segment>,
    features: Vec<Watched>,
}

impl HazardIndex {
    /// Indexes the dangerous and very dangerous features among `features`;
    /// others are skipped. Polygons count by their rings (distance to the edge).
    pub fn new<'a>(features: impl IntoIterator<Item = &'a NetworkFeature>) -> HazardIndex {
        let items = features.into_iter().filter_map(|f| {
            let hazard = f.hazard.filter(|h| h.is_dangerous())?;
            Some((f.id, hazard, &f.geometry))
        });
        HazardIndex::from_geometries(items)
    }

    /// Indexes (id, hazard, geometry) triples directly (geometry in EPSG:25832).
    /// Geometries may be owned or borrowed, so a stream of features is
    /// indexed without holding them all.
    pub fn from_geometries<G: std::borrow::Borrow<Geometry<f64>>>(
        items: impl IntoIterator<Item = (Uuid, Hazard, G)>,
    ) -> HazardIndex {
        let mut features = Vec::new();
        let mut segs = Vec::new();
        for (id, hazard, g) in items {
            if !hazard.is_dangerous() {
                continue;
            }
            let k = features.len() as u32;
            features.push(Watched { id, hazard });
            push_segments(g.borrow(), k, &mut segs);
        }
        HazardIndex {
            tree: RTree::bulk_load(segs),
            features,
        }
    }

    /// Number of watched features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// For every feature with a segment within `radius` of (e, n): its index
    /// and least distance, into `out` (cleared first).
    pub fn near(&self, e: f64, n: f64, radius: f64, out: &mut Vec<(u32, f64)>) {
        out.clear();
        for s in self.tree.locate_within_distance([e, n], radius * radius) {
            let d = segment_distance(s.geom(), [e, n]);
            match out.iter_mut().find(|(k, _)| *k == s.data) {
                Some((_, best)) => *best = best.min(d),
                None => out.push((s.data, d)),
            }
        }
    }

    /// The watched feature with this index.
    pub fn feature(&self, k: u32) -> Watched {
        self.features[k as usize]
    }
}

fn push_segments(g: &Geometry<f64>, k: u32, out: &mut Vec<Segment>) {
    let mut line = |ls: &LineString<f64>| {
        let pts: &[Coord<f64>] = &ls.0;
        if pts.len() == 1 {
            out.push(GeomWithData::new(
                Line::new([pts[0].x, pts[0].y], [pts[0].x, pts[0].y]),
                k,
            ));
        }
        for w in pts.windows(2) {
            out.push(GeomWithData::new(
                Line::new([w[0].x, w[0].y], [w[1].x, w[1].y]),
                k,
            ));
        }
    };
    match g {
        Geometry::Point(p) => line(&LineString(vec![p.0])),
        Geometry::MultiPoint(mp) => mp.iter().for_each(|p| line(&LineString(vec![p.0]))),
        Geometry::Line(l) => line(&LineString(vec![l.start, l.end])),
        Geometry::LineString(ls) => line(ls),
        Geometry::MultiLineString(m) => m.iter().for_each(&mut line),
        Geometry::Polygon(p) => {
            line(p.exterior());
            p.interiors().iter().for_each(&mut line);
        }
        Geometry::MultiPolygon(mp) => mp.iter().for_each(|p| {
            line(p.exterior());
            p.interiors().iter().for_each(&mut line);
        }),
        Geometry::GeometryCollection(c) => c.iter().for_each(|g| push_segments(g, k, out)),
        Geometry::Rect(r) => line(r.to_polygon().exterior()),
        Geometry::Triangle(t) => line(t.to_polygon().exterior()),
    }
}

fn segment_distance(l: &Line<[f64; 2]>, p: [f64; 2]) -> f64 {
    let (a, b) = (l.from, l.to);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((a[0] + t * dx - p[0]).powi(2) + (a[1] + t * dy - p[1]).powi(2)).sqrt()
}

/// Whether an alert starts or ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The machine came within `T + 2σ`.
    Enter,
    /// The machine left `T + 2σ + M`.
    Exit,
}

/// One alert event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alert {
    /// Enter or exit.
    pub transition: Transition,
    /// The feature.
    pub feature: Watched,
    /// Distance from the fix to the feature, metres (`f64::INFINITY` when the
    /// feature is farther than the search radius on exit).
    pub distance_m: f64,
    /// `T + 2σ` used for this fix, metres.
    pub enter_radius_m: f64,
    /// σ used, metres.
    pub sigma_m: f64,
}

/// The alert state of one device.
#[derive(Debug)]
pub struct Monitor {
    config: AlertConfig,
    alerting: HashSet<u32>,
    near: Vec<(u32, f64)>,
}

impl Monitor {
    /// A monitor with nothing alerting.
    pub fn new(config: AlertConfig) -> Monitor {
        Monitor {
            config,
            alerting: HashSet::new(),
            near: Vec::new(),
        }
    }

    /// Features alerting now.
    pub fn alerting(&self) -> usize {
        self.alerting.len()
    }

    /// Checks one fix at (e, n) metres EPSG:25832 with horizontal σ; appends
    /// enter/exit events to `events` (exits first, in feature order).
    pub fn check(
        &mut self,
        index: &HazardIndex,
        e: f64,
        n: f64,
        sigma: Option<f64>,
        events: &mut Vec<Alert>,
    ) {
        let c = self.config;
        let sigma = sigma
            .filter(|s| s.is_finite() && *s >= 0.0)
            .unwrap_or(c.unknown_sigma);
        let t_max = c.dangerous_m.max(c.very_dangerous_m);
        let search = t_max + 2.0 * sigma + c.exit_margin_m;
        index.near(e, n, search, &mut self.near);
        let mut exits: Vec<u32> = Vec::new();
        for &k in &self.alerting {
            let f = index.feature(k);
            let enter = c.threshold(f.hazard) + 2.0 * sigma;
            let d = self
                .near
                .iter()
                .find(|(j, _)| *j == k)
                .map_or(f64::INFINITY, |x| x.1);
            if d > enter + c.exit_margin_m {
                exits.push(k);
            }
        }
        exits.sort_unstable();
        for k in exits {
            self.alerting.remove(&k);
            let f = index.feature(k);
            let d = self
                .near
                .iter()
                .find(|(j, _)| *j == k)
                .map_or(f64::INFINITY, |x| x.1);
            events.push(Alert {
                transition: Transition::Exit,
                feature: f,
                distance_m: d,
                enter_radius_m: c.threshold(f.hazard) + 2.0 * sigma,
                sigma_m: sigma,
            });
        }
        self.near.sort_unstable_by_key(|x| x.0);
        for &(k, d) in &self.near {
            let f = index.feature(k);
            let enter = c.threshold(f.hazard) + 2.0 * sigma;
            if d <= enter && self.alerting.insert(k) {
                events.push(Alert {
                    transition: Transition::Enter,
                    feature: f,
                    distance_m: d,
                    enter_radius_m: enter,
                    sigma_m: sigma,
                });
            }
        }
    }
}
