//! [`Lines`]: the JSON-lines [`Framing`] — one JSON-RPC message per
//! `\n`-terminated line, as a current-era server may answer a
//! `subscriptions/listen` with `application/json`.
//!
//! Invariants:
//! - Each pushed byte is scanned for a line end once (`scanned` remembers
//!   how far an unterminated tail has been searched) and validated once,
//!   when its line completes; the buffer never holds more than one line
//!   past `max_line_bytes` ([`Error::EventTooLarge`]).
//! - A line ends at LF; one CR before it is dropped (CRLF). A line is a
//!   message ([`Item::Event`] with only `data`) and must be valid UTF-8
//!   ([`Error::InvalidUtf8`]) and one whole JSON value
//!   ([`Error::NotJsonLine`]): a message split over lines could carry an
//!   upstream id past the hook in a fragment it does not recognise.
//! - A blank (whitespace-only) line is not a message: it passes verbatim
//!   as an [`Item::Comment`] (keep-alives keep working).
//! - At the end of the stream an unterminated last line is a message too
//!   (a single JSON answer needs no newline).
//! - Written back, every item is one line ending in `\n`; a hook's
//!   rewritten message cannot break out of its line (line breaks in it,
//!   only possible as JSON whitespace, become spaces).

use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::de::IgnoredAny;

use super::{Error, Event, Framing, Item};

/// Incremental JSON-lines framing: push bytes as they arrive, pull one
/// message per line.
#[derive(Debug)]
pub struct Lines {
    /// Bytes pushed and not yet consumed; always starts at a line start.
    buf: BytesMut,
    /// Prefix of `buf` already searched without finding a line end.
    scanned: usize,
    /// `max_line_bytes`.
    max: usize,
    /// Errors are sticky: the stream position is lost after one.
    failed: Option<Error>,
}

impl Lines {
    /// A framing refusing lines longer than `max_line_bytes`.
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            scanned: 0,
            max: max_line_bytes,
            failed: None,
        }
    }

    fn next_line(&mut self) -> Result<Option<Item>, Error> {
        let from = self.scanned;
        let Some(end) = self.buf[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| from + i)
        else {
            self.scanned = self.buf.len();
            return self.check_size(self.buf.len()).map(|()| None);
        };
        self.check_size(end)?;
        let line = self.buf.split_to(end + 1);
        self.scanned = 0;
        item(&line[..end]).map(Some)
    }

    fn check_size(&self, len: usize) -> Result<(), Error> {
        if len > self.max {
            return Err(Error::EventTooLarge { limit: self.max });
        }
        Ok(())
    }

    fn sticky(&mut self, res: Result<Option<Item>, Error>) -> Result<Option<Item>, Error> {
        if let Err(err) = res {
            self.failed = Some(err);
        }
        res
    }
}

/// One line (without its LF) as an item.
fn item(line: &[u8]) -> Result<Item, Error> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| Error::InvalidUtf8)?;
    if text.trim().is_empty() {
        return Ok(Item::Comment(Bytes::copy_from_slice(line)));
    }
    if serde_json::from_str::<IgnoredAny>(text).is_err() {
        return Err(Error::NotJsonLine);
    }
    Ok(Item::Event(Event {
        data: text.to_owned(),
        ..Event::default()
    }))
}

impl Framing for Lines {
    fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    fn next_item(&mut self) -> Result<Option<Item>, Error> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        let res = self.next_line();
        self.sticky(res)
    }

    fn finish(&mut self) -> Result<Option<Item>, Error> {
        if let Some(item) = self.next_item()? {
            return Ok(Some(item));
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        let tail = self.buf.split();
        self.scanned = 0;
        let res = item(&tail).map(Some);
        self.sticky(res)
    }

    fn encode(&self, item: &Item, out: &mut BytesMut) {
        let bytes = match item {
            Item::Event(event) => event.data.as_bytes(),
            Item::Comment(text) => &text[..],
        };
        out.reserve(bytes.len() + 1);
        let mut rest = bytes;
        while let Some(at) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            out.put_slice(&rest[..at]);
            out.put_u8(b' ');
            rest.advance(at + 1);
        }
        out.put_slice(rest);
        out.put_u8(b'\n');
    }
}

#[cfg(test)]
mod tests;
