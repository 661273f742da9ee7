//! The renderer against known answers: round trips (encode, decode, every
//! vertex within one tile unit of the clipped input), sub-pixel dropping,
//! simplification per zoom, and the size budget's policy.

use forsyning_tiles::mvt::{Tile, TileGeometry};
use forsyning_tiles::{
    render, FieldKind, FieldSpec, LayerSpec, Prop, RenderOptions, TileCoord, TileFeature,
};
use geo::{Area, BooleanOps, Distance, Euclidean};
use geo_types::{coord, Coord, Geometry, LineString, MultiPolygon, Point, Polygon, Rect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

fn layers() -> Vec<LayerSpec> {
    vec![LayerSpec {
        id: "things".into(),
        description: "test".into(),
        fields: vec![
            FieldSpec {
                name: "id",
                kind: FieldKind::String,
                description: "id",
            },
            FieldSpec {
                name: "n",
                kind: FieldKind::Number,
                description: "n",
            },
        ],
    }]
}

fn feature(i: u64, priority: u8, geometry: Geometry<f64>) -> TileFeature {
    let uid = Uuid::from_u64_pair(7, i);
    TileFeature {
        layer: 0,
        uid,
        owner: None,
        priority,
        props: vec![(0, Prop::Uuid(uid)), (1, Prop::Uint(i))],
        geometry,
    }
}

/// Tile-unit coordinates of an EPSG:3857 point.
fn to_tile(t: TileCoord, c: Coord<f64>) -> Coord<f64> {
    let b = t.bounds();
    let k = 4096.0 / t.size_m();
    coord! { x: (c.x - b.min().x) * k, y: (b.max().y - c.y) * k }
}

fn tile_space(t: TileCoord, g: &LineString<f64>) -> LineString<f64> {
    g.0.iter().map(|&c| to_tile(t, c)).collect()
}

fn decode(bytes: &[u8]) -> Tile {
    let tile = Tile::decode(bytes).unwrap();
    tile.validate().unwrap();
    tile
}

fn random_line(rng: &mut ChaCha8Rng, b: Rect<f64>) -> LineString<f64> {
    let (w, h) = (b.width(), b.height());
    let n = rng.gen_range(2..30);
    let mut p = coord! { x: b.min().x + rng.gen_range(-0.3..1.3) * w, y: b.min().y + rng.gen_range(-0.3..1.3) * h };
    (0..n)
        .map(|_| {
            p = coord! { x: p.x + rng.gen_range(-0.2..0.2) * w, y: p.y + rng.gen_range(-0.2..0.2) * h };
            p
        })
        .collect()
}

#[test]
fn lines_round_trip_within_one_tile_unit_after_clipping() {
    let t = TileCoord::new(16, 34_952, 20_450).unwrap();
    let b = t.bounds();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let lines: Vec<LineString<f64>> = (0..300).map(|_| random_line(&mut rng, b)).collect();
    let feats: Vec<TileFeature> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| feature(i as u64, 0, l.clone().into()))
        .collect();
    let refs: Vec<&TileFeature> = feats.iter().collect();
    let out = render(t, &layers(), &refs, &RenderOptions::default());
    let tile = decode(&out.bytes);
    let layer = &tile.layers[0];
    let inside = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 4096.0, y: 4096.0 });
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let ts = tile_space(t, line);
        let decoded: Vec<LineString<f64>> = layer
            .features
            .iter()
            .filter(|f| layer.property(f, "n").and_then(|v| v.as_u64()) == Some(i as u64))
            .flat_map(|f| match f.decode_geometry().unwrap() {
                TileGeometry::Lines(ls) => ls
                    .into_iter()
                    .map(|l| {
                        l.iter()
                            .map(|p| coord! { x: p[0] as f64, y: p[1] as f64 })
                            .collect()
                    })
                    .collect::<Vec<_>>(),
                other => panic!("{other:?}"),
            })
            .collect();
        // Every decoded vertex lies on the input, to rounding.
        for l in &decoded {
            for c in &l.0 {
                let d = Euclidean.distance(&Point::from(*c), &ts);
                assert!(d <= 1.0, "line {i}: decoded vertex {c:?} is {d} units off");
                assert!(
                    c.x >= -64.0 && c.x <= 4160.0 && c.y >= -64.0 && c.y <= 4160.0,
                    "clipped to the buffer"
                );
            }
        }
        // Every input vertex inside the tile is on the output, to rounding.
        for c in ts.0.iter().filter(|c| inside.intersects(&Point::from(**c))) {
            let d = decoded
                .iter()
                .map(|l| Euclidean.distance(&Point::from(*c), l))
                .fold(f64::MAX, f64::min);
            assert!(
                d <= 1.0,
                "line {i}: input vertex {c:?} is {d} units from the tile"
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "the test looked at many vertices: {checked}");
}

