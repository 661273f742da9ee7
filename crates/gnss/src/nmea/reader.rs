//! Line-by-line decoding of an NMEA stream or log: fixes out, malformed lines
//! counted and kept (up to a cap) with their line number and reason.

use std::io::BufRead;

use super::assembler::Assembler;
use super::line::{Reason, Sentence, MAX_LINE};
use crate::fix::Fix;

/// Malformed lines kept in a [`Report`]; the rest are only counted.
pub const KEPT_MALFORMED: usize = 1000;

/// One rejected line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line number.
    pub line: usize,
    /// Why it was rejected.
    pub reason: Reason,
}

/// What a decoder saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Lines read (including comments and blank lines).
    pub lines: usize,
    /// Sentences with a valid checksum.
    pub sentences: usize,
    /// `#` comment and blank lines (gpsd log headers).
    pub comments: usize,
    /// Fixes produced.
    pub fixes: usize,
    /// Malformed lines, all of them.
    pub malformed_count: usize,
    /// The first [`KEPT_MALFORMED`] malformed lines.
    pub malformed: Vec<Malformed>,
}

/// Streaming decoder: one [`Assembler`] plus line bookkeeping. No allocation
/// per line once the first malformed lines are recorded.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    assembler: Assembler,
    report: Report,
}

impl Decoder {
    /// A fresh decoder.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// The assembler, e.g. to set a date before the first RMC.
    pub fn assembler_mut(&mut self) -> &mut Assembler {
        &mut self.assembler
    }

    /// One line (with or without CR/LF); the fix if it closed an epoch.
    pub fn push_line(&mut self, line: &[u8]) -> Option<Fix> {
        self.report.lines += 1;
        let n = self.report.lines;
        let trimmed = trim(line);
        if trimmed.is_empty() || trimmed[0] == b'#' {
            self.report.comments += 1;
            return None;
        }
        match Sentence::parse(trimmed) {
            Ok(s) => {
                self.report.sentences += 1;
                let fix = self.assembler.push(&s, n);
                self.report.fixes += usize::from(fix.is_some());
                fix
            }
            Err(reason) => {
                self.reject(n, reason);
                None
            }
        }
    }

    fn reject(&mut self, line: usize, reason: Reason) {
        self.report.malformed_count += 1;
        if self.report.malformed.len() < KEPT_MALFORMED {
            self.report.malformed.push(Malformed { line, reason });
        }
    }

    /// Every line of an in-memory buffer; calls `on_fix` for each fix.
    pub fn push_bytes(&mut self, bytes: &[u8], mut on_fix: impl FnMut(Fix)) {
        for line in bytes.split(|&b| b == b'\n') {
            if let Some(f) = self.push_line(line) {
                on_fix(f);
            }
        }
        // A trailing newline yields one empty "line" that was never there.
        if bytes.last() == Some(&b'\n') {
            self.report.lines -= 1;
            self.report.comments -= 1;
        }
    }

    /// Every line of a reader, holding at most [`MAX_LINE`] + 2 bytes of a
    /// line in memory (longer lines are reported, not buffered).
    pub fn push_reader<R: BufRead>(
        &mut self,
        mut r: R,
        mut on_fix: impl FnMut(Fix),
    ) -> std::io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(MAX_LINE + 2);
        let mut overlong = 0usize;
        loop {
            let chunk = r.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let (take, end) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let piece = &chunk[..if end { take - 1 } else { take }];
            if overlong > 0 || buf.len() + piece.len() > MAX_LINE + 2 {
                overlong += buf.len() + piece.len();
                buf.clear();
            } else {
                buf.extend_from_slice(piece);
            }
            r.consume(take);
            if end {
                self.finish_line(&mut buf, &mut overlong, &mut on_fix);
            }
        }
        if !buf.is_empty() || overlong > 0 {
            self.finish_line(&mut buf, &mut overlong, &mut on_fix);
        }
        Ok(())
    }

    fn finish_line(
        &mut self,
        buf: &mut Vec<u8>,
        overlong: &mut usize,
        on_fix: &mut impl FnMut(Fix),
    ) {
        if *overlong > 0 {
            self.report.lines += 1;
            let n = self.report.lines;
            self.reject(n, Reason::TooLong(*overlong));
            *overlong = 0;
        } else if let Some(f) = self.push_line(buf) {
            on_fix(f);
        }
        buf.clear();
    }

    /// What was seen so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Ends decoding, returning the report.
    pub fn finish(self) -> Report {
        self.report
    }
}

/// Decodes a whole buffer: fixes and report.
pub fn decode_bytes(bytes: &[u8]) -> (Vec<Fix>, Report) {
    let mut d = Decoder::new();
    let mut fixes = Vec::new();
    d.push_bytes(bytes, |f| fixes.push(f));
    (fixes, d.finish())
}

fn trim(line: &[u8]) -> &[u8] {
    let mut l = line;
    while let [rest @ .., last] = l {
        if last.is_ascii_whitespace() {
            l = rest;
        } else {
            break;
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::super::line::with_checksum;
    use super::*;

    #[test]
    fn malformed_lines_are_counted_not_fatal() {
        let good =
            with_checksum("GPGGA,120000.00,5540.0000,N,01230.0000,E,1,08,0.9,10.0,M,40.0,M,,");
        let text = format!(
            "# header\n{good}\n$GPGGA,broken*00\n{}\n\u{1}\u{2}binary\n{good}\n",
            "x".repeat(400)
        );
        let (fixes, report) = decode_bytes(text.as_bytes());
        assert_eq!(report.lines, 6);
        assert_eq!(report.comments, 1);
        assert_eq!(report.sentences, 2);
        assert_eq!(report.malformed_count, 3);
        assert_eq!(report.malformed[0].line, 3);
        assert!(matches!(
            report.malformed[0].reason,
            Reason::ChecksumMismatch(..)
        ));
        assert_eq!(report.malformed[1].reason, Reason::TooLong(400));
        assert_eq!(report.malformed[2].reason, Reason::NoStart);
        // Both GGAs report (no cycle ender learnt: same time, no clear).
        assert_eq!(fixes.len(), 2);
        assert_eq!(fixes[0].line, 2);
        let (la, lo) = (fixes[0].lat.unwrap(), fixes[0].lon.unwrap());
        assert!((la - 55.666_666_666).abs() < 1e-8 && (lo - 12.5).abs() < 1e-12);
        assert_eq!(fixes[0].alt_hae, Some(50.0));
    }

    #[test]
    fn reader_and_bytes_agree_and_cap_long_lines() {
        let good =
            with_checksum("GPGGA,120000.00,5540.0000,N,01230.0000,E,1,08,0.9,10.0,M,40.0,M,,");
        let text = format!("{good}\r\n{}\n{good}", "$".repeat(100_000));
        let (a, ra) = decode_bytes(text.as_bytes());
        let mut d = Decoder::new();
        let mut b = Vec::new();
        d.push_reader(
            std::io::BufReader::with_capacity(64, text.as_bytes()),
            |f| b.push(f),
        )
        .unwrap();
        let rb = d.finish();
        assert_eq!(a, b);
        assert_eq!(ra, rb);
        assert_eq!(
            rb.malformed,
            vec![Malformed {
                line: 2,
                reason: Reason::TooLong(100_000)
            }]
        );
    }
}
