//! LER 2 GML (schemas 2.0, 2.1 and 2.2, namespace
//! `http://data.gov.dk/schemas/LER/2/gml`) to the model.
//!
//! # Reading
//!
//! [`Ler2Reader`] streams a document with quick-xml: only the feature being
//! read is in memory, within [`Ler2Limits`] (bytes and vertices per feature,
//! nesting depth, text per property). A document is one of
//!
//! - a lone feature as the root (`<ler:Elledning gml:id="…">`),
//! - a `ler:`, `gml:` or `wfs:FeatureCollection` with `featureMember`,
//!   `featureMembers`, `member` or `ler:…Member` children,
//! - a dig-request answer, `ler:Graveforespoergselssvar`, whose
//!   `ledningstraceMember`, `ledningMember` and `ledningskomponentMember`
//!   hold the features (its `id` and `type` go to [`Ler2Summary::dig_answer`]).
//!
//! Every network type of the 2.2 schema is read: the `Ledning` subtypes
//! (`Elledning`, `Telekommunikationsledning`, `AndenLedning`,
//! `LedningUkendtForsyningsart`, and the pipes `Afloebsledning`,
//! `Gasledning`, `Olieledning`, `TermiskLedning`, `Vandledning`,
//! `Foeringsroer`), `Ledningstrace`, and the `Ledningskomponent` subtypes
//! (`Afloebskomponent`, `AndenKomponent`, `Elkomponent`, `Gaskomponent`,
//! `Oliekomponent`, `Telekommunikationskomponent`, `TermiskKomponent`,
//! `Vandkomponent`). LER 2 has no area type. Other LER objects
//! (`Informationsressource`, `Kontaktprofil`) and the annotation and
//! dimension schemas' objects are read past and counted in
//! [`Ler2Summary::skipped`].
//!
//! Each feature becomes a [`FeatureOutcome`](crate::FeatureOutcome); with
//! [`Ler2Reader::for_each_feature`] also its [`Relation`]s to other
//! features. The document stops with an [`IngestError`](crate::IngestError)
//! when it is not well-formed XML, not UTF-8, empty, truncated, has a
//! `<!DOCTYPE>` (DTD entities are never expanded), has a root or member
//! outside the LER namespace, declares a schema version other than 2.x, or
//! breaks a limit.
//!
//! Geometries stay **in the source CRS, in the order written**: the
//! `srsName` of the geometry, else of an enclosing geometry, the feature's
//! `gml:boundedBy`, the collection's `gml:boundedBy` or root, is returned as
//! written in [`FeatureOutcome::crs`](crate::FeatureOutcome::crs)
//! (`EPSG:25832`, `urn:ogc:def:crs:EPSG::25832`, `EPSG:7416` …); reprojection
//! is the caller's next step. Candidates carry the same placeholders as the
//! GeoJSON reader's (owner `unassigned`, nil dataset, version 0, `valid_from`
//! 1970-01-01); `source_format` is `ler2_gml`.
//!
//! Lines that LER lets leave out their geometry because a `Ledningstrace`
//! or another `Ledning` holds them (`indeholdtLedning`) get their
//! container's geometry, CRS and (when they have none) accuracy classes, and
//! a [`RelationKind::ContainedIn`] relation. They are handed out once their
//! container has been read, so possibly after features that follow them.
//!
//! ```
//! use forsyning_ingest::{Ler2Reader, Report};
//! use forsyning_model::{Hazard, Theme};
//!
//! let gml = r#"<ler:Elledning xmlns:ler="http://data.gov.dk/schemas/LER/2/gml"
//!     xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="L1">
//!   <ler:driftsstatus>i drift</ler:driftsstatus>
//!   <ler:etableringstidspunkt>2019-05</ler:etableringstidspunkt>
//!   <ler:fareklasse>farlig</ler:fareklasse>
//!   <ler:noejagtighedsklasse>&lt;= 0.50 m</ler:noejagtighedsklasse>
//!   <ler:noejagtighedsklasseVertikal>&lt;= 1.00 m</ler:noejagtighedsklasseVertikal>
//!   <ler:vejledendeDybde uom="mm">600</ler:vejledendeDybde>
//!   <ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList srsDimension="3">
//!     720000 6170000 -99 720010 6170005 12.5</gml:posList></gml:LineString></ler:geometri>
//!   <ler:type>forsyningskabel</ler:type>
//!   <ler:spaendingsniveau uom="kV">10</ler:spaendingsniveau>
//! </ler:Elledning>"#;
//! let mut report = Report::new();
//! let mut features = Vec::new();
//! let summary = Ler2Reader::new(gml.as_bytes())
//!     .with_file_name("answer.gml")
//!     .for_each(|outcome| {
//!         assert_eq!(outcome.crs.as_deref(), Some("EPSG:25832"));
//!         features.extend(report.record(outcome));
//!     })?;
//! assert_eq!(summary.features, 1);
//! let f = &features[0];
//! assert_eq!((f.theme, f.hazard), (Theme::Electricity, Some(Hazard::Dangerous)));
//! assert_eq!((f.measures.depth_mm, f.measures.voltage_kv), (Some(600), Some(10.0)));
//! assert_eq!(f.heights, Some(vec![None, Some(12.5)]), "-99 is an unknown height");
//! assert!(!report.is_rejected(true));
//! # Ok::<(), forsyning_ingest::IngestError>(())
//! ```
//!
//! # Element mapping
//!
//! | LER element | model field | notes |
//! |---|---|---|
//! | `@gml:id` | `source_id` | required (problem `malformed_input`); the position otherwise |
//! | element name (`Elledning` …) | `source_class` | |
//! | element name, or `forsyningsart` | `theme` | `Elledning` electricity, `Gasledning` gas, `Vandledning` water, `Afloebsledning` sewer, `TermiskLedning` district heating, `Olieledning` oil, `Telekommunikationsledning` telecom, `LedningUkendtForsyningsart` other (components alike); `AndenLedning`, `AndenKomponent`, `Foeringsroer`, `Ledningstrace`: the first `forsyningsart` (`other: …` and nil are other; a duct without one is other) |
//! | element name | `kind` | `Ledning` subtypes cable_or_pipe, `Foeringsroer` duct, `Ledningstrace` trench, components component |
//! | `driftsstatus` | `status` | nil: none |
//! | `fareklasse` | `hazard` | nil: none |
//! | `sikkerhedshensyn` | `safety_note` | |
//! | `noejagtighedsklasse` | `accuracy_xy` | absent or nil: unknown |
//! | `noejagtighedsklasseVertikal` | `accuracy_z` | (2.2 only) absent or nil: unknown |
//! | `indtegningsmetode` | `drawing_method` | empty element: the schema default `nøjagtigt` |
//! | `vejledendeDybde` | `measures.depth_mm` | whole mm |
//! | `udvendigDiameter` | `measures.diameter_mm` | whole mm |
//! | `spaendingsniveau` | `measures.voltage_kv` | kV |
//! | `tryk` | `measures.pressure_bar` | bar, `mbar`, `Pa`, `hPa`, `kPa`, `MPa` |
//! | `udvendigMateriale` (lines), `materiale` (components) | `measures.material` | |
//! | `etableringstidspunkt` | `measures.installed` | `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a date-time (its date) |
//! | `geometri` | `geometry`, `heights` | 3rd ordinate = DVR90 height, `-99` unknown (`None`); `heights` is `None` for 2D |
//! | `indeholdtLedning`, `startkomponent`, `slutkomponent`, `tilknyttetLedning` | [`Relation`]s | `xlink:href="#id"` is [`FeatureRef::Local`] |
//!
//! Code values must be spelled as in the schema's enumerations. Units of
//! measure follow [`UnitPolicy`]: by default LER's own rules (`mm` for
//! lengths, `kV` for voltage); a measure without `uom` or in a unit not
//! allowed is the problem `unit_not_allowed` naming element, unit and the
//! allowed units.
//!
//! # Validation
//!
//! Problems name LER's rule at the start of their message, so that a report
//! can be compared with LER's validator: `E1` for what the XSD requires
//! (`driftsstatus`, `fareklasse`, `etableringstidspunkt`, `tvaersnitsform`
//! of pipes, `forsyningsart` where mandatory, `geometri` of traces and
//! components), `GEOM1` self-intersection, `GEOM2` a `posList` whose length
//! is not a multiple of its `srsDimension`, and the feature catalogue's
//! conditional rules (see `rules.rs`). Several of those depend on whether
//! the line was established after 2023-07-01, which the reader decides from
//! `etableringstidspunkt` ("when the establishment was finished") and not
//! from `registreringFra` (when the register stored it): the catalogue's
//! rules are stated on the establishment, and `registreringFra` is optional
//! and set by the register. A missing accuracy class on a line with geometry
//! is an error after the cut-off and a warning before it (the class is then
//! `unknown`).

pub(crate) mod build;
mod checks;
mod classes;
mod codes;
mod coords;
mod document;
pub(crate) mod feature;
pub(crate) mod geometry;
mod input;
mod links;
mod mapping;
mod names;
mod placement;
mod positions;
pub(crate) mod raw;
mod reader;
mod rules;
mod shapes;
pub(crate) mod units;
pub(crate) mod xml;

pub use links::{FeatureRef, Relation, RelationKind};
pub use mapping::Ler2Feature;
pub use reader::{DigAnswer, Ler2Limits, Ler2Reader, Ler2Summary, Ler2Version};
pub use rules::CUTOFF;
pub use units::UnitPolicy;
