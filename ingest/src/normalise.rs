//! The step after every reader: reproject to the store's native CRS
//! (EPSG:25832 in Denmark, EPSG:28992 in the Netherlands) and check the
//! feature lies in the service area.

use std::collections::HashMap;

use forsyning_geo::{Crs, Reprojector};
use geo::BoundingRect;
use geo_types::Rect;

use crate::{FeatureOutcome, Problem, Rule};

/// Reprojects features to the store's native CRS and checks their extent.
/// Holds one PROJ transformation per source CRS, so it is not `Send`: make
/// one per reading thread.
pub struct Normaliser {
    service_area: Rect<f64>,
    target: Crs,
    transforms: HashMap<String, Result<Reprojector, String>>,
}

impl std::fmt::Debug for Normaliser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normaliser")
            .field("service_area", &self.service_area)
            .field("crs", &self.transforms.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Normaliser {
    /// To EPSG:25832; `service_area` in its metres; features outside it are rejected.
    pub fn new(service_area: Rect<f64>) -> Self {
        Self::to(Crs::STORE, service_area)
    }

    /// To `target` (the store's native CRS); `service_area` in its units.
    pub fn to(target: Crs, service_area: Rect<f64>) -> Self {
        Self {
            service_area,
            target,
            transforms: HashMap::new(),
        }
    }

    /// Checks that `crs` (as written in the source) is known and can be
    /// transformed to the target CRS; the error names the CRS.
    pub fn check_crs(&mut self, crs: &str) -> Result<(), String> {
        self.transform(crs).map(|_| ())
    }

    fn transform(&mut self, crs: &str) -> Result<&Reprojector, String> {
        let target = self.target;
        self.transforms
            .entry(crs.to_owned())
            .or_insert_with(|| {
                let from = Crs::parse(crs).map_err(|e| e.to_string())?;
                Reprojector::new(&from.horizontal(), &target).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| format!("unknown or unusable CRS {crs:?}: {e}"))
    }

    /// Reprojects the outcome's feature from `crs` and checks the service
    /// area. Problems go into the outcome; a feature that cannot be
    /// transformed is dropped from it.
    pub fn normalise(&mut self, outcome: &mut FeatureOutcome, crs: &str) {
        let Some(feature) = outcome.feature.as_mut() else {
            return;
        };
        let problem = match self.transform(crs) {
            Err(e) => Some(Problem::error(Rule::UnknownCrs, e)),
            Ok(t) => match t.transform_geometry(&mut feature.geometry) {
                Err(e) => Some(Problem::error(Rule::AbsurdCoordinate, e.to_string())),
                Ok(()) => {
                    let area = self.service_area;
                    let target = self.target;
                    match feature.geometry.bounding_rect() {
                        None => Some(Problem::error(Rule::GeometryEmpty, "the geometry is empty")),
                        Some(r) if !contains(&area, &r) => Some(Problem::error(
                            Rule::OutsideServiceArea,
                            format!(
                                "extent {:.1},{:.1} - {:.1},{:.1} ({target}) is outside the service area {:.0},{:.0} - {:.0},{:.0}",
                                r.min().x, r.min().y, r.max().x, r.max().y,
                                area.min().x, area.min().y, area.max().x, area.max().y
                            ),
                        )),
                        Some(_) => None,
                    }
                }
            },
        };
        if let Some(p) = problem {
            let p = p
                .with_source_id(outcome.source_id.clone())
                .at(outcome.position.clone());
            if p.rule == Rule::UnknownCrs {
                outcome.feature = None;
            }
            outcome.problems.push(p);
        }
    }
}

fn contains(outer: &Rect<f64>, inner: &Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && inner.max().x <= outer.max().x
        && inner.max().y <= outer.max().y
}
