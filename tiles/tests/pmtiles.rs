//! PMTiles archives written here, read back by the `pmtiles` crate
//! (stadiamaps' reader, independent of this writer).

use std::io::Cursor;
use std::sync::Arc;

use forsyning_tiles::pmtiles::{tile_id, ArchiveInfo, PmTilesWriter};
use forsyning_tiles::TileCoord;
use futures::StreamExt;
use pmtiles::{AsyncBackend, AsyncPmTilesReader, PmtResult};

/// The archive in memory, as a range-request backend.
struct Memory(Vec<u8>);

impl AsyncBackend for Memory {
    async fn read(&self, offset: usize, length: usize) -> PmtResult<bytes::Bytes> {
        let end = (offset + length).min(self.0.len());
        Ok(bytes::Bytes::copy_from_slice(&self.0[offset.min(end)..end]))
    }
}

fn info(min: u8, max: u8) -> ArchiveInfo {
    ArchiveInfo {
        min_zoom: min,
        max_zoom: max,
        bounds: [12.0, 55.0, 13.0, 56.0],
        center: (12.5, 55.5, min),
        metadata: serde_json::json!({ "name": "test", "vector_layers": [] }),
    }
}

/// Writes `tiles` (in tile-id order) and opens the result with the reader.
async fn round_trip(
    tiles: &[(TileCoord, Vec<u8>)],
    min: u8,
    max: u8,
) -> (
    AsyncPmTilesReader<Memory>,
    forsyning_tiles::pmtiles::Written,
) {
    let mut w = PmTilesWriter::new(Cursor::new(Vec::new())).unwrap();
    for (t, b) in tiles {
        w.add(*t, b).unwrap();
    }
    let (out, written) = w.finish(&info(min, max)).unwrap();
    let bytes = out.into_inner();
    assert_eq!(bytes.len() as u64, written.bytes);
    (
        AsyncPmTilesReader::try_from_source(Memory(bytes))
            .await
            .unwrap(),
        written,
    )
}

#[tokio::test]
async fn a_small_archive_reads_back_tile_for_tile() {
    // Every tile of z0-z4, some repeated content (run lengths, dedup).
    let mut tiles: Vec<(TileCoord, Vec<u8>)> = (0..=4u32)
        .flat_map(|z| {
            (0..1u64 << z)
                .flat_map(move |x| (0..1u64 << z).map(move |y| TileCoord::new(z, x, y).unwrap()))
        })
        .map(|t| {
            let body = if t.z() == 4 && t.x() < 8 {
                b"same".to_vec()
            } else {
                format!("tile {t}").into_bytes()
            };
            (t, body)
        })
        .collect();
    tiles.sort_by_key(|(t, _)| tile_id(*t));
    let (reader, written) = round_trip(&tiles, 0, 4).await;
    assert_eq!(written.tiles, tiles.len() as u64);
    assert!(
        written.contents < written.tiles,
        "repeated tiles are stored once"
    );
    let h = reader.get_header();
    assert_eq!((h.min_zoom, h.max_zoom), (0, 4));
    assert!((h.min_longitude - 12.0).abs() < 1e-6 && (h.max_latitude - 56.0).abs() < 1e-6);
    for (t, body) in &tiles {
        let c = pmtiles::TileCoord::new(t.z(), t.x(), t.y()).unwrap();
        assert_eq!(
            pmtiles::TileId::from(c).value(),
            tile_id(*t),
            "tile ids agree for {t}"
        );
        let got = reader
            .get_tile_decompressed(c)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{t} missing"));
        assert_eq!(&got[..], &body[..], "{t}");
    }
    let meta: serde_json::Value =
        serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
    assert_eq!(meta["name"], "test");
}

#[tokio::test]
async fn a_large_archive_uses_leaf_directories_the_reader_follows() {
    // Half of 400 × 400 z14 tiles, picked and sized by a hash, so the
    // directory does not compress away: the root alone would not fit in 16 KiB.
    let hash = |x: u64, y: u64| {
        (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ y.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
            .rotate_left(29)
    };
    let mut tiles: Vec<(TileCoord, Vec<u8>)> = (0..400u64)
        .flat_map(|x| (0..400u64).map(move |y| (x, y)))
        .filter(|&(x, y)| hash(x, y) % 2 == 0)
        .map(|(x, y)| {
            let t = TileCoord::new(14, 8000 + x, 5000 + y).unwrap();
            let len = (hash(y, x) % 200) as usize + 1;
            (t, format!("{t} {}", "x".repeat(len)).into_bytes())
        })
        .collect();
    let count = tiles.len();
    tiles.sort_by_key(|(t, _)| tile_id(*t));
    let (reader, written) = round_trip(&tiles, 14, 14).await;
    assert_eq!(written.entries as usize, count);
    assert!(written.leaf_bytes > 0, "leaf directories were written");
    for (t, body) in tiles.iter().step_by(997) {
        let c = pmtiles::TileCoord::new(t.z(), t.x(), t.y()).unwrap();
        assert_eq!(
            &reader.get_tile_decompressed(c).await.unwrap().unwrap()[..],
            &body[..],
            "{t}"
        );
    }
    let absent = pmtiles::TileCoord::new(14, 1, 1).unwrap();
    assert!(reader.get_tile(absent).await.unwrap().is_none());
    let n = Arc::new(reader)
        .entries()
        .fold(0usize, |n, e| async move { n + usize::from(e.is_ok()) })
        .await;
    assert_eq!(n, count, "every entry is reachable through the leaves");
}

#[test]
fn tiles_out_of_order_are_refused() {
    let mut w = PmTilesWriter::new(Cursor::new(Vec::new())).unwrap();
    w.add(TileCoord::new(1, 1, 1).unwrap(), b"a").unwrap();
    assert!(w.add(TileCoord::new(1, 0, 0).unwrap(), b"b").is_err());
}
