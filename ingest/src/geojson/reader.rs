//! The streaming reader: the top-level object is visited member by member and
//! the `features` array element by element, so only one feature is in memory.

use std::cell::RefCell;
use std::fmt;
use std::io::{BufReader, Read};
use std::ops::ControlFlow;
use std::rc::Rc;

use serde::de::Deserializer;

use super::document::Top;
use super::limits::{Abort, Budget, Counting, Ctx, ReaderLimits};
use crate::mapping::Mapping;
use crate::{FeatureOutcome, IngestError, Location};

/// What the reader learnt about the document as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Features handed to the callback.
    pub features: u64,
    /// The name in the legacy `"crs"` member, as written (e.g.
    /// `urn:ogc:def:crs:EPSG::25832`); `None` means CRS84 (RFC 7946).
    pub crs: Option<String>,
    /// The `"crs"` member came after `"features"`: the features were handed
    /// out before their CRS was known. Geometries are always in the source CRS.
    pub crs_after_features: bool,
}

impl ReadSummary {
    /// The declared CRS, or [`CRS84`] when none was declared.
    pub fn crs_or_default(&self) -> &str {
        self.crs.as_deref().unwrap_or(CRS84)
    }
}

/// The CRS of GeoJSON without a `"crs"` member: WGS 84 longitude, latitude.
pub const CRS84: &str = "urn:ogc:def:crs:OGC:1.3:CRS84";

/// Reads a GeoJSON FeatureCollection (or a lone Feature) from `reader`,
/// one feature at a time. See the [module documentation](super) for the mapping.
pub struct GeoJsonReader<R> {
    reader: R,
    file: Option<String>,
    limits: ReaderLimits,
    mapping: Mapping,
}

impl<R> fmt::Debug for GeoJsonReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoJsonReader")
            .field("file", &self.file)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<R: Read> GeoJsonReader<R> {
    /// A reader of `reader`, which need not be buffered.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            file: None,
            limits: ReaderLimits::default(),
            mapping: Mapping::default(),
        }
    }

    /// The name to give the input in errors (a file name, an upload id).
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file = Some(name.into());
        self
    }

    pub fn with_limits(mut self, limits: ReaderLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads the properties by `mapping` instead of the documented names
    /// (see [`crate::mapping`]). The mapping's `crs` does not apply: GeoJSON
    /// declares its own.
    pub fn with_mapping(mut self, mapping: Mapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// Calls `f` with each feature, in document order, as soon as it is read.
    ///
    /// Features already handed out stay valid when the document later turns
    /// out to be broken: the caller must then discard them (the error says why).
    pub fn for_each(self, mut f: impl FnMut(FeatureOutcome)) -> Result<ReadSummary, IngestError> {
        self.run(&mut |outcome| {
            f(outcome);
            ControlFlow::Continue(())
        })
    }

    /// Like [`for_each`](Self::for_each), but `f` may stop the read early.
    pub fn try_for_each(
        self,
        mut f: impl FnMut(FeatureOutcome) -> ControlFlow<()>,
    ) -> Result<ReadSummary, IngestError> {
        self.run(&mut f)
    }

    fn run(
        self,
        sink: &mut dyn FnMut(FeatureOutcome) -> ControlFlow<()>,
    ) -> Result<ReadSummary, IngestError> {
        let budget = Rc::new(Budget::new(self.limits.max_feature_bytes));
        let input = BufReader::with_capacity(
            64 << 10,
            Counting {
                inner: self.reader,
                budget: Rc::clone(&budget),
            },
        );
        let ctx = Ctx {
            limits: self.limits,
            mapping: self.mapping,
            abort: RefCell::new(None),
        };
        let mut top = Top::new(&ctx, &budget, sink);
        let mut de = serde_json::Deserializer::from_reader(input);
        let result = (&mut de).deserialize_any(&mut top).and_then(|()| de.end());
        let Err(err) = result else {
            return Ok(top.into_summary());
        };
        let mut at = Location {
            file: self.file,
            feature: top.current(),
            ..Location::default()
        };
        if err.line() > 0 {
            at.line = Some(err.line() as u64);
            at.column = Some(err.column() as u64);
        }
        Err(match ctx.abort.take() {
            Some(Abort::Stopped) => return Ok(top.into_summary()),
            Some(Abort::Limit { what, limit }) => IngestError::LimitExceeded { at, what, limit },
            Some(Abort::Malformed(message)) => IngestError::Malformed { at, message },
            Some(Abort::Crs(message)) => IngestError::Crs { at, message },
            None if budget.tripped() => IngestError::LimitExceeded {
                at,
                what: "bytes of one feature or top-level member",
                limit: self.limits.max_feature_bytes,
            },
            None if err.is_io() => IngestError::Io {
                at,
                source: err.into(),
            },
            None => IngestError::Malformed {
                at,
                message: without_position(&err),
            },
        })
    }
}

/// serde_json's message without its " at line L column C" suffix.
fn without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    message.strip_suffix(&suffix).unwrap_or(&message).to_owned()
}
