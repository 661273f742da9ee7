use thiserror::Error;

/// A value that does not fit the model.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// A code value that the code list does not have.
    #[error("unknown {list} code {value:?}")]
    UnknownCode { list: &'static str, value: String },
    /// An organisation id that is empty, too long or has characters outside `[A-Za-z0-9._-]`.
    #[error(
        "invalid organisation id {0:?}: use 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"
    )]
    InvalidOrgId(String),
    /// A bounding box with non-finite or inverted corners.
    #[error("invalid bbox: {0}")]
    InvalidBbox(String),
    /// A search area with a bad polygon or buffer.
    #[error("invalid search area: {0}")]
    InvalidSearchArea(String),
    /// A partial date that is not `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[error("invalid partial date {0:?}: expected YYYY, YYYY-MM or YYYY-MM-DD")]
    InvalidPartialDate(String),
    /// A region file (or built-in region) with a bad key.
    #[error("{file}: {key}: {message}")]
    InvalidRegion {
        file: String,
        key: String,
        message: String,
    },
}
