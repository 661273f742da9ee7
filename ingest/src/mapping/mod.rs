//! The mapping from an owner's own column names, code values and units to
//! the model, shared by the GeoJSON, GDAL and CSV readers.
//!
//! Without a mapping file every reader uses [`Mapping::default`]: the
//! property names of the [GeoJSON table](crate::geojson) (`theme`, `kind`,
//! `depth_mm` ...), code values as the model's English codes or the LER 2
//! terms, measures in the model's units. A mapping file (TOML) changes any
//! part of that; what it does not mention stays as in the default.
//!
//! ```toml
//! crs = "EPSG:25832"        # CSV: required (CSV has no CRS); GDAL: only for a layer without one
//! geometry = "WKT"          # CSV: the WKT column (default: WKT, wkt or geometry)
//! delimiter = ";"           # CSV: the field delimiter (default ",")
//! layer = "ledninger"       # GDAL: read only this layer (default: every layer)
//! unit_policy = "ler"       # "ler" (default) or "convert", see [units]
//!
//! [fields]                  # model field = source column
//! source_id = "FID_TXT"
//! theme = "UTILITY"
//! kind = "TYPE"
//! status = "STATE"
//! hazard = "RISK"
//! depth = "DEPTH_CM"
//!
//! [units]                   # measure = the unit of its source column
//! depth = "cm"
//!
//! [values.theme]            # source value = model code (English or LER 2 term)
//! "EL" = "electricity"
//! "VAND" = "water"
//!
//! [defaults]                # model field = value when the column is absent or empty
//! hazard = "not_dangerous"
//! ```
//!
//! # Fields
//!
//! `source_id`, `class`, `theme`, `kind`, `status`, `hazard`, `safety_note`,
//! `accuracy_xy`, `accuracy_z`, `drawing_method`, `depth` (also `depth_mm`),
//! `diameter` (`diameter_mm`), `voltage` (`voltage_kv`), `pressure`
//! (`pressure_bar`), `material`, `installed`, `heights`. The meaning and
//! the type of each is the GeoJSON table's. A column may serve one field
//! only. In a GDAL layer or a CSV file a column named in `[fields]` must
//! exist (the error names the columns there are); a field the mapping does
//! not name is read from the column of its default name when there is one.
//! In CSV and GDAL sources a number may also be written as text (`"120"`),
//! and an empty text is an absent value.
//!
//! # Values
//!
//! `[values.FIELD]` for the coded fields (`theme`, `kind`, `status`,
//! `hazard`, `accuracy_xy`, `accuracy_z`, `drawing_method`) maps source
//! values (compared as text, exactly) to a model code. A source value not
//! in the table is still read as a model code or LER 2 term; anything else
//! is the feature's problem `unknown_code_value`.
//!
//! # Units
//!
//! `[units]` gives the unit of `depth` and `diameter` (`mm`, `cm`, `dm`,
//! `m`), `voltage` (`V`, `kV`, `MV`) and `pressure` (`bar`, `mbar`, `Pa`,
//! `hPa`, `kPa`, `MPa`). The unit policy is LER's, as for LER 2 GML: by
//! default (`unit_policy = "ler"`) only LER's units are allowed (mm for
//! lengths, kV for voltage, any pressure unit), and a feature with a value in
//! another unit is rejected with `unit_not_allowed`; with
//! `unit_policy = "convert"` the value is converted to the model's unit and
//! the feature carries a warning `unit_not_allowed` naming LER's unit.
//!
//! # Defaults
//!
//! `[defaults]` gives a value, in the model's terms and units, for a field
//! whose column is absent, null or empty: a code for the coded fields, a
//! number for the measures (mm, kV, bar, not converted), text for `class`,
//! `safety_note`, `material` and `installed` (`YYYY[-MM[-DD]]`).
//! `source_id` and `heights` have no default.
//!
//! # Errors
//!
//! [`Mapping::from_toml`] checks the file as a whole before anything is
//! read: TOML syntax, unknown keys, unknown model fields, codes the model
//! does not have, unknown units, a CRS that cannot be parsed. Each
//! [`MappingError`] names the mapping file and the key.

mod file;

use std::collections::HashMap;
use std::fmt;

use thiserror::Error;

use crate::geojson::props::Prop;
use crate::geojson::value::Value;
use crate::ler2::units::Quantity;
use crate::ler2::UnitPolicy;

pub use file::MAPPING_FIELDS;

/// The mapping file is unusable; nothing was read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}: {key}: {message}")]
pub struct MappingError {
    /// The name of the mapping file, as the caller gave it.
    pub file: String,
    /// The key at fault, e.g. `[fields] theme` or `[values.theme] "EL"`.
    pub key: String,
    pub message: String,
}

/// The unit of a measure's source column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceUnit {
    /// The symbol as the mapping wrote it, e.g. `cm`.
    pub symbol: String,
    /// From the source unit to the model's.
    pub factor: f64,
    /// LER's units for this measure; empty when LER allows any.
    pub ler: &'static [&'static str],
    /// The name of LER's rule for the unit.
    pub rule: &'static str,
}

