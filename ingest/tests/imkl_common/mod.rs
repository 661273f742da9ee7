//! Helpers shared by the IMKL and INSPIRE integration tests: where the shared
//! data is.
#![allow(dead_code)]

use std::path::PathBuf;

/// `shared/data/network/<sub>`: from `$FORSYNING_SHARED_DATA`, else
/// `shared/data` beside the workspace. `None` (with the reason printed) when
/// absent, unless `CI=true`, where its absence fails the test.
pub fn network_dir(sub: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("FORSYNING_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")))
        .join("network")
        .join(sub);
    if dir.is_dir() {
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

/// The files in `dir` whose names start with `prefix` and end with `suffix`, sorted.
pub fn files(dir: &std::path::Path, prefix: &str, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(suffix)
        })
        .collect();
    out.sort();
    out
}

/// `<workspace>/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures")).join(rel)
}
