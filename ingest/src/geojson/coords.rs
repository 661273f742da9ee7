//! The `coordinates` member, read before its geometry's `type` may be known.
//!
//! Positions go into one flat vector and the nesting into child counts per
//! depth, so a feature costs 16 bytes per vertex (24 with heights) however it
//! is nested. Structural faults are kept in [`Coords::issue`] and the rest of
//! the member is skipped, so one bad feature does not end the whole read.

use std::fmt;

use geo_types::Coord;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::limits::{Abort, Ctx};
use super::value::{drain_map, drain_seq, scalars_as};

/// Positions sit at most this deep (MultiPolygon: polygons, rings, positions).
pub(super) const MAX_POSITION_DEPTH: usize = 3;

/// The positions and nesting of one `coordinates` member; [`Coords::into_geometry`]
/// makes a geometry of them.
#[derive(Debug, Default)]
pub(crate) struct Coords {
    pub(super) xy: Vec<Coord<f64>>,
    /// `None` while no position had a third number; then one per position, NaN for none.
    pub(super) z: Option<Vec<f64>>,
    /// Child counts of the arrays at depth 0, 1, 2 that hold arrays, in document order.
    pub(super) levels: [Vec<u32>; MAX_POSITION_DEPTH],
    /// The depth of the arrays that hold numbers.
    pub(super) pos_depth: Option<usize>,
    /// The first structural fault; the rest of the member was skipped.
    pub(super) issue: Option<String>,
}

pub(crate) struct CoordSeed<'a> {
    pub ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for CoordSeed<'_> {
    type Value = Coords;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Coords, D::Error> {
        let mut coords = Coords::default();
        d.deserialize_any(ArrayVisitor {
            coords: &mut coords,
            depth: 0,
            ctx: self.ctx,
        })?;
        Ok(coords)
    }
}

struct ArrayVisitor<'a> {
    coords: &'a mut Coords,
    depth: usize,
    ctx: &'a Ctx,
}

enum Elem {
    Num(f64),
    Array,
    Other,
}

impl ArrayVisitor<'_> {
    fn elem(&mut self) -> ElemSeed<'_> {
        ElemSeed(ArrayVisitor {
            coords: &mut *self.coords,
            depth: self.depth + 1,
            ctx: self.ctx,
        })
    }
}

impl<'de> Visitor<'de> for ArrayVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of coordinates")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if self.coords.issue.is_none() && self.depth > MAX_POSITION_DEPTH {
            self.coords.issue = Some("coordinates are nested too deep".into());
        }
        if self.coords.issue.is_some() {
            return drain_seq(seq);
        }
        let arrays: usize = self.coords.levels.iter().map(Vec::len).sum();
        let max = self.ctx.limits.max_vertices;
        if arrays >= max {
            return Err(self.ctx.fail(Abort::Limit {
                what: "number of coordinate arrays in one feature",
                limit: max as u64,
            }));
        }
        match seq.next_element_seed(self.elem())? {
            None => self.coords.container(self.depth, 0),
            Some(Elem::Num(x)) => self.position(x, seq)?,
            Some(Elem::Array) => {
                let mut n = 1u32;
                while let Some(e) = seq.next_element_seed(self.elem())? {
                    n = n.saturating_add(1);
                    if !matches!(e, Elem::Array) {
                        self.coords.fail("an array mixes positions and numbers");
                    }
                }
                self.coords.container(self.depth, n);
            }
            Some(Elem::Other) => {
                self.coords
                    .fail("coordinates must be numbers in nested arrays");
                drain_seq(seq)?;
            }
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.coords.fail("coordinates are null");
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        drain_map(map)?;
        self.coords.fail("coordinates are an object");
        Ok(())
    }
    scalars_as!(|v: Self, what: &str| v
        .coords
        .fail(&format!("coordinates are {what}, not an array")));
}

impl ArrayVisitor<'_> {
    /// Reads the rest of a position whose first number was `x`.
    fn position<'de, A: SeqAccess<'de>>(&mut self, x: f64, mut seq: A) -> Result<(), A::Error> {
        let mut nums = [x, f64::NAN, f64::NAN];
        let mut n = 1;
        while let Some(e) = seq.next_element_seed(self.elem())? {
            match e {
                // Further ordinates (a measure, say) are allowed and ignored.
                Elem::Num(v) if n < 3 => nums[n] = v,
                Elem::Num(_) => {}
                _ => self
                    .coords
                    .fail("a position holds something other than numbers"),
            }
            n += 1;
        }
        let c = &mut *self.coords;
        if n < 2 {
            c.fail("a position needs at least two numbers");
        }
        match c.pos_depth {
            None => c.pos_depth = Some(self.depth),
            Some(d) if d != self.depth => c.fail("positions are nested at different depths"),
            Some(_) => {}
        }
        if c.issue.is_some() {
            return Ok(());
        }
        let max = self.ctx.limits.max_vertices;
        if c.xy.len() >= max {
            return Err(self.ctx.fail(Abort::Limit {
                what: "number of vertices in one feature",
                limit: max as u64,
            }));
        }
        if !nums[2].is_nan() && c.z.is_none() {
            c.z = Some(vec![f64::NAN; c.xy.len()]);
        }
        if let Some(z) = &mut c.z {
            z.push(nums[2]);
        }
        c.xy.push(Coord {
            x: nums[0],
            y: nums[1],
        });
        Ok(())
    }
}

struct ElemSeed<'a>(ArrayVisitor<'a>);

impl<'de> DeserializeSeed<'de> for ElemSeed<'_> {
    type Value = Elem;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Elem, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElemSeed<'_> {
    type Value = Elem;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or an array")
    }
    fn visit_f64<E>(self, v: f64) -> Result<Elem, E> {
        Ok(Elem::Num(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Elem, E> {
        Ok(Elem::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Elem, E> {
        Ok(Elem::Num(v as f64))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Elem, A::Error> {
        self.0.visit_seq(seq)?;
        Ok(Elem::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Elem, A::Error> {
        drain_map(map)?;
        Ok(Elem::Other)
    }
    fn visit_unit<E>(self) -> Result<Elem, E> {
        Ok(Elem::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Elem, E> {
        Ok(Elem::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Elem, E> {
        Ok(Elem::Other)
    }
}

impl Coords {
    fn fail(&mut self, issue: &str) {
        if self.issue.is_none() {
            self.issue = Some(issue.to_owned());
        }
    }

    fn container(&mut self, depth: usize, children: u32) {
        match self.levels.get_mut(depth) {
            Some(level) => level.push(children),
            None => self.fail("coordinates are nested too deep"),
        }
    }
}
