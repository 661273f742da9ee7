//! CSV with the geometry as WKT in one column, read row by row with the
//! `csv` crate and geozero's WKT parser.
//!
//! Our own reader rather than GDAL's CSV driver: it reads any
//! [`std::io::Read`] (an upload need not be a file), it streams one row at a
//! time, it knows the row of every problem, and it takes the geometry column
//! and the CRS from the mapping instead of GDAL's guesses (GDAL's driver
//! treats a CSV as having no CRS and finds geometry columns only with open
//! options).
//!
//! - The first row is the header; columns map to model fields by the
//!   [`Mapping`] (by default the GeoJSON property names).
//! - The geometry column is the mapping's `geometry`, else the first of
//!   `WKT`, `wkt`, `geometry`. WKT `Z` ordinates are the heights (`-99`
//!   unknown). An empty cell is a feature without geometry.
//! - CSV has no CRS: the mapping must declare it (`crs = "EPSG:25832"`);
//!   without one the read stops with [`IngestError::Crs`]. Coordinates are in
//!   the CRS's own axis order: `EPSG:4326` is latitude first, so write
//!   longitude-first WKT as `crs = "OGC:CRS84"`.
//! - Positions are `row N`, N being the line of the file where the row
//!   starts (the header is row 1, so the first feature is row 2). A row
//!   without `source_id` gets its position as its id.
//! - Empty cells are absent values; numbers may be written as text. A row
//!   with more or fewer cells than the header, or with bytes that are not
//!   UTF-8, is rejected with `malformed_input` and reading goes on; a
//!   header that is not UTF-8, or broken CSV quoting, stops the read.
//! - One row may take at most [`CsvReader::MAX_ROW_BYTES`] bytes (counted
//!   per read buffer of 64 KiB), so that a hostile file without line breaks
//!   cannot make the reader hold it whole.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use forsyning_model::SourceFormat;

use crate::geojson::props::Prop;
use crate::geojson::value::Value;
use crate::geojson::{record_outcome, Record};
use crate::mapping::Mapping;
use crate::problem::{Problem, Rule};
use crate::{FeatureOutcome, IngestError, Location};

/// The geometry columns looked for when the mapping names none.
pub const DEFAULT_GEOMETRY_COLUMNS: [&str; 3] = ["WKT", "wkt", "geometry"];

/// What the reader learnt about the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvSummary {
    /// Rows handed to the callback.
    pub features: u64,
    /// The CRS, from the mapping.
    pub crs: String,
    /// The column the geometry was read from.
    pub geometry_column: String,
}

/// Reads CSV with WKT geometries one row at a time; see the [module documentation](self).
#[derive(Debug)]
pub struct CsvReader<R> {
    reader: R,
    file: Option<String>,
    mapping: Mapping,
}

/// Counts the bytes read since the last row ended, and fails past the cap.
struct RowBudget<R> {
    inner: R,
    used: Rc<Cell<u64>>,
    max: u64,
}

impl<R: Read> Read for RowBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used.get() > self.max {
            return Err(io::Error::other(ROW_TOO_LARGE));
        }
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n as u64);
        Ok(n)
    }
}

const ROW_TOO_LARGE: &str = "bytes of one CSV row";

impl<R: Read> CsvReader<R> {
    /// The largest row (or header) read: 64 MiB.
    pub const MAX_ROW_BYTES: u64 = 64 << 20;

    /// A reader of `reader` with the columns, codes and CRS of `mapping`.
    pub fn new(reader: R, mapping: Mapping) -> Self {
        Self {
            reader,
            file: None,
            mapping,
        }
    }

