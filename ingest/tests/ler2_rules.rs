//! LER's validation-rule files (shared/data/network/ler2/validation-rules):
//! each names a source document, XQuery mutations and the rules that must
//! fire. Every branch is reproduced here with string surgery standing in for
//! the XQuery, and the rules the reader reports (by LER name, at the start
//! of each problem's message) must be exactly the branch's `assertions`.

mod ler2_common;

use std::collections::BTreeSet;

use forsyning_ingest::{FeatureOutcome, Rule};
use ler2_common::*;

#[path = "ler2_rules/cases.rs"]
mod cases;

use cases::{CASES, WIDTH_HEIGHT_MM};

/// The `source` and the `assertions` of the branch `name` of a rule file.
fn branch(yaml: &str, name: &str) -> (String, BTreeSet<String>) {
    let source = yaml
        .lines()
        .find_map(|l| l.strip_prefix("source: "))
        .expect("a source")
        .trim()
        .to_owned();
    let marker = format!("- name: {name}");
    let starts: Vec<_> = yaml
        .match_indices(&marker)
        .filter(|(i, _)| yaml[i + marker.len()..].starts_with(['\n', '\r']))
        .collect();
    assert_eq!(starts.len(), 1, "branch {name:?} once in the file");
    let rest = &yaml[starts[0].0 + marker.len()..];
    let rest = &rest[..rest.find("- name:").unwrap_or(rest.len())];
    let assertions = rest
        .lines()
        .find_map(|l| l.trim().strip_prefix("assertions:"))
        .map(|a| {
            a.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    (source, assertions)
}

/// The model rule each LER rule is reported under.
fn rule_of(code: &str) -> &'static [Rule] {
    match code {
        "E1" => &[Rule::MandatoryAttributeMissing],
        "GEOM1" => &[Rule::SelfIntersection],
        "GEOM2" => &[Rule::MalformedInput],
        "geometriBetingelse" => &[Rule::GeometryMissing],
        "geometriDatatyperestriktion" => &[Rule::UnsupportedGeometry],
        c if c.ends_with("Måleenhedsrestriktion") => &[Rule::UnitNotAllowed],
        c if c.ends_with("Betingelse") => {
            &[Rule::MandatoryAttributeMissing, Rule::AttributeNotAllowed]
        }
        _ => &[Rule::MandatoryAttributeMissing],
    }
}

fn outcomes(doc: &str) -> Vec<FeatureOutcome> {
    read_ok(doc).0
}

#[test]
fn every_validation_rule_branch() {
    let Some(dir) = ler2_dir() else { return };
    let mut covered = BTreeSet::new();
    for &(file, name, mutate) in CASES {
        let yaml = std::fs::read_to_string(dir.join("validation-rules").join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let (source, expected) = branch(&yaml, name);
        let doc_name = format!("btest_ft_{}", source.trim_start_matches("$FT/"));
        let doc = example(&doc_name).unwrap();
        let out = outcomes(&mutate(&doc));
        let fired = ler_codes(&out);
        assert_eq!(
            fired,
            expected,
            "{file} / {name}: {:#?}",
            out.iter().flat_map(|o| &o.problems).collect::<Vec<_>>()
        );
        for o in &out {
            for p in &o.problems {
                let code = p.message.split_once(": ").map_or("", |(c, _)| c);
                assert!(expected.contains(code), "{file} / {name}: unexpected {p}");
                assert!(rule_of(code).contains(&p.rule), "{file} / {name}: {p}");
            }
        }
        if expected.is_empty() {
            assert!(out.iter().all(|o| o.is_accepted()), "{file} / {name}");
        }
        covered.insert((file, name));
    }
    // Every branch of every file is in CASES.
    let mut in_files = BTreeSet::new();
    for entry in walk(&dir.join("validation-rules")) {
        let yaml = std::fs::read_to_string(&entry).unwrap();
        let rel = entry
            .strip_prefix(dir.join("validation-rules"))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for line in yaml.lines() {
            if let Some(n) = line.trim().strip_prefix("- name: ") {
                in_files.insert((rel.clone(), n.trim().to_owned()));
            }
        }
    }
    let covered: BTreeSet<(String, String)> = covered
        .into_iter()
        .map(|(f, n)| (f.to_owned(), n.to_owned()))
        .collect();
    let missing: Vec<_> = in_files.difference(&covered).collect();
    assert!(missing.is_empty(), "branches without a test: {missing:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "yml") {
            out.push(p);
        }
    }
    out
}

/// Errors, not warnings, where LER would refuse the feature and the model
/// cannot keep it: a unit outside LER's list, a forbidden diameter.
#[test]
fn severities_of_reproduced_rules() {
    let Some(elledning) = example("btest_ft_Elledning24.xml") else {
        return;
    };
    let o = &outcomes(&replace_attr(
        &elledning,
        "ler:udvendigDiameter",
        "uom",
        "cm",
    ))[0];
    assert!(o.problems[0].is_error() && o.problems[0].message.contains("\"cm\""));
    assert!(o.problems[0].message.ends_with("allowed: mm"));
    assert_eq!(o.feature.as_ref().unwrap().measures.diameter_mm, None);
    let depth_cm = replace_attr(&elledning, "ler:vejledendeDybde", "uom", "cm");
    assert_eq!(
        ler_codes(&outcomes(&depth_cm)),
        ["vejledendeDybdeMåleenhedsrestriktion".to_owned()].into()
    );
    let Some(duct) = example("btest_ft_Foeringsroer.xml") else {
        return;
    };
    let d = replace_value(&duct, "ler:tvaersnitsform", "rektangulær");
    let o = &outcomes(&insert_after(&d, "ler:tvaersnitsform", WIDTH_HEIGHT_MM))[0];
    assert_eq!(o.problems.len(), 1);
    assert_eq!(
        (o.problems[0].rule, o.problems[0].is_error()),
        (Rule::AttributeNotAllowed, true)
    );
}
