//! The public face of the LER 2 reader: settings, limits, the summary.

use std::fmt;
use std::io::Read;
use std::ops::ControlFlow;

use forsyning_model::DigResponseType;

use super::document::Walker;
use super::mapping::Ler2Feature;
use super::units::UnitPolicy;
use crate::{FeatureOutcome, IngestError};

/// Caps on what one document may make the reader hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ler2Limits {
    /// Bytes of XML of one feature, or of one element outside features.
    /// Enforced at the granularity of the read buffer (64 KiB).
    pub max_feature_bytes: u64,
    /// Vertices of one feature's geometry.
    pub max_vertices: usize,
    /// Depth of nested elements.
    pub max_depth: usize,
    /// Bytes of one simple property (a code, a note); longer text is cut
    /// and reported.
    pub max_text_bytes: usize,
    /// Vertices of the containers (traces, ducts) kept for lines without
    /// geometry that are yet to come.
    pub max_held_vertices: usize,
    /// References (`indeholdtLedning`) kept for lines yet to come.
    pub max_held_references: usize,
    /// Lines without geometry kept until their container comes.
    pub max_waiting_lines: usize,
}

impl Default for Ler2Limits {
    /// 64 MiB and 10 million vertices per feature, depth 64, 64 KiB per
    /// property; 10 million held vertices, 1 million held references and
    /// 100 000 waiting lines per document.
    fn default() -> Self {
        Self {
            max_feature_bytes: 64 << 20,
            max_vertices: 10_000_000,
            max_depth: 64,
            max_text_bytes: 64 << 10,
            max_held_vertices: 10_000_000,
            max_held_references: 1_000_000,
            max_waiting_lines: 100_000,
        }
    }
}

/// A version of the LER 2 schema. All share one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Ler2Version {
    V2_0,
    /// Adds `medietype` to `Gasledning` and nil widths and heights.
    V2_1,
    /// Adds `noejagtighedsklasseVertikal` and `udnyttelsesgrad`.
    V2_2,
}

impl Ler2Version {
    pub(crate) fn from_minor(minor: u8) -> Self {
        match minor {
            0 => Self::V2_0,
            1 => Self::V2_1,
            _ => Self::V2_2,
        }
    }
}

/// What a `Graveforespoergselssvar` says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigAnswer {
    /// `ler:id`.
    pub id: Option<String>,
    /// `ler:type`, when it is one of LER's response types.
    pub response_type: Option<DigResponseType>,
    /// `ler:type` as written.
    pub response_term: Option<String>,
}

/// What the reader learnt about the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ler2Summary {
    /// Features handed to the callback.
    pub features: u64,
    /// LER objects that are not network features (attachments, contact
    /// profiles, annotations, dimensions, types of a later schema), read past.
    pub skipped: u64,
    /// The root element, e.g. `ler:Elledning`, `gml:FeatureCollection`.
    pub root: String,
    /// The version the document declares (`schemaVersion`, or the schema
    /// file named in `xsi:schemaLocation`), as written.
    pub declared_version: Option<String>,
    /// The oldest schema version that has every element the reader met.
    pub min_version: Ler2Version,
    /// The CRS the root or its `gml:boundedBy` declares; each feature's own
    /// is in [`FeatureOutcome::crs`].
    pub crs: Option<String>,
    /// Set when the document is a dig-request answer.
    pub dig_answer: Option<DigAnswer>,
}

/// Reads a LER 2 GML document (2.0 to 2.2) from `reader`, one feature at a
/// time. See the [module documentation](super) for what it accepts and how
/// elements map to the model.
pub struct Ler2Reader<R> {
    reader: R,
    file: Option<String>,
    limits: Ler2Limits,
    units: UnitPolicy,
}

impl<R> fmt::Debug for Ler2Reader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ler2Reader")
            .field("file", &self.file)
            .field("limits", &self.limits)
            .field("units", &self.units)
            .finish_non_exhaustive()
    }
}

impl<R: Read> Ler2Reader<R> {
    /// A reader of `reader` (any [`Read`]; a [`BufRead`](std::io::BufRead)
    /// is fine, the reader buffers on its own).
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            file: None,
            limits: Ler2Limits::default(),
            units: UnitPolicy::default(),
        }
    }

    /// The name to give the input in errors (a file name, an upload id).
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file = Some(name.into());
        self
    }

    pub fn with_limits(mut self, limits: Ler2Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Which units of measure to accept; [`UnitPolicy::Ler`] by default.
    pub fn with_unit_policy(mut self, units: UnitPolicy) -> Self {
        self.units = units;
        self
    }

    /// Calls `f` with the outcome of each feature, as soon as it is read
    /// (lines without geometry: once their container is known).
    ///
    /// Features already handed out stay valid when the document later turns
    /// out to be broken: the caller must then discard them (the error says why).
    pub fn for_each(self, mut f: impl FnMut(FeatureOutcome)) -> Result<Ler2Summary, IngestError> {
        self.try_for_each_feature(|feature| {
            f(feature.outcome);
            ControlFlow::Continue(())
        })
    }

    /// Like [`for_each`](Self::for_each), with each feature's relations.
    pub fn for_each_feature(
        self,
        mut f: impl FnMut(Ler2Feature),
    ) -> Result<Ler2Summary, IngestError> {
        self.try_for_each_feature(|feature| {
            f(feature);
            ControlFlow::Continue(())
        })
    }

    /// Like [`for_each_feature`](Self::for_each_feature), but `f` may stop the
    /// read early; the summary then covers what was read.
    pub fn try_for_each_feature(
        self,
        mut f: impl FnMut(Ler2Feature) -> ControlFlow<()>,
    ) -> Result<Ler2Summary, IngestError> {
        Walker::new(self.reader, self.file, self.limits, self.units, &mut f).run()
    }
}
