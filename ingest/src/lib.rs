//! Readers and normalisers that turn owners' network data into the
//! [`forsyning_model`] and report what was wrong with it.
//!
//! - [`problem`]: the validation vocabulary every reader shares ([`Problem`],
//!   [`Rule`], [`Report`]).
//! - [`geojson`]: a streaming GeoJSON reader and writer.
//! - [`mapping`]: the TOML mapping of an owner's columns, codes and units,
//!   used by the GeoJSON, CSV and GDAL readers.
//! - [`csv_wkt`]: CSV with WKT geometries ([`CsvReader`]).
//! - [`gdal`]: GeoPackage, Shapefile, FlatGeobuf and any other OGR vector
//!   format ([`gdal::GdalReader`]), the one reader that takes a path.
//! - [`ler2`], [`imkl`], [`inspire`]: LER 2 GML, IMKL (KLIC) and INSPIRE
//!   Utility Networks.
//!
//! - [`pipeline`]: format detection and reading an upload's files into
//!   normalised features and a report, for the CLI and the API.
//!
//! Readers take any [`std::io::Read`]; they never open files themselves,
//! except the GDAL reader, which opens the path its caller gives it.
//! Geometries are returned in the source CRS, which the reader reports;
//! reprojection to EPSG:25832 is the caller's next step.

pub mod csv_wkt;
mod error;
pub mod gdal;
pub mod geojson;
pub mod imkl;
pub mod inspire;
pub mod ler2;
pub mod mapping;
mod normalise;
pub mod pipeline;
pub mod problem;
mod repair;
mod validate;
mod wkx;

pub use csv_wkt::{CsvReader, CsvSummary, DEFAULT_GEOMETRY_COLUMNS};
pub use error::{IngestError, Location};
pub use geojson::{write_feature_collection, GeoJsonReader, ReadSummary, ReaderLimits};
pub use imkl::{
    read_delivery, CrsGeometry, Delivery, DeliveryLimits, ImklElement, ImklLimits, ImklReader,
    ImklSummary, ImklVersion,
};
pub use inspire::{InspireLimits, InspireReader, InspireSummary};
pub use ler2::{Ler2Feature, Ler2Limits, Ler2Reader, Ler2Summary};
pub use mapping::{Mapping, MappingError};
pub use normalise::Normaliser;
pub use pipeline::{
    default_service_area, detect, Format, NoProgress, Pipeline, PipelineError, Plan, Progress,
    Source,
};
pub use problem::{Counts, FeatureOutcome, Problem, Report, Rule, Severity};
pub use repair::repair_geometry;
pub use validate::validate_geometry;
