//! The `coordinates` member, read before its geometry's `type` may be known.
//!
//! Positions go into one flat vector and the nesting into child counts per
//! depth, so a feature costs 16 bytes per vertex (24 with heights) however it
//! is nested. Structural faults are kept in [`Coords::issue`] and the rest of
//! the member is skipped, so one bad feature does not end the whole read.

use std::fmt;

use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};

use super::reader::{Abort, Ctx};
use crate::problem::Rule;

/// Positions sit at most this deep (MultiPolygon: polygons, rings, positions).
const MAX_POSITION_DEPTH: usize = 3;
/// The height LER writes for "unknown".
const UNKNOWN_HEIGHT: f64 = -99.0;

/// Heights of the vertices, `None` where unknown; `None` as a whole for 2D input.
pub(crate) type Heights = Option<Vec<Option<f64>>>;

#[derive(Debug, Default)]
pub(crate) struct Coords {
    xy: Vec<Coord<f64>>,
    /// Empty while no position had a third number; then one per position, NaN for none.
    z: Vec<f64>,
    /// Child counts of the arrays at depth 0, 1, 2 that hold arrays, in document order.
    levels: [Vec<u32>; MAX_POSITION_DEPTH],
    /// The depth of the arrays that hold numbers.
    pos_depth: Option<usize>,
    issue: Option<String>,
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
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
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
                self.coords.fail("coordinates must be numbers in nested arrays");
                while seq.next_element::<IgnoredAny>()?.is_some() {}
            }
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.coords.fail("coordinates are null");
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.coords.fail("coordinates are an object");
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.coords.fail("coordinates are a string");
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.coords.fail("coordinates are a boolean");
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.coords.fail("coordinates are a number, not an array");
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }
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
                _ => self.coords.fail("a position holds something other than numbers"),
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
        if !nums[2].is_nan() && c.z.is_empty() {
            c.z = vec![f64::NAN; c.xy.len()];
        }
        if !c.z.is_empty() {
            c.z.push(nums[2]);
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
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Elem, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
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

    /// Builds the geometry of GeoJSON type `type_name` (in the source CRS) and
    /// the heights of its vertices, or says which rule it breaks.
    pub fn into_geometry(self, type_name: &str) -> Result<(Geometry<f64>, Heights), (Rule, String)> {
        let depth = match type_name {
            "Point" => 0,
            "LineString" | "MultiPoint" => 1,
            "Polygon" | "MultiLineString" => 2,
            "MultiPolygon" => 3,
            _ => return Err((Rule::UnsupportedGeometry, format!("geometry type {type_name:?} is not supported"))),
        };
        let malformed = |m: String| Err((Rule::MalformedInput, m));
        if let Some(issue) = self.issue {
            return malformed(format!("{type_name}: {issue}"));
        }
        let Some(pos_depth) = self.pos_depth else {
            return Err((Rule::GeometryEmpty, format!("the {type_name} has no coordinates")));
        };
        if pos_depth != depth || self.levels[pos_depth..].iter().any(|l| !l.is_empty()) {
            let nesting = ["a position", "an array of positions", "an array of arrays of positions", "an array of arrays of arrays of positions"];
            return malformed(format!("the coordinates of a {type_name} must be {}", nesting[depth]));
        }
        if let Some(c) = self.xy.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
            return Err((Rule::NonFiniteCoordinate, format!("coordinate ({}, {}) is not finite", c.x, c.y)));
        }
        let heights = (!self.z.is_empty()).then(|| {
            self.z.iter().map(|&z| (z.is_finite() && z != UNKNOWN_HEIGHT).then_some(z)).collect()
        });
        let mut cur = Cursor { coords: &self, next: [0; MAX_POSITION_DEPTH], pos: 0 };
        let geometry = match type_name {
            "Point" => Geometry::Point(Point(self.xy[0])),
            "MultiPoint" => Geometry::MultiPoint(MultiPoint(cur.take(1).into_iter().map(Point).collect())),
            "LineString" => Geometry::LineString(cur.line(1, "the LineString")?),
            "MultiLineString" => {
                let n = cur.count(0);
                let lines = (0..n).map(|i| cur.line(2, &format!("line {i} of the MultiLineString"))).collect::<Result<_, _>>()?;
                Geometry::MultiLineString(MultiLineString(lines))
            }
            "Polygon" => Geometry::Polygon(cur.polygon(0, "the Polygon")?),
            _ => {
                let n = cur.count(0);
                let polygons = (0..n).map(|i| cur.polygon(1, &format!("polygon {i} of the MultiPolygon"))).collect::<Result<_, _>>()?;
                Geometry::MultiPolygon(MultiPolygon(polygons))
            }
        };
        Ok((geometry, heights))
    }
}

/// Walks the flat positions and the child counts in document order.
struct Cursor<'a> {
    coords: &'a Coords,
    next: [usize; MAX_POSITION_DEPTH],
    pos: usize,
}

impl Cursor<'_> {
    fn count(&mut self, depth: usize) -> usize {
        let n = self.coords.levels[depth].get(self.next[depth]).copied().unwrap_or(0);
        self.next[depth] += 1;
        n as usize
    }

    /// The positions of the next array at `depth`, which holds positions.
    fn take(&mut self, depth: usize) -> Vec<Coord<f64>> {
        let n = self.count(depth - 1);
        let end = (self.pos + n).min(self.coords.xy.len());
        let out = self.coords.xy[self.pos..end].to_vec();
        self.pos = end;
        out
    }

    fn line(&mut self, depth: usize, what: &str) -> Result<LineString<f64>, (Rule, String)> {
        let points = self.take(depth);
        if points.len() < 2 {
            return Err((Rule::TooFewPoints, format!("{what} has {} point(s); a line needs 2", points.len())));
        }
        Ok(LineString(points))
    }

    /// The next polygon, whose rings are arrays at `depth + 1`.
    fn polygon(&mut self, depth: usize, what: &str) -> Result<Polygon<f64>, (Rule, String)> {
        let n = self.count(depth);
        if n == 0 {
            return Err((Rule::TooFewPoints, format!("{what} has no rings")));
        }
        let mut rings = Vec::with_capacity(n.min(1024));
        for i in 0..n {
            let ring = self.take(depth + 2);
            if ring.len() < 4 {
                return Err((Rule::TooFewPoints, format!("ring {i} of {what} has {} point(s); a ring needs 4", ring.len())));
            }
            if ring.first() != ring.last() {
                return Err((Rule::MalformedInput, format!("ring {i} of {what} is not closed: its last point must repeat the first")));
            }
            rings.push(LineString(ring));
        }
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    }
}
