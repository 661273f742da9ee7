//! Priority-queue keys and a bit set, shared by the priority-flood variants.

/// A u32 whose unsigned order is the total order of `f32` values (NaN never
/// enters a queue: nodata cells are closed before flooding).
#[inline]
pub(crate) fn f32_key(v: f32) -> u32 {
    let b = v.to_bits();
    if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    }
}

/// A u64 whose unsigned order is the total order of `f64` values.
#[inline]
pub(crate) fn f64_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b & 0x8000_0000_0000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000_0000_0000
    }
}

/// One bit per cell (1/32 of a float32 raster).
#[derive(Debug, Clone)]
pub(crate) struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub(crate) fn new(n: usize) -> BitSet {
        BitSet {
            words: vec![0; n.div_ceil(64)],
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> bool {
        self.words[i >> 6] & (1 << (i & 63)) != 0
    }

    #[inline]
    pub(crate) fn set(&mut self, i: usize) {
        self.words[i >> 6] |= 1 << (i & 63);
    }
}
