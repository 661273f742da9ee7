//! The CSV+WKT reader and the TOML mapping, on hand-written inputs whose
//! answers are worked out in the comments.

use forsyning_ingest::{
    CsvReader, FeatureOutcome, GeoJsonReader, IngestError, Mapping, Report, Rule, Severity,
};
use forsyning_model::{Hazard, Kind, SourceFormat, Status, Theme};
use geo_types::{line_string, point, Geometry};

fn mapping(toml: &str) -> Mapping {
    Mapping::from_toml(toml, "test.toml").unwrap()
}

fn read_csv(csv: &[u8], m: Mapping) -> Result<Vec<FeatureOutcome>, IngestError> {
    let mut out = Vec::new();
    CsvReader::new(csv, m)
        .with_file_name("net.csv")
        .for_each(|o| out.push(o))?;
    Ok(out)
}

#[test]
fn csv_rows_become_features_in_the_declared_crs() {
    let csv = "id,theme,kind,hazard,depth_mm,WKT\n\
               L1,el,Ledning,farlig,600,\"LINESTRING Z (10 20 -99, 30 40 1.5)\"\n\
               P1,water,,,\"1200\",POINT (5 6)\n";
    let m = mapping("crs = \"EPSG:25832\"\n[fields]\nsource_id = \"id\"");
    let out = read_csv(csv.as_bytes(), m).unwrap();
    assert_eq!(out.len(), 2);
    let l1 = out[0].feature.as_ref().unwrap();
    assert_eq!(out[0].position, "row 2");
    assert_eq!(out[0].crs.as_deref(), Some("EPSG:25832"));
    assert_eq!(l1.source_id, "L1");
    assert_eq!(
        (l1.theme, l1.kind, l1.hazard, l1.measures.depth_mm),
        (
            Theme::Electricity,
            Kind::CableOrPipe,
            Some(Hazard::Dangerous),
            Some(600)
        )
    );
    assert_eq!(
        l1.geometry,
        Geometry::LineString(line_string![(x: 10., y: 20.), (x: 30., y: 40.)])
    );
    assert_eq!(l1.heights, Some(vec![None, Some(1.5)]));
    assert_eq!(l1.source_format, SourceFormat::CsvWkt);
    let p1 = out[1].feature.as_ref().unwrap();
    assert_eq!(out[1].position, "row 3");
    assert_eq!(p1.geometry, Geometry::Point(point!(x: 5., y: 6.)));
    assert_eq!(
        (p1.kind, p1.hazard, p1.measures.depth_mm),
        (Kind::Component, None, Some(1200)),
        "empty cells are absent; a point is a component; text numbers are read"
    );
    assert!(out.iter().all(FeatureOutcome::is_accepted));
}

#[test]
fn a_quoted_multiline_row_keeps_the_line_it_starts_on() {
    // The note of row 2 spans two lines, so the next row starts on line 4.
    let csv = "source_id,theme,safety_note,wkt\n\
               A,el,\"two\nlines\",POINT (1 1)\n\
               B,nope,,POINT (1 1)\n";
    let out = read_csv(csv.as_bytes(), mapping("crs = \"EPSG:25832\"")).unwrap();
    assert_eq!(
        out[0].feature.as_ref().unwrap().safety_note.as_deref(),
        Some("two\nlines")
    );
    assert_eq!(out[1].position, "row 4");
    assert_eq!(out[1].problems[0].rule, Rule::UnknownCodeValue);
    assert_eq!(out[1].problems[0].position.as_deref(), Some("row 4"));
    assert!(out[1].problems[0].message.contains("\"nope\""));
}

