//! Filling a `gpkg_rtree_index` R-tree with a whole dataset version at once.
//!
//! The extension's insert trigger adds each row to the R-tree as it is
//! inserted: five SQL function calls that parse the geometry blob, then an
//! R-tree insert in file order, which touches pages all over the tree and,
//! once they no longer fit in the page cache, writes them to the WAL again
//! and again. A writer of many rows instead drops that trigger inside its
//! transaction, collects each row's envelope here, and at the end inserts the
//! boxes in Hilbert order of their centres (neighbours in the tree arrive
//! together, so the pages being changed stay few) before recreating the
//! trigger, all in the same transaction: a reader or a crash sees either the
//! old rows with their R-tree and trigger, or the new ones.

use rusqlite::{params, Connection};

use crate::StoreError;

/// The boxes of the rows written so far, as the R-tree will store them.
#[derive(Debug, Default)]
pub(crate) struct RtreeLoad {
    entries: Vec<Entry>,
    /// Ids of rows deleted without their trigger, whose boxes must go.
    retired: Vec<i64>,
}

/// 24 bytes per row: the row id and its box in the R-tree's 32-bit floats.
#[derive(Debug, Clone, Copy)]
struct Entry {
    fid: i64,
    /// `[minx, maxx, miny, maxy]`, rounded outwards like SQLite's R-tree does.
    bounds: [f32; 4],
}

impl RtreeLoad {
    /// Records the envelope `[minx, maxx, miny, maxy]` of row `fid`.
    pub(crate) fn push(&mut self, fid: i64, envelope: [f64; 4]) -> Result<(), StoreError> {
        if self.entries.len() >= u32::MAX as usize {
            return Err(StoreError::Task(format!(
                "a dataset version holds at most {} features",
                u32::MAX
            )));
        }
        let [min_x, max_x, min_y, max_y] = envelope;
        self.entries.push(Entry {
            fid,
            bounds: [
                round_down(min_x),
                round_up(max_x),
                round_down(min_y),
                round_up(max_y),
            ],
        });
        Ok(())
    }

    /// Records that rows `fids` were deleted from the table while the delete
    /// trigger was off: [`fill`](Self::fill) takes their boxes out.
    pub(crate) fn retire(&mut self, fids: impl IntoIterator<Item = i64>) {
        self.retired.extend(fids);
    }

