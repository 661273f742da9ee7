//! The Mapbox vector-tile conformance fixtures (mvt-fixtures v4.0.0, in
//! shared data): every fixture valid under v2 decodes to its `tile.json`,
//! and every one whose error is "fatal" is refused, by the decoder or by
//! the geometry check.

use std::path::Path;

use forsyning_tiles::mvt::{Tile, Value};
use serde_json::{json, Value as Json};

/// A decoded tile in the fixtures' JSON form: absent optional fields are
/// absent keys.
fn to_json(t: &Tile) -> Json {
    if t.layers.is_empty() {
        return json!({});
    }
    let layers: Vec<Json> = t
        .layers
        .iter()
        .map(|l| {
            let mut o = serde_json::Map::new();
            o.insert("version".into(), json!(l.version));
            o.insert("name".into(), json!(l.name));
            let features: Vec<Json> = l
                .features
                .iter()
                .map(|f| {
                    let mut fo = serde_json::Map::new();
                    if let Some(id) = f.id {
                        fo.insert("id".into(), json!(id));
                    }
                    fo.insert("tags".into(), json!(f.tags));
                    if let Some(t) = f.geom_type {
                        fo.insert("type".into(), json!(t.code()));
                    }
                    fo.insert("geometry".into(), json!(f.geometry));
                    Json::Object(fo)
                })
                .collect();
            o.insert("features".into(), Json::Array(features));
            o.insert("keys".into(), json!(l.keys));
            let values: Vec<Json> = l
                .values
                .iter()
                .map(|v| match v {
                    Value::String(s) => json!({ "string_value": s }),
                    Value::Float(f) => json!({ "float_value": f }),
                    Value::Double(f) => json!({ "double_value": f }),
                    Value::Int(i) => json!({ "int_value": i }),
                    Value::Uint(u) => json!({ "uint_value": u }),
                    Value::Sint(i) => json!({ "sint_value": i }),
                    Value::Bool(b) => json!({ "bool_value": b }),
                })
                .collect();
            o.insert("values".into(), Json::Array(values));
            if let Some(e) = l.extent {
                o.insert("extent".into(), json!(e));
            }
            Json::Object(o)
        })
        .collect();
    json!({ "layers": layers })
}

/// JSON equality with floats compared as f32 where the fixture has fewer digits.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            match (x.as_u64(), y.as_u64(), x.as_i64(), y.as_i64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => {
                    let (p, q) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                    (p - q).abs() <= 1e-6 * p.abs().max(1.0)
                }
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A layer without `extent` reads as 4096, the proto2 default: fixture
/// 002's bytes omit it and its `tile.json` says 4096, 009's omit it and
/// its `tile.json` leaves it out. Both sides get the default spelled out.
/// Likewise a feature without `type` reads as 0 (UNKNOWN): fixture 016's
/// bytes omit it and its `tile.json` says 0.
fn with_default_extent(mut v: Json) -> Json {
    if let Some(layers) = v.get_mut("layers").and_then(|l| l.as_array_mut()) {
        for l in layers {
            if let Some(o) = l.as_object_mut() {
                o.entry("extent").or_insert(json!(4096));
                if let Some(fs) = o.get_mut("features").and_then(|f| f.as_array_mut()) {
                    for f in fs.iter_mut().filter_map(|f| f.as_object_mut()) {
                        f.entry("type").or_insert(json!(0));
                    }
                }
            }
        }
    }
    v
}

struct Fixture {
    name: String,
    mvt: Vec<u8>,
    expected: Json,
    valid_v2: bool,
    fatal: bool,
}

fn fixtures(dir: &Path) -> Vec<Fixture> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let d = dir.join(&name);
            let info: Json =
                serde_json::from_slice(&std::fs::read(d.join("info.json")).unwrap()).unwrap();
            Fixture {
                mvt: std::fs::read(d.join("tile.mvt")).unwrap(),
                expected: serde_json::from_slice(&std::fs::read(d.join("tile.json")).unwrap())
                    .unwrap(),
                valid_v2: info["validity"]["v2"] == json!(true),
                fatal: info["validity"]["error"] == json!("fatal"),
                name,
            }
        })
        .collect()
}

/// Fixture 057 ("a point with a gigantic MoveTo": count 536,870,911, one
/// coordinate pair) is listed valid, while 051, byte for byte the same
/// command stream, is fatal. The decoder reads 057 to its `tile.json`;
/// its geometry check refuses both, without allocating for the count.
const GEOMETRY_CONTRADICTS_051: &str = "057";

/// Fixtures 060–077 test vendor-specific properties (`_mbx_worldview`,
/// `_mbx_class`, ...), not the specification; some of their `tile.json`
/// files write a string value of the bytes as a number (069: the string
/// `"613"` as `613`). They must decode and validate; their JSON is not compared.
fn vendor_specific(name: &str) -> bool {
    name.parse::<u32>().is_ok_and(|n| (60..=77).contains(&n))
}

#[test]
fn every_valid_fixture_decodes_to_its_json_and_every_fatal_one_is_refused() {
    let Some(data) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let all = fixtures(&data.join("tiles/mvt-fixtures"));
    assert!(all.len() >= 70, "the fixtures are there: {}", all.len());
    let (mut valid, mut fatal) = (0, 0);
    for f in &all {
        let decoded = Tile::decode(&f.mvt);
        if f.valid_v2 {
            valid += 1;
            let tile = decoded.unwrap_or_else(|e| panic!("fixture {} is valid: {e}", f.name));
            let got = with_default_extent(to_json(&tile));
            let want = with_default_extent(f.expected.clone());
            assert!(
                vendor_specific(&f.name) || same(&got, &want),
                "fixture {}:\n got {got}\nwant {want}",
                f.name
            );
            if f.name == GEOMETRY_CONTRADICTS_051 {
                assert!(tile.validate().is_err());
            } else {
                tile.validate()
                    .unwrap_or_else(|e| panic!("fixture {}: {e}", f.name));
            }
            // Our encoder writes it back to the same content.
            let again = Tile::decode(&tile.encode()).unwrap();
            assert_eq!(again, tile, "fixture {} re-encoded", f.name);
        } else if f.fatal {
            fatal += 1;
            let refused = decoded.and_then(|t| t.validate());
            assert!(
                refused.is_err(),
                "fixture {} is fatal but was accepted",
                f.name
            );
            eprintln!("fixture {}: {}", f.name, refused.unwrap_err());
        }
    }
    assert_eq!((valid, fatal), (46, 20), "valid and fatal fixtures checked");
}
