//! `Reprojector` against known answers.
//!
//! References not computed by PROJ:
//! - EPSG:25832 values: an independent Python implementation of the
//!   transverse Mercator (Krüger n-series to 6th order, Karney 2011) on GRS80,
//!   checked against the published meridian arc (45°N on the central meridian:
//!   northing 4 982 950.400 m in UTM).
//! - RD New origin: EPSG:28992 (155 000, 463 000) is by definition Amersfoort
//!   (EPSG:4289) 52°09'22.178"N 5°23'15.500"E, and in ETRS89 52.15517440°N
//!   5.38720621°E (RDNAPTRANS); without the RDNAPTRANS grid PROJ's Helmert
//!   datum shift is good to about a metre.

use forsyning_geo::{denmark_service_area, Crs, GeoError, Reprojector};
use geo_types::{coord, Coord};

fn epsg(code: u32) -> Crs {
    Crs::epsg(code).unwrap()
}

fn reproject(from: Crs, to: Crs, c: Coord<f64>) -> Coord<f64> {
    Reprojector::new(&from, &to)
        .unwrap()
        .transform_coord(c)
        .unwrap()
}

fn assert_close(got: Coord<f64>, want: Coord<f64>, tolerance: f64, what: &str) {
    let d = ((got.x - want.x).powi(2) + (got.y - want.y).powi(2)).sqrt();
    assert!(
        d <= tolerance,
        "{what}: got {got:?}, want {want:?}, off by {d}"
    );
}

/// Copenhagen City Hall, EPSG:25832 metres (Krüger series, GRS80).
const CITY_HALL_UTM: Coord<f64> = coord! { x: 724_351.929, y: 6_175_804.022 };

#[test]
fn copenhagen_etrs89_lat_lon_to_utm32() {
    // EPSG:4258 is latitude first.
    let got = reproject(epsg(4258), Crs::STORE, coord! { x: 55.6761, y: 12.5683 });
    assert_close(got, CITY_HALL_UTM, 0.005, "EPSG:4258 -> 25832");
}

#[test]
fn wgs84_etrs89_and_crs84_agree_to_the_millimetre() {
    // PROJ has no grids here: WGS 84 -> ETRS89 is the null transformation.
    let via_4258 = reproject(epsg(4258), Crs::STORE, coord! { x: 55.6761, y: 12.5683 });
    let via_4326 = reproject(epsg(4326), Crs::STORE, coord! { x: 55.6761, y: 12.5683 });
    let via_crs84 = reproject(Crs::CRS84, Crs::STORE, coord! { x: 12.5683, y: 55.6761 });
    assert_close(via_4326, via_4258, 0.001, "4326 vs 4258");
    assert_close(via_crs84, via_4258, 0.001, "CRS84 vs 4258");
}

#[test]
fn gml_pos_list_in_4258_lands_where_geojson_in_crs84_does() {
    // <gml:posList srsName="urn:ogc:def:crs:EPSG::4258">55.6761 12.5683</gml:posList>
    let pos: Vec<f64> = "55.6761 12.5683"
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let gml = coord! { x: pos[0], y: pos[1] };
    let gml_crs = Crs::parse("urn:ogc:def:crs:EPSG::4258").unwrap();
    let from_gml = reproject(gml_crs, Crs::STORE, gml);
    // GeoJSON [12.5683, 55.6761]
    let from_geojson = reproject(Crs::CRS84, Crs::STORE, coord! { x: 12.5683, y: 55.6761 });
    assert_close(from_gml, from_geojson, 0.001, "GML 4258 vs GeoJSON CRS84");
    assert_close(from_gml, CITY_HALL_UTM, 0.005, "GML 4258");

    // The same numbers read lon-first would be latitude 12.57°, longitude
    // 55.68°: nowhere near Copenhagen (or outside what PROJ will project).
    let swapped = Reprojector::new(&gml_crs, &Crs::STORE)
        .unwrap()
        .transform_coord(coord! { x: 12.5683, y: 55.6761 });
    if let Ok(c) = swapped {
        assert!((c.x - CITY_HALL_UTM.x).abs() > 1_000_000.0, "{c:?}");
    }
}

