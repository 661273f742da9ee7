//! MVT: `Tile::decode`, `Tile::validate`, every feature's geometry, and the
//! encoder on what was decoded: a decoded tile must encode to bytes that
//! decode again to the same tile.
#![no_main]

use forsyning_tiles::mvt::Tile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(tile) = Tile::decode(data) else {
        return;
    };
    let _ = tile.validate();
    for layer in &tile.layers {
        for f in &layer.features {
            if let Ok(g) = f.decode_geometry() {
                std::hint::black_box(&g);
            }
            std::hint::black_box(layer.properties(f).count());
        }
    }
    let bytes = tile.encode();
    let again = Tile::decode(&bytes).expect("an encoded tile decodes");
    // Values compare by PartialEq, so NaN floats differ from themselves:
    // compare the re-encoding instead, byte for byte.
    assert_eq!(again.encode(), bytes, "decode(encode(tile)) encodes alike");
});
