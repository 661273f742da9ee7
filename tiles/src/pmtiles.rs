//! A PMTiles v3 writer: one file holding a tile pyramid, read with HTTP
//! range requests (static hosting, a CDN) by MapLibre's `pmtiles`
//! protocol and every PMTiles v3 reader.
//!
//! Layout: the 127-byte header, the root directory (in the first 16 KiB,
//! as the specification requires, with room reserved for it), the tile
//! data (gzip MVT, in tile-id order: `clustered`), the JSON metadata and
//! the leaf directories. Identical small tiles are stored once and
//! consecutive identical tiles share one run-length entry. The writer
//! takes any `Write + Seek`; it opens no files itself.

use std::collections::HashMap;
use std::io::{Seek, SeekFrom, Write};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::proto::put_varint;
use crate::{TileCoord, TileError};

const HEADER_LEN: u64 = 127;
/// Header plus root directory must fit here.
const ROOT_SPACE: u64 = 16_384;
/// Tiles up to this size are remembered for deduplication.
const DEDUP_MAX: usize = 4096;

/// The PMTiles tile id of `t`: tiles of lower zooms first, then the
/// Hilbert curve index within the zoom.
///
/// ```
/// # use forsyning_tiles::{pmtiles::tile_id, TileCoord};
/// let id = |z, x, y| tile_id(TileCoord::new(z, x, y).unwrap());
/// assert_eq!([id(0, 0, 0), id(1, 0, 0), id(1, 0, 1), id(1, 1, 1), id(1, 1, 0), id(2, 0, 0)], [0, 1, 2, 3, 4, 5]);
/// ```
pub fn tile_id(t: TileCoord) -> u64 {
    let z = u32::from(t.z());
    let base = ((1u64 << (2 * z)) - 1) / 3;
    let n = 1u64 << z;
    let (mut x, mut y) = (u64::from(t.x()), u64::from(t.y()));
    let mut d = 0u64;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    base + d
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    tile_id: u64,
    offset: u64,
    length: u32,
    run_length: u32,
}

/// What the archive describes about itself (the header's fields).
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveInfo {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// West, south, east, north, degrees.
    pub bounds: [f64; 4],
    /// Longitude, latitude (degrees) and zoom of the initial view.
    pub center: (f64, f64, u8),
    /// The JSON metadata (`vector_layers`, name, attribution...).
    pub metadata: serde_json::Value,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Tiles added (addressed tiles).
    pub tiles: u64,
    /// Directory entries.
    pub entries: u64,
    /// Distinct tile contents stored.
    pub contents: u64,
    /// Bytes of the whole archive.
    pub bytes: u64,
    /// Bytes of leaf directories (0 when the root directory holds every entry).
    pub leaf_bytes: u64,
}

/// Writes one archive; tiles must come in increasing [`tile_id`] order.
#[derive(Debug)]
pub struct PmTilesWriter<W: Write + Seek> {
    out: W,
    entries: Vec<Entry>,
    data_len: u64,
    addressed: u64,
    contents: u64,
    dedup: HashMap<Vec<u8>, (u64, u32)>,
    last: Option<(u64, Vec<u8>)>,
}

fn io(e: std::io::Error) -> TileError {
    TileError::PmTiles(e.to_string())
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, TileError> {
    let mut g = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 32),
        Compression::default(),
    );
    g.write_all(bytes).map_err(io)?;
    g.finish().map_err(io)
}

impl<W: Write + Seek> PmTilesWriter<W> {
    /// Starts an archive at the current start of `out` (which it overwrites).
    pub fn new(mut out: W) -> Result<Self, TileError> {
        out.seek(SeekFrom::Start(0)).map_err(io)?;
        out.write_all(&vec![0u8; ROOT_SPACE as usize]).map_err(io)?;
        Ok(Self {
            out,
            entries: Vec::new(),
            data_len: 0,
            addressed: 0,
            contents: 0,
            dedup: HashMap::new(),
            last: None,
        })
    }

    /// Adds one tile (uncompressed MVT bytes; the archive stores them gzipped).
    pub fn add(&mut self, tile: TileCoord, mvt: &[u8]) -> Result<(), TileError> {
        let id = tile_id(tile);
        if let Some(e) = self.entries.last() {
            if id < e.tile_id + u64::from(e.run_length) {
                return Err(TileError::PmTiles(format!(
                    "tile {tile} (id {id}) added out of tile-id order"
                )));
            }
        }
        self.addressed += 1;
        // The same content as the tile just before: extend its run.
        if let (Some(e), Some((last_id, last_bytes))) = (self.entries.last_mut(), &self.last) {
            if *last_id + 1 == id && last_bytes == mvt && e.tile_id + u64::from(e.run_length) == id
            {
                e.run_length += 1;
                self.last = Some((id, mvt.to_vec()));
                return Ok(());
            }
        }
        let (offset, length) = match self.dedup.get(mvt) {
            Some(&at) => at,
            None => {
                let gz = gzip(mvt)?;
                let length = u32::try_from(gz.len())
                    .map_err(|_| TileError::PmTiles(format!("tile {tile} is over 4 GiB")))?;
                self.out.write_all(&gz).map_err(io)?;
                let at = (self.data_len, length);
                self.data_len += gz.len() as u64;
                self.contents += 1;
                if mvt.len() <= DEDUP_MAX {
                    self.dedup.insert(mvt.to_vec(), at);
                }
                at
            }
        };
        self.entries.push(Entry {
            tile_id: id,
            offset,
            length,
            run_length: 1,
        });
        self.last = (mvt.len() <= DEDUP_MAX).then(|| (id, mvt.to_vec()));
        Ok(())
    }

