//! `Reprojector::transform_geometry` over every geometry type, and identities.

use forsyning_geo::{Crs, GeoError, Reprojector};
use geo_types::{
    coord, line_string, point, polygon, Coord, Geometry, GeometryCollection, MultiPoint,
};

fn all_coords(g: &Geometry<f64>) -> Vec<Coord<f64>> {
    use geo::CoordsIter;
    g.coords_iter().collect()
}

/// Points around Copenhagen, longitude and latitude (CRS84).
fn sample() -> Geometry<f64> {
    let line = line_string![(x: 12.56, y: 55.67), (x: 12.57, y: 55.68)];
    let square = polygon![
        (x: 12.50, y: 55.60), (x: 12.60, y: 55.60), (x: 12.60, y: 55.70), (x: 12.50, y: 55.60)
    ];
    let nested = GeometryCollection::new_from(vec![
        Geometry::MultiPoint(MultiPoint::new(vec![point!(x: 12.1, y: 55.1)])),
        Geometry::Point(point!(x: 12.2, y: 55.2)),
    ]);
    Geometry::GeometryCollection(GeometryCollection::new_from(vec![
        Geometry::Point(point!(x: 12.5683, y: 55.6761)),
        Geometry::LineString(line),
        Geometry::Polygon(square),
        Geometry::GeometryCollection(nested),
    ]))
}

#[test]
fn every_coordinate_of_a_nested_collection_is_transformed() {
    let r = Reprojector::new(&Crs::CRS84, &Crs::STORE).unwrap();
    let before = sample();
    let mut after = before.clone();
    r.transform_geometry(&mut after).unwrap();
    let (before, after) = (all_coords(&before), all_coords(&after));
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(*a, r.transform_coord(*b).unwrap());
        assert!(a.x > 600_000.0 && a.y > 6_000_000.0, "{a:?}");
    }
}

#[test]
fn first_bad_coordinate_is_reported() {
    let r = Reprojector::new(&Crs::CRS84, &Crs::STORE).unwrap();
    let mut g = Geometry::LineString(line_string![(x: 12.5, y: 55.6), (x: f64::NAN, y: 55.7)]);
    let err = r.transform_geometry(&mut g).unwrap_err();
    assert!(
        matches!(err, GeoError::NonFinite { y, .. } if y == 55.7),
        "{err:?}"
    );
}

#[test]
fn same_horizontal_crs_is_an_untouched_identity() {
    let dvr90 = Crs::parse("EPSG:7416").unwrap(); // UTM 32N + DVR90 height
    let r = Reprojector::new(&dvr90, &Crs::STORE).unwrap();
    assert!(r.is_identity());
    assert_eq!((r.from(), r.to()), (dvr90, Crs::STORE));
    let mut g = Geometry::Point(point!(x: 724_351.929, y: 6_175_804.022));
    let before = g.clone();
    r.transform_geometry(&mut g).unwrap();
    assert_eq!(g, before);
    let mut coords = [coord! { x: 1.0, y: 2.0 }];
    r.transform_coords(&mut coords).unwrap();
    assert_eq!(coords, [coord! { x: 1.0, y: 2.0 }]);

    // CRS84 and EPSG:4326 share the datum but not the axis order: not identity.
    let swap = Reprojector::new(&Crs::CRS84, &Crs::epsg(4326).unwrap()).unwrap();
    assert!(!swap.is_identity());
    let mut coords = [coord! { x: 12.5683, y: 55.6761 }];
    swap.transform_coords(&mut coords).unwrap();
    assert!((coords[0].x - 55.6761).abs() < 1e-12 && (coords[0].y - 12.5683).abs() < 1e-12);
}