/// How an owner's columns, codes and units map to the model; see the
/// [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The mapping file's name, for messages; `None` for the default.
    name: Option<String>,
    /// The source column of each field, indexed by [`Prop`].
    columns: Vec<String>,
    /// Whether the column was named in `[fields]`.
    explicit: Vec<bool>,
    /// Source column → field.
    by_column: HashMap<String, Prop>,
    /// Source value → model code, per coded field.
    values: Vec<HashMap<String, String>>,
    defaults: Vec<Option<Value>>,
    units: Vec<Option<SourceUnit>>,
    unit_policy: UnitPolicy,
    crs: Option<String>,
    geometry: Option<String>,
    delimiter: u8,
    layer: Option<String>,
}

impl Default for Mapping {
    /// The documented GeoJSON property names, model codes and units.
    fn default() -> Self {
        let columns: Vec<String> = Prop::ALL.iter().map(|p| p.key().to_owned()).collect();
        let by_column = Prop::ALL.iter().map(|&p| (p.key().to_owned(), p)).collect();
        Self {
            name: None,
            columns,
            explicit: vec![false; Prop::ALL.len()],
            by_column,
            values: vec![HashMap::new(); Prop::ALL.len()],
            defaults: vec![None; Prop::ALL.len()],
            units: vec![None; Prop::ALL.len()],
            unit_policy: UnitPolicy::Ler,
            crs: None,
            geometry: None,
            delimiter: b',',
            layer: None,
        }
    }
}

impl Mapping {
    /// Parses and checks a mapping file. `name` (the file name) is used in
    /// errors and in the problems of features read with the mapping.
    pub fn from_toml(text: &str, name: &str) -> Result<Mapping, MappingError> {
        file::parse(text, name)
    }

    /// The mapping file's name; `None` for the default mapping.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The CRS the mapping declares (`crs = ...`), as written.
    pub fn crs(&self) -> Option<&str> {
        self.crs.as_deref()
    }

    /// The CSV geometry column the mapping names (`geometry = ...`).
    pub fn geometry_column(&self) -> Option<&str> {
        self.geometry.as_deref()
    }

    /// The CSV field delimiter.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The GDAL layer to read; `None` for every layer.
    pub fn layer(&self) -> Option<&str> {
        self.layer.as_deref()
    }

    /// The source columns the mapping names explicitly, with their fields'
    /// mapping keys, for checking them against a source's columns.
    pub(crate) fn explicit_columns(&self) -> Vec<(&'static str, &str)> {
        Prop::ALL
            .iter()
            .filter(|&&p| self.explicit[p as usize])
            .map(|&p| (file::field_name(p), self.columns[p as usize].as_str()))
            .collect()
    }

    /// The error for a column named in `[fields]` that the source lacks.
    pub(crate) fn missing_column(
        &self,
        field: &str,
        column: &str,
        source: &str,
        has: &[String],
    ) -> MappingError {
        MappingError {
            file: self
                .name
                .clone()
                .unwrap_or_else(|| "default mapping".into()),
            key: format!("[fields] {field}"),
            message: format!(
                "{source} has no column {column:?} (its columns: {})",
                has.join(", ")
            ),
        }
    }

    pub(crate) fn prop_of(&self, column: &str) -> Option<Prop> {
        self.by_column.get(column).copied()
    }

    pub(crate) fn column(&self, p: Prop) -> &str {
        &self.columns[p as usize]
    }

    /// How messages name the field: `"theme"`, or `"UTILITY" (theme)` when mapped.
    pub(crate) fn label(&self, p: Prop) -> String {
        let column = self.column(p);
        if column == p.key() {
            format!("{column:?}")
        } else {
            format!("{column:?} ({})", file::field_name(p))
        }
    }

    /// The model code a source value stands for, by the mapping's table.
    pub(crate) fn translate(&self, p: Prop, value: &str) -> Option<&str> {
        self.values[p as usize].get(value).map(String::as_str)
    }

    /// The source values of a coded field's table, for messages.
    pub(crate) fn source_values(&self, p: Prop) -> Vec<&str> {
        let mut v: Vec<&str> = self.values[p as usize].keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    pub(crate) fn default_value(&self, p: Prop) -> Option<&Value> {
        self.defaults[p as usize].as_ref()
    }

    pub(crate) fn unit(&self, p: Prop) -> Option<&SourceUnit> {
        self.units[p as usize].as_ref()
    }

    pub(crate) fn unit_policy(&self) -> UnitPolicy {
        self.unit_policy
    }
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name.as_deref().unwrap_or("the default mapping"))
    }
}

/// LER's units and rule for a measure field.
fn measure_spec(p: Prop) -> Option<(Quantity, &'static [&'static str], &'static str)> {
    Some(match p {
        Prop::DepthMm => (
            Quantity::Length,
            &["mm"],
            "vejledendeDybdeMåleenhedsrestriktion",
        ),
        Prop::DiameterMm => (
            Quantity::Length,
            &["mm"],
            "udvendigDiameterMåleenhedsrestriktion",
        ),
        Prop::VoltageKv => (
            Quantity::Voltage,
            &["kV"],
            "spændingsniveauMåleenhedsrestriktion",
        ),
        Prop::PressureBar => (Quantity::Pressure, &[], "tryk"),
        _ => return None,
    })
}
