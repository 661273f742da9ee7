//! The reading side of an upload, shared by the CLI and the API: which
//! format each file is, and reading the files one after the other into
//! normalised features while the [`Report`] records every outcome.
//!
//! The caller hands over the paths (the GDAL reader and KLIC zips need
//! files); this module opens only those. Progress goes to a [`Progress`]
//! and remarks for the user (e.g. the owners skipped in a KLIC delivery) are
//! collected as notes; nothing is printed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use forsyning_model::NetworkFeature;
use geo_types::{coord, Rect};

use crate::gdal::GdalReader;
use crate::geojson::CRS84;
use crate::{
    read_delivery, CsvReader, DeliveryLimits, FeatureOutcome, GeoJsonReader, IngestError,
    Ler2Reader, Mapping, Normaliser, Problem, Report, Rule,
};

/// The format of an input file, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Ler2Gml,
    Csv,
    /// A KLIC delivery zip (IMKL 2.0).
    Klic,
    /// Anything GDAL opens as vector data.
    Gdal,
}

impl Format {
    /// The format a file name's extension stands for; anything unknown is
    /// for GDAL to try.
    pub fn of(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Format::GeoJson,
            "gml" | "xml" => Format::Ler2Gml,
            "csv" => Format::Csv,
            "zip" => Format::Klic,
            _ => Format::Gdal,
        }
    }

    /// Whether a [`Mapping`] applies to the format.
    pub fn takes_mapping(self) -> bool {
        matches!(self, Format::GeoJson | Format::Csv | Format::Gdal)
    }

    /// The format in words, plural, as in "a mapping does not apply to …".
    pub fn describe(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::Ler2Gml => "LER 2 GML",
            Format::Csv => "CSV",
            Format::Klic => "KLIC deliveries",
            Format::Gdal => "GDAL formats",
        }
    }
}

/// The Netherlands in EPSG:25832 (UTM 32N reaches west of its zone there).
pub fn netherlands_service_area() -> Rect<f64> {
    Rect::new(
        coord! {x: -100_000.0, y: 5_500_000.0},
        coord! {x: 500_000.0, y: 6_200_000.0},
    )
}

/// The service area for `formats` when the caller names none: the
/// Netherlands when every file is a KLIC delivery, else Denmark.
pub fn default_service_area(formats: impl IntoIterator<Item = Format>) -> Rect<f64> {
    if formats.into_iter().all(|f| f == Format::Klic) {
        netherlands_service_area()
    } else {
        forsyning_geo::denmark_service_area()
    }
}

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The file could not be opened.
    #[error("opening {name}")]
    Open {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// The extension is none of the known formats and GDAL does not open it.
    #[error("{name}: unsupported format (.{ext}): not GeoJSON, LER 2 GML, CSV or a KLIC zip, and GDAL does not open it as vector data")]
    Unsupported { name: String, ext: String },
    /// A GeoPackage, Shapefile or FlatGeobuf that GDAL cannot open.
    #[error("{0}")]
    Gdal(IngestError),
}

/// The format of `path`, checked: a file the extension gives to GDAL must
/// open there. `name` is how messages call the file.
pub fn detect(path: &Path, name: &str) -> Result<Format, PipelineError> {
    let format = Format::of(path);
    if format == Format::Gdal {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if let Err(e) = GdalReader::open(path) {
            if matches!(ext.to_ascii_lowercase().as_str(), "gpkg" | "shp" | "fgb") {
                return Err(PipelineError::Gdal(e));
            }
            return Err(PipelineError::Unsupported {
                name: name.to_owned(),
                ext: ext.to_owned(),
            });
        }
    }
    Ok(format)
}

/// How far the reading has come.
pub trait Progress: Send + Sync {
    /// `bytes` more of the input were read.
    fn read(&self, bytes: u64);
    /// `n` more features were accepted and handed on (called by whoever
    /// drives the pipeline, per batch).
    fn accepted(&self, n: u64) {
        let _ = n;
    }
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn read(&self, _bytes: u64) {}
}

/// One input file.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    /// How the report and notes call the file (the path for the CLI, the
    /// uploaded file name for the API).
    pub name: String,
    pub format: Format,
}

/// What the files are and how to read them, checked before anything is read.
#[derive(Debug, Clone)]
pub struct Plan {
    pub files: Vec<Source>,
    pub mapping: Mapping,
    /// Features outside it are rejected (in `target_crs`).
    pub service_area: Rect<f64>,
    /// The store's native CRS: every feature is reprojected to it.
    pub target_crs: forsyning_geo::Crs,
    /// The files' sizes added up, for progress.
    pub total_bytes: u64,
    /// Added to the error for a KLIC delivery without the selected owner's
    /// features (e.g. which option selects another owner); may be empty.
    pub klic_hint: String,
}

