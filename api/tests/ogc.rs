//! OGC API Features (`/ogc`) against known answers: bbox queries in both
//! CRSs against a brute-force filter of the stored features (the CRS84
//! oracle reprojects every feature with PROJ), paging that adds up to
//! numberMatched, coordinates against PROJ, the policy's visible sets, the
//! audit log, and the standard's 400 for unknown parameters.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use forsyning_fixtures::{Town, TownConfig};
use forsyning_geo::{Crs, Reprojector};
use forsyning_model::{AuditRecord, NetworkFeature, Role};
use forsyning_store::{replace_dataset, Store};
use forsyning_store::{GpkgStore, PostgisStore};
use geo::{BoundingRect, Intersects};
use geo_types::{coord, polygon, Geometry, Rect};
use http_body_util::BodyExt;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

const UTM: &str = "http://www.opengis.net/def/crs/EPSG/0/25832";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

struct Answer {
    status: StatusCode,
    content_crs: Option<String>,
    body: Value,
}

async fn call(app: &axum::Router, uri: &str, auth: Option<&str>) -> Answer {
    let mut req = Request::builder().uri(uri).header("host", "ogc.test");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let content_crs = res
        .headers()
        .get("content-crs")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_crs,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// Every page of `uri` through its `next` links: the ids, in order, and
/// the first page's numberMatched.
async fn all_pages(app: &axum::Router, uri: &str, auth: &str) -> (Vec<String>, u64) {
    let mut ids = Vec::new();
    let mut next = Some(uri.to_owned());
    let mut matched = None;
    while let Some(u) = next.take() {
        let a = call(app, &u, Some(auth)).await;
        assert_eq!(a.status, 200, "{u}: {}", a.body);
        let page = a.body["features"].as_array().unwrap();
        assert_eq!(
            a.body["numberReturned"].as_u64().unwrap(),
            page.len() as u64
        );
        matched.get_or_insert(a.body["numberMatched"].as_u64().unwrap());
        ids.extend(page.iter().map(|f| f["id"].as_str().unwrap().to_owned()));
        next = a.body["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| {
                let href = l["href"].as_str().unwrap();
                href.strip_prefix("http://ogc.test").unwrap().to_owned()
            });
    }
    (ids, matched.unwrap())
}

fn sorted(ids: impl IntoIterator<Item = Uuid>) -> Vec<String> {
    let set: BTreeSet<String> = ids.into_iter().map(|i| i.to_string()).collect();
    set.into_iter().collect()
}

/// A generated town of 3,000 features and its interest areas in `store`.
async fn fill(store: Arc<dyn Store>) -> (Arc<dyn Store>, Town) {
    let town = Town::new(TownConfig::new(5, 3_000));
    for owner in town.owners() {
        let fs = town.features().filter(|f| f.owner_id == owner.org_id);
        replace_dataset(store.as_ref(), &owner.org_id, &owner.dataset_name, fs)
            .await
            .unwrap();
    }
    for owner in town.owners() {
        let areas: Vec<_> = town
            .interest_areas()
            .into_iter()
            .filter(|a| a.owner_id == owner.org_id)
            .collect();
        store
            .replace_interest_areas(&owner.org_id, areas)
            .await
            .unwrap();
    }
    (store, town)
}

async fn gpkg(dir: &std::path::Path) -> Arc<dyn Store> {
    Arc::new(GpkgStore::open(&dir.join("o.gpkg")).await.unwrap())
}

/// The PostGIS store in a fresh schema, when `FORSYNING_TEST_POSTGRES` is set.
async fn postgis() -> Option<(Arc<dyn Store>, PostgisStore, String)> {
    let url = forsyning_fixtures::test_env::postgres_url()?;
    let schema = format!("t_ogc_{}", Uuid::new_v4().simple());
    let pg = PostgisStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    Some((Arc::new(pg.clone()), pg, schema))
}

