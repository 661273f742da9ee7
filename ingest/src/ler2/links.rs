//! References between features (`indeholdtLedning`, `startkomponent`, ...)
//! and the lines that take their place from the feature that holds them.
//!
//! LER lets a `Ledning` inside a `Ledningstrace` (or inside another
//! `Ledning`, e.g. a cable in a duct) leave out its own geometry: it lies
//! where its container lies. The model needs a geometry for every feature,
//! so such a line gets its container's geometry (and accuracy classes, when
//! it has none). Containers may come before or after the lines they hold,
//! so lines without geometry wait until their container has been read, or
//! the document has ended.

use std::collections::HashMap;
use std::rc::Rc;

use forsyning_model::AccuracyClass;
use geo_types::Geometry;
use serde::Serialize;

use super::raw::RawFeature;

/// How a feature refers to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RelationKind {
    /// The target lies in this feature (`indeholdtLedning` of a trace or line).
    Contains,
    /// This feature lies in the target; added by the reader when a line
    /// without geometry took its container's.
    ContainedIn,
    /// The line starts at the target component (`startkomponent`).
    StartsAt,
    /// The line ends at the target component (`slutkomponent`).
    EndsAt,
    /// The component belongs to the target line (`tilknyttetLedning`).
    AttachedTo,
}

impl RelationKind {
    /// The kind of relation a LER property element states.
    pub(crate) fn from_element(name: &str) -> Option<Self> {
        match name {
            "indeholdtLedning" => Some(Self::Contains),
            "startkomponent" => Some(Self::StartsAt),
            "slutkomponent" => Some(Self::EndsAt),
            "tilknyttetLedning" => Some(Self::AttachedTo),
            _ => None,
        }
    }
}

/// The feature a relation points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureRef {
    /// A feature of the same document, by `gml:id` (the `#` of `xlink:href` removed).
    Local(String),
    /// Any other `xlink:href`, as written.
    External(String),
}

impl FeatureRef {
    pub(crate) fn from_href(href: &str) -> Self {
        match href.trim().strip_prefix('#') {
            Some(id) => Self::Local(id.to_owned()),
            None => Self::External(href.trim().to_owned()),
        }
    }
}

/// A typed reference from one feature to another: the graph of a LER
/// document (which lines lie in which trench or duct, which components they
/// start and end at), kept apart from the feature's attributes so that the
/// caller can store it as edges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Relation {
    pub kind: RelationKind,
    pub target: FeatureRef,
}

/// What a line without geometry takes from the feature that holds it.
#[derive(Debug)]
pub(crate) struct Container {
    pub id: String,
    pub geometry: Geometry<f64>,
    pub heights: Option<Vec<Option<f64>>>,
    pub crs: Option<String>,
    pub accuracy_xy: AccuracyClass,
    pub accuracy_z: AccuracyClass,
    pub vertices: usize,
}

/// Containers waiting for their lines, and lines waiting for their container.
#[derive(Debug, Default)]
pub(crate) struct Containment {
    /// Contained id → its container.
    containers: HashMap<String, Rc<Container>>,
    /// Vertices of the distinct containers held.
    held_vertices: usize,
    /// Lines without geometry whose container has not been read yet.
    waiting: HashMap<String, RawFeature>,
}

/// Which cap [`Containment`] would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cap {
    Vertices,
    References,
    Waiting,
}

impl Containment {
    /// The container of `id`, which is taken out: ids are unique.
    pub fn take_container(&mut self, id: &str) -> Option<Rc<Container>> {
        let c = self.containers.remove(id)?;
        if Rc::strong_count(&c) == 1 {
            self.held_vertices -= c.vertices;
        }
        Some(c)
    }

    /// Keeps `container` for the ids it holds; returns the lines that were
    /// waiting for it.
    pub fn add_container(
        &mut self,
        container: Container,
        ids: Vec<String>,
        limits: (usize, usize),
    ) -> Result<Vec<(RawFeature, Rc<Container>)>, Cap> {
        let container = Rc::new(container);
        let mut ready = Vec::new();
        let mut held = false;
        for id in ids {
            if let Some(line) = self.waiting.remove(&id) {
                ready.push((line, Rc::clone(&container)));
            } else {
                if self.containers.len() >= limits.1 {
                    return Err(Cap::References);
                }
                held = true;
                self.containers.insert(id, Rc::clone(&container));
            }
        }
        if held {
            self.held_vertices += container.vertices;
            if self.held_vertices > limits.0 {
                return Err(Cap::Vertices);
            }
        }
        Ok(ready)
    }

    /// Keeps a line without geometry until its container comes.
    pub fn wait(&mut self, id: String, line: RawFeature, max: usize) -> Result<(), Cap> {
        if self.waiting.len() >= max {
            return Err(Cap::Waiting);
        }
        self.waiting.insert(id, line);
        Ok(())
    }

    /// The lines still waiting at the end of the document, in document order.
    pub fn finish(&mut self) -> Vec<RawFeature> {
        self.containers.clear();
        let mut left: Vec<RawFeature> = self.waiting.drain().map(|(_, f)| f).collect();
        left.sort_by_key(|f| f.index);
        left
    }
}
