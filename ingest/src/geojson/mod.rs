//! GeoJSON (RFC 7946, plus the legacy 2008 `"crs"` member) to and from the model.
//!
//! # Reading
//!
//! [`GeoJsonReader`] streams a FeatureCollection (or a lone Feature): the
//! document is never held whole, only the feature being read. Each feature
//! becomes a [`FeatureOutcome`](crate::FeatureOutcome): a [`NetworkFeature`]
//! candidate and the [`Problem`](crate::Problem)s found. A feature with bad
//! values is rejected with problems and reading goes on; only input that is
//! not JSON, not GeoJSON, or over the [`ReaderLimits`] stops the read with an
//! [`IngestError`](crate::IngestError).
//!
//! Geometries come back **in the source CRS**, not reprojected. Without a
//! `"crs"` member that is CRS84 (longitude, latitude; RFC 7946); with
//! `{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}`
//! it is the CRS named, returned as written in [`ReadSummary::crs`]. The
//! member may come after `"features"`, so the CRS is only certain when the
//! read has ended; reprojection is the caller's next step.
//!
//! Candidates carry placeholders that the caller overwrites: owner
//! `unassigned`, dataset `00000000-0000-0000-0000-000000000000`, version 0,
//! `valid_from` 1970-01-01T00:00:00Z; a new `id` (a UUID version 7:
//! time-ordered, so that a store's index of ids grows at its end); `source_format` GeoJSON.
//!
//! ```
//! use forsyning_ingest::{GeoJsonReader, Report};
//! use forsyning_model::{Hazard, Theme};
//!
//! let json = r#"{"type": "FeatureCollection",
//!   "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
//!   "features": [{"type": "Feature", "id": "L1",
//!     "geometry": {"type": "LineString",
//!                  "coordinates": [[720000, 6170000, -99], [720010, 6170005, 12.5]]},
//!     "properties": {"theme": "el", "hazard": "farlig", "depth_mm": 600}}]}"#;
//! let mut report = Report::new();
//! let mut features = Vec::new();
//! let summary = GeoJsonReader::new(json.as_bytes())
//!     .with_file_name("upload.geojson")
//!     .for_each(|outcome| features.extend(report.record(outcome)))?;
//! assert_eq!(summary.crs.as_deref(), Some("urn:ogc:def:crs:EPSG::25832"));
//! let f = &features[0];
//! assert_eq!((f.theme, f.hazard), (Theme::Electricity, Some(Hazard::Dangerous)));
//! assert_eq!(f.heights, Some(vec![None, Some(12.5)]), "-99 is an unknown height");
//! assert!(!report.is_rejected(true));
//! # Ok::<(), forsyning_ingest::IngestError>(())
//! ```
//!
//! # Property mapping
//!
//! Code values are the model's English codes (`electricity`) or the Danish
//! terms of the LER 2.2 schema (`el`), exactly as spelled there. A property
//! that is `null` counts as absent; properties not in the table are ignored.
//!
//! | property | model field | JSON type, unit | when absent |
//! |---|---|---|---|
//! | `source_id` | `source_id` | string or number | the GeoJSON `id`, else `feature N` (N = 0-based index) |
//! | `class` | `source_class` | string | `Feature` |
//! | `theme` | `theme` | code: `electricity` / `el`, `gas`, `water` / `vand`, `sewer` / `afløb`, `district_heating` / `fjernvarme/fjernkøling`, `oil` / `olie`, `telecom` / `telekommunikation`, `other` / `andet` | **required**: problem `mandatory_attribute_missing` |
//! | `kind` | `kind` | code: `cable_or_pipe` / `Ledning`, `duct` / `Foeringsroer`, `trench` / `Ledningstrace`, `component` / `Ledningskomponent`, `area` / `Omraade` | from the geometry: (Multi)Point `component`, (Multi)Polygon `area`, else `cable_or_pipe` |
//! | `status` | `status` | code: `under_construction` / `under etablering`, `in_operation` / `i drift`, `out_of_operation` / `permanent ude af drift` | none |
//! | `hazard` | `hazard` | code: `not_dangerous` / `ikke farlig`, `dangerous` / `farlig`, `very_dangerous` / `meget farlig` | none |
//! | `safety_note` | `safety_note` | string | none |
//! | `accuracy_xy`, `accuracy_z` | `accuracy_xy`, `accuracy_z` | code: `le_0.25` / `<= 0.25 m`, `le_0.50`, `le_1.00`, `le_2.00`, `gt_2.00` / `> 2.00 m`, `unknown` / `ukendt` | `unknown` |
//! | `drawing_method` | `drawing_method` | code: `exact` / `nøjagtigt`, `offset` / `forskudt`, `schematic` / `skematisk` | none |
//! | `depth_mm` | `measures.depth_mm` | whole number, millimetres below terrain | none |
//! | `diameter_mm` | `measures.diameter_mm` | whole number, millimetres | none |
//! | `voltage_kv` | `measures.voltage_kv` | number, kilovolts | none |
//! | `pressure_bar` | `measures.pressure_bar` | number, bar | none |
//! | `material` | `measures.material` | string | none |
//! | `installed` | `measures.installed` | string `YYYY`, `YYYY-MM` or `YYYY-MM-DD` | none |
//! | `heights` | `heights` | array, one number (metres, DVR90) or `null` per vertex in coordinate order; `-99` is read as `null` | the 3rd ordinate of the positions, else none (2D) |
//!
//! A 3rd ordinate in the geometry wins over `heights`; a position without
//! one, or with LER's `-99`, has an unknown height (`None`). Further
//! ordinates are ignored. Geometries are Point, LineString, Polygon and their
//! Multi* forms; rings must be closed.
//!
//! Problems per feature: an unknown code is `unknown_code_value` (naming the
//! property and value); a value of the wrong JSON type, a bad date, a
//! `heights` of the wrong length or badly nested coordinates are
//! `malformed_input`; `null` or no geometry is `geometry_missing`, no
//! coordinates `geometry_empty`, a line of fewer than 2 points or a ring of
//! fewer than 4 `too_few_points`, a GeometryCollection or another type
//! `unsupported_geometry`.
//!
//! # Writing
//!
//! [`write_feature_collection`] writes the same properties (codes in English),
//! the geometry in 2D and the heights in `heights`, so that reading back gives
//! the same feature but for the placeholders above.

mod coords;
mod document;
mod geometry;
mod iter;
mod limits;
mod mapping;
pub(crate) mod props;
mod raw;
mod reader;
pub(crate) mod value;
mod writer;

#[cfg(doc)]
use forsyning_model::NetworkFeature;

pub(crate) use geometry::{Heights, UNKNOWN_HEIGHT};
pub use iter::Features;
pub use limits::ReaderLimits;
pub(crate) use mapping::{record_outcome, Record};
pub use reader::{GeoJsonReader, ReadSummary, CRS84};
pub use writer::{write_feature_collection, GeoJsonGeometry, GeoJsonProperties};