async fn drop_schema(pg: &PostgisStore, schema: &str) {
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(pg.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bbox_queries_in_both_crss_return_what_brute_force_finds() {
    let dir = tempfile::tempdir().unwrap();
    bbox_oracle(gpkg(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bbox_queries_match_brute_force_on_postgis_too() {
    let Some((store, pg, schema)) = postgis().await else {
        return;
    };
    bbox_oracle(store).await;
    drop_schema(&pg, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_caller_sees_what_the_policy_allows() {
    let dir = tempfile::tempdir().unwrap();
    policy_run(gpkg(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_caller_sees_what_the_policy_allows_on_postgis_too() {
    let Some((store, pg, schema)) = postgis().await else {
        return;
    };
    policy_run(store).await;
    drop_schema(&pg, &schema).await;
}

fn random_box(rng: &mut ChaCha8Rng, e: &Rect<f64>, max_side: f64) -> Rect<f64> {
    let w = rng.gen_range(max_side / 500.0..max_side);
    let h = rng.gen_range(max_side / 500.0..max_side);
    let x = rng.gen_range(e.min().x - w / 2.0..e.max().x - w / 2.0);
    let y = rng.gen_range(e.min().y - h / 2.0..e.max().y - h / 2.0);
    Rect::new(coord! { x: x, y: y }, coord! { x: x + w, y: y + h })
}

fn to_crs84(f: &NetworkFeature, r: &Reprojector) -> Geometry<f64> {
    let mut g = f.geometry.clone();
    r.transform_geometry(&mut g).unwrap();
    g
}

async fn bbox_oracle(store: Arc<dyn Store>) {
    let (store, town) = fill(store).await;
    let stored: Vec<NetworkFeature> = store
        .features_in_bbox(&forsyning_model::Bbox::new(0.0, 0.0, 2e6, 1e7).unwrap())
        .await
        .unwrap();
    assert_eq!(stored.len(), town.features().count());
    let app = app(store.clone());
    let admin = org_with_token(store.as_ref(), "ADM", Role::Admin).await;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let e = town.extent();
    let mut nonempty = 0;

    // EPSG:25832 boxes, answers in EPSG:25832: ids and coordinates exact.
    for _ in 0..30 {
        let b = random_box(&mut rng, &e, 600.0);
        let want = sorted(
            stored
                .iter()
                .filter(|f| f.geometry.intersects(&b))
                .map(|f| f.id),
        );
        let uri =
            format!(
            "/ogc/collections/network/items?bbox={},{},{},{}&bbox-crs={UTM}&crs={UTM}&limit=10000",
            b.min().x, b.min().y, b.max().x, b.max().y
        );
        let a = call(&app, &uri, Some(&admin)).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.content_crs.as_deref(), Some(format!("<{UTM}>").as_str()));
        let got: Vec<String> = a.body["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "{uri}");
        assert_eq!(a.body["numberMatched"].as_u64().unwrap(), want.len() as u64);
        for f in a.body["features"].as_array().unwrap() {
            let id: Uuid = f["id"].as_str().unwrap().parse().unwrap();
            let s = stored.iter().find(|s| s.id == id).unwrap();
            assert_eq!(
                f["geometry"],
                forsyning_api::geojson::write_geometry(&s.geometry)
            );
            assert_eq!(f["properties"]["owner_id"], s.owner_id.as_str());
        }
        nonempty += usize::from(!want.is_empty());
    }
    assert!(nonempty > 20, "most boxes hold features ({nonempty})");

    // CRS84 boxes (the default bbox-crs) against every stored feature
    // reprojected with PROJ, and the answers' coordinates against PROJ.
    let r = Reprojector::new(&Crs::STORE, &Crs::CRS84).unwrap();
    let in84: Vec<(Uuid, Geometry<f64>)> = stored.iter().map(|f| (f.id, to_crs84(f, &r))).collect();
    let e84 = {
        let mut g = Geometry::Rect(e);
        r.transform_geometry(&mut g).unwrap();
        g.bounding_rect().unwrap()
    };
    for _ in 0..20 {
        let b = random_box(&mut rng, &e84, 0.01);
        let want = sorted(
            in84.iter()
                .filter(|(_, g)| g.intersects(&b))
                .map(|(id, _)| *id),
        );
        let uri = format!(
            "/ogc/collections/network/items?bbox={},{},{},{}&limit=10000",
            b.min().x,
            b.min().y,
            b.max().x,
            b.max().y
        );
        let a = call(&app, &uri, Some(&admin)).await;
        assert_eq!(
            a.content_crs.as_deref(),
            Some(format!("<{CRS84}>").as_str())
        );
        let feats = a.body["features"].as_array().unwrap();
        let got: Vec<String> = feats
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "{uri}");
        for f in feats {
            let id: Uuid = f["id"].as_str().unwrap().parse().unwrap();
            let (_, g) = in84.iter().find(|(i, _)| *i == id).unwrap();
            let want = forsyning_api::geojson::write_geometry(g);
            assert_eq!(f["geometry"]["type"], want["type"]);
            let (a, b) = (
                flatten(&f["geometry"]["coordinates"]),
                flatten(&want["coordinates"]),
            );
            assert_eq!(a.len(), b.len());
            assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9), "{id}");
        }
    }

    // One feature by id in both CRSs.
    let f = &stored[17];
    let a = call(
        &app,
        &format!("/ogc/collections/network/items/{}", f.id),
        Some(&admin),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.content_crs.as_deref(),
        Some(format!("<{CRS84}>").as_str())
    );
    let c84 = flatten(&a.body["geometry"]["coordinates"]);
    let want = flatten(&forsyning_api::geojson::write_geometry(&to_crs84(f, &r))["coordinates"]);
    assert!(c84.iter().zip(&want).all(|(x, y)| (x - y).abs() < 1e-9));
    assert!(
        c84[0] > 8.0 && c84[0] < 15.5 && c84[1] > 54.5 && c84[1] < 58.0,
        "lon, lat in Denmark: {c84:?}"
    );
    let a = call(
        &app,
        &format!(
            "/ogc/collections/network/items/{}?crs=%5BEPSG:25832%5D",
            f.id
        ),
        Some(&admin),
    )
    .await;
    assert_eq!(
        a.body["geometry"],
        forsyning_api::geojson::write_geometry(&f.geometry)
    );
    let links: Vec<&str> = a.body["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert_eq!(links, ["self", "collection"]);
}

fn flatten(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flatten).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap()],
        _ => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_add_up_to_number_matched_and_each_page_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (store, town) = fill(gpkg(dir.path()).await).await;
    let app = app(store.clone());
    let admin = org_with_token(store.as_ref(), "ADM", Role::Admin).await;
    let all = sorted(town.features().map(|f| f.id));
    let (before, _) = store.audit_log().await.unwrap();
    let (ids, matched) = all_pages(&app, "/ogc/collections/network/items?limit=700", &admin).await;
    assert_eq!(matched as usize, all.len());
    assert_eq!(ids, all, "every feature once, in id order");
    let (after, _) = store.audit_log().await.unwrap();
    let pages: Vec<_> = after[before.len()..].iter().collect();
    assert_eq!(pages.len(), all.len().div_ceil(700));
    for (i, entry) in pages.iter().enumerate() {
        let chunk = &ids[i * 700..((i + 1) * 700).min(ids.len())];
        let (count, digest) =
            AuditRecord::digest_ids(chunk.iter().map(|s| s.parse::<Uuid>().unwrap()));
        assert_eq!(entry.record.action, "ogc.items.read");
        assert_eq!(
            (entry.record.feature_count, &entry.record.feature_digest),
            (count, &digest)
        );
        assert_eq!(
            entry.record.org_id.as_ref().map(|o| o.as_str()),
            Some("ADM")
        );
    }
    // A bbox with paging: the same set as one page.
    let e = town.extent();
    let c = e.center();
    let bbox = format!(
        "bbox={},{},{},{}&bbox-crs={UTM}",
        c.x - 300.0,
        c.y - 300.0,
        c.x + 300.0,
        c.y + 300.0
    );
    let (paged, m1) = all_pages(
        &app,
        &format!("/ogc/collections/network/items?{bbox}&limit=9"),
        &admin,
    )
    .await;
    let (whole, m2) = all_pages(
        &app,
        &format!("/ogc/collections/network/items?{bbox}&limit=10000"),
        &admin,
    )
    .await;
    assert!(paged.len() > 20);
    assert_eq!((paged.clone(), m1), (whole, m2));
}

async fn policy_run(store: Arc<dyn Store>) {
    let (store, town) = fill(store).await;
    let app = app(store.clone());
    let owners = town.owners();
    let owner = &owners[0].org_id;
    // An owner token for a town owner: its features, its areas, nothing else.
    let owner_token = org_with_token(store.as_ref(), owner.as_str(), Role::Owner).await;
    let (ids, _) = all_pages(
        &app,
        "/ogc/collections/network/items?limit=10000",
        &owner_token,
    )
    .await;
    assert_eq!(
        ids,
        sorted(
            town.features()
                .filter(|f| &f.owner_id == owner)
                .map(|f| f.id)
        )
    );
    let (areas, _) = all_pages(&app, "/ogc/collections/interest-areas/items", &owner_token).await;
    assert_eq!(
        areas,
        sorted(
            town.interest_areas()
                .into_iter()
                .filter(|a| &a.owner_id == owner)
                .map(|a| a.id)
        )
    );

    // A contractor: the features its dig request's report delivers, and its request.
    let con = org_with_token(store.as_ref(), "CON", Role::Contractor).await;
    let other = org_with_token(store.as_ref(), "CON2", Role::Contractor).await;
    let c = town.extent().center();
    let p = polygon![(x: c.x, y: c.y), (x: c.x + 120.0, y: c.y), (x: c.x + 120.0, y: c.y + 90.0), (x: c.x, y: c.y + 90.0), (x: c.x, y: c.y)];
    let (status, report) =
        post_json(&app, "/api/v1/dig-requests", Some(&con), &dig_body(&p, 2.0)).await;
    assert_eq!(status, 201, "{report}");
    let delivered = sorted(
        report["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().parse().unwrap()),
    );
    assert!(!delivered.is_empty());
    let (ids, _) = all_pages(&app, "/ogc/collections/network/items?limit=10000", &con).await;
    assert_eq!(ids, delivered);
    let (digs, _) = all_pages(&app, "/ogc/collections/dig-requests/items", &con).await;
    assert_eq!(digs, [report["id"].as_str().unwrap().to_owned()]);
    let one = call(
        &app,
        &format!(
            "/ogc/collections/dig-requests/items/{}?crs={UTM}",
            report["id"].as_str().unwrap()
        ),
        Some(&con),
    )
    .await;
    assert_eq!(one.body["geometry"], geojson_polygon(&p));
    assert_eq!(one.body["properties"]["requester_id"], "CON");
    let (none, _) = all_pages(&app, "/ogc/collections/network/items", &other).await;
    assert!(none.is_empty());
    let (none, _) = all_pages(&app, "/ogc/collections/dig-requests/items", &other).await;
    assert!(none.is_empty());
    let hidden = call(
        &app,
        &format!(
            "/ogc/collections/dig-requests/items/{}",
            report["id"].as_str().unwrap()
        ),
        Some(&other),
    )
    .await;
    assert_eq!(hidden.status, 404);
    let f = call(
        &app,
        &format!("/ogc/collections/network/items/{}", delivered[0]),
        Some(&other),
    )
    .await;
    assert_eq!(f.status, 404, "another contractor does not see the feature");
    assert_eq!(
        call(&app, "/ogc/collections/interest-areas/items", Some(&con))
            .await
            .status,
        403
    );

    // A municipality sees no network; anonymous callers need a token.
    let muni = org_with_token(store.as_ref(), "KOM", Role::Municipality).await;
    let a = call(&app, "/ogc/collections/network/items", Some(&muni)).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    for c in ["network", "interest-areas", "dig-requests"] {
        let a = call(&app, &format!("/ogc/collections/{c}/items"), None).await;
        assert_eq!(a.status, 401, "{c}");
        let a = call(
            &app,
            &format!("/ogc/collections/{c}/items/not-a-uuid"),
            None,
        )
        .await;
        assert_eq!(a.status, 401, "{c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_follows_the_standard_and_bad_parameters_are_400() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("o.gpkg")).await.unwrap());
    let app = app(store.clone());
    let admin = org_with_token(store.as_ref(), "ADM", Role::Admin).await;
    let landing = call(&app, "/ogc", None).await;
    let rels: Vec<(&str, &str)> = landing.body["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["rel"].as_str().unwrap(), l["href"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rels,
        [
            ("self", "http://ogc.test/ogc"),
            ("service-desc", "http://ogc.test/openapi.json"),
            ("conformance", "http://ogc.test/ogc/conformance"),
            ("data", "http://ogc.test/ogc/collections"),
        ]
    );
    let conf = call(&app, "/ogc/conformance", None).await;
    for class in [
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-1/1.0/conf/geojson",
        "ogcapi-features-1/1.0/conf/oas30",
        "ogcapi-features-2/1.0/conf/crs",
    ] {
        let uri = format!("http://www.opengis.net/spec/{class}");
        assert!(
            conf.body["conformsTo"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == &Value::String(uri.clone())),
            "{uri}"
        );
    }
    let cols = call(&app, "/ogc/collections", None).await;
    let list = cols.body["collections"].as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["network", "interest-areas", "dig-requests"]);
    for c in list {
        assert_eq!(c["crs"], serde_json::json!([CRS84, UTM]));
        assert_eq!(c["storageCrs"], UTM);
        let one = call(
            &app,
            &format!("/ogc/collections/{}", c["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(&one.body, c);
        // Denmark's service area (EPSG:25832 400,000-920,000 E, 6,000,000-6,450,000 N) in degrees.
        let b: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(
            b[0] > 3.0
                && b[0] < 7.5
                && b[1] > 53.5
                && b[1] < 54.2
                && b[2] > 16.0
                && b[2] < 17.0
                && b[3] > 58.0
                && b[3] < 58.3,
            "{b:?}"
        );
    }
    assert_eq!(
        call(&app, "/ogc/collections/nothing", None).await.status,
        404
    );
    assert_eq!(
        call(&app, "/ogc/collections/nothing/items", Some(&admin))
            .await
            .status,
        404
    );
    for q in [
        "ooga=booga",
        "limit=unlimited",
        "bbox=1,2",
        "crs=EPSG:4326",
        "bbox-crs=foo&bbox=1,2,3,4",
        "datetime=yesterday",
    ] {
        let a = call(
            &app,
            &format!("/ogc/collections/network/items?{q}"),
            Some(&admin),
        )
        .await;
        assert_eq!(a.status, 400, "{q}");
        assert!(
            a.body["message"].as_str().unwrap().len() > 10,
            "{q}: {}",
            a.body
        );
    }
    assert_eq!(
        call(&app, "/ogc/conformance?ooga=booga", None).await.status,
        400
    );
    assert_eq!(
        call(
            &app,
            "/ogc/collections/network/items/x?limit=3",
            Some(&admin)
        )
        .await
        .status,
        400
    );
    let empty = call(
        &app,
        "/ogc/collections/network/items?bbox=100,10,110,20",
        Some(&admin),
    )
    .await;
    assert_eq!(
        (empty.status, empty.body["numberMatched"].as_u64()),
        (StatusCode::OK, Some(0))
    );
}
