//! IMKL (the Dutch KLIC information model for cables and pipes) to the model:
//! IMKL 2.0 deliveries (`GI_gebiedsinformatielevering_*.xml`, namespace
//! `http://www.geostandaarden.nl/imkl/wibon`), the KLIC zip they come in
//! ([`read_delivery`]), and IMKL2015 1.2 owner uploads
//! (`http://www.geostandaarden.nl/imkl/2015/wion/1.2`).
//!
//! # Reading
//!
//! [`ImklReader`] streams the document with the same quick-xml layer as the
//! LER 2 reader (no DTDs, limits per element, nesting depth, UTF-8 only) and
//! reuses its GML geometry parsing. IMKL network elements have **no geometry
//! of their own**: lines and ducts refer with `net:link xlink:href` to
//! `us-net-common:UtilityLink`s, whose `net:centrelineGeometry` holds the
//! line; their theme is the `imkl:thema` of the `Utiliteitsnet` they refer to
//! with `inNetwork`. Links and networks are held by `gml:id` for the whole
//! document (up to [`ImklLimits::max_held_links`] links and
//! [`ImklLimits::max_held_vertices`] vertices); an element whose link or
//! network has not come yet waits (up to
//! [`ImklLimits::max_waiting_elements`]) and is handed out as soon as they
//! have, or at the end of the document. An element whose link never comes
//! has the problem `geometry_missing` naming the `href`.
//!
//! Geometries stay in the source CRS, in the order written (IMKL is
//! `urn:ogc:def:crs:EPSG::28992`, RD New); [`FeatureOutcome::crs`](crate::FeatureOutcome::crs)
//! gives the `srsName`. Several links of one element become a MultiLineString.
//!
//! # Classes
//!
//! | IMKL class | kind | geometry from |
//! |---|---|---|
//! | `Elektriciteitskabel`, `Telecommunicatiekabel`, `OlieGasChemicalienPijpleiding`, `Rioolleiding`, `Waterleiding`, `ThermischePijpleiding`, `Overig` | cable_or_pipe | links |
//! | `Mantelbuis`, `Duct` | duct | links |
//! | `Kabelbed` | trench | links |
//! | `Appurtenance`, `Kast`, `Mangat`, `Mast`, `Toren`, `TechnischGebouw` | component | own `net:geometry` / `us-net-common:geometry` |
//! | `AanduidingEisVoorzorgsmaatregel` | area | own `imkl:geometrie` |
//!
//! `UtilityLink`, `Utiliteitsnet` and `Graafpolygoon` are read for the
//! others; every other member (annotations, dimensions, `ExtraGeometrie`,
//! `Belang`, `Beheerder` …) is read past and counted in
//! [`ImklSummary::skipped`].
//!
//! # Themes
//!
//! | `Thema` | theme |
//! |---|---|
//! | `hoogspanning`, `middenspanning`, `laagspanning`, `landelijkHoogspanningsnet` | electricity |
//! | `gasHogeDruk`, `gasLageDruk` | gas |
//! | `datatransport` | telecom |
//! | `water` | water |
//! | `rioolVrijverval`, `rioolOnderOverOfOnderdruk` | sewer |
//! | `warmte` | district_heating |
//! | `petrochemie` | oil |
//! | `buisleidingGevaarlijkeInhoud`, `wees`, `overig` | other |
//!
//! A network without a known `thema` falls back on its INSPIRE
//! `utilityNetworkType` (electricity, telecommunications, water, sewer,
//! thermal; `oilGasChemical` other), then on the class (`Elektriciteitskabel`
//! electricity, `Waterleiding` water …); an element whose theme stays unknown
//! is rejected (`mandatory_attribute_missing`). The `thema` code itself is in
//! [`ImklElement::thema`].
//!
//! # Attributes
//!
//! | IMKL | model |
//! |---|---|
//! | `gml:id` | `source_id`; its `nl.imkl-KL1031.` part is [`ImklElement::owner_code`] |
//! | `us-net-common:currentStatus` | `status`: functional in operation, projected/underConstruction under construction, disused/decommissioned out of operation |
//! | `imkl:geoNauwkeurigheidXY` (`tot30cm` …) | `accuracy_xy`: the smallest class holding the bound; absent unknown |
//! | `pipeDiameter`, `kabelDiameter` | `measures.diameter_mm` (uom converted; 0 means unknown) |
//! | `us-net-el:operatingVoltage` (else `nominalVoltage`) | `measures.voltage_kv` |
//! | `us-net-common:pressure` | `measures.pressure_bar` |
//! | `buismateriaalType`, `telecommunicationsCableMaterialType` | `measures.material` (the code) |
//! | `xsi:nil` / `nilReason` | `None` |
//!
//! Hazard: IMKL marks where a precaution measure is required with
//! `AanduidingEisVoorzorgsmaatregel` areas; they become `area` features with
//! hazard `dangerous` and the measure (`eisVoorzorgsmaatregel`,
//! `netbeheerderNetAanduiding`, `toelichting`) as `safety_note`. Network
//! elements say nothing about hazard, so theirs is `None` (not inferred from
//! the voltage).

pub(crate) mod classes;
mod delivery;
mod element;
mod map;
mod reader;
mod resolve;
pub(crate) mod walk;

pub use delivery::{read_delivery, Delivery, DeliveryLimits};
pub use map::owner_code;
pub use reader::{CrsGeometry, ImklElement, ImklLimits, ImklReader, ImklSummary, ImklVersion};