use geo::Intersects;

#[test]
fn polygons_keep_their_clipped_area_and_winding() {
    let t = TileCoord::new(16, 34_952, 20_450).unwrap();
    let b = t.bounds();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let square = Rect::new(
        coord! { x: -64.0, y: -64.0 },
        coord! { x: 4160.0, y: 4160.0 },
    )
    .to_polygon();
    for i in 0..100 {
        let (cx, cy) = (
            b.min().x + rng.gen_range(-0.2..1.2) * b.width(),
            b.min().y + rng.gen_range(-0.2..1.2) * b.height(),
        );
        let r = rng.gen_range(0.05..0.6) * b.width();
        let ring: LineString<f64> = (0..12)
            .map(|k| {
                let a = k as f64 / 12.0 * std::f64::consts::TAU;
                let rr = r * rng.gen_range(0.5..1.0);
                coord! { x: cx + rr * a.cos(), y: cy + rr * a.sin() }
            })
            .collect();
        let poly = Polygon::new(ring.clone(), vec![]);
        let f = feature(i, 0, poly.into());
        let out = render(t, &layers(), &[&f], &RenderOptions::default());
        let ts = Polygon::new(tile_space(t, &ring), vec![]);
        let want = MultiPolygon(vec![ts])
            .intersection(&MultiPolygon(vec![square.clone()]))
            .unsigned_area();
        let tile = decode(&out.bytes);
        let got: f64 = tile
            .layers
            .iter()
            .flat_map(|l| &l.features)
            .map(|f| match f.decode_geometry().unwrap() {
                TileGeometry::Polygons(ps) => ps
                    .iter()
                    .map(|p| forsyning_tiles::mvt::geometry::ring_area2(&p[0]) as f64 / 2.0)
                    .sum::<f64>(),
                other => panic!("{other:?}"),
            })
            .sum();
        // Rounding moves each vertex by at most 0.71 units: the area by at
        // most perimeter × 0.71.
        let perimeter = 4.0 * 4224.0f64.min(2.0 * r * 4096.0 / t.size_m() * 4.0);
        assert!(
            (got - want).abs() <= perimeter * 0.71 + 1.0,
            "polygon {i}: area {got} vs {want}"
        );
        assert!(
            got >= 0.0,
            "exterior rings are positive (clockwise on screen)"
        );
    }
}

#[test]
fn sub_pixel_features_go_below_the_full_detail_zoom_and_stay_at_it() {
    // A 1 m line near Copenhagen: far below a pixel at z10, many at z16.
    let (x, y) = forsyning_tiles::grid::lonlat_to_mercator(12.5683, 55.6761);
    let f = feature(1, 0, LineString::from(vec![(x, y), (x + 1.0, y)]).into());
    let pt = feature(2, 0, Point::new(x, y).into());
    for (z, want) in [(10u8, 1usize), (16, 2)] {
        let p = Rect::new(coord! { x: x, y: y }, coord! { x: x, y: y });
        let t = TileCoord::covering(&p, z).next().unwrap();
        let out = render(t, &layers(), &[&f, &pt], &RenderOptions::default());
        let n: usize = decode(&out.bytes)
            .layers
            .iter()
            .map(|l| l.features.len())
            .sum();
        assert_eq!(
            n, want,
            "z{z}: the point always stays; the line only at full detail"
        );
        assert_eq!(out.dropped_small, 2 - want);
    }
}

#[test]
fn lower_zooms_simplify_to_about_a_pixel() {
    // A wiggle of 0.2 px on a straight line vanishes at z12, stays at z16.
    let (cx, cy) = forsyning_tiles::grid::lonlat_to_mercator(12.5683, 55.6761);
    let p = Rect::new(coord! { x: cx, y: cy }, coord! { x: cx, y: cy });
    for (z, want_vertices) in [(12u8, 2usize), (16, 200)] {
        let t = TileCoord::covering(&p, z).next().unwrap();
        let px = t.size_m() / 512.0;
        // From 10 px inside the west edge, across the middle: 200 px long.
        let (x, y) = (t.bounds().min().x + 10.0 * px, t.bounds().center().y);
        let line: LineString<f64> = (0..200)
            .map(|i| {
                (
                    x + i as f64 * px,
                    y + if i % 2 == 1 { 0.2 * px } else { 0.0 },
                )
            })
            .collect();
        let f = feature(1, 0, line.into());
        let out = render(t, &layers(), &[&f], &RenderOptions::default());
        let tile = decode(&out.bytes);
        let TileGeometry::Lines(ls) = tile.layers[0].features[0].decode_geometry().unwrap() else {
            panic!()
        };
        let n: usize = ls.iter().map(Vec::len).sum();
        if z == 16 {
            // Rounding to tile units keeps the 1.6-unit wiggle.
            assert_eq!(n, want_vertices, "z16 keeps every vertex");
        } else {
            assert_eq!(n, want_vertices, "z12 simplifies to the two ends");
        }
    }
}

