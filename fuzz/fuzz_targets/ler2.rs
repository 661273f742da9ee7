//! LER 2 GML: `Ler2Reader` over the whole document, with relations.
#![no_main]

use forsyning_ingest::Ler2Reader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut features = 0usize;
    let result = Ler2Reader::new(data)
        .with_file_name("fuzz.gml")
        .for_each_feature(|f| {
            features += 1;
            // Touch what a caller reads (the outcome and its relations).
            std::hint::black_box((&f.outcome, f.relations.len()));
        });
    if let Ok(summary) = result {
        assert_eq!(summary.features, features as u64, "summary counts the features handed out");
    }
});