/// Reads an upload's files one after the other with one normaliser and one
/// report.
#[derive(Debug)]
pub struct Pipeline {
    mapping: Mapping,
    normaliser: Normaliser,
    report: Report,
    notes: Vec<String>,
    bad_files: Vec<String>,
    klic_hint: String,
}

impl Pipeline {
    /// A pipeline for `plan`'s mapping and service area.
    pub fn new(plan: &Plan) -> Self {
        Self {
            mapping: plan.mapping.clone(),
            normaliser: Normaliser::to(plan.target_crs, plan.service_area),
            report: Report::new(),
            notes: Vec::new(),
            bad_files: Vec::new(),
            klic_hint: plan.klic_hint.clone(),
        }
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The report, the notes for the user, and the names of the files that
    /// had errors.
    pub fn finish(self) -> (Report, Vec<String>, Vec<String>) {
        (self.report, self.notes, self.bad_files)
    }

    /// Reads `source` into `sink`, recording every outcome in the report.
    /// `owner` selects the features of a KLIC delivery. Errors in the file
    /// are problems in the report; only a file that cannot be opened is an
    /// `Err`.
    pub fn read(
        &mut self,
        source: &Source,
        owner: Option<&str>,
        progress: &dyn Progress,
        sink: &mut dyn FnMut(NetworkFeature),
    ) -> Result<(), PipelineError> {
        let errors = self.report.errors();
        let result = self.input(source, progress).read(owner, sink);
        self.note_bad(source, errors);
        result
    }

    /// Reads a KLIC delivery zip recording each of its elements, whatever
    /// the owner; `f` gets the owner code of each.
    pub fn klic_owners(
        &mut self,
        source: &Source,
        progress: &dyn Progress,
        f: &mut dyn FnMut(&str),
    ) -> Result<(), PipelineError> {
        let errors = self.report.errors();
        let result = self
            .input(source, progress)
            .klic(None, &mut |code, _| f(code));
        self.note_bad(source, errors);
        result
    }

    fn input<'a>(&'a mut self, source: &'a Source, progress: &'a dyn Progress) -> Input<'a> {
        Input {
            path: &source.path,
            name: &source.name,
            format: source.format,
            progress,
            mapping: &self.mapping,
            normaliser: &mut self.normaliser,
            report: &mut self.report,
            notes: &mut self.notes,
            klic_hint: &self.klic_hint,
        }
    }

    fn note_bad(&mut self, source: &Source, errors_before: u64) {
        if self.report.errors() > errors_before {
            self.bad_files.push(source.name.clone());
        }
    }
}

/// Counts bytes as they are read.
struct Counting<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
    read: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.read(n as u64);
        Ok(n)
    }
}

/// One input file and what reading it needs.
struct Input<'a> {
    path: &'a Path,
    name: &'a str,
    format: Format,
    progress: &'a dyn Progress,
    mapping: &'a Mapping,
    normaliser: &'a mut Normaliser,
    report: &'a mut Report,
    notes: &'a mut Vec<String>,
    klic_hint: &'a str,
}

