//! The normalised Forsyning model, with LER 2.2 as its spine.
//!
//! Every network feature, whatever format it came from, becomes one
//! [`NetworkFeature`]. Geometries are in EPSG:25832 (ETRS89 / UTM 32N, metres);
//! heights are DVR90 metres, and an unknown height is `None`, never a number.
//! Code lists ([`Theme`], [`Status`], [`Hazard`], ...) convert to and from the
//! Danish terms of the LER 2.2 schema with `ler_term` / `from_ler_term`.
//!
//! This crate does no I/O.

mod access;
mod area;
pub mod calendar;
mod codes;
pub mod deadline;
pub mod deadline_rule;
mod dig;
mod dig_rules;
mod error;
mod feature;
mod ids;
mod interest;
pub mod region;

pub use access::{
    token_hash, verify_chain, AuditEntry, AuditRecord, ChainBreak, Organisation, Role, TokenRecord,
    GENESIS_HASH,
};
pub use area::{Bbox, SearchArea};
pub use codes::{AccuracyClass, DrawingMethod, Hazard, Kind, SourceFormat, Status, Theme};
pub use dig::{DigRequest, DigRequestStatus, DigResponse, DigResponseType};
pub use dig_rules::{check_dig_request, DigLimits, DigRuleViolation};
pub use error::ModelError;
pub use feature::{Measures, NetworkFeature, PartialDate};
pub use ids::{DatasetId, OrgId};
pub use interest::InterestArea;
pub use region::{PackageFormat, Region, View};

/// The EPSG code of every stored geometry: ETRS89 / UTM zone 32N.
pub const STORE_SRID: i32 = 25832;
