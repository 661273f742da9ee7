//! The spellings of a CRS identifier found in GML, GeoJSON, IMKL and INSPIRE files.
//!
//! This is syntax only: it turns a string into an authority and a code and
//! never asks PROJ whether the code exists (see [`crate::Crs::parse`]).

/// A CRS identity: an EPSG code or OGC's CRS84 (WGS 84, longitude first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CrsId {
    /// A code in the EPSG dataset.
    Epsg(u32),
    /// `OGC:CRS84`: WGS 84 geographic 2D with longitude first, as GeoJSON uses.
    Crs84,
}

/// Parses one identifier; `None` if it matches none of the known spellings.
///
/// Matching is ASCII case-insensitive and ignores surrounding whitespace.
/// Accepted (`<v>` is an empty or dotted-numeric version, `<code>` 1-9 digits):
///
/// | spelling | example |
/// |---|---|
/// | `EPSG:<code>` | `EPSG:25832`, `epsg:4326` |
/// | `urn:ogc:def:crs:EPSG:<v>:<code>` | `urn:ogc:def:crs:EPSG::25832`, `urn:ogc:def:crs:EPSG:6.6:4326` |
/// | `urn:ogc:def:crs:EPSG:<code>` (no version field; common in old WFS) | `urn:ogc:def:crs:EPSG:4326` |
/// | `urn:x-ogc:def:crs:EPSG:<v>:<code>` (GML 3.1 era) | `urn:x-ogc:def:crs:EPSG:4258` |
/// | `http(s)://www.opengis.net/def/crs/EPSG/<v>/<code>` | `http://www.opengis.net/def/crs/EPSG/0/28992` |
/// | `http(s)://www.opengis.net/gml/srs/epsg.xml#<code>` | `http://www.opengis.net/gml/srs/epsg.xml#4258` |
/// | `http(s)://spatialreference.org/ref/epsg/<code>/` (trailing slash optional; Kadaster's KL9999 owner upload uses it) | `http://spatialreference.org/ref/epsg/28992/` |
/// | CRS84 as `OGC:CRS84`, `urn:ogc:def:crs:OGC:<v>:CRS84`, `http(s)://www.opengis.net/def/crs/OGC/<v>/CRS84` | `urn:ogc:def:crs:OGC:1.3:CRS84` |
///
/// Bare numbers (`"25832"`) and names (`"WGS84"`) are rejected: they are guesses.
pub(crate) fn parse_identifier(input: &str) -> Option<CrsId> {
    let s = input.trim().to_ascii_lowercase();
    if let Some(rest) = s.strip_prefix("epsg:") {
        return epsg_code(rest);
    }
    if s == "ogc:crs84" {
        return Some(CrsId::Crs84);
    }
    if let Some(rest) = s
        .strip_prefix("urn:ogc:def:crs:")
        .or_else(|| s.strip_prefix("urn:x-ogc:def:crs:"))
    {
        return parse_urn_tail(rest);
    }
    let host = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))?;
    if let Some(code) = host.strip_prefix("spatialreference.org/ref/epsg/") {
        return epsg_code(code.strip_suffix('/').unwrap_or(code));
    }
    let path = host.strip_prefix("www.opengis.net/")?;
    if let Some(code) = path.strip_prefix("gml/srs/epsg.xml#") {
        return epsg_code(code);
    }
    let mut parts = path.strip_prefix("def/crs/")?.split('/');
    let (authority, version, code) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_version(version) {
        return None;
    }
    authority_code(authority, code)
}

/// `<authority>:<version>:<code>` or `<authority>:<code>` after `urn:ogc:def:crs:`.
fn parse_urn_tail(rest: &str) -> Option<CrsId> {
    let parts: Vec<&str> = rest.split(':').collect();
    match parts.as_slice() {
        [authority, version, code] if is_version(version) => authority_code(authority, code),
        [authority, code] => authority_code(authority, code),
        _ => None,
    }
}

fn authority_code(authority: &str, code: &str) -> Option<CrsId> {
    match authority {
        "epsg" => epsg_code(code),
        "ogc" if code == "crs84" => Some(CrsId::Crs84),
        _ => None,
    }
}

fn epsg_code(code: &str) -> Option<CrsId> {
    let valid = (1..=9).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return None;
    }
    code.parse().ok().map(CrsId::Epsg)
}

/// An empty version (`EPSG::25832`) or a dotted number (`0`, `6.6`, `9.9.1`).
fn is_version(v: &str) -> bool {
    v.split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        || v.is_empty()
}

#[cfg(test)]
mod tests {
    use super::{parse_identifier, CrsId};

    #[test]
    fn epsg_spellings() {
        for (s, code) in [
            ("EPSG:25832", 25832),
            ("epsg:4326", 4326),
            ("  EPSG:4258 ", 4258),
            ("urn:ogc:def:crs:EPSG::25832", 25832),
            ("urn:ogc:def:crs:EPSG:6.6:4326", 4326),
            ("URN:OGC:DEF:CRS:EPSG:9.9.1:7415", 7415),
            ("urn:ogc:def:crs:EPSG:4326", 4326),
            ("urn:x-ogc:def:crs:EPSG:4258", 4258),
            ("http://www.opengis.net/def/crs/EPSG/0/28992", 28992),
            ("https://www.opengis.net/def/crs/EPSG/9.9.1/25833", 25833),
            ("http://www.opengis.net/gml/srs/epsg.xml#4258", 4258),
            ("http://spatialreference.org/ref/epsg/28992/", 28992),
            ("https://spatialreference.org/ref/epsg/25832", 25832),
        ] {
            assert_eq!(parse_identifier(s), Some(CrsId::Epsg(code)), "{s}");
        }
    }

    #[test]
    fn crs84_spellings() {
        for s in [
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            "urn:ogc:def:crs:OGC::CRS84",
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "https://www.opengis.net/def/crs/OGC/0/CRS84",
            "OGC:CRS84",
        ] {
            assert_eq!(parse_identifier(s), Some(CrsId::Crs84), "{s}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for s in [
            "",
            "   ",
            "foo",
            "25832",
            "WGS84",
            "EPSG:",
            "EPSG:-4326",
            "EPSG:+4326",
            "EPSG:4326x",
            "EPSG:4326 4258",
            "EPSG:1234567890",
            "ESRI:102100",
            "urn:ogc:def:crs:EPSG:6.x:4326",
            "urn:ogc:def:crs:EPSG:6.6:4326:1",
            "urn:ogc:def:crs:OGC:1.3:CRS83",
            "urn:ogc:def:crs:OGC:1.3:CRS84h",
            "http://www.opengis.net/def/crs/EPSG/0/",
            "http://www.opengis.net/def/crs/EPSG/0/4326/extra",
            "http://example.com/def/crs/EPSG/0/4326",
            "http://www.opengis.net/gml/srs/epsg.xml#",
            "http://spatialreference.org/ref/epsg/",
            "http://spatialreference.org/ref/epsg/28992/esriwkt/",
            "http://spatialreference.org/ref/esri/102100/",
        ] {
            assert_eq!(parse_identifier(s), None, "{s:?}");
        }
    }
}