#[test]
fn bad_rows_are_problems_and_reading_goes_on() {
    let mut csv = b"source_id,theme,wkt\n".to_vec();
    csv.extend(b"A,el\n"); // row 2: too few cells, no geometry
    csv.extend(b"B,el,POINT (1 1),extra\n"); // row 3: too many cells
    csv.extend(b"C,\xe5l,POINT (1 1)\n"); // row 4: not UTF-8
    csv.extend(b"D,el,\"POLYGON ((0 0, 1 0, 0 0))\"\n"); // row 5: a ring of 3 points
    csv.extend(b"E,el,GEOMETRYCOLLECTION (POINT (1 1))\n"); // row 6
    csv.extend(b"F,el,POINT (1 1)\n"); // row 7: fine
    let out = read_csv(&csv, mapping("crs = \"EPSG:25832\"")).unwrap();
    let rules: Vec<(&str, Vec<Rule>)> = out
        .iter()
        .map(|o| {
            (
                o.position.as_str(),
                o.problems.iter().map(|p| p.rule).collect(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            ("row 2", vec![Rule::MalformedInput, Rule::GeometryMissing]),
            ("row 3", vec![Rule::MalformedInput]),
            (
                "row 4",
                vec![Rule::MalformedInput, Rule::MandatoryAttributeMissing]
            ),
            ("row 5", vec![Rule::TooFewPoints]),
            ("row 6", vec![Rule::UnsupportedGeometry]),
            ("row 7", vec![]),
        ]
    );
    assert!(out[2].problems[0].message.contains("not UTF-8"));
}

#[test]
fn csv_without_crs_or_geometry_column_is_refused() {
    let csv = b"source_id,theme,WKT\nA,el,POINT (1 1)\n";
    let err = read_csv(csv, Mapping::default()).unwrap_err();
    assert_eq!(err.rule(), Rule::UnknownCrs);
    assert!(err.to_string().starts_with("net.csv: "), "{err}");
    assert!(err.to_string().contains("crs = \"EPSG:25832\""), "{err}");

    let csv = b"source_id,theme,shape\nA,el,POINT (1 1)\n";
    let err = read_csv(csv, mapping("crs = \"EPSG:25832\"")).unwrap_err();
    assert!(err.to_string().contains("no geometry column"), "{err}");
    let err = read_csv(csv, mapping("crs = \"EPSG:25832\"\ngeometry = \"geom\"")).unwrap_err();
    assert!(
        err.to_string().contains("test.toml: geometry") && err.to_string().contains("shape"),
        "{err}"
    );
    let m = mapping("crs = \"EPSG:25832\"\ngeometry = \"shape\"\n[fields]\ntheme = \"UTIL\"");
    let err = read_csv(csv, m).unwrap_err();
    assert!(
        err.to_string().contains("test.toml: [fields] theme")
            && err.to_string().contains("no column \"UTIL\""),
        "{err}"
    );
    let err = read_csv(b"", mapping("crs = \"EPSG:25832\"")).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn mapped_geojson_translates_columns_codes_units_and_defaults() {
    let json = r#"{"type": "FeatureCollection", "crs": {"type": "name",
      "properties": {"name": "EPSG:25832"}}, "features": [
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]},
       "properties": {"NR": 7, "ART": "E", "STATUS": "ude", "DYBDE": 0.85, "SPAENDING": 400, "theme": "gas"}},
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]},
       "properties": {"NR": "x", "ART": "X", "DYBDE": "deep"}}]}"#;
    let m = mapping(
        r#"
        unit_policy = "convert"
        [fields]
        source_id = "NR"
        theme = "ART"
        status = "STATUS"
        depth = "DYBDE"
        voltage = "SPAENDING"
        [units]
        depth = "m"
        voltage = "V"
        [values.theme]
        E = "el"
        [values.status]
        ude = "out_of_operation"
        [defaults]
        hazard = "farlig"
        material = "PEX"
        "#,
    );
    let mut report = Report::new();
    let mut out = Vec::new();
    GeoJsonReader::new(json.as_bytes())
        .with_mapping(m)
        .for_each(|o| out.push(o))
        .unwrap();
    let a = out[0].feature.as_ref().unwrap();
    assert_eq!(a.source_id, "7");
    assert_eq!(a.theme, Theme::Electricity, "ART, not the unmapped theme");
    assert_eq!(a.status, Some(Status::PermanentlyOutOfOperation));
    assert_eq!(a.measures.depth_mm, Some(850), "0.85 m");
    assert_eq!(a.measures.voltage_kv, Some(0.4), "400 V");
    assert_eq!(a.hazard, Some(Hazard::Dangerous), "the default");
    assert_eq!(a.measures.material.as_deref(), Some("PEX"));
    let warnings: Vec<_> = out[0]
        .problems
        .iter()
        .map(|p| (p.severity, p.rule))
        .collect();
    assert_eq!(
        warnings,
        vec![
            (Severity::Warning, Rule::UnitNotAllowed),
            (Severity::Warning, Rule::UnitNotAllowed)
        ],
        "m and V are converted with a warning each"
    );
    let b = &out[1];
    assert!(!b.is_accepted());
    let messages: Vec<&str> = b.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"ART\" (theme)") && m.contains("\"X\"") && m.contains("E")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("\"DYBDE\" (depth)")),
        "{messages:?}"
    );
    for o in out {
        report.record(o);
    }
    assert_eq!((report.accepted(), report.rejected()), (1, 1));
}

#[test]
fn a_row_without_end_stops_at_the_row_limit() {
    use std::io::Read;
    let header: &[u8] = b"source_id,theme,WKT\n";
    let endless = std::io::repeat(b'x').take(CsvReader::<&[u8]>::MAX_ROW_BYTES + (1 << 20));
    let mut n = 0;
    let err = CsvReader::new(header.chain(endless), mapping("crs = \"EPSG:25832\""))
        .with_file_name("net.csv")
        .for_each(|_| n += 1)
        .unwrap_err();
    assert_eq!(n, 0);
    assert_eq!(err.rule(), Rule::InputTooLarge, "{err}");
    assert!(err.to_string().contains("bytes of one CSV row"), "{err}");
}
