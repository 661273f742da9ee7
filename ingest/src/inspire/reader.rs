//! The public face of the INSPIRE US reader.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use super::classes::CLASSES;
use crate::imkl::walk::{Dialect, Walker};
use crate::imkl::ImklLimits;
use crate::{FeatureOutcome, IngestError};

/// The caps of the INSPIRE reader are the IMKL reader's.
pub type InspireLimits = ImklLimits;

/// What the reader learnt about the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspireSummary {
    /// Elements handed to the callback.
    pub features: u64,
    /// `UtilityLink`s read.
    pub links: u64,
    /// `UtilityNetwork`s read.
    pub networks: u64,
    /// Members that are not network elements, per qualified class name.
    pub skipped: BTreeMap<String, u64>,
    pub root: String,
    /// The CRS of the collection's `gml:boundedBy`, as written.
    pub crs: Option<String>,
}

/// Reads an INSPIRE Utility Networks GML document one element at a time.
/// See the [module documentation](super).
pub struct InspireReader<R> {
    reader: R,
    file: Option<String>,
    limits: InspireLimits,
}

impl<R> fmt::Debug for InspireReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspireReader")
            .field("file", &self.file)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<R: Read> InspireReader<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            file: None,
            limits: InspireLimits::default(),
        }
    }

    /// The name to give the input in errors.
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file = Some(name.into());
        self
    }

    pub fn with_limits(mut self, limits: InspireLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Calls `f` with the outcome of each network element, once its link and
    /// network are known (at the latest at the end of the document).
    pub fn for_each(
        self,
        mut f: impl FnMut(FeatureOutcome),
    ) -> Result<InspireSummary, IngestError> {
        let mut sink = |e: crate::imkl::ImklElement| f(e.outcome);
        let dialect = Dialect::Inspire(CLASSES);
        let s = Walker::new(self.reader, self.file, self.limits, dialect, &mut sink).run()?;
        Ok(InspireSummary {
            features: s.features,
            links: s.links,
            networks: s.networks,
            skipped: s.skipped,
            root: s.root,
            crs: s.crs,
        })
    }
}
