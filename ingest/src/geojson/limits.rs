//! Caps on input-driven allocation, and the context that enforces them
//! while serde's visitors run.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

use serde::de;

/// Caps on what one feature may make the reader allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Bytes of JSON text of one feature (or one top-level member). Enforced
    /// at the granularity of the read buffer (64 KiB): a feature may exceed
    /// it by that much before the read stops.
    pub max_feature_bytes: u64,
    /// Vertices (and heights, and coordinate arrays) of one feature.
    pub max_vertices: usize,
}

impl Default for ReaderLimits {
    /// 64 MiB and 10 million vertices.
    fn default() -> Self {
        Self {
            max_feature_bytes: 64 << 20,
            max_vertices: 10_000_000,
        }
    }
}

/// Why a visitor stopped the parse; kept beside serde's error, which only has a message.
#[derive(Debug)]
pub(crate) enum Abort {
    Limit { what: &'static str, limit: u64 },
    Malformed(String),
    Crs(String),
    Stopped,
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Abort::Limit { what, limit } => write!(f, "{what} exceeds {limit}"),
            Abort::Malformed(m) | Abort::Crs(m) => f.write_str(m),
            Abort::Stopped => f.write_str("stopped by the consumer"),
        }
    }
}

/// Shared by the visitors of one read.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub limits: ReaderLimits,
    pub mapping: crate::mapping::Mapping,
    pub abort: RefCell<Option<Abort>>,
}

impl Ctx {
    /// Records why the parse stops and returns the error that stops it.
    pub fn fail<E: de::Error>(&self, abort: Abort) -> E {
        let err = E::custom(&abort);
        *self.abort.borrow_mut() = Some(abort);
        err
    }
}

/// Bytes read so far, and where the current feature's allowance ends.
#[derive(Debug)]
pub(crate) struct Budget {
    max: u64,
    read: Cell<u64>,
    limit_at: Cell<u64>,
    tripped: Cell<bool>,
}

impl Budget {
    pub fn new(max: u64) -> Self {
        let budget = Self {
            max,
            read: Cell::new(0),
            limit_at: Cell::new(0),
            tripped: Cell::new(false),
        };
        budget.mark();
        budget
    }

    /// Whether a read failed because the allowance was used up.
    pub fn tripped(&self) -> bool {
        self.tripped.get()
    }

    /// A new allowance of `max` bytes starts here.
    pub fn mark(&self) {
        self.limit_at.set(self.read.get().saturating_add(self.max));
    }
}

/// Counts the bytes read from `inner` and fails once past the allowance.
pub(crate) struct Counting<R> {
    pub inner: R,
    pub budget: Rc<Budget>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let b = &self.budget;
        if b.read.get() >= b.limit_at.get() {
            b.tripped.set(true);
            return Err(io::Error::other("size limit reached"));
        }
        let n = self.inner.read(buf)?;
        b.read.set(b.read.get() + n as u64);
        Ok(n)
    }
}
