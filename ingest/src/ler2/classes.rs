//! The feature types of the LER 2.2 schema (`2.2_ler.xsd`) and what each
//! becomes in the model.

use forsyning_model::{Kind, Theme};

/// Where a feature type sits in the LER hierarchy; the conditional rules
/// of the feature catalogue hang off these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// A `Ledning` subtype (cable or pipe, including `Foeringsroer`).
    Ledning,
    /// `Ledningstrace`.
    Trace,
    /// A `Ledningskomponent` subtype.
    Component,
}

/// Where the theme comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThemeFrom {
    /// The type says it (`Elledning` is electricity).
    Fixed(Theme),
    /// The `forsyningsart` element(s); the first one when there are several.
    Forsyningsart,
}

/// One concrete LER feature type.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Class {
    pub name: &'static str,
    pub family: Family,
    pub kind: Kind,
    pub theme: ThemeFrom,
    /// A `Roerledning` (pipe with `tvaersnitsform`).
    pub pipe: bool,
}

const fn ledning(name: &'static str, theme: ThemeFrom, pipe: bool) -> Class {
    Class {
        name,
        family: Family::Ledning,
        kind: Kind::CableOrPipe,
        theme,
        pipe,
    }
}

const fn component(name: &'static str, theme: ThemeFrom) -> Class {
    Class {
        name,
        family: Family::Component,
        kind: Kind::Component,
        theme,
        pipe: false,
    }
}

use ThemeFrom::{Fixed, Forsyningsart};

/// Every concrete feature type of LER 2.2 that is part of a network. The
/// abstract ones (`Ledning`, `Roerledning`, `Ledningskomponent`,
/// `LedningEllerLedningstrace`) cannot appear in documents.
pub(crate) static CLASSES: &[Class] = &[
    ledning("Elledning", Fixed(Theme::Electricity), false),
    ledning("Telekommunikationsledning", Fixed(Theme::Telecom), false),
    ledning("AndenLedning", Forsyningsart, false),
    ledning("LedningUkendtForsyningsart", Fixed(Theme::Other), false),
    ledning("Afloebsledning", Fixed(Theme::Sewer), true),
    ledning("Gasledning", Fixed(Theme::Gas), true),
    ledning("Olieledning", Fixed(Theme::Oil), true),
    ledning("TermiskLedning", Fixed(Theme::DistrictHeating), true),
    ledning("Vandledning", Fixed(Theme::Water), true),
    Class {
        name: "Foeringsroer",
        family: Family::Ledning,
        kind: Kind::Duct,
        theme: Forsyningsart,
        pipe: true,
    },
    Class {
        name: "Ledningstrace",
        family: Family::Trace,
        kind: Kind::Trench,
        theme: Forsyningsart,
        pipe: false,
    },
    component("Afloebskomponent", Fixed(Theme::Sewer)),
    component("AndenKomponent", Forsyningsart),
    component("Elkomponent", Fixed(Theme::Electricity)),
    component("Gaskomponent", Fixed(Theme::Gas)),
    component("Oliekomponent", Fixed(Theme::Oil)),
    component("Telekommunikationskomponent", Fixed(Theme::Telecom)),
    component("TermiskKomponent", Fixed(Theme::DistrictHeating)),
    component("Vandkomponent", Fixed(Theme::Water)),
];

/// The network feature type with this local name in the LER namespace.
pub(crate) fn class(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name == name)
}

/// A `ForsyningsartType` value: an enumeration term of the schema, or the
/// schema's extension pattern `other: \w{2,}`, which is [`Theme::Other`].
/// (`"andet"`, the model's own term for Other, is not a LER value.)
pub(crate) fn forsyningsart(term: &str) -> Option<Theme> {
    if is_other_value(term) {
        return Some(Theme::Other);
    }
    Theme::from_ler_term(term)
        .ok()
        .filter(|t| *t != Theme::Other)
}

/// The schema's pattern for values outside a code list: `other: \w{2,}`.
pub(crate) fn is_other_value(term: &str) -> bool {
    term.strip_prefix("other: ")
        .is_some_and(|rest| rest.chars().count() >= 2 && rest.chars().all(is_word_char))
}

/// XSD's `\w`: letters, digits and connector punctuation; close enough
/// with Unicode alphanumerics and `_`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_lookups() {
        assert_eq!(class("Elledning").unwrap().theme, Fixed(Theme::Electricity));
        assert_eq!(class("Foeringsroer").unwrap().kind, Kind::Duct);
        assert_eq!(class("Ledningstrace").unwrap().family, Family::Trace);
        assert!(class("Ledning").is_none(), "abstract");
        assert!(class("Elledningx").is_none());
        assert_eq!(
            forsyningsart("fjernvarme/fjernkøling"),
            Some(Theme::DistrictHeating)
        );
        assert_eq!(forsyningsart("other: brint"), Some(Theme::Other));
        assert_eq!(forsyningsart("other: x"), None);
        assert_eq!(forsyningsart("andet"), None);
        assert_eq!(forsyningsart("El"), None);
    }
}
