use std::collections::BTreeMap;

use forsyning_model::{NetworkFeature, Theme};
use serde::{Deserialize, Serialize};

use super::{Problem, Rule, Severity};

/// Problems kept in a report by default; beyond it only the counts grow.
const DEFAULT_MAX_PROBLEMS: usize = 10_000;
/// Distinct source classes counted by name; further ones share one entry.
const MAX_CLASSES: usize = 1_000;
/// The entry that collects classes beyond [`MAX_CLASSES`].
const OTHER_CLASSES: &str = "(other classes)";
/// Class names are cut to this many characters in the report.
const MAX_CLASS_CHARS: usize = 128;

/// What a reader made of one source feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureOutcome {
    /// Where in the input, e.g. `"feature 17"`.
    pub position: String,
    /// The feature's id in the source (or its position when it has none).
    pub source_id: String,
    /// The source's class name, for counts per class.
    pub source_class: String,
    /// The theme, when it could be read, for counts per theme.
    pub theme: Option<Theme>,
    /// The candidate; `None` when an error stopped the reader from building it.
    pub feature: Option<NetworkFeature>,
    /// Errors and warnings found while reading the feature.
    pub problems: Vec<Problem>,
    /// The CRS of the feature's geometry as the source names it (`EPSG:25832`,
    /// `urn:ogc:def:crs:EPSG::4258`, ...); `None` for the format's default
    /// (CRS84 in GeoJSON).
    pub crs: Option<String>,
}

impl FeatureOutcome {
    /// A feature is accepted when it was built and has no problem of severity error.
    pub fn is_accepted(&self) -> bool {
        self.feature.is_some() && !self.problems.iter().any(Problem::is_error)
    }
}

/// Accepted and rejected features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub accepted: u64,
    pub rejected: u64,
}

/// The validation report of one upload: counts, and the problems themselves
/// up to a cap (10 000 by default) so that hostile input cannot grow it without bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    accepted: u64,
    rejected: u64,
    /// Problems of severity error, including those not kept in `problems`.
    errors: u64,
    warnings: u64,
    /// Errors not tied to a feature (malformed document, unusable CRS ...).
    document_errors: u64,
    /// Per source class. Classes past the 1000th share `"(other classes)"`.
    by_class: BTreeMap<String, Counts>,
    /// Per theme. A rejected feature whose theme could not be read is only in
    /// the totals and `by_class`.
    by_theme: BTreeMap<Theme, Counts>,
    /// Problems per rule, including those not kept in `problems`.
    by_rule: BTreeMap<Rule, u64>,
    problems: Vec<Problem>,
    /// Problems counted but not kept because the cap was reached.
    problems_omitted: u64,
    /// The cap on `problems`.
    #[serde(default = "default_max_problems")]
    max_problems: usize,
}

fn default_max_problems() -> usize {
    DEFAULT_MAX_PROBLEMS
}

impl Default for Report {
    fn default() -> Self {
        Self::new()
    }
}

impl Report {
    pub fn new() -> Self {
        Self::with_max_problems(DEFAULT_MAX_PROBLEMS)
    }

    /// A report that keeps at most `max` problems (counts stay exact).
    pub fn with_max_problems(max: usize) -> Self {
        Self {
            accepted: 0,
            rejected: 0,
            errors: 0,
            warnings: 0,
            document_errors: 0,
            by_class: BTreeMap::new(),
            by_theme: BTreeMap::new(),
            by_rule: BTreeMap::new(),
            problems: Vec::new(),
            problems_omitted: 0,
            max_problems: max,
        }
    }

