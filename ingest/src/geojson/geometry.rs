//! Geometries from the flat positions and nesting of [`Coords`], once the
//! geometry's `type` is known, with the checks a parser owes its caller:
//! nesting that fits the type, enough points, closed rings, finite numbers.

use geo_types::{
    Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
};

use super::coords::{Coords, MAX_POSITION_DEPTH};
use crate::problem::Rule;

/// The height LER writes for "unknown".
pub(crate) const UNKNOWN_HEIGHT: f64 = -99.0;

/// Heights of the vertices, `None` where unknown; `None` as a whole for 2D input.
pub(crate) type Heights = Option<Vec<Option<f64>>>;

impl Coords {
    /// Builds the geometry of GeoJSON type `type_name` (in the source CRS) and
    /// the heights of its vertices, or says which rule it breaks.
    pub fn into_geometry(
        self,
        type_name: &str,
    ) -> Result<(Geometry<f64>, Heights), (Rule, String)> {
        let depth = match type_name {
            "Point" => 0,
            "LineString" | "MultiPoint" => 1,
            "Polygon" | "MultiLineString" => 2,
            "MultiPolygon" => 3,
            _ => {
                return Err((
                    Rule::UnsupportedGeometry,
                    format!("geometry type {type_name:?} is not supported"),
                ))
            }
        };
        let malformed = |m: String| Err((Rule::MalformedInput, m));
        if let Some(issue) = self.issue {
            return malformed(format!("{type_name}: {issue}"));
        }
        let Some(pos_depth) = self.pos_depth else {
            return Err((
                Rule::GeometryEmpty,
                format!("the {type_name} has no coordinates"),
            ));
        };
        if pos_depth != depth || self.levels[pos_depth..].iter().any(|l| !l.is_empty()) {
            let nesting = [
                "a position",
                "an array of positions",
                "an array of arrays of positions",
                "an array of arrays of arrays of positions",
            ];
            return malformed(format!(
                "the coordinates of a {type_name} must be {}",
                nesting[depth]
            ));
        }
        if let Some(c) = self
            .xy
            .iter()
            .find(|c| !c.x.is_finite() || !c.y.is_finite())
        {
            return Err((
                Rule::NonFiniteCoordinate,
                format!("coordinate ({}, {}) is not finite", c.x, c.y),
            ));
        }
        let heights = self.z.as_ref().map(|z| {
            z.iter()
                .map(|&z| (z.is_finite() && z != UNKNOWN_HEIGHT).then_some(z))
                .collect()
        });
        let mut cur = Cursor {
            coords: &self,
            next: [0; MAX_POSITION_DEPTH],
            pos: 0,
        };
        let geometry = match type_name {
            "Point" => Geometry::Point(Point(self.xy[0])),
            "MultiPoint" => {
                Geometry::MultiPoint(MultiPoint(cur.take(1).into_iter().map(Point).collect()))
            }
            "LineString" => Geometry::LineString(cur.line(1, "the LineString")?),
            "MultiLineString" => {
                let n = cur.count(0);
                let lines = (0..n)
                    .map(|i| cur.line(2, &format!("line {i} of the MultiLineString")))
                    .collect::<Result<_, _>>()?;
                Geometry::MultiLineString(MultiLineString(lines))
            }
            "Polygon" => Geometry::Polygon(cur.polygon(0, "the Polygon")?),
            _ => {
                let n = cur.count(0);
                let polygons = (0..n)
                    .map(|i| cur.polygon(1, &format!("polygon {i} of the MultiPolygon")))
                    .collect::<Result<_, _>>()?;
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
        let n = self.coords.levels[depth]
            .get(self.next[depth])
            .copied()
            .unwrap_or(0);
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
            return Err((
                Rule::TooFewPoints,
                format!("{what} has {} point(s); a line needs 2", points.len()),
            ));
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
                return Err((
                    Rule::TooFewPoints,
                    format!(
                        "ring {i} of {what} has {} point(s); a ring needs 4",
                        ring.len()
                    ),
                ));
            }
            if ring.first() != ring.last() {
                return Err((
                    Rule::MalformedInput,
                    format!(
                        "ring {i} of {what} is not closed: its last point must repeat the first"
                    ),
                ));
            }
            rings.push(LineString(ring));
        }
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    }
}