    /// The name to give the input in errors.
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// Calls `f` with each row's feature, in file order.
    pub fn for_each(self, mut f: impl FnMut(FeatureOutcome)) -> Result<CsvSummary, IngestError> {
        let at = |line: Option<u64>| Location {
            file: self.file.clone(),
            line,
            ..Location::default()
        };
        let Some(crs) = self.mapping.crs().map(str::to_owned) else {
            return Err(IngestError::Crs {
                at: at(None),
                message: "unknown CRS: CSV has no CRS of its own; declare it in the mapping file, e.g. crs = \"EPSG:25832\"".into(),
            });
        };
        let used = Rc::new(Cell::new(0));
        let budget = RowBudget {
            inner: self.reader,
            used: Rc::clone(&used),
            max: Self::MAX_ROW_BYTES,
        };
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(self.mapping.delimiter())
            .flexible(true)
            .has_headers(true)
            .buffer_capacity(64 << 10)
            .from_reader(budget);
        let malformed = |e: csv::Error| {
            let line = e.position().map(|p| p.line());
            if let csv::ErrorKind::Io(io) = e.kind() {
                if io.to_string() == ROW_TOO_LARGE {
                    return IngestError::LimitExceeded {
                        at: at(line),
                        what: ROW_TOO_LARGE,
                        limit: Self::MAX_ROW_BYTES,
                    };
                }
            }
            let message = match e.kind() {
                csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                    io.to_string()
                }
                _ => e.to_string(),
            };
            IngestError::Malformed {
                at: at(line),
                message,
            }
        };
        let header = csv.headers().map_err(malformed)?.clone();
        if header.is_empty() || header.iter().all(str::is_empty) {
            return Err(IngestError::Malformed {
                at: at(Some(1)),
                message: "the file is empty: no header row".into(),
            });
        }
        let names: Vec<String> = header.iter().map(str::to_owned).collect();
        let source = self.file.as_deref().unwrap_or("the CSV file");
        for (field, column) in self.mapping.explicit_columns() {
            if !names.iter().any(|n| n == column) {
                let e = self.mapping.missing_column(field, column, source, &names);
                return Err(IngestError::Mapping {
                    at: at(Some(1)),
                    source: Box::new(e),
                });
            }
        }
        let geometry_column = match self.mapping.geometry_column() {
            Some(g) => names.iter().position(|n| n == g).ok_or_else(|| {
                let e = crate::MappingError {
                    file: self.mapping.to_string(),
                    key: "geometry".into(),
                    message: format!(
                        "{source} has no column {g:?} (its columns: {})",
                        names.join(", ")
                    ),
                };
                IngestError::Mapping {
                    at: at(Some(1)),
                    source: Box::new(e),
                }
            })?,
            None => DEFAULT_GEOMETRY_COLUMNS
                .iter()
                .find_map(|g| names.iter().position(|n| n == g))
                .ok_or_else(|| IngestError::Malformed {
                    at: at(Some(1)),
                    message: format!(
                        "no geometry column: the header has none of {} (name another with geometry = \"...\" in the mapping); its columns: {}",
                        DEFAULT_GEOMETRY_COLUMNS.join(", "),
                        names.join(", ")
                    ),
                })?,
        };
        let props: Vec<Option<Prop>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (i != geometry_column)
                    .then(|| self.mapping.prop_of(n))
                    .flatten()
            })
            .collect();

        let mut summary = CsvSummary {
            features: 0,
            crs: crs.clone(),
            geometry_column: names[geometry_column].clone(),
        };
        let mut row = csv::ByteRecord::new();
        used.set(0);
        while csv.read_byte_record(&mut row).map_err(malformed)? {
            used.set(0);
            let line = row.position().map_or(0, |p| p.line());
            let mut record = Record {
                position: format!("row {line}"),
                values: Default::default(),
                id: None,
                geometry: Err((Rule::GeometryMissing, "the row has no geometry".into())),
                problems: Vec::new(),
                format: SourceFormat::CsvWkt,
                text_numbers: true,
                default_class: "Feature".into(),
            };
            if row.len() != names.len() {
                let m = format!(
                    "the row has {} cells, the header has {}",
                    row.len(),
                    names.len()
                );
                record
                    .problems
                    .push(Problem::error(Rule::MalformedInput, m));
            }
            for (i, cell) in row.iter().enumerate().take(names.len()) {
                let text = match std::str::from_utf8(cell) {
                    Ok(t) => t,
                    Err(e) => {
                        let m = format!(
                            "column {:?} is not UTF-8 text (invalid byte at {})",
                            names[i],
                            e.valid_up_to()
                        );
                        record
                            .problems
                            .push(Problem::error(Rule::MalformedInput, m));
                        continue;
                    }
                };
                if i == geometry_column {
                    record.geometry = crate::wkx::from_wkt(text);
                } else if let Some(p) = props[i] {
                    if !text.is_empty() {
                        record.values[p as usize] = Some(Value::Str(text.to_owned()));
                    }
                }
            }
            let mut outcome = record_outcome(record, &self.mapping);
            outcome.crs = Some(crs.clone());
            summary.features += 1;
            f(outcome);
        }
        Ok(summary)
    }
}
