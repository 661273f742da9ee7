//! Helpers shared by the LER 2 integration tests: where the shared data and
//! the fixtures are, reading documents, and the string surgery that stands in
//! for the XQuery mutations of LER's validation-rule files.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use forsyning_ingest::{FeatureOutcome, IngestError, Ler2Feature, Ler2Reader, Ler2Summary};

/// The shared data folder: `$FORSYNING_SHARED_DATA`, else `shared/data`
/// beside the workspace. `None` (with the reason printed) when it is absent,
/// unless `CI=true`, where its absence fails the test.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("FORSYNING_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
        });
    if dir.join("network/ler2").is_dir() {
        return Some(dir);
    }
    let reason = format!(
        "shared data not found at {} (set FORSYNING_SHARED_DATA)",
        dir.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{reason}");
    }
    eprintln!("skipped: {reason}");
    None
}

/// `shared/data/network/ler2`.
pub fn ler2_dir() -> Option<PathBuf> {
    shared_data().map(|d| d.join("network/ler2"))
}

/// One of LER's example documents, by file name.
pub fn example(name: &str) -> Option<String> {
    let path = ler2_dir()?.join("examples").join(name);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A fixture of this repository: `fixtures/<path>`.
pub fn fixture_path(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures")).join(path)
}

pub fn fixture(path: &str) -> Vec<u8> {
    let p = fixture_path(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every feature of `xml` (with relations), and how the read ended.
pub fn read_features(xml: &[u8]) -> (Vec<Ler2Feature>, Result<Ler2Summary, IngestError>) {
    let mut out = Vec::new();
    let end = Ler2Reader::new(xml)
        .with_file_name("test.xml")
        .for_each_feature(|f| out.push(f));
    (out, end)
}

/// The outcomes of a document that must read to its end.
pub fn read_ok(xml: &str) -> (Vec<FeatureOutcome>, Ler2Summary) {
    let (features, end) = read_features(xml.as_bytes());
    let summary = end.unwrap_or_else(|e| panic!("the document reads: {e}"));
    (features.into_iter().map(|f| f.outcome).collect(), summary)
}

/// The outcome of a document holding one feature.
pub fn one(xml: &str) -> FeatureOutcome {
    let (mut out, _) = read_ok(xml);
    assert_eq!(out.len(), 1, "one feature");
    out.pop().unwrap()
}

/// The error of a document that must not read.
pub fn read_err(xml: &[u8]) -> IngestError {
    match read_features(xml).1 {
        Ok(s) => panic!("the document should fail, but read {s:?}"),
        Err(e) => e,
    }
}

/// LER's rule names at the start of the problems' messages (`E1`,
/// `GEOM1`, `udvendigDiameterBetingelse` ...), over all outcomes.
pub fn ler_codes<'a>(outcomes: impl IntoIterator<Item = &'a FeatureOutcome>) -> BTreeSet<String> {
    outcomes
        .into_iter()
        .flat_map(|o| &o.problems)
        .filter_map(|p| p.message.split_once(": ").map(|(code, _)| code))
        .filter(|code| !code.contains(' '))
        .map(str::to_owned)
        .collect()
}

/// Byte range of the first element `qname` (`ler:geometri`) in `doc`.
pub fn element_range(doc: &str, qname: &str) -> std::ops::Range<usize> {
    let open = format!("<{qname}");
    let mut from = 0;
    let start = loop {
        let i = from
            + doc[from..]
                .find(&open)
                .unwrap_or_else(|| panic!("no <{qname}> in the document"));
        let next = doc.as_bytes()[i + open.len()];
        if next == b'>' || next == b'/' || next.is_ascii_whitespace() {
            break i;
        }
        from = i + 1;
    };
    let tag_end = start + doc[start..].find('>').unwrap();
    if doc.as_bytes()[tag_end - 1] == b'/' {
        return start..tag_end + 1;
    }
    let close = format!("</{qname}>");
    let end = tag_end + doc[tag_end..].find(&close).unwrap() + close.len();
    start..end
}

/// `delete node $doc//qname`.
pub fn delete(doc: &str, qname: &str) -> String {
    let r = element_range(doc, qname);
    format!("{}{}", &doc[..r.start], &doc[r.end..])
}

/// `replace node $doc//qname with node`.
pub fn replace(doc: &str, qname: &str, node: &str) -> String {
    let r = element_range(doc, qname);
    format!("{}{node}{}", &doc[..r.start], &doc[r.end..])
}

/// `replace value of node $doc//qname with text`.
pub fn replace_value(doc: &str, qname: &str, text: &str) -> String {
    let r = element_range(doc, qname);
    let content_start = r.start + doc[r.start..].find('>').unwrap() + 1;
    let content_end = r.end - format!("</{qname}>").len();
    format!("{}{text}{}", &doc[..content_start], &doc[content_end..])
}

/// `replace value of node $doc//qname/@attr with value`.
pub fn replace_attr(doc: &str, qname: &str, attr: &str, value: &str) -> String {
    let r = element_range(doc, qname);
    let tag = &doc[r.start..r.start + doc[r.start..].find('>').unwrap()];
    let key = format!("{attr}=\"");
    let v = r.start + tag.find(&key).unwrap() + key.len();
    let v_end = v + doc[v..].find('"').unwrap();
    format!("{}{value}{}", &doc[..v], &doc[v_end..])
}

/// `insert node node as last into $doc//qname`.
pub fn insert_last(doc: &str, qname: &str, node: &str) -> String {
    let r = element_range(doc, qname);
    let at = r.end - format!("</{qname}>").len();
    format!("{}{node}\n{}", &doc[..at], &doc[at..])
}

/// `insert node node before $doc//qname`.
pub fn insert_before(doc: &str, qname: &str, node: &str) -> String {
    let r = element_range(doc, qname);
    format!("{}{node}\n{}", &doc[..r.start], &doc[r.start..])
}

/// `insert nodes node after $doc//qname`.
pub fn insert_after(doc: &str, qname: &str, node: &str) -> String {
    let r = element_range(doc, qname);
    format!("{}\n{node}{}", &doc[..r.end], &doc[r.end..])
}

/// Applies `f` to the feature element `qname` whose `gml:id` is `id` only
/// (`$doc//ler:Elledning[@gml:id="elledning-B"]/...`).
pub fn within(doc: &str, qname: &str, id: &str, f: impl FnOnce(&str) -> String) -> String {
    let marker = format!("<{qname} gml:id=\"{id}\"");
    let start = doc.find(&marker).unwrap_or_else(|| panic!("no {marker}"));
    let close = format!("</{qname}>");
    let end = start + doc[start..].find(&close).unwrap() + close.len();
    format!("{}{}{}", &doc[..start], f(&doc[start..end]), &doc[end..])
}