    /// Writes metadata, directories and header; returns the output.
    pub fn finish(mut self, info: &ArchiveInfo) -> Result<(W, Written), TileError> {
        let data_offset = ROOT_SPACE;
        let metadata = gzip(info.metadata.to_string().as_bytes())?;
        let metadata_offset = data_offset + self.data_len;
        self.out.write_all(&metadata).map_err(io)?;
        let leaf_offset = metadata_offset + metadata.len() as u64;
        let (root, leaves) = directories(&self.entries)?;
        self.out.write_all(&leaves).map_err(io)?;
        let total = leaf_offset + leaves.len() as u64;
        let mut h = Vec::with_capacity(HEADER_LEN as usize);
        h.extend_from_slice(b"PMTiles");
        h.push(3);
        for v in [
            HEADER_LEN,
            root.len() as u64,
            metadata_offset,
            metadata.len() as u64,
            leaf_offset,
            leaves.len() as u64,
            data_offset,
            self.data_len,
            self.addressed,
            self.entries.len() as u64,
            self.contents,
        ] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        h.push(1); // clustered
        h.push(2); // internal compression: gzip
        h.push(2); // tile compression: gzip
        h.push(1); // tile type: MVT
        h.push(info.min_zoom);
        h.push(info.max_zoom);
        let e7 = |v: f64| ((v * 1e7).round() as i32).to_le_bytes();
        let [w, s, e, n] = info.bounds;
        for v in [w, s, e, n] {
            h.extend_from_slice(&e7(v));
        }
        h.push(info.center.2);
        h.extend_from_slice(&e7(info.center.0));
        h.extend_from_slice(&e7(info.center.1));
        debug_assert_eq!(h.len() as u64, HEADER_LEN);
        self.out.seek(SeekFrom::Start(0)).map_err(io)?;
        self.out.write_all(&h).map_err(io)?;
        self.out.write_all(&root).map_err(io)?;
        self.out.flush().map_err(io)?;
        let written = Written {
            tiles: self.addressed,
            entries: self.entries.len() as u64,
            contents: self.contents,
            bytes: total,
            leaf_bytes: leaves.len() as u64,
        };
        Ok((self.out, written))
    }
}

/// One directory, serialised as the specification says (columns of
/// varints), gzipped.
fn directory(entries: &[Entry]) -> Result<Vec<u8>, TileError> {
    let mut b = Vec::new();
    put_varint(&mut b, entries.len() as u64);
    let mut last = 0;
    for e in entries {
        put_varint(&mut b, e.tile_id - last);
        last = e.tile_id;
    }
    for e in entries {
        put_varint(&mut b, u64::from(e.run_length));
    }
    for e in entries {
        put_varint(&mut b, u64::from(e.length));
    }
    for (i, e) in entries.iter().enumerate() {
        let follows = i > 0 && e.offset == entries[i - 1].offset + u64::from(entries[i - 1].length);
        put_varint(&mut b, if follows { 0 } else { e.offset + 1 });
    }
    gzip(&b)
}

/// The root directory and the leaf directories, so that the root fits in
/// the first 16 KiB.
fn directories(entries: &[Entry]) -> Result<(Vec<u8>, Vec<u8>), TileError> {
    let room = (ROOT_SPACE - HEADER_LEN) as usize;
    let root = directory(entries)?;
    if root.len() <= room {
        return Ok((root, Vec::new()));
    }
    let mut leaf_size = 4096;
    loop {
        let mut leaves = Vec::new();
        let mut root_entries = Vec::new();
        for chunk in entries.chunks(leaf_size) {
            let leaf = directory(chunk)?;
            root_entries.push(Entry {
                tile_id: chunk[0].tile_id,
                offset: leaves.len() as u64,
                length: leaf.len() as u32,
                run_length: 0,
            });
            leaves.extend_from_slice(&leaf);
        }
        let root = directory(&root_entries)?;
        if root.len() <= room {
            return Ok((root, leaves));
        }
        leaf_size *= 2;
    }
}