    /// Files the outcome of one feature and returns the feature if it was accepted.
    pub fn record(&mut self, outcome: FeatureOutcome) -> Option<NetworkFeature> {
        let accepted = outcome.is_accepted();
        let bump = |c: &mut Counts| {
            if accepted {
                c.accepted += 1;
            } else {
                c.rejected += 1;
            }
        };
        if accepted {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
        bump(self.class_entry(&outcome.source_class));
        if let Some(theme) = outcome.theme {
            bump(self.by_theme.entry(theme).or_default());
        }
        for problem in outcome.problems {
            self.file(problem);
        }
        outcome.feature.filter(|_| accepted)
    }

    /// Files a problem that belongs to the input as a whole, not to one feature.
    pub fn push(&mut self, problem: Problem) {
        if problem.is_error() {
            self.document_errors += 1;
        }
        self.file(problem);
    }

    fn file(&mut self, problem: Problem) {
        match problem.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        *self.by_rule.entry(problem.rule).or_default() += 1;
        if self.problems.len() < self.max_problems {
            self.problems.push(problem);
        } else {
            self.problems_omitted += 1;
        }
    }

    fn class_entry(&mut self, class: &str) -> &mut Counts {
        let mut key: String = class.chars().take(MAX_CLASS_CHARS).collect();
        if !self.by_class.contains_key(&key) && self.by_class.len() >= MAX_CLASSES {
            key = OTHER_CLASSES.to_owned();
        }
        self.by_class.entry(key).or_default()
    }

    /// Whether the upload as a whole must be refused.
    ///
    /// Strict (LER 2's rule for owners' uploads): any error, in a feature or in
    /// the document, refuses everything. Lenient: only a document error, or
    /// every feature rejected, refuses it; accepted features are stored.
    /// Warnings never refuse an upload.
    pub fn is_rejected(&self, strict: bool) -> bool {
        if strict {
            self.errors > 0
        } else {
            self.document_errors > 0 || (self.accepted == 0 && self.rejected > 0)
        }
    }

    pub fn accepted(&self) -> u64 {
        self.accepted
    }
    pub fn rejected(&self) -> u64 {
        self.rejected
    }
    pub fn errors(&self) -> u64 {
        self.errors
    }
    pub fn warnings(&self) -> u64 {
        self.warnings
    }
    pub fn document_errors(&self) -> u64 {
        self.document_errors
    }
    pub fn by_class(&self) -> &BTreeMap<String, Counts> {
        &self.by_class
    }
    pub fn by_theme(&self) -> &BTreeMap<Theme, Counts> {
        &self.by_theme
    }
    pub fn by_rule(&self) -> &BTreeMap<Rule, u64> {
        &self.by_rule
    }
    /// The problems kept, in the order they were filed.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
    pub fn problems_omitted(&self) -> u64 {
        self.problems_omitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(class: &str, theme: Option<Theme>, problems: Vec<Problem>) -> FeatureOutcome {
        FeatureOutcome {
            crs: None,
            position: "feature 0".into(),
            source_id: "x".into(),
            source_class: class.into(),
            theme,
            feature: None,
            problems,
        }
    }

    #[test]
    fn counts_strictness_and_json() {
        let mut report = Report::with_max_problems(1);
        let warn = Problem::warning(Rule::MandatoryAttributeMissing, "no status");
        let err = Problem::error(Rule::UnknownCodeValue, "bad theme");
        report.record(outcome("Elledning", Some(Theme::Electricity), vec![err]));
        report.record(outcome("Elledning", None, vec![warn]));
        assert_eq!((report.accepted(), report.rejected()), (0, 2));
        assert_eq!((report.errors(), report.warnings()), (1, 1));
        assert_eq!(report.problems().len(), 1);
        assert_eq!(report.problems_omitted(), 1);
        assert!(report.is_rejected(false), "all features rejected");
        assert!(report.is_rejected(true));

        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["by_class"]["Elledning"]["rejected"], 2);
        assert_eq!(json["by_theme"]["electricity"]["rejected"], 1);
        assert_eq!(json["by_rule"]["unknown_code_value"], 1);
        let back: Report = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn lenient_accepts_partial_uploads_but_not_document_errors() {
        let mut report = Report::new();
        report.record(outcome(
            "A",
            None,
            vec![Problem::error(Rule::GeometryMissing, "")],
        ));
        let mut ok = outcome("A", Some(Theme::Gas), vec![]);
        let json = r#"{"type": "Feature", "properties": {"theme": "gas"},
            "geometry": {"type": "Point", "coordinates": [1, 2]}}"#;
        crate::GeoJsonReader::new(json.as_bytes())
            .for_each(|o| ok.feature = o.feature)
            .unwrap();
        assert!(report.record(ok).is_some());
        assert!(!report.is_rejected(false));
        assert!(report.is_rejected(true));
        report.push(Problem::error(Rule::MalformedInput, "truncated"));
        assert!(report.is_rejected(false));
        assert_eq!(report.document_errors(), 1);
    }

    #[test]
    fn class_names_are_capped() {
        let mut report = Report::new();
        for i in 0..(MAX_CLASSES + 5) {
            report.record(outcome(&format!("c{i}"), None, vec![]));
        }
        assert_eq!(report.by_class().len(), MAX_CLASSES + 1);
        assert_eq!(report.by_class()[OTHER_CLASSES].rejected, 5);
    }
}
