//! The banded index against brute force: `query_visible` returns exactly
//! the features a scan finds (box meets the query, not smaller than the
//! threshold on both sides unless a point), in input order; and a tile
//! rendered from it is byte for byte the tile rendered from every feature
//! the scan finds, so leaving small features in their own trees changes no
//! tile.

use forsyning_tiles::{
    buffered_bounds, render, render_source, FieldKind, FieldSpec, IndexSource, LayerSpec, Prop,
    RenderOptions, SourceInfo, TileCoord, TileFeature, TileIndex,
};
use geo::{BoundingRect, Intersects};
use geo_types::{coord, Geometry, LineString, Point, Polygon, Rect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

fn layers() -> Vec<LayerSpec> {
    vec![LayerSpec {
        id: "things".into(),
        description: "test".into(),
        fields: vec![FieldSpec {
            name: "n",
            kind: FieldKind::Number,
            description: "n",
        }],
    }]
}

/// Points, lines and squares of sizes from centimetres to kilometres
/// (log-uniform) around a town-sized area of EPSG:3857.
fn features(seed: u64, n: usize) -> Vec<TileFeature> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (x0, y0) = (1_000_000.0, 7_500_000.0);
    (0..n)
        .map(|i| {
            let c = coord! { x: x0 + rng.gen_range(0.0..20_000.0), y: y0 + rng.gen_range(0.0..20_000.0) };
            let size = 10f64.powf(rng.gen_range(-2.0..3.5));
            let geometry: Geometry<f64> = match rng.gen_range(0..3) {
                0 => Point::from(c).into(),
                1 => {
                    let k = rng.gen_range(2..6);
                    LineString::from(
                        (0..k)
                            .map(|j| {
                                let f = j as f64 / (k - 1) as f64;
                                coord! { x: c.x + f * size, y: c.y + rng.gen_range(-0.5..0.5) * size }
                            })
                            .collect::<Vec<_>>(),
                    )
                    .into()
                }
                _ => Polygon::new(
                    LineString::from(vec![
                        c,
                        coord! { x: c.x + size, y: c.y },
                        coord! { x: c.x + size, y: c.y + size },
                        coord! { x: c.x, y: c.y + size },
                        c,
                    ]),
                    vec![],
                )
                .into(),
            };
            TileFeature {
                layer: 0,
                uid: Uuid::from_u64_pair(9, i as u64),
                owner: None,
                priority: rng.gen_range(0..3),
                props: vec![(0, Prop::Uint(i as u64))],
                geometry,
            }
        })
        .collect()
}

fn scan<'a>(all: &'a [TileFeature], q: &Rect<f64>, min_side: f64) -> Vec<&'a TileFeature> {
    all.iter()
        .filter(|f| {
            let b = f.geometry.bounding_rect().unwrap();
            let point = matches!(f.geometry, Geometry::Point(_) | Geometry::MultiPoint(_));
            b.intersects(q) && (point || !(b.width() < min_side && b.height() < min_side))
        })
        .collect()
}

#[test]
fn query_visible_is_the_scan() {
    let all = features(1, 5_000);
    let index = TileIndex::new(all.clone());
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for round in 0..300 {
        let (x, y) = (
            1_000_000.0 + rng.gen_range(-1_000.0..20_000.0),
            7_500_000.0 + rng.gen_range(-1_000.0..20_000.0),
        );
        let s = 10f64.powf(rng.gen_range(1.0..4.3));
        let q = Rect::new(coord! { x: x, y: y }, coord! { x: x + s, y: y + s });
        // Thresholds on and off the bands' power-of-two edges.
        let min_side = match round % 4 {
            0 => 0.0,
            1 => 2f64.powi(rng.gen_range(-3..12)),
            _ => 10f64.powf(rng.gen_range(-2.0..3.5)),
        };
        let want: Vec<Uuid> = scan(&all, &q, min_side).iter().map(|f| f.uid).collect();
        let got: Vec<Uuid> = index.query_visible(&q, min_side).map(|f| f.uid).collect();
        assert_eq!(got, want, "round {round}: box {q:?}, min side {min_side} m");
        if min_side == 0.0 {
            let plain: Vec<Uuid> = index.query(&q).map(|f| f.uid).collect();
            assert_eq!(plain, want, "round {round}: query");
        }
    }
}

#[test]
fn tiles_from_the_banded_index_equal_tiles_from_every_feature() {
    let all = features(3, 20_000);
    let source = IndexSource {
        info: SourceInfo {
            id: "things".into(),
            name: "things".into(),
            description: "test".into(),
            layers: layers(),
            minzoom: 0,
            maxzoom: 22,
            public: true,
        },
        index: TileIndex::new(all.clone()),
    };
    let mut compared = 0;
    for o in [
        RenderOptions::default(),
        // A small budget: the budget's paths see the same input too.
        RenderOptions {
            max_bytes: 20_000,
            ..RenderOptions::default()
        },
    ] {
        for z in 11..=17u32 {
            let (x0, y0) = (1_000_000.0, 7_500_000.0);
            let probe = TileCoord::new(z, 0, 0).unwrap();
            let s = probe.size_m();
            let h = 20_037_508.342_789_244;
            let (tx0, tx1) = (((x0 + h) / s) as u64, ((x0 + 20_000.0 + h) / s) as u64);
            let (ty0, ty1) = (((h - y0 - 20_000.0) / s) as u64, ((h - y0) / s) as u64);
            let step = ((tx1 - tx0) / 4).max(1);
            for tx in (tx0..=tx1).step_by(step as usize) {
                for ty in (ty0..=ty1).step_by(step as usize) {
                    let t = TileCoord::new(z, tx, ty).unwrap();
                    let fetched = render_source(&source, t, &|_| true, &o);
                    let every = scan(&all, &buffered_bounds(t, &o), 0.0);
                    let direct = render(t, &layers(), &every, &o);
                    assert_eq!(fetched.bytes, direct.bytes, "tile {z}/{tx}/{ty}");
                    assert_eq!(fetched.uids, direct.uids, "tile {z}/{tx}/{ty}");
                    assert_eq!(fetched.dropped_budget, direct.dropped_budget);
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 100, "only {compared} tiles compared");
}
