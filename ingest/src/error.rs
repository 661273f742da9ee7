use std::{fmt, io};

use serde::Serialize;
use thiserror::Error;

use crate::problem::{Problem, Rule};

/// Where in the input something happened. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The name the caller gave the input (a file name, an upload id).
    pub file: Option<String>,
    /// 0-based index of the feature in the source's feature list.
    pub feature: Option<u64>,
    /// 1-based line and column, when the parser knows them.
    pub line: Option<u64>,
    pub column: Option<u64>,
}

impl Location {
    /// The position without the file name: `"feature 17, line 120, column 4"`.
    pub fn position(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(feature) = self.feature {
            parts.push(format!("feature {feature}"));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = self.column {
            parts.push(format!("column {column}"));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.position()) {
            (Some(file), Some(pos)) => write!(f, "{file}, {pos}"),
            (Some(file), None) => f.write_str(file),
            (None, Some(pos)) => f.write_str(&pos),
            (None, None) => f.write_str("input"),
        }
    }
}

/// Why reading an input stopped. Problems with single features are not errors
/// but [`Problem`]s in their [`FeatureOutcome`](crate::FeatureOutcome).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The underlying reader failed.
    #[error("{at}: cannot read input: {source}")]
    Io { at: Location, source: io::Error },
    /// The input does not parse, or its structure is not the format's.
    #[error("{at}: malformed input: {message}")]
    Malformed { at: Location, message: String },
    /// One feature (or top-level member) is larger than the reader allows.
    #[error("{at}: {what} exceeds the limit of {limit}")]
    LimitExceeded {
        at: Location,
        what: &'static str,
        limit: u64,
    },
    /// The input declares its CRS in a way that cannot be used.
    #[error("{at}: unusable CRS declaration: {message}")]
    Crs { at: Location, message: String },
    /// The mapping does not fit the input (a column it names is not there).
    #[error("{at}: the mapping does not fit: {source}")]
    Mapping {
        at: Location,
        source: Box<crate::MappingError>,
    },
}

impl IngestError {
    pub fn location(&self) -> &Location {
        match self {
            IngestError::Io { at, .. }
            | IngestError::Malformed { at, .. }
            | IngestError::LimitExceeded { at, .. }
            | IngestError::Crs { at, .. }
            | IngestError::Mapping { at, .. } => at,
        }
    }

    /// The rule this error breaks, for reports.
    pub fn rule(&self) -> Rule {
        match self {
            IngestError::Io { .. }
            | IngestError::Malformed { .. }
            | IngestError::Mapping { .. } => Rule::MalformedInput,
            IngestError::LimitExceeded { .. } => Rule::InputTooLarge,
            IngestError::Crs { .. } => Rule::UnknownCrs,
        }
    }

    /// The error as a document-level problem for a [`Report`](crate::Report).
    pub fn to_problem(&self) -> Problem {
        let message = match self {
            IngestError::Io { source, .. } => format!("cannot read input: {source}"),
            IngestError::Malformed { message, .. } | IngestError::Crs { message, .. } => {
                message.clone()
            }
            IngestError::LimitExceeded { what, limit, .. } => {
                format!("{what} exceeds the limit of {limit}")
            }
            IngestError::Mapping { source, .. } => format!("the mapping does not fit: {source}"),
        };
        let mut problem = Problem::error(self.rule(), message);
        problem.position = self.location().position();
        problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_display_what_they_know() {
        let at = Location {
            file: Some("net.geojson".into()),
            feature: Some(17),
            line: Some(120),
            column: Some(4),
        };
        assert_eq!(
            at.to_string(),
            "net.geojson, feature 17, line 120, column 4"
        );
        assert_eq!(Location::default().to_string(), "input");
        let err = IngestError::Malformed {
            at,
            message: "EOF while parsing a list".into(),
        };
        let problem = err.to_problem();
        assert_eq!(problem.rule, Rule::MalformedInput);
        assert_eq!(
            problem.position.as_deref(),
            Some("feature 17, line 120, column 4")
        );
    }
}
