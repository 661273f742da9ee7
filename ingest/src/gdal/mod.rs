//! GeoPackage, Shapefile, FlatGeobuf and any other vector format GDAL (OGR)
//! opens, through the `gdal` crate.
//!
//! GDAL opens files by path, so [`GdalReader::open`] takes the path the
//! caller (the binary) chose; nothing else is opened and nothing is read
//! from the environment.
//!
//! - Every layer with a geometry column is read (or only the mapping's
//!   `layer`), feature by feature with OGR's `GetNextFeature`: memory does
//!   not grow with the layer. Layers without geometry (attribute tables)
//!   are skipped and listed in [`GdalSummary::skipped_layers`].
//! - The CRS is the layer's spatial reference, as its authority code
//!   (`EPSG:25832`). A layer without one, or whose CRS GDAL cannot name by
//!   an EPSG code, is an error "unknown CRS", never a guess; the mapping's
//!   `crs` may declare the CRS of a layer that has none (a Shapefile without
//!   `.prj`), and must agree with a layer that has one.
//! - Geometries come as WKB into `geo_types`, with Z as heights (`-99`
//!   unknown). OGR hands out longitude/latitude (easting/northing) order
//!   whatever the CRS says; for a CRS whose EPSG axis order is north first
//!   (EPSG:4326 and 4258 latitude first, EPSG:3044 northing first) the
//!   reader swaps to that order, so that the coordinates are in the
//!   authority order of the CRS it reports, as the normaliser expects.
//! - Columns map to model fields by the [`Mapping`] (by default the GeoJSON
//!   property names); integer, real, string and date columns are read,
//!   numbers may also be text.
//! - Positions are `layer "NAME", feature FID`; a feature without
//!   `source_id` has `NAME.FID` as its id.

use std::path::Path;

use ::gdal::spatial_ref::AxisMappingStrategy;
use ::gdal::vector::{FieldValue, LayerAccess};
use ::gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use forsyning_model::SourceFormat;
use geo::MapCoordsInPlace;

use crate::geojson::props::Prop;
use crate::geojson::value::Value;
use crate::geojson::{record_outcome, Record};
use crate::mapping::Mapping;
use crate::problem::Rule;
use crate::{FeatureOutcome, IngestError, Location};

/// One layer read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSummary {
    pub name: String,
    /// Features handed to the callback.
    pub features: u64,
    /// The CRS, as `EPSG:nnnn`.
    pub crs: String,
}

/// What the reader learnt about the dataset as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GdalSummary {
    /// GDAL's short name of the driver, e.g. `GPKG`, `ESRI Shapefile`, `FlatGeobuf`.
    pub driver: String,
    pub layers: Vec<LayerSummary>,
    /// Layers without a geometry column, not read.
    pub skipped_layers: Vec<String>,
}

impl GdalSummary {
    /// Features of all layers.
    pub fn features(&self) -> u64 {
        self.layers.iter().map(|l| l.features).sum()
    }
}

/// Reads a GDAL vector dataset; see the [module documentation](self).
pub struct GdalReader {
    dataset: Dataset,
    file: String,
    mapping: Mapping,
}

impl std::fmt::Debug for GdalReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GdalReader")
            .field("file", &self.file)
            .field("driver", &self.driver())
            .finish_non_exhaustive()
    }
}