impl Input<'_> {
    /// A document-level error as a problem that names the file.
    fn fail(&mut self, e: &IngestError) {
        let mut p = e.to_problem();
        if !p.message.starts_with(self.name) {
            p.message = format!("{}: {}", self.name, p.message);
        }
        self.report.push(p);
    }

    /// Normalises and records one outcome in its source CRS; an accepted
    /// feature goes to `sink`.
    fn accept(&mut self, mut outcome: FeatureOutcome, sink: &mut dyn FnMut(NetworkFeature)) {
        match outcome.crs.clone() {
            Some(crs) => self.normaliser.normalise(&mut outcome, &crs),
            None if outcome.feature.is_some() => {
                outcome.feature = None;
                outcome.problems.push(
                    Problem::error(
                        Rule::UnknownCrs,
                        "the geometry has no CRS (no srsName), and the format has no default CRS",
                    )
                    .with_source_id(outcome.source_id.clone())
                    .at(outcome.position.clone()),
                );
            }
            None => {}
        }
        if let Some(f) = self.report.record(outcome) {
            sink(f);
        }
    }

    fn open(&self) -> Result<File, PipelineError> {
        File::open(self.path).map_err(|source| PipelineError::Open {
            name: self.name.to_owned(),
            source,
        })
    }

    fn read(
        &mut self,
        owner: Option<&str>,
        sink: &mut dyn FnMut(NetworkFeature),
    ) -> Result<(), PipelineError> {
        let name = self.name.to_owned();
        match self.format {
            Format::Klic => {
                return self.klic(owner, &mut |_, f| {
                    if let Some(f) = f {
                        sink(f);
                    }
                });
            }
            Format::Gdal => {
                let size = std::fs::metadata(self.path).map(|m| m.len()).unwrap_or(0);
                let result = GdalReader::open(self.path).and_then(|r| {
                    r.with_file_name(name.clone())
                        .with_mapping(self.mapping.clone())
                        .for_each(|outcome| self.accept(outcome, sink))
                });
                self.progress.read(size);
                if let Err(e) = result {
                    self.fail(&e);
                }
                return Ok(());
            }
            _ => {}
        }
        let file = self.open()?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let progress = self.progress;
        let mut input = BufReader::with_capacity(
            1 << 16,
            Counting {
                inner: file,
                progress,
                read: 0,
            },
        );
        match self.format {
            Format::GeoJson => {
                let summary = GeoJsonReader::new(&mut input)
                    .with_file_name(name.clone())
                    .with_mapping(self.mapping.clone())
                    .for_each(|mut outcome| {
                        outcome.crs = Some(outcome.crs.clone().unwrap_or_else(|| CRS84.to_owned()));
                        self.accept(outcome, sink);
                    });
                match summary {
                    Ok(s) if s.crs_after_features && s.crs_or_default() != CRS84 => self.report.push(Problem::error(
                        Rule::UnknownCrs,
                        format!("{name}: the \"crs\" member comes after \"features\"; put it first so the features can be reprojected as they stream"),
                    )),
                    Ok(_) => {}
                    Err(e) => self.fail(&e),
                }
            }
            Format::Ler2Gml => {
                let summary = Ler2Reader::new(&mut input)
                    .with_file_name(name.clone())
                    .for_each(|outcome| self.accept(outcome, sink));
                if let Err(e) = summary {
                    self.fail(&e);
                }
            }
            Format::Csv => {
                let summary = CsvReader::new(&mut input, self.mapping.clone())
                    .with_file_name(name.clone())
                    .for_each(|outcome| self.accept(outcome, sink));
                if let Err(e) = summary {
                    self.fail(&e);
                }
            }
            Format::Klic | Format::Gdal => {}
        }
        // What a reader left unread (trailing whitespace, or the rest after
        // a document error) is done with too.
        let counted = input.into_inner().read;
        progress.read(size.saturating_sub(counted));
        Ok(())
    }

    /// Reads a KLIC delivery zip. With `owner`, only that owner's elements
    /// are validated and recorded, and `f` gets `(code, Some(feature))` for
    /// each accepted one and `(code, None)` for each element of another
    /// owner; without, every element is recorded and `f` gets
    /// `(code, None)` for each.
    fn klic(
        &mut self,
        owner: Option<&str>,
        f: &mut dyn FnMut(&str, Option<NetworkFeature>),
    ) -> Result<(), PipelineError> {
        let name = self.name.to_owned();
        let file = self.open()?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut others: BTreeMap<String, u64> = BTreeMap::new();
        let mut mine = 0u64;
        let result = read_delivery(
            BufReader::new(file),
            Some(&name),
            &DeliveryLimits::default(),
            |e| {
                let code = e.owner_code.clone().unwrap_or_default();
                if owner.is_some_and(|o| o != code) {
                    *others.entry(code.clone()).or_default() += 1;
                    f(&code, None);
                    return;
                }
                if code.is_empty() {
                    let mut outcome = e.outcome;
                    outcome.feature = None;
                    outcome.problems.push(
                        Problem::error(
                            Rule::MandatoryAttributeMissing,
                            "the element's gml:id has no owner code (nl.imkl-KLnnnn.…)",
                        )
                        .with_source_id(outcome.source_id.clone())
                        .at(outcome.position.clone()),
                    );
                    self.accept(outcome, &mut |_| {});
                    return;
                }
                mine += 1;
                let mut accepted = None;
                self.accept(e.outcome, &mut |feature| accepted = Some(feature));
                match (owner, accepted) {
                    (Some(_), Some(feature)) => f(&code, Some(feature)),
                    (Some(_), None) => {}
                    (None, _) => f(&code, None),
                }
            },
        );
        self.progress.read(size);
        if let Err(e) = result {
            self.fail(&e);
            return Ok(());
        }
        if let Some(owner) = owner {
            if !others.is_empty() {
                let list: Vec<String> = others.iter().map(|(c, n)| format!("{c} ({n})")).collect();
                self.notes.push(format!(
                    "{name}: {mine} features of {owner}; skipped those of other owners: {}",
                    list.join(", ")
                ));
            }
            if mine == 0 {
                let list: Vec<&str> = others.keys().map(String::as_str).collect();
                self.report.push(Problem::error(
                    Rule::MandatoryAttributeMissing,
                    format!(
                        "{name}: the delivery has no features of owner {owner}; its owners are {}{}",
                        list.join(", "),
                        self.klic_hint
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[derive(Default)]
    struct Count(AtomicU64);

    impl Progress for Count {
        fn read(&self, bytes: u64) {
            self.0.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(path)
    }

    fn plan(files: Vec<Source>) -> Plan {
        Plan {
            service_area: default_service_area(files.iter().map(|s| s.format)),
            target_crs: forsyning_geo::Crs::STORE,
            files,
            mapping: Mapping::default(),
            total_bytes: 0,
            klic_hint: String::new(),
        }
    }

    #[test]
    fn format_follows_the_extension() {
        let cases = [
            ("a.GeoJSON", Format::GeoJson),
            ("a.json", Format::GeoJson),
            ("b.gml", Format::Ler2Gml),
            ("b.XML", Format::Ler2Gml),
            ("c.csv", Format::Csv),
            ("Levering_1.zip", Format::Klic),
            ("d.gpkg", Format::Gdal),
            ("noext", Format::Gdal),
        ];
        for (name, want) in cases {
            assert_eq!(Format::of(Path::new(name)), want, "{name}");
        }
        assert_eq!(
            default_service_area([Format::Klic, Format::Klic]),
            netherlands_service_area()
        );
        assert_eq!(
            default_service_area([Format::Klic, Format::GeoJson]),
            forsyning_geo::denmark_service_area()
        );
    }

    #[test]
    fn reading_counts_every_byte_and_hands_on_the_accepted_features() {
        let path = fixture("geojson/copenhagen-crs84.geojson");
        let size = std::fs::metadata(&path).unwrap().len();
        let source = Source {
            path,
            name: "upload.geojson".into(),
            format: Format::GeoJson,
        };
        let plan = plan(vec![source.clone()]);
        let mut pipeline = Pipeline::new(&plan);
        let progress = Count::default();
        let mut got = Vec::new();
        pipeline
            .read(&source, None, &progress, &mut |f| got.push(f.source_id))
            .unwrap();
        assert_eq!(progress.0.load(Ordering::Relaxed), size);
        assert_eq!(got, ["vand-1", "vand-2"]);
        let (report, notes, bad) = pipeline.finish();
        assert_eq!((report.accepted(), report.errors()), (2, 0));
        assert!(notes.is_empty() && bad.is_empty());
    }

    #[test]
    fn problems_name_the_file_by_its_given_name() {
        let source = Source {
            path: fixture("hostile/truncated.geojson"),
            name: "mine.geojson".into(),
            format: Format::GeoJson,
        };
        let plan = plan(vec![source.clone()]);
        let mut pipeline = Pipeline::new(&plan);
        pipeline
            .read(&source, None, &NoProgress, &mut |_| {})
            .unwrap();
        let (report, _, bad) = pipeline.finish();
        assert!(report.document_errors() > 0);
        assert_eq!(bad, ["mine.geojson"]);
        assert!(
            report
                .problems()
                .iter()
                .any(|p| p.message.starts_with("mine.geojson")),
            "{:?}",
            report.problems()
        );
    }

    #[test]
    fn a_missing_file_or_an_unknown_format_is_an_error_naming_it() {
        let source = Source {
            path: PathBuf::from("/nonexistent/x.csv"),
            name: "x.csv".into(),
            format: Format::Csv,
        };
        let plan = plan(vec![source.clone()]);
        let e = Pipeline::new(&plan)
            .read(&source, None, &NoProgress, &mut |_| {})
            .unwrap_err();
        assert_eq!(e.to_string(), "opening x.csv");

        let dir = tempfile::tempdir().unwrap();
        let txt = dir.path().join("notes.txt");
        std::fs::write(&txt, "just text\n").unwrap();
        let e = detect(&txt, "notes.txt").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("notes.txt: unsupported format (.txt)"),
            "{e}"
        );
    }
}
