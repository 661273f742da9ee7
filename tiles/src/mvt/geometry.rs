//! Geometry command streams (MVT 2.1, section 4.3): MoveTo, LineTo and
//! ClosePath with zig-zag delta parameters, in tile coordinates (integers,
//! x right, y down, 0..extent inside the tile).

use crate::proto::{unzigzag, zigzag};
use crate::TileError;

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// The feature types of the specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    Unknown,
    Point,
    LineString,
    Polygon,
}

impl GeomType {
    /// The type for a protobuf enum value; values outside the enum read as
    /// UNKNOWN (fixture 006 calls them recoverable).
    pub fn from_code(code: u64) -> GeomType {
        match code {
            1 => GeomType::Point,
            2 => GeomType::LineString,
            3 => GeomType::Polygon,
            _ => GeomType::Unknown,
        }
    }

    pub fn code(self) -> u64 {
        match self {
            GeomType::Unknown => 0,
            GeomType::Point => 1,
            GeomType::LineString => 2,
            GeomType::Polygon => 3,
        }
    }
}

/// A point in tile coordinates. `i64` so that streams whose deltas overflow
/// 32 bits (fixtures 049, 050) decode without wrapping.
pub type TilePoint = [i64; 2];

/// A decoded geometry in tile coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeometry {
    /// Nothing to draw (an UNKNOWN feature).
    Unknown,
    /// One or more points.
    Points(Vec<TilePoint>),
    /// One or more lines of at least two points.
    Lines(Vec<Vec<TilePoint>>),
    /// One or more polygons, each its exterior ring then its holes; rings
    /// are closed (first point repeated last). Exterior rings have positive
    /// area by the surveyor's formula in tile coordinates (clockwise on
    /// screen), holes negative.
    Polygons(Vec<Vec<Vec<TilePoint>>>),
}

/// Twice the signed area of a closed ring, surveyor's formula (positive:
/// clockwise on screen, an exterior ring).
pub fn ring_area2(ring: &[TilePoint]) -> i128 {
    ring.windows(2)
        .map(|w| {
            i128::from(w[0][0]) * i128::from(w[1][1]) - i128::from(w[1][0]) * i128::from(w[0][1])
        })
        .sum()
}

fn geom_err(reason: impl Into<String>) -> TileError {
    TileError::Geometry {
        at: "feature".into(),
        reason: reason.into(),
    }
}

/// Reads a command stream, checking every count against what is left
/// before anything is allocated for it.
struct Cursor<'a> {
    cmds: &'a [u32],
    pos: usize,
    x: i64,
    y: i64,
}

impl Cursor<'_> {
    fn command(&mut self) -> Option<(u32, usize)> {
        let c = *self.cmds.get(self.pos)?;
        self.pos += 1;
        Some((c & 7, (c >> 3) as usize))
    }

    fn points(&mut self, count: usize, out: &mut Vec<TilePoint>) -> Result<(), TileError> {
        let left = self.cmds.len() - self.pos;
        if count.checked_mul(2).is_none_or(|n| n > left) {
            return Err(geom_err(format!(
                "command count {count} needs {} parameters, {left} are left",
                count.saturating_mul(2)
            )));
        }
        out.reserve(count);
        for _ in 0..count {
            self.x += i64::from(zigzag(self.cmds[self.pos]));
            self.y += i64::from(zigzag(self.cmds[self.pos + 1]));
            self.pos += 2;
            out.push([self.x, self.y]);
        }
        Ok(())
    }
}

fn name(cmd: u32) -> String {
    match cmd {
        MOVE_TO => "MoveTo".into(),
        LINE_TO => "LineTo".into(),
        CLOSE_PATH => "ClosePath".into(),
        c => format!("unknown command {c}"),
    }
}

