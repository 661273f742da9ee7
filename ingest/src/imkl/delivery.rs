//! KLIC deliveries: a zip with the IMKL GML (`GI_gebiedsinformatielevering_*.xml`),
//! PDFs and a background PNG. The zip is untrusted: entry names, sizes and
//! compression ratios are checked before anything is decompressed, and the
//! bytes actually decompressed are counted again while reading.

use std::cell::Cell;
use std::io::{self, Read, Seek};
use std::rc::Rc;

use zip::ZipArchive;

use super::reader::{CrsGeometry, ImklElement, ImklLimits, ImklReader, ImklSummary};
use crate::{IngestError, Location};

/// Caps on a delivery zip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryLimits {
    /// Uncompressed bytes of all entries together (declared and read).
    pub max_total_bytes: u64,
    /// Uncompressed bytes per compressed byte of one entry.
    pub max_ratio: u64,
    /// Entries in the zip.
    pub max_entries: usize,
    /// Limits of the IMKL reader for each GML file.
    pub imkl: ImklLimits,
}

impl Default for DeliveryLimits {
    /// 2 GiB in all, a ratio of 100:1, 10 000 entries.
    fn default() -> Self {
        Self {
            max_total_bytes: 2 << 30,
            max_ratio: 100,
            max_entries: 10_000,
            imkl: ImklLimits::default(),
        }
    }
}

/// What a delivery held besides its elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The GML entries read, in zip order.
    pub gml_files: Vec<String>,
    /// One summary per GML entry.
    pub summaries: Vec<ImklSummary>,
    /// The dig polygon (`Graafpolygoon`) of the request, with its CRS.
    pub dig_polygon: Option<CrsGeometry>,
    /// All entry names, for the caller's attachments (PDF, PNG).
    pub entries: Vec<String>,
}

fn malformed(file: &Option<String>, message: String) -> IngestError {
    IngestError::Malformed {
        at: Location {
            file: file.clone(),
            ..Location::default()
        },
        message,
    }
}

fn limit(file: &Option<String>, what: &'static str, limit: u64) -> IngestError {
    IngestError::LimitExceeded {
        at: Location {
            file: file.clone(),
            ..Location::default()
        },
        what,
        limit,
    }
}

/// A name that stays inside the extraction directory: relative, no `..`,
/// no drive letter, no NUL.
fn safe_name(name: &str) -> bool {
    let n = name.replace('\\', "/");
    !(n.is_empty()
        || n.starts_with('/')
        || n.contains('\0')
        || n.as_bytes().get(1) == Some(&b':')
        || n.split('/').any(|part| part == ".."))
}

fn is_gml(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    lower.starts_with("gi_gebiedsinformatielevering")
        && (lower.ends_with(".xml") || lower.ends_with(".gml"))
}