#[test]
fn output_is_in_the_targets_authority_order() {
    let lat_lon = reproject(Crs::STORE, epsg(4326), CITY_HALL_UTM);
    assert_close(
        lat_lon,
        coord! { x: 55.6761, y: 12.5683 },
        1e-7,
        "25832 -> 4326 (lat, lon)",
    );
    let lon_lat = reproject(Crs::STORE, Crs::CRS84, CITY_HALL_UTM);
    assert_close(
        lon_lat,
        coord! { x: 12.5683, y: 55.6761 },
        1e-7,
        "25832 -> CRS84 (lon, lat)",
    );
    let swapped = reproject(epsg(4326), Crs::CRS84, coord! { x: 55.6761, y: 12.5683 });
    assert_close(
        swapped,
        coord! { x: 12.5683, y: 55.6761 },
        1e-12,
        "4326 -> CRS84",
    );
}

#[test]
fn utm32_round_trip_through_wgs84_within_a_millimetre() {
    let there = Reprojector::new(&Crs::STORE, &epsg(4326)).unwrap();
    let back = Reprojector::new(&epsg(4326), &Crs::STORE).unwrap();
    for start in [CITY_HALL_UTM, coord! { x: 895_350.503, y: 6_123_491.342 }] {
        let end = back
            .transform_coord(there.transform_coord(start).unwrap())
            .unwrap();
        assert_close(end, start, 0.001, "25832 -> 4326 -> 25832");
    }
}

#[test]
fn rd_new_origin() {
    let origin = coord! { x: 155_000.0, y: 463_000.0 };
    // Amersfoort geographic (Bessel): the projection's own origin, exact.
    let bessel = reproject(epsg(28992), epsg(4289), origin);
    let defined =
        coord! { x: 52.0 + 9.0 / 60.0 + 22.178 / 3600.0, y: 5.0 + 23.0 / 60.0 + 15.5 / 3600.0 };
    assert_close(bessel, defined, 1e-8, "28992 -> 4289");

    // ETRS89: about a metre without the RDNAPTRANS grid; allow 2 m.
    let etrs = reproject(epsg(28992), epsg(4258), origin);
    let published = coord! { x: 52.155_174_40, y: 5.387_206_21 };
    let metres = coord! {
        x: (etrs.x - published.x) * 111_250.0,
        y: (etrs.y - published.y) * 111_250.0 * published.x.to_radians().cos(),
    };
    assert_close(
        metres,
        coord! { x: 0.0, y: 0.0 },
        2.0,
        "28992 -> 4258 (metres)",
    );
    let back = reproject(epsg(4258), epsg(28992), published);
    assert_close(back, origin, 2.0, "4258 -> 28992");
    // The compound RD New + NAP uses its horizontal part.
    assert_eq!(reproject(epsg(7415), epsg(4258), origin), etrs);
}

#[test]
fn denmark_extremes_in_utm32_and_inside_the_service_area() {
    let area = denmark_service_area();
    for (name, lon, lat, easting, northing) in [
        ("Blåvandshuk", 8.083, 55.558, 442_158.609, 6_157_269.701),
        ("Grenen", 10.647, 57.744, 598_040.869, 6_401_401.247),
        ("Gedser Odde", 11.971, 54.560, 692_096.396, 6_049_889.666),
        ("Christiansø", 15.188, 55.320, 892_410.842, 6_147_855.423),
        ("east of Bornholm", 15.2, 55.1, 895_350.503, 6_123_491.342),
    ] {
        let c = reproject(Crs::CRS84, Crs::STORE, coord! { x: lon, y: lat });
        assert_close(c, coord! { x: easting, y: northing }, 0.005, name);
        let margin = (c.x - area.min().x)
            .min(area.max().x - c.x)
            .min(c.y - area.min().y)
            .min(area.max().y - c.y);
        assert!(margin >= 20_000.0, "{name} is only {margin} m inside");
    }
}

#[test]
fn errors_carry_the_coordinate() {
    let r = Reprojector::new(&Crs::CRS84, &Crs::STORE).unwrap();
    let err = r
        .transform_coord(coord! { x: f64::NAN, y: 55.0 })
        .unwrap_err();
    assert!(
        matches!(err, GeoError::NonFinite { y, .. } if y == 55.0),
        "{err:?}"
    );
    assert!(err.to_string().contains("NaN, 55"), "{err}");

    // Latitude 95° does not exist.
    let err = r.transform_coord(coord! { x: 12.5, y: 95.0 }).unwrap_err();
    assert!(err.to_string().contains("(12.5, 95)"), "{err}");
    assert!(err.to_string().contains("OGC:CRS84") && err.to_string().contains("EPSG:25832"));
}