/// Decodes the command stream of a feature of type `t`.
pub fn decode(t: GeomType, cmds: &[u32]) -> Result<TileGeometry, TileError> {
    let mut c = Cursor {
        cmds,
        pos: 0,
        x: 0,
        y: 0,
    };
    match t {
        GeomType::Unknown => Ok(TileGeometry::Unknown),
        GeomType::Point => {
            let mut pts = Vec::new();
            match c.command() {
                Some((MOVE_TO, n)) if n > 0 => c.points(n, &mut pts)?,
                Some((cmd, n)) => {
                    return Err(geom_err(format!(
                        "a point starts with MoveTo of count > 0, not {} ({n})",
                        name(cmd)
                    )))
                }
                None => return Err(geom_err("a point needs a MoveTo")),
            }
            if c.pos != cmds.len() {
                return Err(geom_err("a point is one MoveTo; more commands follow"));
            }
            Ok(TileGeometry::Points(pts))
        }
        GeomType::LineString => {
            let mut lines = Vec::new();
            while let Some((cmd, n)) = c.command() {
                if cmd != MOVE_TO || n != 1 {
                    return Err(geom_err(format!(
                        "a line starts with MoveTo(1), not {}({n})",
                        name(cmd)
                    )));
                }
                let mut line = Vec::new();
                c.points(1, &mut line)?;
                match c.command() {
                    Some((LINE_TO, n)) if n > 0 => c.points(n, &mut line)?,
                    Some((cmd, n)) => {
                        return Err(geom_err(format!(
                            "MoveTo in a line is followed by LineTo of count > 0, not {}({n})",
                            name(cmd)
                        )))
                    }
                    None => return Err(geom_err("a line ends after its MoveTo")),
                }
                lines.push(line);
            }
            if lines.is_empty() {
                return Err(geom_err("a line needs a MoveTo"));
            }
            Ok(TileGeometry::Lines(lines))
        }
        GeomType::Polygon => {
            let mut polygons: Vec<Vec<Vec<TilePoint>>> = Vec::new();
            while let Some((cmd, n)) = c.command() {
                if cmd != MOVE_TO || n != 1 {
                    return Err(geom_err(format!(
                        "a ring starts with MoveTo(1), not {}({n})",
                        name(cmd)
                    )));
                }
                let mut ring = Vec::new();
                c.points(1, &mut ring)?;
                match c.command() {
                    Some((LINE_TO, n)) if n > 1 => c.points(n, &mut ring)?,
                    Some((cmd, n)) => {
                        return Err(geom_err(format!(
                            "a ring's MoveTo is followed by LineTo of count > 1, not {}({n})",
                            name(cmd)
                        )))
                    }
                    None => return Err(geom_err("a ring ends after its MoveTo")),
                }
                match c.command() {
                    Some((CLOSE_PATH, 1)) => {}
                    Some((cmd, n)) => {
                        return Err(geom_err(format!(
                            "a ring ends with ClosePath(1), not {}({n})",
                            name(cmd)
                        )))
                    }
                    None => return Err(geom_err("a ring ends without ClosePath")),
                }
                ring.push(ring[0]);
                let area = ring_area2(&ring);
                match polygons.last_mut() {
                    Some(p) if area < 0 => p.push(ring),
                    _ if area == 0 => {} // a degenerate ring draws nothing
                    _ => polygons.push(vec![ring]),
                }
            }
            if cmds.is_empty() {
                return Err(geom_err("a polygon needs a ring"));
            }
            Ok(TileGeometry::Polygons(polygons))
        }
    }
}

/// Writes command streams, keeping the cursor across parts.
#[derive(Debug, Default)]
pub(crate) struct CommandWriter {
    pub(crate) out: Vec<u32>,
    x: i64,
    y: i64,
}

impl CommandWriter {
    fn command(&mut self, cmd: u32, count: usize) {
        self.out.push(cmd | ((count as u32) << 3));
    }

    fn point(&mut self, p: TilePoint) {
        self.out.push(unzigzag((p[0] - self.x) as i32));
        self.out.push(unzigzag((p[1] - self.y) as i32));
        self.x = p[0];
        self.y = p[1];
    }

