//! Viewport-shaped tile lists over a generated town, for the tile bench:
//! at each zoom 12..=16, `VIEWS` random 1920×1080 px viewports (512 px
//! tiles, as MapLibre draws vector tiles) inside the town, each the tiles
//! that cover it. Prints `z/x/y` lines, each tile once (a cold pass).
//!
//! usage: cargo run -p forsyning-benches --example tile_urls --release -- FEATURES SEED VIEWS

use forsyning_fixtures::{Town, TownConfig};
use forsyning_tiles::project::coord_to_web_mercator;
use forsyning_tiles::TileCoord;
use geo_types::{coord, Rect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let views: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let e = Town::new(TownConfig::new(seed, n)).extent();
    let lo = coord_to_web_mercator(e.min()).unwrap();
    let hi = coord_to_web_mercator(e.max()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut seen = std::collections::HashSet::new();
    for z in 12u8..=16 {
        let tile = TileCoord::new(u32::from(z), 0, 0).unwrap().size_m();
        let (w, h) = (1920.0 / 512.0 * tile, 1080.0 / 512.0 * tile);
        for _ in 0..views {
            let cx = rng.gen_range(lo.x..hi.x);
            let cy = rng.gen_range(lo.y..hi.y);
            let r = Rect::new(coord! { x: cx - w / 2.0, y: cy - h / 2.0 }, coord! { x: cx + w / 2.0, y: cy + h / 2.0 });
            for t in TileCoord::covering(&r, z) {
                if seen.insert(t) {
                    println!("{}/{}/{}", t.z(), t.x(), t.y());
                }
            }
        }
    }
}
