//! `Crs::parse` and `Crs::epsg` against PROJ's database: every spelling seen in
//! GML, GeoJSON, IMKL and INSPIRE, compound codes, axis order, and bad input.

use forsyning_geo::{Crs, GeoError};

#[test]
fn every_epsg_spelling_resolves_to_its_code() {
    for (input, code) in [
        ("EPSG:25832", 25832),
        ("epsg:4326", 4326),
        ("urn:ogc:def:crs:EPSG::25832", 25832),
        ("urn:ogc:def:crs:EPSG:6.6:4326", 4326),
        ("http://www.opengis.net/def/crs/EPSG/0/28992", 28992),
        ("http://www.opengis.net/gml/srs/epsg.xml#4258", 4258),
        ("EPSG:7416", 7416),
        ("urn:ogc:def:crs:EPSG::7415", 7415),
    ] {
        let crs = Crs::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(crs.epsg_code(), Some(code), "{input}");
        assert_eq!(crs, Crs::epsg(code).unwrap(), "{input}");
    }
}

#[test]
fn every_crs84_spelling_is_crs84() {
    for input in [
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "OGC:CRS84",
    ] {
        assert_eq!(Crs::parse(input).unwrap(), Crs::CRS84, "{input}");
    }
    assert_eq!(Crs::CRS84.epsg_code(), None);
}

#[test]
fn constants_agree_with_proj() {
    assert_eq!(Crs::epsg(25832).unwrap(), Crs::STORE);
    // CRS84 is never looked up by `parse`; check its facts against PROJ via
    // the behaviour they drive: lon/lat in, and an axis swap against EPSG:4326.
    assert!(Crs::CRS84.is_geographic() && !Crs::CRS84.is_lat_first());
    assert!(!Crs::STORE.is_geographic() && !Crs::STORE.is_north_first());
}

#[test]
fn compound_codes_know_their_horizontal_part() {
    for (compound, horizontal) in [
        (7416, 25832), // ETRS89 / UTM 32N + DVR90 height (Denmark)
        (7417, 25833), // ETRS89 / UTM 33N + DVR90 height (Denmark, Bornholm)
        (7415, 28992), // Amersfoort / RD New + NAP height (Netherlands)
        (7409, 4258),  // ETRS89 + EVRF2000 height
        (5972, 25832), // ETRS89 / UTM 32N + NN2000 height (Norway)
    ] {
        let crs = Crs::epsg(compound).unwrap_or_else(|e| panic!("{compound}: {e}"));
        assert!(crs.is_compound(), "{compound}");
        assert_eq!(
            crs.horizontal(),
            Crs::epsg(horizontal).unwrap(),
            "{compound}"
        );
        assert_eq!(crs.horizontal().epsg_code(), Some(horizontal));
        assert!(!crs.horizontal().is_compound());
    }
    assert_eq!(Crs::epsg(7416).unwrap().horizontal(), Crs::STORE);
    assert!(Crs::epsg(7409).unwrap().is_lat_first());
}

#[test]
fn axis_order_comes_from_the_definitions() {
    // Geographic CRSs in EPSG order: latitude first.
    for code in [4326, 4258, 4230, 4289, 4937] {
        let crs = Crs::epsg(code).unwrap();
        assert!(crs.is_geographic() && crs.is_lat_first(), "EPSG:{code}");
    }
    // Projected, easting first.
    for code in [25832, 25833, 28992, 3857] {
        let crs = Crs::epsg(code).unwrap();
        assert!(!crs.is_geographic() && !crs.is_north_first(), "EPSG:{code}");
    }
    // Projected, northing first (Gauss-Krüger, SWEREF99 TM, ETRS89-LAEA
    // Europe, the INSPIRE statistical grid CRS): not lat-first.
    for code in [31467, 3006, 3035] {
        let crs = Crs::epsg(code).unwrap();
        assert!(crs.is_north_first() && !crs.is_lat_first(), "EPSG:{code}");
    }
}

#[test]
fn unparseable_strings_are_errors_naming_the_string() {
    for input in [
        "",
        "foo",
        "4326",
        "WGS84",
        "EPSG:",
        "EPSG:43x6",
        "urn:ogc:def:crs:OGC::CRS83",
    ] {
        let err = Crs::parse(input).unwrap_err();
        assert!(
            matches!(&err, GeoError::CrsSyntax { input: i } if i == input),
            "{err:?}"
        );
        assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
    }
}

#[test]
fn unknown_codes_are_errors_naming_the_string() {
    for input in ["EPSG:999999", "urn:ogc:def:crs:EPSG::123456789"] {
        let err = Crs::parse(input).unwrap_err();
        assert!(
            matches!(&err, GeoError::UnknownCrs { input: i, .. } if i == input),
            "{err:?}"
        );
        assert!(err.to_string().contains(input), "{err}");
    }
    assert!(matches!(
        Crs::epsg(999_999),
        Err(GeoError::UnknownCrs { .. })
    ));
}

#[test]
fn crs_that_cannot_carry_2d_geometries_are_refused() {
    // DVR90 height (vertical), ETRS89 geocentric (X, Y, Z).
    for (code, kind) in [(5799, "VerticalCRS"), (4936, "GeodeticCRS")] {
        let err = Crs::epsg(code).unwrap_err();
        assert!(
            matches!(&err, GeoError::UnsupportedCrs { kind: k, .. } if k == kind),
            "{err:?}"
        );
    }
}

#[test]
fn display_urn_and_uri_round_trip_through_parse() {
    for crs in [
        Crs::STORE,
        Crs::CRS84,
        Crs::epsg(4258).unwrap(),
        Crs::epsg(7416).unwrap(),
    ] {
        for text in [crs.to_string(), crs.to_urn(), crs.to_uri()] {
            assert_eq!(Crs::parse(&text).unwrap(), crs, "{text}");
        }
    }
    assert_eq!(Crs::STORE.to_string(), "EPSG:25832");
    assert_eq!(Crs::STORE.to_urn(), "urn:ogc:def:crs:EPSG::25832");
    assert_eq!(
        Crs::CRS84.to_uri(),
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    );
}

#[test]
fn serde_uses_the_display_string_and_accepts_any_spelling() {
    assert_eq!(
        serde_json::to_string(&Crs::STORE).unwrap(),
        r#""EPSG:25832""#
    );
    let crs: Crs = serde_json::from_str(r#""urn:ogc:def:crs:EPSG::7416""#).unwrap();
    assert_eq!(crs, Crs::epsg(7416).unwrap());
    let err = serde_json::from_str::<Crs>(r#""EPSG:999999""#).unwrap_err();
    assert!(err.to_string().contains("EPSG:999999"), "{err}");
}
