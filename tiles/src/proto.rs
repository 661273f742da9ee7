//! The few protocol-buffer primitives MVT needs: varints, zig-zag, and
//! length-delimited fields. Hand-written: the schema is four messages, and
//! a generated decoder would allocate per field where these borrow.

use crate::TileError;

/// Protobuf wire types used by the MVT schema (and fixed32/64 for values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    Varint,
    I64,
    Len,
    I32,
}

impl Wire {
    fn name(self) -> &'static str {
        match self {
            Wire::Varint => "varint",
            Wire::I64 => "64-bit",
            Wire::Len => "length-delimited",
            Wire::I32 => "32-bit",
        }
    }
}

/// One decoded field: its number and payload.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    Varint(u64),
    I64(u64),
    Len(&'a [u8]),
    I32(u32),
}

impl Field<'_> {
    pub(crate) fn wire(&self) -> Wire {
        match self {
            Field::Varint(_) => Wire::Varint,
            Field::I64(_) => Wire::I64,
            Field::Len(_) => Wire::Len,
            Field::I32(_) => Wire::I32,
        }
    }
}

/// Reads the fields of one message in order.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where we are, for errors: `tile`, `layer 0`, ...
    at: &'a str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], at: &'a str) -> Self {
        Self { buf, pos: 0, at }
    }

    fn err(&self, reason: impl Into<String>) -> TileError {
        TileError::protobuf(self.at, reason)
    }

    pub(crate) fn varint(&mut self) -> Result<u64, TileError> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(self.err("truncated varint"));
            };
            self.pos += 1;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], TileError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err(format!("field of {n} bytes runs past the message")))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// The next field, or `None` at the end of the message.
    pub(crate) fn next(&mut self) -> Result<Option<(u32, Field<'a>)>, TileError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| self.err("field number too large"))?;
        if number == 0 {
            return Err(self.err("field number 0"));
        }
        let field = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => Field::I64(u64::from_le_bytes(
                self.take(8)?.try_into().unwrap_or([0; 8]),
            )),
            2 => {
                let n =
                    usize::try_from(self.varint()?).map_err(|_| self.err("length too large"))?;
                Field::Len(self.take(n)?)
            }
            5 => Field::I32(u32::from_le_bytes(
                self.take(4)?.try_into().unwrap_or([0; 4]),
            )),
            w => return Err(self.err(format!("unsupported wire type {w} (field {number})"))),
        };
        Ok(Some((number, field)))
    }
}

/// The error for a known field with the wrong wire type.
pub(crate) fn wrong_wire(at: &str, name: &str, want: Wire, got: Wire) -> TileError {
    TileError::protobuf(
        at,
        format!("{name} must be {}, found {}", want.name(), got.name()),
    )
}

/// The varints of a packed repeated field (or of one unpacked element).
pub(crate) fn packed_u32(
    at: &str,
    name: &str,
    field: Field<'_>,
    out: &mut Vec<u32>,
) -> Result<(), TileError> {
    match field {
        Field::Len(bytes) => {
            let mut r = Reader::new(bytes, at);
            // Each varint takes at least one byte: never reserve more than the bytes.
            out.reserve(bytes.len().min(1 << 20));
            while r.pos < bytes.len() {
                let v = r.varint()?;
                out.push(u32::try_from(v).map_err(|_| {
                    TileError::protobuf(at, format!("{name} value {v} exceeds 32 bits"))
                })?);
            }
            Ok(())
        }
        Field::Varint(v) => {
            out.push(u32::try_from(v).map_err(|_| {
                TileError::protobuf(at, format!("{name} value {v} exceeds 32 bits"))
            })?);
            Ok(())
        }
        other => Err(wrong_wire(at, name, Wire::Len, other.wire())),
    }
}

pub(crate) fn zigzag(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

pub(crate) fn unzigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

pub(crate) fn zigzag64(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

pub(crate) fn unzigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Appends protobuf fields to a buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

pub(crate) fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

pub(crate) fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

impl Writer {
    fn key(&mut self, number: u32, wire: u8) {
        put_varint(&mut self.buf, (u64::from(number) << 3) | u64::from(wire));
    }

    pub(crate) fn varint(&mut self, number: u32, v: u64) {
        self.key(number, 0);
        put_varint(&mut self.buf, v);
    }

    pub(crate) fn fixed64(&mut self, number: u32, v: u64) {
        self.key(number, 1);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn fixed32(&mut self, number: u32, v: u32) {
        self.key(number, 5);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn bytes(&mut self, number: u32, b: &[u8]) {
        self.key(number, 2);
        put_varint(&mut self.buf, b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub(crate) fn packed(&mut self, number: u32, values: &[u32]) {
        if values.is_empty() {
            return;
        }
        self.key(number, 2);
        let len: usize = values.iter().map(|&v| varint_len(u64::from(v))).sum();
        put_varint(&mut self.buf, len as u64);
        for &v in values {
            put_varint(&mut self.buf, u64::from(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_round_trips_and_matches_the_protobuf_table() {
        // The table of the protobuf encoding guide.
        for (v, z) in [
            (0, 0),
            (-1, 1),
            (1, 2),
            (-2, 3),
            (2147483647, 4294967294u32),
            (-2147483648, 4294967295),
        ] {
            assert_eq!(unzigzag(v), z);
            assert_eq!(zigzag(z), v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -87948] {
            assert_eq!(zigzag64(unzigzag64(v)), v);
        }
    }

    #[test]
    fn varints_round_trip_with_their_length() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u32::MAX as u64,
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            assert_eq!(buf.len(), varint_len(v), "{v}");
            assert_eq!(Reader::new(&buf, "t").varint().unwrap(), v);
        }
        // 300 is 0xAC 0x02 (the protobuf guide's example).
        let mut buf = Vec::new();
        put_varint(&mut buf, 300);
        assert_eq!(buf, [0xac, 0x02]);
    }

    #[test]
    fn truncated_and_overlong_input_is_an_error_not_a_panic() {
        assert!(Reader::new(&[0x80], "t").varint().is_err());
        assert!(Reader::new(&[0xff; 11], "t").varint().is_err());
        // Field 1, length-delimited, claims 100 bytes, has 2.
        let mut r = Reader::new(&[0x0a, 100, 1, 2], "t");
        assert!(r.next().is_err());
    }
}
