//! The package a contractor takes to the field: the report as LER 2.2 GML
//! (`Graveforespoergselssvar`) and as a printable map (PNG and PDF).
//!
//! Every writer takes a [`PackageInput`]: the report exactly as the policy
//! lets the caller see it, the request it answers, and the full records of
//! the disclosed features (the same features as `report.features`, in the
//! same order). The writers never decide what may be disclosed.

pub mod gml;
pub mod imkl;
pub mod map;

use forsyning_model::{DigRequest, NetworkFeature};
use geo_types::Geometry;

use super::DigReport;

/// What a package is made of.
#[derive(Debug, Clone, Copy)]
pub struct PackageInput<'a> {
    /// The report as the caller may see it.
    pub report: &'a DigReport,
    /// The request the report answers (its polygon in the region's CRS).
    pub request: &'a DigRequest,
    /// The disclosed features, in the order of `report.features`; empty when
    /// the caller may see none.
    pub features: &'a [NetworkFeature],
    /// Street context for the map (EPSG:25832): the geometries of the
    /// public base map datasets ([`map::BASEMAP_DATASET`]) around the dig
    /// area; only the map draws them. Empty when the store has none.
    pub context: &'a [Geometry<f64>],
}
