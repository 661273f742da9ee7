//! Code lists of the model and their LER 2.2 terms.
//!
//! Each enum serialises as a stable English code (`"electricity"`), and maps to
//! and from the Danish enumeration value of the LER 2.2 schema (`"el"`).

use serde::{Deserialize, Serialize};

use crate::ModelError;

macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $name:ident, $list:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal / $ler:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value of the code list, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable English code used in the API and the store.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses the English code.
            pub fn from_code(code: &str) -> Result<Self, ModelError> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err(ModelError::UnknownCode { list: $list, value: code.to_owned() }),
                }
            }

            /// The Danish term of the LER 2.2 schema.
            pub fn ler_term(self) -> &'static str {
                match self { $($name::$variant => $ler),+ }
            }

            /// Parses a LER 2 term (exact spelling of the schema's enumeration).
            pub fn from_ler_term(term: &str) -> Result<Self, ModelError> {
                match term {
                    $($ler => Ok($name::$variant),)+
                    _ => Err(ModelError::UnknownCode { list: $list, value: term.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_list! {
    /// What the network carries (LER `forsyningsart`).
    Theme, "theme" {
        Electricity = "electricity" / "el",
        Gas = "gas" / "gas",
        Water = "water" / "vand",
        Sewer = "sewer" / "afløb",
        /// LER has one value for both district heating and district cooling.
        DistrictHeating = "district_heating" / "fjernvarme/fjernkøling",
        Oil = "oil" / "olie",
        Telecom = "telecom" / "telekommunikation",
        /// Anything else (LER `ForsyningsartOtherType`, e.g. "andet").
        Other = "other" / "andet",
    }
}

code_list! {
    /// What kind of object a feature is. The LER term is the feature type's name.
    Kind, "kind" {
        /// A cable or a pipe (LER `Ledning` and its subtypes).
        CableOrPipe = "cable_or_pipe" / "Ledning",
        /// A duct that holds cables or pipes (LER `Foeringsroer`).
        Duct = "duct" / "Foeringsroer",
        /// A trench holding several lines (LER `Ledningstrace`).
        Trench = "trench" / "Ledningstrace",
        /// A point or small object: manhole, cabinet, valve ... (LER `Ledningskomponent`).
        Component = "component" / "Ledningskomponent",
        /// An area such as a precaution zone (LER `Omraade`).
        Area = "area" / "Omraade",
    }
}

code_list! {
    /// Operating status (LER `driftsstatus`).
    Status, "status" {
        /// Planned or under construction.
        UnderConstruction = "under_construction" / "under etablering",
        InOperation = "in_operation" / "i drift",
        PermanentlyOutOfOperation = "out_of_operation" / "permanent ude af drift",
    }
}

code_list! {
    /// Hazard class (LER `fareklasse`).
    Hazard, "hazard" {
        NotDangerous = "not_dangerous" / "ikke farlig",
        Dangerous = "dangerous" / "farlig",
        VeryDangerous = "very_dangerous" / "meget farlig",
    }
}

code_list! {
    /// Positional accuracy class (LER `noejagtighedsklasse`), in metres.
    AccuracyClass, "accuracy class" {
        Le025 = "le_0.25" / "<= 0.25 m",
        Le050 = "le_0.50" / "<= 0.50 m",
        Le100 = "le_1.00" / "<= 1.00 m",
        Le200 = "le_2.00" / "<= 2.00 m",
        Gt200 = "gt_2.00" / "> 2.00 m",
        /// Not stated by the owner (LER leaves the element out).
        Unknown = "unknown" / "ukendt",
    }
}

code_list! {
    /// How the geometry was drawn (LER `indtegningsmetode`).
    DrawingMethod, "drawing method" {
        Exact = "exact" / "nøjagtigt",
        Offset = "offset" / "forskudt",
        Schematic = "schematic" / "skematisk",
    }
}

code_list! {
    /// The format a feature was read from. The "LER term" is a short label.
    SourceFormat, "source format" {
        Ler2Gml = "ler2_gml" / "LER 2 GML",
        Imkl = "imkl" / "IMKL",
        InspireUs = "inspire_us" / "INSPIRE US",
        GeoJson = "geojson" / "GeoJSON",
        Gdal = "gdal" / "GDAL",
        CsvWkt = "csv_wkt" / "CSV+WKT",
        Synthetic = "synthetic" / "synthetic",
    }
}

impl AccuracyClass {
    /// The class that a position uncertainty of `metres` falls in.
    pub fn from_metres(metres: f64) -> Self {
        match metres {
            m if !m.is_finite() || m < 0.0 => AccuracyClass::Unknown,
            m if m <= 0.25 => AccuracyClass::Le025,
            m if m <= 0.50 => AccuracyClass::Le050,
            m if m <= 1.00 => AccuracyClass::Le100,
            m if m <= 2.00 => AccuracyClass::Le200,
            _ => AccuracyClass::Gt200,
        }
    }
}

impl Hazard {
    /// Dangerous and very dangerous lines need contact with the owner before digging.
    pub fn is_dangerous(self) -> bool {
        matches!(self, Hazard::Dangerous | Hazard::VeryDangerous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LER_XSD_THEMES: [&str; 7] = [
        "afløb",
        "el",
        "fjernvarme/fjernkøling",
        "gas",
        "olie",
        "telekommunikation",
        "vand",
    ];

    #[test]
    fn every_ler_theme_maps_and_round_trips() {
        for term in LER_XSD_THEMES {
            let theme = Theme::from_ler_term(term).unwrap();
            assert_eq!(theme.ler_term(), term);
            assert_eq!(Theme::from_code(theme.code()).unwrap(), theme);
        }
        assert!(Theme::from_ler_term("Electricity").is_err());
    }

    #[test]
    fn ler_status_hazard_accuracy_terms() {
        assert_eq!(
            Status::from_ler_term("i drift").unwrap(),
            Status::InOperation
        );
        assert_eq!(
            Hazard::from_ler_term("meget farlig").unwrap(),
            Hazard::VeryDangerous
        );
        assert_eq!(
            AccuracyClass::from_ler_term("<= 0.50 m").unwrap(),
            AccuracyClass::Le050
        );
        assert_eq!(
            AccuracyClass::from_ler_term("> 2.00 m").unwrap(),
            AccuracyClass::Gt200
        );
        assert_eq!(
            DrawingMethod::from_ler_term("forskudt").unwrap(),
            DrawingMethod::Offset
        );
        assert!(Status::from_ler_term("idrift").is_err());
    }

    #[test]
    fn serde_uses_codes() {
        assert_eq!(
            serde_json::to_string(&Theme::DistrictHeating).unwrap(),
            "\"district_heating\""
        );
        let h: Hazard = serde_json::from_str("\"very_dangerous\"").unwrap();
        assert_eq!(h, Hazard::VeryDangerous);
    }

    #[test]
    fn accuracy_class_from_metres_boundaries() {
        assert_eq!(AccuracyClass::from_metres(0.25), AccuracyClass::Le025);
        assert_eq!(AccuracyClass::from_metres(0.2501), AccuracyClass::Le050);
        assert_eq!(AccuracyClass::from_metres(2.0), AccuracyClass::Le200);
        assert_eq!(AccuracyClass::from_metres(2.01), AccuracyClass::Gt200);
        assert_eq!(AccuracyClass::from_metres(f64::NAN), AccuracyClass::Unknown);
    }
}