/// Reads a KLIC delivery zip: checks every entry, then reads each
/// `GI_gebiedsinformatielevering*.xml` with [`ImklReader`], handing each
/// element to `f`. `name` is used in errors.
pub fn read_delivery<R: Read + Seek>(
    reader: R,
    name: Option<&str>,
    limits: &DeliveryLimits,
    mut f: impl FnMut(ImklElement),
) -> Result<Delivery, IngestError> {
    let file = name.map(str::to_owned);
    let mut zip = ZipArchive::new(reader)
        .map_err(|e| malformed(&file, format!("not a readable zip archive: {e}")))?;
    if zip.len() > limits.max_entries {
        return Err(limit(
            &file,
            "entries in the delivery zip",
            limits.max_entries as u64,
        ));
    }
    let mut entries = Vec::new();
    let mut gml = Vec::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| malformed(&file, format!("zip entry {i}: {e}")))?;
        let entry_name = entry.name().to_owned();
        if !safe_name(&entry_name) || entry.enclosed_name().is_none() {
            let m = format!("zip entry {entry_name:?} has an unsafe path (absolute or with ..)");
            return Err(malformed(&file, m));
        }
        total = total.saturating_add(entry.size());
        if total > limits.max_total_bytes {
            return Err(limit(
                &file,
                "uncompressed bytes of the delivery zip",
                limits.max_total_bytes,
            ));
        }
        if entry.size()
            > limits
                .max_ratio
                .saturating_mul(entry.compressed_size().max(1))
        {
            return Err(limit(
                &file,
                "compression ratio of a zip entry",
                limits.max_ratio,
            ));
        }
        if !entry.is_dir() && is_gml(&entry_name) {
            gml.push((i, entry_name.clone(), entry.compressed_size()));
        }
        entries.push(entry_name);
    }
    if gml.is_empty() {
        let m = "the zip holds no GI_gebiedsinformatielevering*.xml".to_owned();
        return Err(malformed(&file, m));
    }
    let mut delivery = Delivery {
        gml_files: Vec::new(),
        summaries: Vec::new(),
        dig_polygon: None,
        entries,
    };
    let read_total = Rc::new(Cell::new(0u64));
    for (i, entry_name, compressed) in gml {
        let entry = zip
            .by_index(i)
            .map_err(|e| malformed(&file, format!("zip entry {entry_name:?}: {e}")))?;
        let tripped = Rc::new(Cell::new(None));
        let guarded = Guard {
            inner: entry,
            read: 0,
            max_entry: limits.max_ratio.saturating_mul(compressed.max(1)),
            total: Rc::clone(&read_total),
            max_total: limits.max_total_bytes,
            tripped: Rc::clone(&tripped),
        };
        let label = match &file {
            Some(f) => format!("{f}!{entry_name}"),
            None => entry_name.clone(),
        };
        let result = ImklReader::new(guarded)
            .with_file_name(label.clone())
            .with_limits(limits.imkl)
            .for_each_element(&mut f);
        let summary = match (result, tripped.get()) {
            (_, Some(what)) => {
                let max = match what {
                    Trip::Ratio => limits.max_ratio,
                    Trip::Total => limits.max_total_bytes,
                };
                return Err(limit(&Some(label), what.describe(), max));
            }
            (Err(e), None) => return Err(e),
            (Ok(s), None) => s,
        };
        if delivery.dig_polygon.is_none() {
            delivery.dig_polygon.clone_from(&summary.dig_polygon);
        }
        delivery.summaries.push(summary);
        delivery.gml_files.push(entry_name);
    }
    Ok(delivery)
}

#[derive(Debug, Clone, Copy)]
enum Trip {
    Ratio,
    Total,
}

impl Trip {
    fn describe(self) -> &'static str {
        match self {
            Trip::Ratio => "compression ratio of a zip entry",
            Trip::Total => "uncompressed bytes of the delivery zip",
        }
    }
}

/// Counts decompressed bytes: the sizes in the zip's directory may lie.
struct Guard<R> {
    inner: R,
    read: u64,
    max_entry: u64,
    total: Rc<Cell<u64>>,
    max_total: u64,
    tripped: Rc<Cell<Option<Trip>>>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.total.set(self.total.get() + n as u64);
        let trip = if self.read > self.max_entry {
            Some(Trip::Ratio)
        } else if self.total.get() > self.max_total {
            Some(Trip::Total)
        } else {
            None
        };
        if let Some(t) = trip {
            self.tripped.set(Some(t));
            return Err(io::Error::other(t.describe()));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_refused() {
        for bad in [
            "../x.xml",
            "a/../../x",
            "/etc/passwd",
            "C:/x",
            "a\\..\\x",
            "",
        ] {
            assert!(!safe_name(bad), "{bad}");
        }
        assert!(safe_name(
            "22G003175_1/GI_gebiedsinformatielevering_22G003175_1_V2.xml"
        ));
        assert!(is_gml("d/GI_gebiedsinformatielevering_1_V2.xml"));
        assert!(!is_gml("d/LI_1.pdf"));
    }
}