    /// Brings `rtree` (a `gpkg_rtree_index` table) up to date: takes out the
    /// retired rows' boxes and adds every recorded one.
    ///
    /// When the boxes that stay are not far more than the new ones, the tree
    /// is rebuilt whole, packed bottom-up in Hilbert order straight into its
    /// shadow tables (`_node`, `_rowid`, `_parent`, in the format of SQLite's
    /// `rtree.c`); otherwise the retired boxes are deleted and the new ones
    /// inserted one by one through the virtual table, in Hilbert order.
    pub(crate) fn fill(mut self, conn: &Connection, rtree: &str) -> rusqlite::Result<()> {
        if self.entries.is_empty() && self.retired.is_empty() {
            return Ok(());
        }
        self.retired.sort_unstable();
        self.retired.dedup();
        let in_tree: i64 = conn.query_row(
            &format!("SELECT count(*) FROM \"{rtree}_rowid\""),
            [],
            |r| r.get(0),
        )?;
        let staying = usize::try_from(in_tree)
            .unwrap_or(0)
            .saturating_sub(self.retired.len());
        if staying > REBUILD_RATIO * self.entries.len() {
            let mut delete = conn.prepare(&format!("DELETE FROM \"{rtree}\" WHERE id = ?1"))?;
            for fid in &self.retired {
                delete.execute(params![fid])?;
            }
            let order = self.hilbert_order();
            let mut stmt = conn.prepare(&format!(
                "INSERT INTO \"{rtree}\" VALUES (?1, ?2, ?3, ?4, ?5)"
            ))?;
            for k in order {
                let e = &self.entries[(k & u64::from(u32::MAX)) as usize];
                let [a, b, c, d] = e.bounds.map(f64::from);
                stmt.execute(params![e.fid, a, b, c, d])?;
            }
            return Ok(());
        }
        // The boxes staying in the tree, exactly (they are 32-bit floats).
        let mut old = Vec::with_capacity(staying);
        {
            let mut stmt = conn.prepare(&format!(
                "SELECT id, minx, maxx, miny, maxy FROM \"{rtree}\""
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let fid: i64 = r.get(0)?;
                if self.retired.binary_search(&fid).is_ok() {
                    continue;
                }
                let b = |i: usize| r.get::<_, f64>(i).map(|v| v as f32);
                old.push(Entry {
                    fid,
                    bounds: [b(1)?, b(2)?, b(3)?, b(4)?],
                });
            }
        }
        old.append(&mut self.entries);
        self.entries = old;
        // In row id order, so that `_rowid` is written from start to end.
        self.entries.sort_unstable_by_key(|e| e.fid);
        self.build_packed(conn, rtree)
    }

    /// Indices of the entries in Hilbert order of their centres, each in the
    /// low half of a `u64` whose high half is its Hilbert key.
    fn hilbert_order(&self) -> Vec<u64> {
        let mut extent = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for e in &self.entries {
            let (x, y) = centre(&e.bounds);
            extent = [
                extent[0].min(x),
                extent[1].max(x),
                extent[2].min(y),
                extent[3].max(y),
            ];
        }
        let cell = |v: f32, min: f32, max: f32| -> u32 {
            if max > min {
                // In 0..=65535: the grid of a 16th-order Hilbert curve.
                (((v - min) / (max - min)) * 65535.0)
                    .round()
                    .clamp(0.0, 65535.0) as u32
            } else {
                0
            }
        };
        let mut order: Vec<u64> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (x, y) = centre(&e.bounds);
                let d = hilbert(
                    16,
                    cell(x, extent[0], extent[1]),
                    cell(y, extent[2], extent[3]),
                );
                (u64::from(d) << 32) | i as u64
            })
            .collect();
        order.sort_unstable();
        order
    }

    /// Replaces the whole tree by a packed one holding the entries.
    fn build_packed(self, conn: &Connection, rtree: &str) -> rusqlite::Result<()> {
        // SQLite takes a tree's node size from the length of its root blob.
        let node_size: i64 = conn.query_row(
            &format!("SELECT length(data) FROM \"{rtree}_node\" WHERE nodeno = 1"),
            [],
            |r| r.get(0),
        )?;
        let node_size = usize::try_from(node_size).unwrap_or(0);
        let capacity = (node_size.saturating_sub(4) / CELL).min(MAX_CELLS);
        if capacity < 2 {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(format!(
                    "{rtree}: R-tree node size {node_size} holds fewer than 2 cells"
                )),
            ));
        }
        let order = self.hilbert_order();
        conn.execute_batch(&format!(
            "DELETE FROM \"{rtree}_node\"; DELETE FROM \"{rtree}_rowid\"; DELETE FROM \"{rtree}_parent\";"
        ))?;
        let mut node_stmt = conn.prepare(&format!(
            "INSERT INTO \"{rtree}_node\" (nodeno, data) VALUES (?1, ?2)"
        ))?;
        let mut parent_stmt = conn.prepare(&format!(
            "INSERT INTO \"{rtree}_parent\" (nodeno, parentnode) VALUES (?1, ?2)"
        ))?;
        // Node numbers: 1 is the root, the others count up from 2, level by level from the leaves.
        let mut next_node: i64 = 2;
        let mut blob = vec![0u8; node_size];
        let mut leaf_of = vec![0u32; self.entries.len()];
        // (node number, box) of the nodes of the level just written.
        let mut level: Vec<(i64, [f32; 4])> = Vec::new();
        let top = chunk_count(order.len(), capacity) == 1;
        for chunk in chunks(&order, capacity) {
            let nodeno = if top { 1 } else { next_node };
            next_node += 1;
            let cells = chunk.iter().map(|k| {
                let i = (k & u64::from(u32::MAX)) as usize;
                (self.entries[i].fid, self.entries[i].bounds)
            });
            let bounds = write_node(&mut blob, 0, cells);
            node_stmt.execute(params![nodeno, blob])?;
            for k in chunk {
                leaf_of[(k & u64::from(u32::MAX)) as usize] =
                    u32::try_from(nodeno).unwrap_or(u32::MAX);
            }
            level.push((nodeno, bounds));
        }
        let mut depth: u16 = 0;
        while level.len() > 1 {
            depth += 1;
            let top = chunk_count(level.len(), capacity) == 1;
            let mut up = Vec::with_capacity(chunk_count(level.len(), capacity));
            for chunk in chunks(&level, capacity) {
                let nodeno = if top { 1 } else { next_node };
                next_node += 1;
                let bounds = write_node(&mut blob, depth, chunk.iter().copied());
                node_stmt.execute(params![nodeno, blob])?;
                for (child, _) in chunk {
                    parent_stmt.execute(params![child, nodeno])?;
                }
                up.push((nodeno, bounds));
            }
            level = up;
        }
        let mut rowid_stmt = conn.prepare(&format!(
            "INSERT INTO \"{rtree}_rowid\" (rowid, nodeno) VALUES (?1, ?2)"
        ))?;
        for (e, node) in self.entries.iter().zip(leaf_of) {
            rowid_stmt.execute(params![e.fid, node])?;
        }
        Ok(())
    }
}

