//! The byte stream under the XML parser. It checks that every byte is UTF-8,
//! remembers where recent lines start (to turn quick-xml's byte offsets into
//! line and column), and stops the read when one feature grows past its
//! allowance, so that no event buffer can grow without bound.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

/// Newline offsets remembered; older ones are forgotten, and positions
/// before the oldest are then given as a byte offset.
const MAX_NEWLINES: usize = 1 << 16;

/// Why the stream refused to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trip {
    /// The current allowance of bytes is used up.
    Limit,
    /// The byte at this offset does not continue valid UTF-8.
    Utf8(u64),
}

/// What the stream has seen, shared with the parser's error reporting.
#[derive(Debug)]
pub(crate) struct Tracker {
    read: u64,
    newlines: u64,
    recent: VecDeque<u64>,
    forgot: bool,
    max: u64,
    limit_at: u64,
    tripped: Option<Trip>,
    /// Bytes of a character cut by the end of the last chunk.
    carry: Vec<u8>,
}

impl Tracker {
    pub fn new(max: u64) -> Self {
        Self {
            read: 0,
            newlines: 0,
            recent: VecDeque::new(),
            forgot: false,
            max,
            limit_at: max,
            tripped: None,
            carry: Vec::with_capacity(4),
        }
    }

    /// A new allowance of `max` bytes starts now.
    pub fn mark(&mut self) {
        self.limit_at = self.read.saturating_add(self.max);
    }

    /// The allowance of bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max
    }

    pub fn tripped(&self) -> Option<Trip> {
        self.tripped
    }

    /// 1-based line and column (in bytes) of `offset`, when still known.
    pub fn line_col(&self, offset: u64) -> Option<(u64, u64)> {
        if offset > self.read {
            return None;
        }
        let idx = self.recent.partition_point(|&p| p < offset);
        let after = (self.recent.len() - idx) as u64;
        let line = self.newlines - after + 1;
        let line_start = match idx {
            0 if self.forgot => return None,
            0 => 0,
            i => self.recent[i - 1] + 1,
        };
        Some((line, offset - line_start + 1))
    }

    fn record(&mut self, chunk: &[u8]) -> Result<(), u64> {
        let base = self.read;
        for (i, _) in chunk.iter().enumerate().filter(|(_, &b)| b == b'\n') {
            if self.recent.len() == MAX_NEWLINES {
                self.recent.pop_front();
                self.forgot = true;
            }
            self.recent.push_back(base + i as u64);
            self.newlines += 1;
        }
        let checked = self.check_utf8(chunk, base);
        self.read += chunk.len() as u64;
        checked
    }

    /// Checks `chunk`, which starts at offset `base`, as the continuation of
    /// the text so far; on error, the offset of the first bad sequence.
    fn check_utf8(&mut self, mut chunk: &[u8], base: u64) -> Result<(), u64> {
        let mut skipped = 0;
        if let Some(&lead) = self.carry.first() {
            let carry_start = base - self.carry.len() as u64;
            let width = utf8_width(lead);
            let take = (width - self.carry.len()).min(chunk.len());
            self.carry.extend_from_slice(&chunk[..take]);
            if self.carry.len() < width {
                return Ok(());
            }
            std::str::from_utf8(&self.carry).map_err(|_| carry_start)?;
            self.carry.clear();
            chunk = &chunk[take..];
            skipped = take;
        }
        match std::str::from_utf8(chunk) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() && utf8_width(chunk[e.valid_up_to()]) > 1 => {
                self.carry.extend_from_slice(&chunk[e.valid_up_to()..]);
                Ok(())
            }
            Err(e) => Err(base + (skipped + e.valid_up_to()) as u64),
        }
    }
}

/// Bytes in the UTF-8 sequence that `lead` starts (1 for a bad lead byte, so
/// that it is reported where it is).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// The source, seen through a [`Tracker`].
pub(crate) struct Input<R> {
    pub inner: R,
    pub tracker: Rc<RefCell<Tracker>>,
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut t = self.tracker.borrow_mut();
        if let Some(trip) = t.tripped {
            return Err(trip_error(trip));
        }
        if t.read >= t.limit_at {
            t.tripped = Some(Trip::Limit);
            return Err(trip_error(Trip::Limit));
        }
        let n = self.inner.read(buf)?;
        if n == 0 && !t.carry.is_empty() {
            let at = t.read - t.carry.len() as u64;
            t.tripped = Some(Trip::Utf8(at));
            return Err(trip_error(Trip::Utf8(at)));
        }
        if let Err(at) = t.record(&buf[..n]) {
            t.tripped = Some(Trip::Utf8(at));
            return Err(trip_error(Trip::Utf8(at)));
        }
        Ok(n)
    }
}

fn trip_error(trip: Trip) -> io::Error {
    match trip {
        Trip::Limit => io::Error::other("size limit reached"),
        Trip::Utf8(at) => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("invalid UTF-8 at byte {at}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], chunk: usize) -> (Result<Vec<u8>, io::Error>, Rc<RefCell<Tracker>>) {
        let tracker = Rc::new(RefCell::new(Tracker::new(u64::MAX)));
        let mut input = Input {
            inner: bytes,
            tracker: Rc::clone(&tracker),
        };
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            match input.read(&mut buf) {
                Ok(0) => return (Ok(out), tracker),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (Err(e), tracker),
            }
        }
    }

    #[test]
    fn utf8_split_across_chunks_is_accepted_and_bad_bytes_are_located() {
        let text = "æøå ledning\nrør 🚧\n".as_bytes();
        for chunk in 1..8 {
            let (out, _) = read_all(text, chunk);
            assert_eq!(out.unwrap(), text, "chunk {chunk}");
        }
        let mut bad = b"abc\n".to_vec();
        bad.extend_from_slice(&[b'x', 0xC3, b'(']);
        for chunk in 1..8 {
            let (out, t) = read_all(&bad, chunk);
            assert!(out.is_err(), "chunk {chunk}");
            assert_eq!(t.borrow().tripped(), Some(Trip::Utf8(5)), "chunk {chunk}");
            assert_eq!(t.borrow().line_col(5), Some((2, 2)));
        }
        let (out, t) = read_all(&[b'a', 0xE2, 0x82], 2);
        assert!(out.is_err());
        assert_eq!(t.borrow().tripped(), Some(Trip::Utf8(1)));
    }

    #[test]
    fn line_and_column_from_offsets() {
        let (_, t) = read_all(b"ab\ncd\n\nef", 3);
        let t = t.borrow();
        assert_eq!(t.line_col(0), Some((1, 1)));
        assert_eq!(t.line_col(4), Some((2, 2)));
        assert_eq!(t.line_col(6), Some((3, 1)));
        assert_eq!(t.line_col(8), Some((4, 2)));
    }
}
