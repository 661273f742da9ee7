//! Code-list values and dates of LER elements: each value must be spelled
//! exactly as in the LER 2.2 schema's enumerations.

use forsyning_model::{PartialDate, Theme};

use super::classes::{self, ThemeFrom};
use super::raw::{Issue, Prop, RawFeature};
use crate::problem::Rule;

/// `EjerskabsforholdtypeType`.
pub(crate) const OWNERSHIP: [&str; 3] = [
    "ejet af anden ledningsejer",
    "ejet af udleverende ledningsejer",
    "uden ejer",
];

/// `TvaersnitsformtypeEnumerationType`; `other: …` values are allowed too.
pub(crate) const CROSS_SECTIONS: [&str; 11] = [
    "brilleformet",
    "cirkulær",
    "kvadratisk",
    "rektangulær",
    "sektorformet",
    "spidsbundet",
    "trapezformet",
    "trekantet",
    "tunnelformet",
    "ægformet",
    "øjestensprofil",
];

fn unknown_code(at: &str, element: &str, value: &str, terms: &[&str]) -> Issue {
    let shown: String = value.chars().take(64).collect();
    let m = format!(
        "ler:{element} has {shown:?}, which is not in its code list ({})",
        terms
            .iter()
            .map(|t| format!("{t:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Issue::error(Rule::UnknownCodeValue, m, Some(at.to_owned()))
}

/// The value of a code-list element; nil or absent is `None`.
pub(crate) fn code<T: Copy>(
    raw: &RawFeature,
    p: Prop,
    all: &[T],
    term: fn(T) -> &'static str,
    issues: &mut Vec<Issue>,
) -> Option<T> {
    let v = raw.prop(p).filter(|v| !v.nil)?;
    let found = all.iter().copied().find(|&c| term(c) == v.text);
    if found.is_none() {
        let terms: Vec<&str> = all.iter().map(|&c| term(c)).collect();
        issues.push(unknown_code(&v.at, p.element(), &v.text, &terms));
    }
    found
}

/// A code list with the schema's `other: …` extension, checked but not mapped.
pub(crate) fn check_list(raw: &RawFeature, p: Prop, terms: &[&str], issues: &mut Vec<Issue>) {
    let Some(v) = raw.prop(p).filter(|v| !v.nil) else {
        return;
    };
    let other_ok = p == Prop::Tvaersnitsform && classes::is_other_value(&v.text);
    if !terms.contains(&v.text.as_str()) && !other_ok {
        issues.push(unknown_code(&v.at, p.element(), &v.text, terms));
    }
}

/// The themes of the `forsyningsart` elements, in order; bad values are problems.
pub(crate) fn themes(raw: &RawFeature, issues: &mut Vec<Issue>) -> Vec<Theme> {
    let mut out = Vec::new();
    for v in &raw.forsyningsart {
        if v.nil {
            out.push(Theme::Other);
            continue;
        }
        match classes::forsyningsart(&v.text) {
            Some(t) => out.push(t),
            None => {
                let terms: Vec<&str> = Theme::ALL
                    .iter()
                    .filter(|t| **t != Theme::Other)
                    .map(|t| t.ler_term())
                    .chain(["other: …"])
                    .collect();
                issues.push(unknown_code(&v.at, "forsyningsart", &v.text, &terms));
            }
        }
    }
    let required = raw.class.theme == ThemeFrom::Forsyningsart && raw.class.name != "Foeringsroer";
    if raw.forsyningsart.is_empty() && required {
        let m = "E1: ler:forsyningsart is missing; the LER 2 schema requires it";
        issues.push(Issue::error(
            Rule::MandatoryAttributeMissing,
            m,
            Some(raw.at.clone()),
        ));
    }
    if raw.forsyningsart.is_empty() && raw.class.name == "Foeringsroer" {
        out.push(Theme::Other);
    }
    out
}

/// `etableringstidspunkt` (a `gml:TimePositionType`) as a partial date.
pub(crate) fn installed(raw: &RawFeature, issues: &mut Vec<Issue>) -> Option<PartialDate> {
    let text = raw.text(Prop::Etableringstidspunkt)?;
    let at = raw.prop(Prop::Etableringstidspunkt).map(|v| v.at.clone());
    let date = text.split('T').next().unwrap_or(text);
    let date = date.strip_suffix('Z').unwrap_or(date);
    // `split_at_checked`: the cut may fall inside a multi-byte character
    // (found by the `ler2` fuzz target; such a text is simply not a date).
    let without_zone = match date
        .len()
        .checked_sub(6)
        .and_then(|i| date.split_at_checked(i))
    {
        Some((d, zone)) if zone.starts_with(['+', '-']) && zone.as_bytes()[3] == b':' => d,
        _ => date,
    };
    match without_zone.parse() {
        Ok(d) => Some(d),
        Err(_) => {
            let m = format!("ler:etableringstidspunkt has {text:?}, which is not a date (YYYY, YYYY-MM or YYYY-MM-DD)");
            issues.push(Issue::error(Rule::MalformedInput, m, at));
            None
        }
    }
}
