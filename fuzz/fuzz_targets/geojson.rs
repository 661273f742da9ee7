//! GeoJSON: `GeoJsonReader` over a FeatureCollection or a lone Feature.
#![no_main]

use forsyning_ingest::GeoJsonReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut features = 0u64;
    let result = GeoJsonReader::new(data)
        .with_file_name("fuzz.geojson")
        .for_each(|outcome| {
            features += 1;
            std::hint::black_box(&outcome);
        });
    std::hint::black_box((result.is_ok(), features));
});