    /// Points as one MoveTo.
    pub(crate) fn points(&mut self, pts: &[TilePoint]) {
        if pts.is_empty() {
            return;
        }
        self.command(MOVE_TO, pts.len());
        for &p in pts {
            self.point(p);
        }
    }

    /// A line of at least two points, without repeated points.
    pub(crate) fn line(&mut self, pts: &[TilePoint]) {
        self.command(MOVE_TO, 1);
        self.point(pts[0]);
        self.command(LINE_TO, pts.len() - 1);
        for &p in &pts[1..] {
            self.point(p);
        }
    }

    /// A closed ring (first point repeated last) of at least four points.
    pub(crate) fn ring(&mut self, ring: &[TilePoint]) {
        let open = &ring[..ring.len() - 1];
        self.line(open);
        self.command(CLOSE_PATH, 1);
    }
}

/// The command stream of `g`; parts must already be clean (lines of two or
/// more distinct consecutive points, closed rings of four or more with the
/// winding of [`TileGeometry::Polygons`]).
pub fn encode(g: &TileGeometry) -> (GeomType, Vec<u32>) {
    let mut w = CommandWriter::default();
    let t = match g {
        TileGeometry::Unknown => GeomType::Unknown,
        TileGeometry::Points(p) => {
            w.points(p);
            GeomType::Point
        }
        TileGeometry::Lines(lines) => {
            lines.iter().for_each(|l| w.line(l));
            GeomType::LineString
        }
        TileGeometry::Polygons(polys) => {
            polys.iter().flatten().for_each(|r| w.ring(r));
            GeomType::Polygon
        }
    };
    (t, w.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_examples_encode_as_written() {
        // 4.3.5.1: a point at (25, 17).
        assert_eq!(encode(&TileGeometry::Points(vec![[25, 17]])).1, [9, 50, 34]);
        // 4.3.5.2: a multi point (5,7), (3,2).
        assert_eq!(
            encode(&TileGeometry::Points(vec![[5, 7], [3, 2]])).1,
            [17, 10, 14, 3, 9]
        );
        // 4.3.5.3: a line (2,2) (2,10) (10,10).
        assert_eq!(
            encode(&TileGeometry::Lines(vec![vec![[2, 2], [2, 10], [10, 10]]])).1,
            [9, 4, 4, 18, 0, 16, 16, 0]
        );
        // 4.3.5.5: a polygon (3,6) (8,12) (20,34).
        let ring = vec![[3, 6], [8, 12], [20, 34], [3, 6]];
        assert_eq!(
            encode(&TileGeometry::Polygons(vec![vec![ring.clone()]])).1,
            [9, 6, 12, 18, 10, 12, 24, 44, 15]
        );
        assert_eq!(
            decode(GeomType::Polygon, &[9, 6, 12, 18, 10, 12, 24, 44, 15]).unwrap(),
            TileGeometry::Polygons(vec![vec![ring]])
        );
    }

    #[test]
    fn a_multi_polygon_with_a_hole_round_trips() {
        // 4.3.5.6 of the specification: two polygons, the second with a hole.
        let cmds = [
            9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15, 9, 22, 2, 26, 18, 0, 0, 18, 17, 0, 15, 9, 4, 13,
            26, 0, 8, 8, 0, 0, 7, 15,
        ];
        let g = decode(GeomType::Polygon, &cmds).unwrap();
        let TileGeometry::Polygons(p) = &g else {
            panic!()
        };
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].len(), 2, "the second polygon has its hole");
        assert_eq!(encode(&g).1, cmds);
    }

    #[test]
    fn bad_counts_are_refused_before_allocating() {
        assert!(decode(GeomType::Point, &[(u32::MAX >> 3) << 3 | 1, 2, 2]).is_err());
        assert!(decode(GeomType::LineString, &[9, 0, 0, 10, 2, 2, 15]).is_err());
        assert!(decode(GeomType::Polygon, &[9, 6, 12, 18, 10, 12, 24, 44, 23]).is_err());
    }
}