/// An R-tree holding fewer rows than this many times the new ones is rebuilt whole.
const REBUILD_RATIO: usize = 4;
/// Bytes of one cell of a 2-D R-tree: a 64-bit id and four 32-bit floats.
const CELL: usize = 24;
/// `RTREE_MAXCELLS` of `rtree.c`.
const MAX_CELLS: usize = 51;

fn chunk_count(n: usize, capacity: usize) -> usize {
    n.div_ceil(capacity).max(1)
}

/// `items` cut into the fewest runs of at most `capacity`, of near-equal
/// length, so that no node but the root is less than half full.
fn chunks<T>(items: &[T], capacity: usize) -> impl Iterator<Item = &[T]> {
    let count = chunk_count(items.len(), capacity);
    let (base, extra) = (items.len() / count, items.len() % count);
    let mut start = 0;
    (0..count).map(move |j| {
        let len = base + usize::from(j < extra);
        let run = &items[start..start + len];
        start += len;
        run
    })
}

/// Writes an R-tree node into `blob` (zeroed first): the tree depth (read
/// from the root only) and the cell count as big-endian 16-bit integers,
/// then per cell its id and box as big-endian 64-bit integer and 32-bit
/// floats. Returns the box of all cells.
fn write_node(
    blob: &mut [u8],
    depth: u16,
    cells: impl Iterator<Item = (i64, [f32; 4])>,
) -> [f32; 4] {
    blob.fill(0);
    blob[0..2].copy_from_slice(&depth.to_be_bytes());
    let mut n: u16 = 0;
    let mut all = [
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];
    for (id, b) in cells {
        let at = 4 + usize::from(n) * CELL;
        blob[at..at + 8].copy_from_slice(&id.to_be_bytes());
        for (j, v) in b.iter().enumerate() {
            blob[at + 8 + 4 * j..at + 12 + 4 * j].copy_from_slice(&v.to_be_bytes());
        }
        all = [
            all[0].min(b[0]),
            all[1].max(b[1]),
            all[2].min(b[2]),
            all[3].max(b[3]),
        ];
        n += 1;
    }
    blob[2..4].copy_from_slice(&n.to_be_bytes());
    all
}

fn centre(b: &[f32; 4]) -> (f32, f32) {
    (b[0] / 2.0 + b[1] / 2.0, b[2] / 2.0 + b[3] / 2.0)
}

