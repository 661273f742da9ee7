//! What the CLI's ingest tests share: running the binary on a store in a
//! folder, and the fixtures folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `fixtures/<path>` of the workspace.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

/// Runs `forsyning --store gpkg:store.gpkg ARGS` in `dir`.
pub fn forsyning(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir)
        .args(["--store", "gpkg:store.gpkg"])
        .args(args)
        .output()
        .unwrap()
}

/// Standard output and error together.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
