//! The IMKL classes the reader turns into features, and the code lists it
//! maps: `Thema`, INSPIRE's `UtilityNetworkTypeValue`, `ConditionOfFacilityValue`
//! and IMKL's `NauwkeurigheidXYvalue`.

use forsyning_model::{AccuracyClass, Kind, Status, Theme};

/// Where an IMKL class has its geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeometryFrom {
    /// On the `us-net-common:UtilityLink`s its `net:link`s point to.
    Links,
    /// In its own `net:geometry`, `us-net-common:geometry` or `imkl:geometrie`.
    Own,
}

/// One IMKL network class.
#[derive(Debug)]
pub(crate) struct Class {
    /// The namespace prefix used in `source_class`, e.g. `imkl`.
    pub prefix: &'static str,
    /// The local name, e.g. `Elektriciteitskabel`.
    pub name: &'static str,
    pub kind: Kind,
    pub geometry: GeometryFrom,
    /// The theme when the element's network has no usable `thema`.
    pub theme: Option<Theme>,
}

const fn class(
    name: &'static str,
    kind: Kind,
    geometry: GeometryFrom,
    theme: Option<Theme>,
) -> Class {
    inspire_class("imkl", name, kind, geometry, theme)
}

/// A class of another namespace (`us-net-wa:WaterPipe`).
pub(crate) const fn inspire_class(
    prefix: &'static str,
    name: &'static str,
    kind: Kind,
    geometry: GeometryFrom,
    theme: Option<Theme>,
) -> Class {
    Class {
        prefix,
        name,
        kind,
        geometry,
        theme,
    }
}

pub(crate) use GeometryFrom::{Links, Own};
use Kind::{Area, CableOrPipe, Component, Duct, Trench};

/// Every network class of IMKL 1.2 (IMKL2015) and 2.0 that the reader reads.
pub(crate) const CLASSES: &[Class] = &[
    class(
        "Elektriciteitskabel",
        CableOrPipe,
        Links,
        Some(Theme::Electricity),
    ),
    class(
        "Telecommunicatiekabel",
        CableOrPipe,
        Links,
        Some(Theme::Telecom),
    ),
    class("OlieGasChemicalienPijpleiding", CableOrPipe, Links, None),
    class("Rioolleiding", CableOrPipe, Links, Some(Theme::Sewer)),
    class("Waterleiding", CableOrPipe, Links, Some(Theme::Water)),
    class(
        "ThermischePijpleiding",
        CableOrPipe,
        Links,
        Some(Theme::DistrictHeating),
    ),
    class("Overig", CableOrPipe, Links, Some(Theme::Other)),
    class("Mantelbuis", Duct, Links, None),
    class("Duct", Duct, Links, None),
    class("Kabelbed", Trench, Links, None),
    class("Appurtenance", Component, Own, None),
    class("Kast", Component, Own, None),
    class("Mangat", Component, Own, None),
    class("Mast", Component, Own, None),
    class("Toren", Component, Own, None),
    class("TechnischGebouw", Component, Own, None),
    class("AanduidingEisVoorzorgsmaatregel", Area, Own, None),
];

pub(crate) fn find(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name == name)
}

/// The last segment of a code-list URI (`…/Thema/laagspanning` → `laagspanning`).
pub(crate) fn code_of(href: &str) -> &str {
    href.rsplit('/').next().unwrap_or(href).trim()
}

/// IMKL's 15 `Thema` values onto the model's themes.
pub(crate) fn theme_of_thema(code: &str) -> Option<Theme> {
    Some(match code {
        "datatransport" => Theme::Telecom,
        "hoogspanning" | "middenspanning" | "laagspanning" | "landelijkHoogspanningsnet" => {
            Theme::Electricity
        }
        "gasHogeDruk" | "gasLageDruk" => Theme::Gas,
        "petrochemie" => Theme::Oil,
        "warmte" => Theme::DistrictHeating,
        "water" => Theme::Water,
        "rioolVrijverval" | "rioolOnderOverOfOnderdruk" => Theme::Sewer,
        "buisleidingGevaarlijkeInhoud" | "wees" | "overig" => Theme::Other,
        _ => return None,
    })
}

/// INSPIRE's `UtilityNetworkTypeValue`, used when a network has no `thema`.
pub(crate) fn theme_of_network_type(code: &str) -> Option<Theme> {
    Some(match code {
        "electricity" => Theme::Electricity,
        "telecommunications" => Theme::Telecom,
        "water" => Theme::Water,
        "sewer" => Theme::Sewer,
        "thermal" => Theme::DistrictHeating,
        "oilGasChemical" | "crude" => Theme::Other,
        _ => return None,
    })
}

/// INSPIRE's `ConditionOfFacilityValue`.
pub(crate) fn status_of(code: &str) -> Option<Status> {
    Some(match code {
        "functional" => Status::InOperation,
        "projected" | "underConstruction" => Status::UnderConstruction,
        "disused" | "decommissioned" => Status::PermanentlyOutOfOperation,
        _ => return None,
    })
}

/// IMKL's `NauwkeurigheidXYvalue` (`tot30cm`, `tot50cm`, `tot100cm`): the
/// smallest model class that holds the stated bound.
pub(crate) fn accuracy_of(code: &str) -> AccuracyClass {
    let cm = code
        .strip_prefix("tot")
        .and_then(|c| c.strip_suffix("cm"))
        .and_then(|c| c.parse::<f64>().ok());
    match cm {
        Some(cm) => AccuracyClass::from_metres(cm / 100.0),
        _ => AccuracyClass::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_imkl_thema_maps() {
        let all = [
            "buisleidingGevaarlijkeInhoud",
            "datatransport",
            "gasHogeDruk",
            "gasLageDruk",
            "hoogspanning",
            "landelijkHoogspanningsnet",
            "laagspanning",
            "middenspanning",
            "overig",
            "petrochemie",
            "rioolOnderOverOfOnderdruk",
            "rioolVrijverval",
            "warmte",
            "water",
            "wees",
        ];
        assert_eq!(all.len(), 15);
        assert!(all.iter().all(|t| theme_of_thema(t).is_some()));
        assert_eq!(theme_of_thema("x"), None);
        assert_eq!(accuracy_of("tot30cm"), AccuracyClass::Le050);
        assert_eq!(accuracy_of("tot100cm"), AccuracyClass::Le100);
        assert_eq!(accuracy_of("onbekend"), AccuracyClass::Unknown);
        assert_eq!(code_of("http://x/Thema/water"), "water");
    }
}
