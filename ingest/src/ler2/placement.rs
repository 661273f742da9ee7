//! Where each feature goes once read: handed out at once, or kept until
//! the trace or line that holds it has been read (see [`links`](super::links)).

use std::io::Read;
use std::rc::Rc;

use super::classes::Family;
use super::document::{Halt, Walk, Walker};
use super::links::{Cap, Container};
use super::mapping::{map, Mapped};
use super::raw::RawFeature;
use crate::IngestError;

impl<R: Read> Walker<'_, R> {
    /// Maps a feature now, or keeps a line without geometry until its container comes.
    pub(super) fn place(&mut self, raw: RawFeature) -> Walk {
        let line = raw.class.family == Family::Ledning;
        let container = match (&raw.gml_id, line) {
            (Some(id), true) => self.links.take_container(id),
            _ => None,
        };
        if line && raw.geometry.is_none() && container.is_none() {
            if let Some(id) = raw.gml_id.clone() {
                let at = raw.index;
                return self
                    .links
                    .wait(id, raw, self.limits.max_waiting_lines)
                    .map_err(|cap| self.cap_error(cap, at));
            }
        }
        self.emit(map(raw, container, self.ctx()))
    }

    pub(super) fn emit(&mut self, mapped: Mapped) -> Walk {
        let Mapped { feature, container } = mapped;
        let index = self.summary.features;
        self.summary.features += 1;
        if (self.sink)(feature).is_break() {
            return Err(Halt::Stopped);
        }
        if let Some((c, ids)) = container {
            self.hold(c, ids, index)?;
        }
        Ok(())
    }

    fn hold(&mut self, c: Container, ids: Vec<String>, index: u64) -> Walk {
        let caps = (
            self.limits.max_held_vertices,
            self.limits.max_held_references,
        );
        let ready = self
            .links
            .add_container(c, ids, caps)
            .map_err(|cap| self.cap_error(cap, index))?;
        for (line, container) in ready {
            self.emit(map(line, Some(Rc::clone(&container)), self.ctx()))?;
        }
        Ok(())
    }

    fn cap_error(&self, cap: Cap, feature: u64) -> Halt {
        let mut at = self.x.location(None);
        at.feature = Some(feature);
        let (what, limit) = match cap {
            Cap::Vertices => (
                "vertices of containers held for lines without geometry",
                self.limits.max_held_vertices,
            ),
            Cap::References => (
                "references to lines not read yet",
                self.limits.max_held_references,
            ),
            Cap::Waiting => (
                "lines without geometry waiting for their container",
                self.limits.max_waiting_lines,
            ),
        };
        Halt::Error(IngestError::LimitExceeded {
            at,
            what,
            limit: limit as u64,
        })
    }
}
