//! The in-memory tile cache: encoded tiles by (source, data generation,
//! caller scope, tile), bounded in bytes, oldest out first. A new dataset
//! version changes the generation, so its tiles are never served again
//! and age out.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use forsyning_tiles::TileCoord;
use uuid::Uuid;

/// One tile ready to send.
#[derive(Debug)]
pub(crate) struct CachedTile {
    /// Uncompressed MVT.
    pub raw: Vec<u8>,
    /// The same, gzipped (for `Accept-Encoding: gzip`).
    pub gzip: Vec<u8>,
    /// Strong ETag from the content (quoted).
    pub etag: String,
    /// Network features in the tile (what its disclosure audits).
    pub uids: Vec<Uuid>,
}

impl CachedTile {
    fn bytes(&self) -> usize {
        self.raw.len() + self.gzip.len() + self.uids.len() * 16 + 128
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub source: &'static str,
    pub generation: u64,
    pub scope: String,
    pub tile: TileCoord,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Key, Arc<CachedTile>>,
    order: VecDeque<Key>,
    bytes: usize,
}

/// A bounded tile cache, shared by the handlers of one router.
#[derive(Debug)]
pub(crate) struct TileCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

impl TileCache {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_bytes,
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Option<Arc<CachedTile>> {
        self.inner.lock().ok()?.map.get(key).cloned()
    }

    /// Keeps `tile`, evicting the oldest tiles past the byte bound.
    pub(crate) fn put(&self, key: Key, tile: Arc<CachedTile>) {
        let Ok(mut g) = self.inner.lock() else { return };
        let size = tile.bytes();
        if size > self.max_bytes / 4 {
            return;
        }
        if let Some(old) = g.map.insert(key.clone(), tile) {
            g.bytes -= old.bytes();
        } else {
            g.order.push_back(key);
        }
        g.bytes += size;
        while g.bytes > self.max_bytes {
            let Some(k) = g.order.pop_front() else { break };
            if let Some(t) = g.map.remove(&k) {
                g.bytes -= t.bytes();
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().unwrap().map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(n: usize) -> Arc<CachedTile> {
        Arc::new(CachedTile {
            raw: vec![0; n],
            gzip: vec![],
            etag: String::new(),
            uids: vec![],
        })
    }

    fn key(x: u64) -> Key {
        Key {
            source: "s",
            generation: 1,
            scope: "all".into(),
            tile: TileCoord::new(10, x, 0).unwrap(),
        }
    }

    #[test]
    fn the_cache_stays_within_its_bound_and_drops_the_oldest() {
        let c = TileCache::new(10_000);
        for x in 0..100 {
            c.put(key(x), tile(872));
        }
        // 1,000 bytes each with the overhead: ten fit.
        assert_eq!(c.len(), 10);
        assert!(c.get(&key(99)).is_some() && c.get(&key(89)).is_none());
        let other = Key {
            generation: 2,
            ..key(99)
        };
        assert!(
            c.get(&other).is_none(),
            "another generation is another tile"
        );
    }
}