/// `(1 - 2^-23)` and `(1 + 2^-23)`: SQLite's `RNDTOWARDS` and `RNDAWAY`.
const RND_TOWARDS: f64 = 1.0 - 1.0 / 8_388_608.0;
const RND_AWAY: f64 = 1.0 + 1.0 / 8_388_608.0;

/// The 32-bit float SQLite's R-tree stores for a lower bound `d`
/// (`rtreeValueDown` in `rtree.c`): never above `d`.
pub(crate) fn round_down(d: f64) -> f32 {
    let f = d as f32;
    if f64::from(f) > d {
        (d * if d < 0.0 { RND_AWAY } else { RND_TOWARDS }) as f32
    } else {
        f
    }
}

/// The 32-bit float SQLite's R-tree stores for an upper bound `d`
/// (`rtreeValueUp` in `rtree.c`): never below `d`.
pub(crate) fn round_up(d: f64) -> f32 {
    let f = d as f32;
    if f64::from(f) < d {
        (d * if d < 0.0 { RND_TOWARDS } else { RND_AWAY }) as f32
    } else {
        f
    }
}

/// Position of cell `(x, y)` along the Hilbert curve that fills a grid of
/// `2^order × 2^order` cells (`order` ≤ 16, coordinates below `2^order`).
pub(crate) fn hilbert(order: u32, mut x: u32, mut y: u32) -> u32 {
    let n: u32 = 1 << order;
    let mut d: u32 = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u32::from(x & s != 0);
        let ry = u32::from(y & s != 0);
        d = d.wrapping_add(s.wrapping_mul(s).wrapping_mul((3 * rx) ^ ry));
        if ry == 0 {
            if rx == 1 {
                x = n.wrapping_sub(1).wrapping_sub(x);
                y = n.wrapping_sub(1).wrapping_sub(y);
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::ops::RangeInclusive;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    const R: &str = "rtree_t_geom";

    fn conn_with_rtree() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE {R} USING rtree(id, minx, maxx, miny, maxy)"
        ))
        .unwrap();
        conn
    }

    fn random_box(rng: &mut ChaCha8Rng) -> [f64; 4] {
        let (x, y) = (
            rng.gen_range(440_000.0..900_000.0),
            rng.gen_range(6_040_000.0..6_410_000.0),
        );
        let (w, h) = (rng.gen_range(0.0..300.0), rng.gen_range(0.0..300.0));
        [x, x + w, y, y + h]
    }

    /// Inserts random boxes with `ids` the usual way (through SQLite).
    fn insert_boxes(conn: &Connection, rng: &mut ChaCha8Rng, ids: RangeInclusive<i64>) {
        let mut insert = conn
            .prepare_cached(&format!("INSERT INTO {R} VALUES (?1, ?2, ?3, ?4, ?5)"))
            .unwrap();
        for id in ids {
            let b = random_box(rng);
            insert.execute(params![id, b[0], b[1], b[2], b[3]]).unwrap();
        }
    }

    /// Pushes random boxes with `ids` into `load`, and adds each to
    /// `expected` as the R-tree will store it (widened to f32).
    fn push_boxes(
        load: &mut RtreeLoad,
        rng: &mut ChaCha8Rng,
        ids: RangeInclusive<i64>,
        expected: &mut Vec<(i64, [f32; 4])>,
    ) {
        for id in ids {
            let b = random_box(rng);
            load.push(id, b).unwrap();
            let stored = [
                round_down(b[0]),
                round_up(b[1]),
                round_down(b[2]),
                round_up(b[3]),
            ];
            expected.push((id, stored));
        }
    }

    /// What the R-tree stores, as `(id, box)` sorted by id.
    fn stored(conn: &Connection) -> Vec<(i64, [f32; 4])> {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT id, minx, maxx, miny, maxy FROM {R} ORDER BY id"
            ))
            .unwrap();
        stmt.query_map([], |r| {
            let b = |i| r.get::<_, f64>(i).map(|v| v as f32);
            Ok((r.get(0)?, [b(1)?, b(2)?, b(3)?, b(4)?]))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    fn check(conn: &Connection) {
        let verdict: String = conn
            .query_row(&format!("SELECT rtreecheck('{R}')"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(verdict, "ok");
    }

    /// Window queries through the R-tree give what a scan of `expected` gives.
    fn queries_match(conn: &Connection, expected: &[(i64, [f32; 4])], seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut stmt = conn
            .prepare(&format!(
                "SELECT id FROM {R} WHERE minx <= ?2 AND maxx >= ?1 AND miny <= ?4 AND maxy >= ?3"
            ))
            .unwrap();
        for _ in 0..200 {
            let [x0, _, y0, _] = random_box(&mut rng);
            let (x1, y1) = (
                x0 + rng.gen_range(0.0..40_000.0),
                y0 + rng.gen_range(0.0..40_000.0),
            );
            let got: BTreeSet<i64> = stmt
                .query_map(params![x0, x1, y0, y1], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let want: BTreeSet<i64> = expected
                .iter()
                .filter(|(_, b)| {
                    f64::from(b[0]) <= x1
                        && f64::from(b[1]) >= x0
                        && f64::from(b[2]) <= y1
                        && f64::from(b[3]) >= y0
                })
                .map(|(id, _)| *id)
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn hilbert_visits_every_cell_once_stepping_to_a_neighbour() {
        let order = 4;
        let n = 1u32 << order;
        let mut at = vec![None; (n * n) as usize];
        for x in 0..n {
            for y in 0..n {
                let d = hilbert(order, x, y) as usize;
                assert!(at[d].is_none(), "cell {x},{y} shares position {d}");
                at[d] = Some((x, y));
            }
        }
        let cells: Vec<(u32, u32)> = at.into_iter().map(|c| c.unwrap()).collect();
        assert_eq!(cells[0], (0, 0));
        for w in cells.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            assert_eq!(x0.abs_diff(x1) + y0.abs_diff(y1), 1, "{w:?}");
        }
        // The 16th-order curve the loader uses stays within u32 at the corners.
        assert_eq!(hilbert(16, 0, 0), 0);
        assert_eq!(hilbert(16, 65_535, 0), u32::MAX);
    }

    #[test]
    fn rounding_matches_what_sqlite_stores() {
        let conn = conn_with_rtree();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut values: Vec<f64> = vec![0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 6_190_000.0, 720_000.5];
        values.extend((0..2000).map(|_| rng.gen_range(-1e7..1e7)));
        values.extend((0..2000).map(|_| rng.gen_range(-1.0..1.0)));
        let mut insert = conn
            .prepare(&format!("INSERT INTO {R} VALUES (?1, ?2, ?3, ?2, ?3)"))
            .unwrap();
        for (i, v) in values.iter().enumerate() {
            insert.execute(params![i as i64, v, v]).unwrap();
        }
        for (id, b) in stored(&conn) {
            let v = values[id as usize];
            assert_eq!(
                b[0].to_bits(),
                round_down(v).to_bits(),
                "lower bound of {v}"
            );
            assert_eq!(b[1].to_bits(), round_up(v).to_bits(), "upper bound of {v}");
            assert!(f64::from(round_down(v)) <= v && f64::from(round_up(v)) >= v);
        }
    }

    #[test]
    fn packed_rebuild_is_a_valid_tree_with_old_and_new_boxes() {
        let conn = conn_with_rtree();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        // Rows already in the tree, added the usual way.
        insert_boxes(&conn, &mut rng, 1..=700i64);
        let mut expected = stored(&conn);
        let mut load = RtreeLoad::default();
        push_boxes(&mut load, &mut rng, 701..=20_000i64, &mut expected);
        load.fill(&conn, R).unwrap();
        check(&conn);
        assert_eq!(stored(&conn), expected);
        queries_match(&conn, &expected, 3);
        let depth: i64 = conn
            .query_row(
                &format!("SELECT data FROM {R}_node WHERE nodeno = 1"),
                [],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .map(|d| i64::from(u16::from_be_bytes([d[0], d[1]])))
            .unwrap();
        assert_eq!(depth, 2, "20,000 boxes in nodes of 51 make three levels");
        // SQLite goes on maintaining the packed tree: inserts, moves, deletes.
        insert_boxes(&conn, &mut rng, 20_001..=20_500i64);
        conn.execute(&format!("DELETE FROM {R} WHERE id % 3 = 0"), [])
            .unwrap();
        conn.execute(
            &format!("UPDATE {R} SET minx = minx - 10 WHERE id % 7 = 1"),
            [],
        )
        .unwrap();
        check(&conn);
        let now = stored(&conn);
        assert_eq!(now.len(), 20_500 - 20_500 / 3);
        queries_match(&conn, &now, 4);
    }

    #[test]
    fn small_loads_give_a_leaf_root_or_one_split() {
        for n in [1i64, 2, 50, 51, 52, 103] {
            let conn = conn_with_rtree();
            let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
            let mut load = RtreeLoad::default();
            let mut expected = Vec::new();
            push_boxes(&mut load, &mut rng, 1..=n, &mut expected);
            load.fill(&conn, R).unwrap();
            check(&conn);
            assert_eq!(stored(&conn), expected, "{n} boxes");
            queries_match(&conn, &expected, 5);
        }
        // Nothing to add leaves an empty tree valid and empty.
        let conn = conn_with_rtree();
        RtreeLoad::default().fill(&conn, R).unwrap();
        check(&conn);
        assert!(stored(&conn).is_empty());
    }

    #[test]
    fn few_new_boxes_in_a_big_tree_are_inserted_one_by_one() {
        let conn = conn_with_rtree();
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        insert_boxes(&conn, &mut rng, 1..=3000i64);
        let root_before: Vec<u8> = conn
            .query_row(
                &format!("SELECT data FROM {R}_node WHERE nodeno = 1"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        let mut expected = stored(&conn);
        let mut load = RtreeLoad::default();
        push_boxes(&mut load, &mut rng, 3001..=3100i64, &mut expected);
        load.fill(&conn, R).unwrap();
        check(&conn);
        assert_eq!(stored(&conn), expected);
        queries_match(&conn, &expected, 7);
        // The tree was not rebuilt: a packed tree of 3,100 boxes has 61 leaves,
        // 2 inner nodes and the root; one grown by inserts has emptier nodes.
        let node_count: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {R}_node"), [], |r| r.get(0))
            .unwrap();
        assert!(node_count > 64, "{node_count} nodes");
        assert_eq!(root_before.len(), 4 + CELL * MAX_CELLS);
    }

    /// Rows deleted while the delete trigger was off lose their boxes, on the
    /// rebuild path (few rows stay) and on the one-by-one path (many stay).
    #[test]
    fn retired_rows_leave_the_tree_on_both_paths() {
        for (old, retired, new) in [(3000i64, 2500i64, 2000i64), (3000, 100, 50), (500, 500, 0)] {
            let conn = conn_with_rtree();
            let mut rng = ChaCha8Rng::seed_from_u64(old as u64 + new as u64);
            insert_boxes(&conn, &mut rng, 1..=old);
            // Retire every id up to `retired` that is odd or below 10: a scattered set.
            let gone: Vec<i64> = (1..=retired).filter(|i| i % 2 == 1 || *i < 10).collect();
            let mut expected: Vec<_> = stored(&conn)
                .into_iter()
                .filter(|(id, _)| !gone.contains(id))
                .collect();
            let mut load = RtreeLoad::default();
            load.retire(gone.iter().copied());
            push_boxes(&mut load, &mut rng, old + 1..=old + new, &mut expected);
            load.fill(&conn, R).unwrap();
            check(&conn);
            assert_eq!(
                stored(&conn),
                expected,
                "{old} old, {retired} retired, {new} new"
            );
            queries_match(&conn, &expected, 8);
        }
    }
}
