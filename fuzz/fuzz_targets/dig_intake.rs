//! A dig request body as the API reads it: `DigIntake::from_json_in` (which
//! is `parse_object` then `DigIntake::from_object_in`), with the API's default
//! limits (KLIC's, in the Danish service area) and EPSG:25832 as the region's
//! CRS. A body naming a `crs` goes through PROJ (lookup and reprojection).
#![no_main]

use chrono::{DateTime, Utc};
use forsyning_api::dig::DigIntake;
use forsyning_geo::Crs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Fixed, so a run is reproducible: the seeds' periods lie after it.
    let now: DateTime<Utc> = DateTime::from_timestamp(1_767_225_600, 0).unwrap(); // 2026-01-01
    let limits = forsyning_api::default_dig_limits();
    if let Ok(intake) = DigIntake::from_json_in(data, now, &limits, Crs::STORE) {
        std::hint::black_box(&intake);
    }
});
