//! A thin pull layer over quick-xml: owned events with resolved namespaces,
//! a nesting limit, no DTDs, and errors that say where they happened.

use std::cell::RefCell;
use std::io::{BufReader, Read};
use std::rc::Rc;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::input::{Input, Tracker, Trip};
use super::reader::Ler2Limits;
use crate::{IngestError, Location};

use super::names::Attr;
pub(crate) use super::names::{El, Ev, Ns, LER_NS};

/// The event source of one read.
pub(crate) struct Xml<R: Read> {
    reader: NsReader<BufReader<Input<R>>>,
    buf: Vec<u8>,
    pub tracker: Rc<RefCell<Tracker>>,
    depth: usize,
    max_depth: usize,
    file: Option<String>,
    /// The feature being read, for error locations.
    pub feature: Option<u64>,
}

impl<R: Read> Xml<R> {
    pub fn new(inner: R, limits: &Ler2Limits, file: Option<String>) -> Self {
        let tracker = Rc::new(RefCell::new(Tracker::new(limits.max_feature_bytes)));
        let input = Input {
            inner,
            tracker: Rc::clone(&tracker),
        };
        let mut reader = NsReader::from_reader(BufReader::with_capacity(64 << 10, input));
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        Self {
            reader,
            buf: Vec::new(),
            tracker,
            depth: 0,
            max_depth: limits.max_depth,
            file,
            feature: None,
        }
    }

    /// Open elements.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// A new byte allowance starts (a feature, or the next top-level event).
    pub fn mark(&self) {
        self.tracker.borrow_mut().mark();
    }

    /// Where byte `offset` is, with the file name and current feature.
    pub fn location(&self, offset: Option<u64>) -> Location {
        let mut at = Location {
            file: self.file.clone(),
            feature: self.feature,
            ..Location::default()
        };
        if let Some((line, column)) = offset.and_then(|o| self.tracker.borrow().line_col(o)) {
            at.line = Some(line);
            at.column = Some(column);
        }
        at
    }

    /// `"line L, column C"` or `"byte N"`.
    pub fn describe(&self, offset: u64) -> String {
        match self.tracker.borrow().line_col(offset) {
            Some((l, c)) => format!("line {l}, column {c}"),
            None => format!("byte {offset}"),
        }
    }

    pub fn malformed(&self, offset: Option<u64>, message: impl Into<String>) -> IngestError {
        let mut message = message.into();
        if let Some(o) = offset.filter(|&o| self.tracker.borrow().line_col(o).is_none()) {
            message = format!("{message} (at byte {o})");
        }
        IngestError::Malformed {
            at: self.location(offset),
            message,
        }
    }

    /// The next event that matters; comments and processing instructions
    /// are passed over.
    pub fn next(&mut self) -> Result<Ev, IngestError> {
        let mut buf = std::mem::take(&mut self.buf);
        let next = self.next_in(&mut buf);
        self.buf = buf;
        next
    }

