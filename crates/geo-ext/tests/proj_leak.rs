//! An unknown CRS costs nothing that stays. `proj` 0.31.0 leaked the PROJ
//! context (and its proj.db connection) of every refused definition, so a
//! client sending unknown EPSG codes grew the server without bound; the
//! patched copy in `vendor/proj` frees it. Alone in its test binary: it reads
//! the process's resident memory.

use forsyning_geo::{Crs, GeoError};

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// Codes PROJ does not know (each is looked up afresh: failures are not cached).
fn refuse(range: std::ops::Range<u32>) {
    for code in range {
        let input = format!("EPSG:{code}");
        match Crs::parse(&input) {
            Err(GeoError::UnknownCrs { .. }) => {}
            other => panic!("{input}: expected UnknownCrs, got {other:?}"),
        }
    }
}

#[test]
fn unknown_codes_do_not_grow_the_process() {
    if !cfg!(target_os = "linux") {
        eprintln!("skipped: reads /proc/self/status");
        return;
    }
    // 990000.. is outside every EPSG range in use.
    refuse(990_000..990_200); // warm-up: allocator arenas, PROJ's caches
    let before = resident_kib();
    refuse(990_200..992_200);
    let grown = resident_kib().saturating_sub(before);
    println!("2,000 refused codes: resident memory grew by {grown} KiB");
    // Measured here: unpatched 9,978,820 KiB (about 5 MB per lost context:
    // each holds its own copy of the embedded proj.db); patched 208 KiB,
    // 24 KiB since a refused code no longer re-checks the database.
    assert!(
        grown < 8 * 1024,
        "2,000 refused codes grew the process by {grown} KiB: PROJ contexts are leaking"
    );
}
