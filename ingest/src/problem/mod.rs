//! The validation vocabulary shared by every reader: what went wrong with which
//! feature ([`Problem`]), under which [`Rule`], and the [`Report`] of a whole upload.
//!
//! A reader turns each source feature into a [`FeatureOutcome`]: a candidate
//! [`NetworkFeature`](forsyning_model::NetworkFeature) and the problems found
//! while mapping it. [`Report::record`] files the problems, counts the feature
//! as accepted or rejected and hands the candidate back when it was accepted.
//! The report serialises to the JSON of the CLI's `--report-json` and of the
//! API's job report.

mod report;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use report::{Counts, FeatureOutcome, Report};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The feature (or, outside a feature, the whole input) cannot be stored.
    Error,
    /// Stored, but the owner should look at it.
    Warning,
}

macro_rules! rules {
    ( $( $(#[$meta:meta])* $variant:ident = $code:literal ),+ $(,)? ) => {
        /// A validation rule. Each has a stable snake_case code, used in JSON
        /// reports and safe to match on in clients.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum Rule {
            $( $(#[$meta])* #[serde(rename = $code)] $variant ),+
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            /// The stable code of the rule, as it appears in JSON.
            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code),+ }
            }

            /// The rule with this code.
            pub fn from_code(code: &str) -> Option<Rule> {
                match code { $($code => Some(Rule::$variant),)+ _ => None }
            }
        }
    };
}

rules! {
    /// The feature has no geometry (absent or `null`).
    GeometryMissing = "geometry_missing",
    /// The geometry has no coordinates.
    GeometryEmpty = "geometry_empty",
    /// A line with fewer than 2 points or a ring with fewer than 4.
    TooFewPoints = "too_few_points",
    /// A line or ring crosses itself where the model forbids it.
    SelfIntersection = "self_intersection",
    /// A coordinate or height is NaN or infinite.
    NonFiniteCoordinate = "non_finite_coordinate",
    /// A coordinate far outside any plausible range of its CRS.
    AbsurdCoordinate = "absurd_coordinate",
    /// A geometry outside the area the register serves.
    OutsideServiceArea = "outside_service_area",
    /// An attribute the model requires is absent.
    MandatoryAttributeMissing = "mandatory_attribute_missing",
    /// A measure given in a unit the model does not accept.
    UnitNotAllowed = "unit_not_allowed",
    /// A value that its code list does not have.
    UnknownCodeValue = "unknown_code_value",
    /// A coordinate reference system that is not declared correctly or not known.
    UnknownCrs = "unknown_crs",
    /// Input that does not parse or has the wrong structure or types.
    MalformedInput = "malformed_input",
    /// A geometry type the model does not store (e.g. a GeometryCollection).
    UnsupportedGeometry = "unsupported_geometry",
    /// Input beyond a configured size limit (bytes or vertices of one feature).
    InputTooLarge = "input_too_large",
    /// An attribute given where the model forbids it (e.g. a diameter on a
    /// rectangular pipe).
    AttributeNotAllowed = "attribute_not_allowed",
    /// An invalid polygon that was repaired without changing the area it
    /// encloses (a warning: the repair is stored).
    GeometryRepaired = "geometry_repaired",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One thing wrong with one feature, or with the input as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub severity: Severity,
    pub rule: Rule,
    /// The feature's id in the source, when the problem belongs to a feature.
    pub source_id: Option<String>,
    /// Where in the input: `"feature 17"` (0-based index in the source's
    /// feature list), `"line 120, column 4"`, or both.
    pub position: Option<String>,
    /// What is wrong, for people; names the attribute and the value.
    pub message: String,
}

impl Problem {
    /// An error under `rule`, not yet tied to a feature or position.
    pub fn error(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, rule, message)
    }

    /// A warning under `rule`, not yet tied to a feature or position.
    pub fn warning(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, rule, message)
    }

    pub fn new(severity: Severity, rule: Rule, message: impl Into<String>) -> Self {
        Self {
            severity,
            rule,
            source_id: None,
            position: None,
            message: message.into(),
        }
    }

    /// The same problem, tied to the feature with this source id.
    pub fn with_source_id(mut self, source_id: impl Into<String>) -> Self {
        self.source_id = Some(source_id.into());
        self
    }

    /// The same problem, at this position in the input.
    pub fn at(mut self, position: impl Into<String>) -> Self {
        self.position = Some(position.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity} [{}]", self.rule)?;
        if let Some(position) = &self.position {
            write!(f, " {position}")?;
        }
        if let Some(id) = &self.source_id {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_the_serde_names_and_round_trip() {
        for &rule in Rule::ALL {
            let json = serde_json::to_string(&rule).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.code()));
            assert_eq!(Rule::from_code(rule.code()), Some(rule));
            assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), rule);
        }
        assert_eq!(Rule::UnknownCrs.code(), "unknown_crs");
        assert_eq!(Rule::from_code("nope"), None);
    }

    #[test]
    fn problems_serialise_and_display() {
        let p = Problem::error(
            Rule::UnknownCodeValue,
            "property \"theme\": unknown value \"x\"",
        )
        .with_source_id("L1")
        .at("feature 3");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["severity"], "error");
        assert_eq!(json["rule"], "unknown_code_value");
        assert_eq!(json["source_id"], "L1");
        assert_eq!(json["position"], "feature 3");
        assert_eq!(
            p.to_string(),
            "error [unknown_code_value] feature 3 (L1): property \"theme\": unknown value \"x\""
        );
    }
}