#[test]
fn the_budget_drops_small_and_unimportant_features_first() {
    let t = TileCoord::new(14, 8738, 5112).unwrap();
    let b = t.bounds();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let feats: Vec<TileFeature> = (0..3000)
        .map(|i| {
            feature(
                i,
                u8::from(i % 10 == 0) * 2,
                random_line(&mut rng, b).into(),
            )
        })
        .collect();
    let refs: Vec<&TileFeature> = feats.iter().collect();
    let full = render(t, &layers(), &refs, &RenderOptions::default());
    assert_eq!(full.dropped_budget, 0);
    let budget = full.bytes.len() / 4;
    let o = RenderOptions {
        max_bytes: budget,
        ..RenderOptions::default()
    };
    let cut = render(t, &layers(), &refs, &o);
    assert!(cut.bytes.len() <= budget, "{} > {budget}", cut.bytes.len());
    assert!(
        cut.bytes.len() > budget * 8 / 10,
        "and uses most of it: {}",
        cut.bytes.len()
    );
    assert!(cut.dropped_budget > 0);
    assert!(cut.tolerance_px > 1.0, "geometry gave way first");
    // Every important feature of the full tile stays while unimportant ones are dropped.
    let kept: std::collections::HashSet<Uuid> = cut.uids.iter().copied().collect();
    for f in &feats {
        if f.priority == 2 && full.uids.contains(&f.uid) {
            assert!(kept.contains(&f.uid), "dangerous feature {} dropped", f.uid);
        }
    }
    decode(&cut.bytes);
}

#[test]
fn a_tile_far_over_its_budget_takes_the_most_important_and_largest_first() {
    // 20,000 short lines at z12 could not fit 50 KB even at 12 bytes each.
    let t = TileCoord::new(12, 2184, 1278).unwrap();
    let b = t.bounds();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let feats: Vec<TileFeature> = (0..20_000)
        .map(|i| {
            let (x, y) = (
                b.min().x + rng.gen_range(0.05..0.95) * b.width(),
                b.min().y + rng.gen_range(0.05..0.95) * b.height(),
            );
            // 2 to 200 px long (a pixel is 1/512 of the tile).
            let len = rng.gen_range(2.0..200.0) * b.width() / 512.0;
            let line = LineString::from(vec![(x, y), (x + len, y + len / 3.0)]);
            feature(i, u8::from(i % 50 == 0) * 2, line.into())
        })
        .collect();
    let refs: Vec<&TileFeature> = feats.iter().collect();
    let o = RenderOptions {
        max_bytes: 50_000,
        ..RenderOptions::default()
    };
    let cut = render(t, &layers(), &refs, &o);
    assert!(cut.bytes.len() <= 50_000, "{} > 50000", cut.bytes.len());
    assert!(
        cut.bytes.len() > 40_000,
        "uses most of the budget: {}",
        cut.bytes.len()
    );
    assert_eq!(cut.tolerance_px, 16.0, "straight to the coarsest tolerance");
    assert_eq!(
        cut.dropped_budget + cut.uids.len(),
        feats.len(),
        "every feature kept or dropped"
    );
    let kept: std::collections::HashSet<Uuid> = cut.uids.iter().copied().collect();
    // All 400 very dangerous lines fit, and are kept before any other.
    for f in feats.iter().filter(|f| f.priority == 2) {
        assert!(kept.contains(&f.uid), "very dangerous {} dropped", f.uid);
    }
    // Among the rest, every kept line is at least as long on screen as
    // every dropped one (the bounding-box size of the module docs).
    let size = |f: &TileFeature| f.bbox().map_or(0.0, |r| r.width() + r.height());
    let (k, d): (Vec<&TileFeature>, Vec<&TileFeature>) = feats
        .iter()
        .filter(|f| f.priority == 0)
        .partition(|f| kept.contains(&f.uid));
    let shortest_kept = k.iter().map(|f| size(f)).fold(f64::INFINITY, f64::min);
    let longest_dropped = d.iter().map(|f| size(f)).fold(0.0, f64::max);
    assert!(!k.is_empty() && !d.is_empty());
    assert!(
        shortest_kept >= longest_dropped,
        "{shortest_kept} < {longest_dropped}"
    );
    decode(&cut.bytes);
}