impl GdalReader {
    /// Opens `path` as a vector dataset (read only). The error says when
    /// GDAL does not recognise it; the path is the file's name in errors.
    pub fn open(path: &Path) -> Result<GdalReader, IngestError> {
        let file = path.display().to_string();
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR
                | GdalOpenFlags::GDAL_OF_READONLY
                | GdalOpenFlags::GDAL_OF_VERBOSE_ERROR,
            ..DatasetOptions::default()
        };
        let dataset = Dataset::open_ex(path, options).map_err(|e| IngestError::Malformed {
            at: Location {
                file: Some(file.clone()),
                ..Location::default()
            },
            message: format!("GDAL does not open it as a vector dataset: {e}"),
        })?;
        Ok(GdalReader {
            dataset,
            file,
            mapping: Mapping::default(),
        })
    }

    /// The name to give the input in errors (default: the path).
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file = name.into();
        self
    }

    /// Reads columns, codes and units by `mapping` (see [`crate::mapping`]).
    pub fn with_mapping(mut self, mapping: Mapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// GDAL's short name of the driver that opened the file.
    pub fn driver(&self) -> String {
        self.dataset.driver().short_name()
    }

    /// The location of the file, or of one of its layers.
    fn at(&self, layer: Option<&str>) -> Location {
        Location {
            file: Some(match layer {
                Some(l) => format!("{}, layer {l:?}", self.file),
                None => self.file.clone(),
            }),
            ..Location::default()
        }
    }

    /// Calls `f` with each feature, layer after layer. Every layer's CRS and
    /// columns are checked before the first feature is handed out, so an
    /// error never comes after features of the same dataset.
    pub fn for_each(self, mut f: impl FnMut(FeatureOutcome)) -> Result<GdalSummary, IngestError> {
        let mut summary = GdalSummary {
            driver: self.driver(),
            layers: Vec::new(),
            skipped_layers: Vec::new(),
        };
        let mut plans = Vec::new();
        for (index, layer) in self.dataset.layers().enumerate() {
            let name = layer.name();
            if self.mapping.layer().is_some_and(|l| l != name) {
                continue;
            }
            if layer.defn().geom_fields().count() == 0 {
                summary.skipped_layers.push(name);
                continue;
            }
            plans.push(self.plan(index, &layer, &name)?);
        }
        if let Some(wanted) = self.mapping.layer() {
            if plans.is_empty() && !summary.skipped_layers.iter().any(|l| l == wanted) {
                let names: Vec<String> = self.dataset.layers().map(|l| l.name()).collect();
                return Err(IngestError::Mapping {
                    at: self.at(None),
                    source: Box::new(crate::MappingError {
                        file: self.mapping.to_string(),
                        key: "layer".into(),
                        message: format!(
                            "{} has no layer {wanted:?} (its layers: {})",
                            self.file,
                            names.join(", ")
                        ),
                    }),
                });
            }
        }
        if plans.is_empty() {
            return Err(IngestError::Malformed {
                at: self.at(None),
                message: "the dataset has no layer with geometries".into(),
            });
        }
        for plan in plans {
            let mut layer = self
                .dataset
                .layer(plan.index)
                .map_err(|e| IngestError::Malformed {
                    at: self.at(Some(&plan.name)),
                    message: e.to_string(),
                })?;
            let mut count = 0;
            for feature in layer.features() {
                let fid = feature.fid();
                let position = match fid {
                    Some(fid) => format!("layer {:?}, feature {fid}", plan.name),
                    None => format!("layer {:?}, feature {count}", plan.name),
                };
                let mut record = Record {
                    position,
                    values: Default::default(),
                    id: Some(Value::Str(format!(
                        "{}.{}",
                        plan.name,
                        fid.unwrap_or(count)
                    ))),
                    geometry: Err((Rule::GeometryMissing, "the feature has no geometry".into())),
                    problems: Vec::new(),
                    format: SourceFormat::Gdal,
                    text_numbers: true,
                    default_class: plan.name.clone(),
                };
                for &(i, p) in &plan.fields {
                    // An unset field (FlatGeobuf omits nulls) is not null to
                    // OGR and reads as 0; its text is empty, which says so.
                    let set = feature
                        .field_as_string(i)
                        .is_ok_and(|s| s.is_some_and(|s| !s.is_empty()));
                    record.values[p as usize] = match feature.field(i) {
                        Ok(v) if set => v.map(field_value),
                        Ok(_) => None,
                        Err(e) => Some(Value::Other(if e.to_string().contains("field type") {
                            "a field of a type the reader does not read"
                        } else {
                            "an unreadable field"
                        })),
                    };
                }
                if let Some(g) = feature.geometry() {
                    record.geometry = match g.iso_wkb() {
                        Ok(wkb) => crate::wkx::from_wkb(&wkb),
                        Err(e) => Err((
                            Rule::MalformedInput,
                            format!("GDAL cannot write the geometry as WKB: {e}"),
                        )),
                    };
                    if plan.swap_axes {
                        if let Ok((g, _)) = record.geometry.as_mut() {
                            g.map_coords_in_place(|c| geo_types::coord! {x: c.y, y: c.x});
                        }
                    }
                }
                let mut outcome = record_outcome(record, &self.mapping);
                outcome.crs = Some(plan.crs.clone());
                count += 1;
                f(outcome);
            }
            summary.layers.push(LayerSummary {
                name: plan.name,
                features: count,
                crs: plan.crs,
            });
        }
        Ok(summary)
    }

    /// How to read one layer: its CRS, axis order and mapped columns.
    fn plan(
        &self,
        index: usize,
        layer: &::gdal::vector::Layer<'_>,
        name: &str,
    ) -> Result<Plan, IngestError> {
        let at = || self.at(Some(name));
        let crs_error = |message: String| IngestError::Crs { at: at(), message };
        let srs = layer.spatial_ref();
        let (crs, swap_axes) = match (&srs, self.mapping.crs()) {
            (None, None) => {
                return Err(crs_error(
                    "unknown CRS: the layer has no spatial reference; declare it in the mapping file (crs = \"EPSG:nnnn\") if you know it".into(),
                ))
            }
            (None, Some(declared)) => (declared.to_owned(), false),
            (Some(srs), declared) => {
                let name_of = || srs.name().unwrap_or_else(|| "without a name".into());
                let code = match (srs.auth_name().as_deref(), srs.auth_code()) {
                    (Some("EPSG"), Ok(code)) => format!("EPSG:{code}"),
                    _ => {
                        return Err(crs_error(format!(
                            "unknown CRS: the layer's CRS {:?} has no EPSG code",
                            name_of()
                        )))
                    }
                };
                let parsed = forsyning_geo::Crs::parse(&code)
                    .map_err(|e| crs_error(format!("unknown CRS {code}: {e}")))?;
                if let Some(declared) = declared {
                    let same = forsyning_geo::Crs::parse(declared).is_ok_and(|d| d == parsed);
                    if !same {
                        return Err(crs_error(format!(
                            "the mapping declares crs = {declared:?}, but the layer is in {code}"
                        )));
                    }
                }
                let traditional =
                    srs.axis_mapping_strategy() == AxisMappingStrategy::TraditionalGisOrder;
                (code, traditional && parsed.is_north_first())
            }
        };
        let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        for (field, column) in self.mapping.explicit_columns() {
            if !names.iter().any(|n| n == column) {
                let source = format!("{}, layer {name:?},", self.file);
                return Err(IngestError::Mapping {
                    at: at(),
                    source: Box::new(self.mapping.missing_column(field, column, &source, &names)),
                });
            }
        }
        let fields = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.mapping.prop_of(n).map(|p| (i, p)))
            .collect();
        Ok(Plan {
            index,
            name: name.to_owned(),
            crs,
            swap_axes,
            fields,
        })
    }
}

struct Plan {
    index: usize,
    name: String,
    crs: String,
    swap_axes: bool,
    /// Field index in the layer → model field.
    fields: Vec<(usize, Prop)>,
}

fn field_value(v: FieldValue) -> Value {
    let number = |f: f64| {
        serde_json::Number::from_f64(f).map_or(Value::Other("a non-finite number"), Value::Num)
    };
    match v {
        FieldValue::StringValue(s) => Value::Str(s),
        FieldValue::IntegerValue(i) => Value::Num(i.into()),
        FieldValue::Integer64Value(i) => Value::Num(i.into()),
        FieldValue::RealValue(f) => number(f),
        FieldValue::DateValue(d) => Value::Str(d.to_string()),
        FieldValue::DateTimeValue(d) => Value::Str(d.date_naive().to_string()),
        _ => Value::Other("a list"),
    }
}
