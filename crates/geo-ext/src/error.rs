use thiserror::Error;

use crate::Crs;

/// Everything that can go wrong in CRS handling and reprojection.
///
/// Every variant names what it was working on (the CRS string, the pair of CRSs,
/// the coordinate) so a message in an ingest report points at the culprit.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum GeoError {
    /// A CRS string in none of the spellings [`Crs::parse`] accepts.
    #[error(
        "unrecognised CRS identifier {input:?}: expected EPSG:<code>, \
         urn:ogc:def:crs:EPSG:<version>:<code>, \
         http://www.opengis.net/def/crs/EPSG/<version>/<code>, \
         http://www.opengis.net/gml/srs/epsg.xml#<code>, http://spatialreference.org/ref/epsg/<code>/ or an OGC CRS84 identifier"
    )]
    CrsSyntax {
        /// The string as given.
        input: String,
    },
    /// A well-formed identifier that PROJ's database (proj.db) does not know.
    #[error("unknown CRS {input:?}: {detail}")]
    UnknownCrs {
        /// The string as given (or `EPSG:<code>` for [`Crs::epsg`]).
        input: String,
        /// PROJ's own message.
        detail: String,
    },
    /// An object PROJ knows but that cannot carry 2D geometries: a vertical or
    /// geocentric CRS, or an EPSG code of something that is not a CRS at all.
    #[error(
        "unsupported CRS {input:?} ({kind}): only geographic, projected and \
         horizontal + vertical compound CRSs can carry 2D geometries"
    )]
    UnsupportedCrs {
        /// The string as given.
        input: String,
        /// PROJ's object type (`VerticalCRS`, `GeodeticCRS`, ...) or what is wrong with it.
        kind: String,
    },
    /// PROJ's database cannot be used, so no CRS can be looked up: a
    /// deployment problem, typically a `PROJ_DATA` pointing at the proj.db of
    /// another PROJ version (the embedded copy is used only if no file is found).
    #[error("PROJ's database proj.db is not usable: {detail}")]
    ProjDatabase {
        /// Where PROJ looked, or what went wrong.
        detail: String,
    },
    /// PROJ could not build a transformation between two CRSs.
    #[error("cannot create a transformation from {from} to {to}: {detail}")]
    TransformSetup {
        /// Source CRS.
        from: Crs,
        /// Target CRS.
        to: Crs,
        /// PROJ's own message.
        detail: String,
    },
    /// PROJ failed on one coordinate (e.g. far outside the projection's domain).
    #[error("cannot transform ({x}, {y}) from {from} to {to}: {detail}")]
    Transform {
        /// Source CRS.
        from: Crs,
        /// Target CRS.
        to: Crs,
        /// First input ordinate, in the source CRS's axis order.
        x: f64,
        /// Second input ordinate, in the source CRS's axis order.
        y: f64,
        /// PROJ's own message.
        detail: String,
    },
    /// An input ordinate was NaN or infinite, or PROJ returned one.
    #[error("transforming ({x}, {y}) from {from} to {to} gave a non-finite result")]
    NonFinite {
        /// Source CRS.
        from: Crs,
        /// Target CRS.
        to: Crs,
        /// First input ordinate, in the source CRS's axis order.
        x: f64,
        /// Second input ordinate, in the source CRS's axis order.
        y: f64,
    },
}
