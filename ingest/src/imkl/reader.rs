//! The public face of the IMKL reader: settings, limits, the summary and the
//! per-element output.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use geo_types::Geometry;

use super::walk::{Dialect, Walker};
use crate::{FeatureOutcome, IngestError};

/// Caps on what one document may make the reader hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImklLimits {
    /// Bytes of XML of one element (enforced per 64 KiB read buffer).
    pub max_feature_bytes: u64,
    /// Vertices of one geometry.
    pub max_vertices: usize,
    /// Depth of nested elements.
    pub max_depth: usize,
    /// Bytes of one simple property.
    pub max_text_bytes: usize,
    /// `UtilityLink`s held by `gml:id` until the end of the document, since
    /// any later element may refer to them.
    pub max_held_links: usize,
    /// Vertices of all held `UtilityLink`s together.
    pub max_held_vertices: usize,
    /// Elements held because a link or network they refer to has not come yet.
    pub max_waiting_elements: usize,
}

impl Default for ImklLimits {
    /// 64 MiB and 10 million vertices per element, depth 64, 64 KiB per
    /// property; 1 million held links with 20 million vertices, 1 million
    /// waiting elements per document.
    fn default() -> Self {
        Self {
            max_feature_bytes: 64 << 20,
            max_vertices: 10_000_000,
            max_depth: 64,
            max_text_bytes: 64 << 10,
            max_held_links: 1_000_000,
            max_held_vertices: 20_000_000,
            max_waiting_elements: 1_000_000,
        }
    }
}

/// The IMKL version a document is written in, from its namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImklVersion {
    /// IMKL2015 1.2 (`http://www.geostandaarden.nl/imkl/2015/wion/1.2`).
    V1_2,
    /// IMKL 2.0 (`http://www.geostandaarden.nl/imkl/wibon`).
    V2_0,
}

/// A polygon with the CRS it is written in (coordinates as written).
#[derive(Debug, Clone, PartialEq)]
pub struct CrsGeometry {
    pub geometry: Geometry<f64>,
    /// The `srsName` as written, e.g. `urn:ogc:def:crs:EPSG::28992`.
    pub crs: Option<String>,
}

/// One network element: the outcome every reader gives, and what IMKL adds.
#[derive(Debug, Clone, PartialEq)]
pub struct ImklElement {
    pub outcome: FeatureOutcome,
    /// The owner's `bronhoudercode` (e.g. `KL1031`), from the `gml:id`
    /// `nl.imkl-KL1031.…`.
    pub owner_code: Option<String>,
    /// The `thema` of the element's network (`laagspanning`, `gasHogeDruk` …).
    pub thema: Option<String>,
    /// The `UtilityLink` ids the element refers to.
    pub links: Vec<String>,
    /// The `Utiliteitsnet` id.
    pub network: Option<String>,
}

/// What the reader learnt about the document as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct ImklSummary {
    /// Elements handed to the callback.
    pub features: u64,
    /// `UtilityLink`s read.
    pub links: u64,
    /// `Utiliteitsnet`s read.
    pub networks: u64,
    /// Members that are not network elements, per qualified class name.
    pub skipped: BTreeMap<String, u64>,
    pub root: String,
    pub version: Option<ImklVersion>,
    /// The CRS of the collection's `gml:boundedBy`.
    pub crs: Option<String>,
    /// The `Graafpolygoon` (dig polygon) of a KLIC delivery.
    pub dig_polygon: Option<CrsGeometry>,
}

/// Reads an IMKL GML document (IMKL 2.0 deliveries, IMKL2015 1.2 owner
/// uploads) one element at a time. See the [module documentation](super).
pub struct ImklReader<R> {
    reader: R,
    file: Option<String>,
    limits: ImklLimits,
}

impl<R> fmt::Debug for ImklReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImklReader")
            .field("file", &self.file)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<R: Read> ImklReader<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            file: None,
            limits: ImklLimits::default(),
        }
    }

    /// The name to give the input in errors.
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file = Some(name.into());
        self
    }

    pub fn with_limits(mut self, limits: ImklLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Calls `f` with the outcome of each network element, once its links and
    /// network are known (at the latest at the end of the document).
    pub fn for_each(self, mut f: impl FnMut(FeatureOutcome)) -> Result<ImklSummary, IngestError> {
        self.for_each_element(|e| f(e.outcome))
    }

    /// Like [`for_each`](Self::for_each), with the owner code and references.
    pub fn for_each_element(
        self,
        mut f: impl FnMut(ImklElement),
    ) -> Result<ImklSummary, IngestError> {
        Walker::new(self.reader, self.file, self.limits, Dialect::Imkl, &mut f).run()
    }
}
