//! INSPIRE Utility Networks (US 4.0) GML to the model, e.g. Hamburg's
//! `WaterPipeNetwork` and `SewerPipeNetwork` downloads.
//!
//! The model is IMKL's parent, and so is the reading: [`InspireReader`] is the
//! IMKL reader's walk with INSPIRE's class table. Pipes and cables have no
//! geometry of their own; it is on the `us-net-common:UtilityLink` their
//! `net:link` points to (`#id` or `id`); appurtenances have their own
//! `net:geometry`. The theme is the `utilityNetworkType` of the
//! `us-net-common:UtilityNetwork` the element is `inNetwork` of, else the
//! class's.
//!
//! | INSPIRE class | kind | theme (when the network has none) |
//! |---|---|---|
//! | `us-net-wa:WaterPipe` | cable_or_pipe | water |
//! | `us-net-sw:SewerPipe` | cable_or_pipe | sewer |
//! | `us-net-el:ElectricityCable` | cable_or_pipe | electricity |
//! | `us-net-tc:TelecommunicationsCable` | cable_or_pipe | telecom |
//! | `us-net-th:ThermalPipe` | cable_or_pipe | district_heating |
//! | `us-net-ogc:OilGasChemicalsPipe`, `us-net-common:Pipe` | cable_or_pipe | the network's |
//! | `us-net-common:Duct` | duct | the network's |
//! | `us-net-common:Appurtenance`, `Cabinet`, `Manhole`, `Pole`, `Tower` | component | the network's |
//!
//! `utilityNetworkType`: electricity, telecommunications, water, sewer,
//! thermal map to their themes, `oilGasChemical` to other. Status, diameter
//! (`uom` `mm`, `cm`, `m`, or `urn:ogc:def:uom:OGC::…`, converted to mm),
//! pressure and voltage map as in [`imkl`](crate::imkl); `xsi:nil` values
//! are `None`.
//!
//! Coordinates are kept **as written**: Hamburg's data is EPSG:4258 (ETRS89
//! geographic) written latitude first, as the EPSG axis order says, and
//! [`FeatureOutcome::crs`](crate::FeatureOutcome::crs) returns the
//! `srsName` (`http://www.opengis.net/def/crs/EPSG/0/4258`), which
//! `forsyning_geo::Crs::parse` reads with that axis order.

mod classes;
mod reader;

pub use reader::{InspireLimits, InspireReader, InspireSummary};
