//! NMEA 0183: the byte decoder (`decode_bytes`), the buffered reader
//! (`Decoder::push_reader`, small buffer so lines cross its refills), and the
//! same lines again with their checksums made right, so that the fuzzer
//! reaches the sentence decoders and the epoch assembler without having to
//! guess an XOR checksum.
#![no_main]

use std::io::BufReader;

use forsyning_gnss::nmea::{decode_bytes, line::with_checksum, Decoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (fixes, report) = decode_bytes(data);
    std::hint::black_box((fixes.len(), &report));

    let mut d = Decoder::new();
    let _ = d.push_reader(BufReader::with_capacity(7, data), |f| {
        std::hint::black_box(&f);
    });
    std::hint::black_box(d.finish());

    let mut d = Decoder::new();
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let fixed = match line.split_first() {
            Some((b'$' | b'!', rest)) => {
                let body = rest.split(|&b| b == b'*').next().unwrap_or(rest);
                match std::str::from_utf8(body) {
                    Ok(body) => {
                        let mut s = with_checksum(body);
                        if line[0] == b'!' {
                            s.replace_range(..1, "!");
                        }
                        s.into_bytes()
                    }
                    Err(_) => line.to_vec(),
                }
            }
            _ => line.to_vec(),
        };
        if let Some(f) = d.push_line(&fixed) {
            std::hint::black_box(&f);
        }
    }
    std::hint::black_box(d.finish());
});
