//! Snapshot of one rendered tile: a point, a line leaving the tile and a
//! polygon with a hole, in a z16 tile. The decoded tile is written as text
//! (layers, keys, values, command streams) and compared with
//! `tests/snapshots/basic.txt`; `UPDATE_SNAPSHOTS=1` rewrites it after a
//! deliberate change. The expected command streams were checked by hand
//! against the geometry: the line's second vertex lies 64 units past the
//! east edge (clipped to the buffer), the hole winds the other way.

use std::fmt::Write;

use forsyning_tiles::mvt::Tile;
use forsyning_tiles::{
    render, FieldKind, FieldSpec, LayerSpec, Prop, RenderOptions, TileCoord, TileFeature,
};
use geo_types::{Geometry, LineString, Point, Polygon};
use uuid::Uuid;

fn layers() -> Vec<LayerSpec> {
    let fields = vec![
        FieldSpec {
            name: "id",
            kind: FieldKind::String,
            description: "",
        },
        FieldSpec {
            name: "hazard",
            kind: FieldKind::String,
            description: "",
        },
        FieldSpec {
            name: "depth_mm",
            kind: FieldKind::Number,
            description: "",
        },
    ];
    ["points", "lines"]
        .iter()
        .map(|n| LayerSpec {
            id: (*n).into(),
            description: String::new(),
            fields: fields.clone(),
        })
        .collect()
}

fn text(tile: &Tile) -> String {
    let mut s = String::new();
    for l in &tile.layers {
        writeln!(s, "layer {} v{} extent {:?}", l.name, l.version, l.extent).unwrap();
        writeln!(s, "  keys {:?}", l.keys).unwrap();
        writeln!(s, "  values {:?}", l.values).unwrap();
        for f in &l.features {
            writeln!(
                s,
                "  feature id {:?} type {:?} tags {:?}",
                f.id, f.geom_type, f.tags
            )
            .unwrap();
            writeln!(s, "    geometry {:?}", f.geometry).unwrap();
        }
    }
    s
}

#[test]
fn a_small_tile_matches_its_snapshot() {
    let t = TileCoord::new(16, 34_952, 20_450).unwrap();
    let b = t.bounds();
    let u = t.size_m() / 4096.0; // metres per tile unit
    let at = |x: f64, y: f64| (b.min().x + x * u, b.max().y - y * u);
    let f = |i: u64, layer: u16, g: Geometry<f64>| TileFeature {
        layer,
        uid: Uuid::from_u64_pair(1, i),
        owner: None,
        priority: 0,
        props: vec![
            (0, Prop::Uuid(Uuid::from_u64_pair(1, i))),
            (1, Prop::Static("dangerous")),
            (2, Prop::Uint(600 + i)),
        ],
        geometry: g,
    };
    let point = f(1, 0, Point::from(at(100.0, 200.0)).into());
    let line = f(
        2,
        1,
        LineString::from(vec![at(4000.0, 10.0), at(4200.0, 10.0)]).into(),
    );
    let outer = LineString::from(vec![
        at(10.0, 10.0),
        at(110.0, 10.0),
        at(110.0, 110.0),
        at(10.0, 110.0),
        at(10.0, 10.0),
    ]);
    let hole = LineString::from(vec![
        at(40.0, 40.0),
        at(40.0, 60.0),
        at(60.0, 60.0),
        at(60.0, 40.0),
        at(40.0, 40.0),
    ]);
    let poly = f(3, 0, Polygon::new(outer, vec![hole]).into());
    let out = render(
        t,
        &layers(),
        &[&point, &line, &poly],
        &RenderOptions::default(),
    );
    let tile = Tile::decode(&out.bytes).unwrap();
    tile.validate().unwrap();
    let got = text(&tile);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/basic.txt");
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("snapshot (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(
        got, want,
        "the tile changed; if on purpose, UPDATE_SNAPSHOTS=1"
    );
    // The hand-checked parts: the line is clipped at 4096 + 64.
    assert!(got.contains("geometry [9, 8000, 20, 10, 320, 0]"), "{got}");
}
