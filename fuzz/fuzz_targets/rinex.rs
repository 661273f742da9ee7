//! RINEX 3/4: `rinex::index` (header, then epoch lines of observation files
//! or records of navigation files; plain, Hatanaka or gzip).
#![no_main]

use forsyning_gnss::rinex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ix) = rinex::index("fuzz.rnx", data) {
        std::hint::black_box(&ix);
    }
});
