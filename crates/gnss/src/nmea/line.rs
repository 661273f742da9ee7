//! One NMEA 0183 line: framing, checksum, talker and zero-copy field split.

use std::fmt;

/// Longest line accepted, in bytes (without CR/LF). The standard allows 82;
/// survey receivers (u-blox F9P high-precision GGA, Trimble) send up to ~170.
pub const MAX_LINE: usize = 256;

/// Most fields kept per sentence (GSV with signal id has 22, GSA 19).
pub const MAX_FIELDS: usize = 40;

/// Why a line was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Longer than [`MAX_LINE`]; the length is given.
    TooLong(usize),
    /// Does not start with `$` (or `!`).
    NoStart,
    /// Contains a byte outside printable ASCII.
    NotAscii,
    /// No `*hh` checksum.
    NoChecksum,
    /// `*` not followed by exactly two hex digits.
    BadChecksumField,
    /// Checksum does not match: (computed, stated).
    ChecksumMismatch(u8, u8),
    /// The address field is shorter than 3 characters.
    ShortAddress,
    /// More than [`MAX_FIELDS`] fields.
    TooManyFields,
    /// A field of a known sentence could not be decoded: (sentence, field index).
    BadField(&'static str, usize),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::TooLong(n) => write!(f, "line too long ({n} bytes, limit {MAX_LINE})"),
            Reason::NoStart => write!(f, "does not start with '$'"),
            Reason::NotAscii => write!(f, "non-ASCII or control byte"),
            Reason::NoChecksum => write!(f, "no *hh checksum"),
            Reason::BadChecksumField => write!(f, "checksum is not two hex digits"),
            Reason::ChecksumMismatch(c, s) => {
                write!(f, "checksum mismatch (computed {c:02X}, stated {s:02X})")
            }
            Reason::ShortAddress => write!(f, "address field shorter than 3 characters"),
            Reason::TooManyFields => write!(f, "more than {MAX_FIELDS} fields"),
            Reason::BadField(s, i) => write!(f, "{s}: field {i} cannot be decoded"),
        }
    }
}

/// A checked sentence: its fields borrow the input line (no allocation).
///
/// Field 0 is the address (`GPGGA`); fields past the end read as `""`, as in
/// gpsd, so decoders index without bounds checks of their own.
#[derive(Debug, Clone, Copy)]
pub struct Sentence<'a> {
    fields: [&'a str; MAX_FIELDS],
    count: usize,
}

impl<'a> Sentence<'a> {
    /// Checks framing and checksum of one line (CR/LF already stripped or not).
    pub fn parse(line: &'a [u8]) -> Result<Sentence<'a>, Reason> {
        let line = trim_end(line);
        if line.len() > MAX_LINE {
            return Err(Reason::TooLong(line.len()));
        }
        let (&first, rest) = line.split_first().ok_or(Reason::NoStart)?;
        if first != b'$' && first != b'!' {
            return Err(Reason::NoStart);
        }
        let mut sum = 0u8;
        let mut star = None;
        for (i, &b) in rest.iter().enumerate() {
            if !(0x20..0x7f).contains(&b) {
                return Err(Reason::NotAscii);
            }
            if b == b'*' {
                star = Some(i);
                break;
            }
            sum ^= b;
        }
        let star = star.ok_or(Reason::NoChecksum)?;
        let cs = &rest[star + 1..];
        if cs.len() != 2 {
            return Err(Reason::BadChecksumField);
        }
        let stated = (hex(cs[0]).ok_or(Reason::BadChecksumField)? << 4)
            | hex(cs[1]).ok_or(Reason::BadChecksumField)?;
        if stated != sum {
            return Err(Reason::ChecksumMismatch(sum, stated));
        }
        // Printable ASCII was checked above, so this cannot fail.
        let body = std::str::from_utf8(&rest[..star]).map_err(|_| Reason::NotAscii)?;
        let mut fields = [""; MAX_FIELDS];
        let mut count = 0;
        for f in body.split(',') {
            if count == MAX_FIELDS {
                return Err(Reason::TooManyFields);
            }
            fields[count] = f;
            count += 1;
        }
        if fields[0].len() < 3 {
            return Err(Reason::ShortAddress);
        }
        Ok(Sentence { fields, count })
    }

    /// Number of fields including the address (gpsd's `count`).
    pub fn count(&self) -> usize {
        self.count
    }

    /// Field `i`, `""` when absent.
    #[inline]
    pub fn field(&self, i: usize) -> &'a str {
        if i < MAX_FIELDS {
            self.fields[i]
        } else {
            ""
        }
    }

    /// The address field, e.g. `GNGGA` or `PUBX`.
    pub fn address(&self) -> &'a str {
        self.fields[0]
    }

    /// Two-letter talker (`GP`, `GN`, `BD`...); `None` for proprietary (`P...`).
    pub fn talker(&self) -> Option<&'a str> {
        let a = self.fields[0];
        if a.starts_with('P') {
            None
        } else {
            a.get(..2)
        }
    }

    /// Sentence formatter after the talker (`GGA`); the whole address for
    /// proprietary sentences.
    pub fn kind(&self) -> &'a str {
        let a = self.fields[0];
        if a.starts_with('P') {
            a
        } else {
            a.get(2..).unwrap_or("")
        }
    }
}

/// XOR checksum of a sentence body (between `$` and `*`).
pub fn checksum(body: &str) -> u8 {
    body.bytes().fold(0, |a, b| a ^ b)
}

/// `$body*hh` with the right checksum (for tests and simulators).
pub fn with_checksum(body: &str) -> String {
    format!("${body}*{:02X}", checksum(body))
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

fn trim_end(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., last] = line {
        if last.is_ascii_whitespace() || *last == 0 {
            line = rest;
        } else {
            break;
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_sentence_splits_fields() {
        let s = Sentence::parse(b"$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39\r\n").unwrap();
        assert_eq!(s.count(), 18);
        assert_eq!(s.talker(), Some("GP"));
        assert_eq!(s.kind(), "GSA");
        assert_eq!(s.field(2), "3");
        assert_eq!(s.field(17), "2.1");
        assert_eq!(s.field(30), "");
    }

    #[test]
    fn checksum_mismatch_is_reported() {
        let e = Sentence::parse(b"$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*38").unwrap_err();
        assert_eq!(e, Reason::ChecksumMismatch(0x39, 0x38));
        assert_eq!(
            Sentence::parse(b"$GPGSA,A,3").unwrap_err(),
            Reason::NoChecksum
        );
        assert_eq!(Sentence::parse(b"GPGSA,A*00").unwrap_err(), Reason::NoStart);
        assert_eq!(
            Sentence::parse(b"$GPGSA*4").unwrap_err(),
            Reason::BadChecksumField
        );
        let long = vec![b'$'; MAX_LINE + 1];
        assert_eq!(
            Sentence::parse(&long).unwrap_err(),
            Reason::TooLong(MAX_LINE + 1)
        );
        assert_eq!(
            Sentence::parse(b"$GP\xffA*00").unwrap_err(),
            Reason::NotAscii
        );
    }

    #[test]
    fn proprietary_has_no_talker() {
        let s = Sentence::parse(b"$PUBX,00*33").unwrap();
        assert_eq!(s.talker(), None);
        assert_eq!(s.kind(), "PUBX");
    }
}
