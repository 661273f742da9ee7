//! Just enough WKT1 reading to find the EPSG code of a compound CRS's
//! horizontal component.
//!
//! Why WKT1: PROJ knows the component's identifier, but its PROJJSON and WKT2
//! exports omit identifiers on nested components, and the safe `proj` API has
//! no `proj_crs_get_sub_crs`. The WKT1 (GDAL) export writes
//! `COMPD_CS["...", PROJCS[..., AUTHORITY["EPSG","25832"]], VERT_CS[...], ...]`.

/// The EPSG code in the first component of a WKT1 `COMPD_CS`, e.g. 25832 for
/// EPSG:7416 (ETRS89 / UTM zone 32N + DVR90 height).
pub(crate) fn compound_horizontal_epsg(wkt: &str) -> Option<u32> {
    let (keyword, children) = split_node(wkt)?;
    if keyword != "COMPD_CS" {
        return None;
    }
    let (_, component) = split_node(children.get(1)?)?;
    let authority = component.iter().rev().find_map(|child| {
        let (keyword, args) = split_node(child)?;
        (keyword == "AUTHORITY").then_some(args)
    })?;
    match authority.as_slice() {
        [name, code] if unquote(name)? == "EPSG" => unquote(code)?.parse().ok(),
        _ => None,
    }
}

/// `KEYWORD[a,B[...],"c"]` → `("KEYWORD", ["a", "B[...]", "\"c\""])`: the
/// children split at top-level commas, quotes and brackets respected.
fn split_node(node: &str) -> Option<(&str, Vec<&str>)> {
    let node = node.trim();
    let open = node.find('[')?;
    let body = node.strip_suffix(']')?.get(open + 1..)?;
    let mut children = Vec::new();
    let (mut depth, mut quoted, mut start) = (0_i32, false, 0);
    for (i, ch) in body.char_indices() {
        match ch {
            // A doubled quote inside a string toggles twice: still correct.
            '"' => quoted = !quoted,
            '[' | '(' if !quoted => depth += 1,
            ']' | ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                children.push(body[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    children.push(body[start..].trim());
    Some((node[..open].trim(), children))
}

fn unquote(s: &str) -> Option<&str> {
    s.strip_prefix('"')?.strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::compound_horizontal_epsg;

    const RD_NAP: &str = r#"COMPD_CS["Amersfoort / RD New + NAP height",
        PROJCS["Amersfoort / RD New",
            GEOGCS["Amersfoort",DATUM["Amersfoort",SPHEROID["Bessel 1841",6377397.155,299.1528128,
                AUTHORITY["EPSG","7004"]],AUTHORITY["EPSG","6289"]],AUTHORITY["EPSG","4289"]],
            PROJECTION["Oblique_Stereographic"],
            PARAMETER["false_easting",155000],
            AXIS["Easting",EAST],AXIS["Northing",NORTH],
            AUTHORITY["EPSG","28992"]],
        VERT_CS["NAP height",VERT_DATUM["Normaal Amsterdams Peil",2005,AUTHORITY["EPSG","5109"]],
            AUTHORITY["EPSG","5709"]],
        AUTHORITY["EPSG","7415"]]"#;

    #[test]
    fn finds_the_component_code_not_a_nested_one() {
        assert_eq!(compound_horizontal_epsg(RD_NAP), Some(28992));
    }

    #[test]
    fn quoted_brackets_and_commas_do_not_confuse_it() {
        let wkt = r#"COMPD_CS["a, [b]",GEOGCS["x ""q"" ]",AUTHORITY["EPSG","4258"]],VERT_CS["v"]]"#;
        assert_eq!(compound_horizontal_epsg(wkt), Some(4258));
    }

    #[test]
    fn none_without_a_compound_or_an_epsg_authority() {
        assert_eq!(
            compound_horizontal_epsg(r#"PROJCS["x",AUTHORITY["EPSG","25832"]]"#),
            None
        );
        let esri = r#"COMPD_CS["c",PROJCS["x",AUTHORITY["ESRI","102100"]],VERT_CS["v"]]"#;
        assert_eq!(compound_horizontal_epsg(esri), None);
        assert_eq!(
            compound_horizontal_epsg(r#"COMPD_CS["c",PROJCS["x"],VERT_CS["v"]]"#),
            None
        );
        assert_eq!(compound_horizontal_epsg("COMPD_CS[broken"), None);
        assert_eq!(compound_horizontal_epsg(""), None);
    }
}