    fn next_in(&mut self, buf: &mut Vec<u8>) -> Result<Ev, IngestError> {
        loop {
            buf.clear();
            let before = self.reader.buffer_position();
            let (ns, event) = match self.reader.read_resolved_event_into(buf) {
                Ok(ok) => ok,
                Err(e) => return Err(self.parse_error(e)),
            };
            let ns = match ns {
                ResolveResult::Bound(n) => Ok((
                    Ns::of(n.as_ref()),
                    String::from_utf8_lossy(n.as_ref()).into_owned(),
                )),
                ResolveResult::Unbound => Ok((Ns::None, String::new())),
                ResolveResult::Unknown(p) => Err(String::from_utf8_lossy(&p).into_owned()),
            };
            let end = self.reader.buffer_position();
            match event {
                Event::Start(start) => {
                    let at = end.saturating_sub(start.len() as u64 + 2);
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(IngestError::LimitExceeded {
                            at: self.location(Some(at)),
                            what: "nesting depth of elements",
                            limit: self.max_depth as u64,
                        });
                    }
                    let (ns, uri) = ns.map_err(|p| {
                        self.malformed(Some(at), format!("namespace prefix {p:?} is not declared"))
                    })?;
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    let mut attrs = Vec::new();
                    for attr in start.attributes() {
                        let attr = attr.map_err(|e| self.malformed(Some(at), e.to_string()))?;
                        let (ans, local) = self.reader.resolve_attribute(attr.key);
                        let ns = match ans {
                            ResolveResult::Bound(n) => Ns::of(n.as_ref()),
                            _ => Ns::None,
                        };
                        let value = attr
                            .unescape_value()
                            .map_err(|e| self.malformed(Some(at), e.to_string()))?;
                        attrs.push(Attr {
                            ns,
                            name: String::from_utf8_lossy(local.as_ref()).into_owned(),
                            value: value.into_owned(),
                        });
                    }
                    return Ok(Ev::Start(El {
                        ns,
                        uri,
                        name,
                        attrs,
                        at,
                    }));
                }
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(Ev::End);
                }
                Event::Text(t) => {
                    let at = end - t.len() as u64;
                    let raw = !t.contains(&b'&');
                    let text = t.unescape().map_err(|e| {
                        self.malformed(Some(at), format!("{e} (DTD entities are never expanded)"))
                    })?;
                    let at = raw.then_some(at);
                    return Ok(Ev::Text {
                        text: text.into_owned(),
                        at,
                    });
                }
                Event::CData(c) => {
                    let text = String::from_utf8_lossy(&c).into_owned();
                    return Ok(Ev::Text { text, at: None });
                }
                Event::Decl(decl) => {
                    if let Some(Ok(enc)) = decl.encoding() {
                        if !enc.eq_ignore_ascii_case(b"utf-8") && !enc.eq_ignore_ascii_case(b"utf8")
                        {
                            let enc = String::from_utf8_lossy(&enc).into_owned();
                            return Err(self.malformed(
                                Some(0),
                                format!(
                                    "encoding {enc:?} is not supported: LER 2 documents are UTF-8"
                                ),
                            ));
                        }
                    }
                }
                Event::DocType(_) => {
                    return Err(self.malformed(
                        Some(before),
                        "a <!DOCTYPE> is not allowed: LER 2 documents have no DTD, and DTD \
                         entities (internal or external SYSTEM ones) are never expanded",
                    ));
                }
                Event::Eof if self.depth > 0 => {
                    return Err(self.malformed(
                        Some(end),
                        format!(
                            "the input ends inside {} open element(s): it is truncated",
                            self.depth
                        ),
                    ));
                }
                Event::Eof => return Ok(Ev::Eof),
                Event::Empty(_) | Event::Comment(_) | Event::PI(_) => {}
            }
        }
    }

    /// Reads past the rest of the element whose start was the last event.
    pub fn skip(&mut self) -> Result<(), IngestError> {
        let target = self.depth - 1;
        while self.depth > target {
            if let Ev::Eof = self.next()? {
                unreachable!("next() fails at the end of input inside an element");
            }
        }
        Ok(())
    }

    fn parse_error(&self, e: quick_xml::Error) -> IngestError {
        let offset = self.reader.error_position();
        if let quick_xml::Error::Io(io) = &e {
            let trip = self.tracker.borrow().tripped();
            return match trip {
                Some(Trip::Limit) => IngestError::LimitExceeded {
                    at: self.location(Some(self.reader.buffer_position())),
                    what: "bytes of one feature or top-level element",
                    limit: self.tracker.borrow().max_bytes(),
                },
                Some(Trip::Utf8(at)) => self.malformed(Some(at), "the input is not valid UTF-8"),
                None => IngestError::Io {
                    at: self.location(Some(self.reader.buffer_position())),
                    source: std::io::Error::new(io.kind(), io.to_string()),
                },
            };
        }
        self.malformed(Some(offset), e.to_string())
    }
}
