//! IMKL: `ImklReader` on a GML document, or `read_delivery` on a KLIC zip
//! (inputs that start with the zip signature `PK`).
#![no_main]

use std::io::Cursor;

use forsyning_ingest::{read_delivery, DeliveryLimits, ImklReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"PK") {
        let _ = read_delivery(
            Cursor::new(data),
            Some("fuzz.zip"),
            &DeliveryLimits::default(),
            |e| {
                std::hint::black_box(&e);
            },
        );
    } else {
        let _ = ImklReader::new(data)
            .with_file_name("fuzz.xml")
            .for_each_element(|e| {
                std::hint::black_box(&e);
            });
    }
});
