#[test]
fn scratch() {
    for code in ["EPSG:7416", "EPSG:7409"] {
        let p = proj::Proj::new(code).unwrap();
        println!(
            "{}\n",
            p.as_wkt(Some(proj::wkt::WktVersion::Wkt1_Gdal), None)
                .unwrap()
        );
        println!(
            "{}\n",
            p.as_wkt(Some(proj::wkt::WktVersion::Wkt2_2019), None)
                .unwrap()
        );
    }
    let p = proj::Proj::new("ETRS89 / UTM zone 32N").unwrap();
    let j = p.to_projjson(Some(false), None, None).unwrap();
    println!("{}", &j[j.len() - 200..]);
}
