//! [`Crs`]: a validated coordinate reference system identity.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lookup::{lookup, CrsFacts};
use crate::spelling::{parse_identifier, CrsId};
use crate::GeoError;

/// A coordinate reference system that PROJ knows and that can carry 2D
/// geometries: geographic, projected, or compound (horizontal + height).
///
/// A `Crs` is a small `Copy` value. Constructing one ([`Crs::epsg`],
/// [`Crs::parse`]) asks PROJ's database once per code per process; the facts
/// (axis order, horizontal component) are cached and the value never touches
/// PROJ again.
///
/// Axis order is always the *authority's* order, as written in GML and WKT2:
/// EPSG:4326 and EPSG:4258 are latitude, longitude; [`Crs::CRS84`] is
/// longitude, latitude; EPSG:25832 and EPSG:28992 are easting, northing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crs {
    id: CrsId,
    facts: CrsFacts,
}

impl Crs {
    /// `OGC:CRS84`: WGS 84 longitude, latitude in degrees, the CRS of GeoJSON
    /// (RFC 7946) and of OGC API Features by default.
    pub const CRS84: Crs = Crs {
        id: CrsId::Crs84,
        facts: CrsFacts {
            horizontal: CrsId::Crs84,
            geographic: true,
            north_first: false,
        },
    };

    /// EPSG:25832, ETRS89 / UTM zone 32N, easting and northing in metres: the
    /// CRS of every stored geometry.
    pub const STORE: Crs = Crs {
        id: CrsId::Epsg(25832),
        facts: CrsFacts {
            horizontal: CrsId::Epsg(25832),
            geographic: false,
            north_first: false,
        },
    };

    /// The CRS with this EPSG code, if PROJ's database has it and it is a
    /// geographic, projected or compound CRS.
    ///
    /// ```
    /// # use forsyning_geo::Crs;
    /// assert_eq!(Crs::epsg(25832).unwrap(), Crs::STORE);
    /// assert!(Crs::epsg(5799).is_err()); // DVR90 height: vertical only
    /// assert!(Crs::epsg(999_999).is_err());
    /// ```
    pub fn epsg(code: u32) -> Result<Crs, GeoError> {
        let id = CrsId::Epsg(code);
        Ok(Crs {
            id,
            facts: lookup(id, &id.to_string())?,
        })
    }

    /// Parses a CRS identifier in any spelling used by GML, GeoJSON, IMKL and
    /// INSPIRE: `EPSG:25832`, `urn:ogc:def:crs:EPSG::25832`,
    /// `urn:ogc:def:crs:EPSG:6.6:4326`, `http://www.opengis.net/def/crs/EPSG/0/28992`,
    /// `http://www.opengis.net/gml/srs/epsg.xml#4258`, and CRS84 as
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`, `urn:ogc:def:crs:OGC::CRS84`,
    /// `http://www.opengis.net/def/crs/OGC/1.3/CRS84` or `OGC:CRS84`.
    ///
    /// Anything else, and any code PROJ does not know, is an error naming the
    /// string; nothing is guessed (a bare `"4326"` is rejected).
    ///
    /// ```
    /// # use forsyning_geo::Crs;
    /// let crs = Crs::parse("urn:ogc:def:crs:EPSG::7416").unwrap(); // UTM 32N + DVR90
    /// assert_eq!(crs.epsg_code(), Some(7416));
    /// assert_eq!(crs.horizontal(), Crs::STORE);
    /// assert!(Crs::parse("urn:ogc:def:crs:EPSG::4258").unwrap().is_lat_first());
    /// ```
    pub fn parse(input: &str) -> Result<Crs, GeoError> {
        let id = parse_identifier(input).ok_or_else(|| GeoError::CrsSyntax {
            input: input.to_owned(),
        })?;
        if id == CrsId::Crs84 {
            return Ok(Crs::CRS84);
        }
        Ok(Crs {
            id,
            facts: lookup(id, input)?,
        })
    }

    /// The EPSG code; `None` for [`Crs::CRS84`], which is not an EPSG CRS.
    pub fn epsg_code(&self) -> Option<u32> {
        match self.id {
            CrsId::Epsg(code) => Some(code),
            CrsId::Crs84 => None,
        }
    }

    /// The horizontal part: itself for a 2D CRS, the geographic or projected
    /// component of a compound CRS (EPSG:7416 → EPSG:25832, 7415 → 28992).
    pub fn horizontal(&self) -> Crs {
        Crs {
            id: self.facts.horizontal,
            facts: self.facts,
        }
    }

    /// Whether this is a compound CRS (horizontal + vertical, e.g. EPSG:7416).
    pub fn is_compound(&self) -> bool {
        self.id != self.facts.horizontal
    }

    /// Whether the horizontal part is geographic (degrees) rather than
    /// projected (metres).
    pub fn is_geographic(&self) -> bool {
        self.facts.geographic
    }

    /// Whether the first axis is latitude (geographic CRS in authority order:
    /// EPSG:4326, 4258, 4230, 4937, ...). False for CRS84 and projected CRSs.
    /// Read from the CRS definition in PROJ's database, not from a list.
    pub fn is_lat_first(&self) -> bool {
        self.facts.geographic && self.facts.north_first
    }

    /// Whether the first axis points north: latitude-first geographic CRSs and
    /// the rare northing-first projected ones (e.g. EPSG:31467 Gauss-Krüger).
    pub fn is_north_first(&self) -> bool {
        self.facts.north_first
    }

    /// The horizontal CRS as WKT 1 in GDAL's flavour (what GeoPackage's
    /// `gpkg_spatial_ref_sys.definition` holds) and its name, from PROJ.
    pub fn wkt1(&self) -> Result<(String, String), GeoError> {
        let h = self.horizontal();
        let unknown = |detail: String| GeoError::UnknownCrs {
            input: h.to_string(),
            detail,
        };
        let wkt = crate::pj::crs_object(h.id())
            .map_err(unknown)?
            .as_wkt(Some(proj::wkt::WktVersion::Wkt1_Gdal), None)
            .map_err(|e| unknown(e.to_string()))?;
        // PROJ indents one node per line; GeoPackage keeps one line.
        let wkt: String = wkt.lines().map(str::trim).collect();
        let name = wkt
            .split('"')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_else(|| h.to_string());
        Ok((wkt, name))
    }

    /// The OGC URN, as GML 3.2 and IMKL write it: `urn:ogc:def:crs:EPSG::25832`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`.
    pub fn to_urn(&self) -> String {
        match self.id {
            CrsId::Epsg(code) => format!("urn:ogc:def:crs:EPSG::{code}"),
            CrsId::Crs84 => "urn:ogc:def:crs:OGC:1.3:CRS84".to_owned(),
        }
    }

    /// The OGC http URI, as OGC API Features and INSPIRE write it:
    /// `http://www.opengis.net/def/crs/EPSG/0/25832`,
    /// `http://www.opengis.net/def/crs/OGC/1.3/CRS84`.
    pub fn to_uri(&self) -> String {
        match self.id {
            CrsId::Epsg(code) => format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
            CrsId::Crs84 => "http://www.opengis.net/def/crs/OGC/1.3/CRS84".to_owned(),
        }
    }

    pub(crate) fn id(&self) -> CrsId {
        self.id
    }
}

/// `EPSG:25832` or `OGC:CRS84`; [`Crs::parse`] reads it back.
impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.id.fmt(f)
    }
}

impl fmt::Debug for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Crs({})", self.id)
    }
}

impl fmt::Display for CrsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrsId::Epsg(code) => write!(f, "EPSG:{code}"),
            CrsId::Crs84 => f.write_str("OGC:CRS84"),
        }
    }
}

/// Serialised as its [`Display`](fmt::Display) string, `"EPSG:25832"`.
impl Serialize for Crs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialised with [`Crs::parse`], so every accepted spelling works.
impl<'de> Deserialize<'de> for Crs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Crs, D::Error> {
        let s = String::deserialize(deserializer)?;
        Crs::parse(&s).map_err(serde::de::Error::custom)
    }
}
