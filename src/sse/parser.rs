//! The incremental WHATWG EventSource parser behind [`Parser`].
//!
//! Invariants: each pushed byte is scanned for a line end once (`scanned`
//! remembers how far an unterminated tail has been searched) and validated as
//! UTF-8 once (when its line completes); the current event never holds more
//! than `max_event_bytes` of line data.

use bytes::{Buf, Bytes, BytesMut};

use super::{Error, Event, Item};

/// The UTF-8 byte order mark, skipped once at the very start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Incremental SSE parser: push bytes as they arrive, pull [`Item`]s out.
///
/// # Parsing rules (WHATWG HTML, "Interpreting an event stream")
/// - A UTF-8 BOM at the very start of the stream is skipped.
/// - Lines end with CRLF, LF or CR; a CR at the end of one chunk followed by
///   an LF at the start of the next is one line end.
/// - `name: value` sets a field, with one optional space after the colon
///   stripped; `name` with no colon sets the field to the empty string.
/// - `data` appends a line to the data buffer (lines joined by `'\n'`);
///   `event` sets the type; `id` sets the id unless the value contains NUL;
///   `retry` is kept only if it is non-empty, all ASCII digits and fits in a
///   `u64`. Other names are ignored.
/// - A line starting with `:` is a comment: it is surfaced at once as
///   [`Item::Comment`] (so keep-alives can be relayed) and does not affect the
///   event being built.
/// - A blank line ends the event block. The block is surfaced as
///   [`Item::Event`] if it had at least one `data` line, **or** a valid `id`,
///   **or** a valid `retry`; so the legacy MCP priming event (an `id` with
///   empty data) always reaches the client. Blocks with none of these (only
///   `event:`, unknown fields, or nothing) are dropped, as an EventSource
///   would not fire them either.
/// - At end of stream ([`Parser::finish`]) an unterminated line and an event
///   without its closing blank line are discarded, as the spec requires.
///
/// Unlike an EventSource, `id` is reported per block as it was on the wire:
/// the "last event ID" is the client's state, and relaying the fields
/// faithfully lets the client compute it itself.
///
/// # Memory
/// The parser holds the bytes pushed and not yet parsed, plus the current
/// event. [`Parser::next_item`] refuses an event whose lines (including an
/// unterminated line, and any comment line interrupting it) add up to more
/// than `max_event_bytes`. Callers must drain `next_item` after each
/// [`Parser::push`], as [`super::RelayBody`] does, to keep the buffer bounded
/// by one chunk plus one event.
#[derive(Debug)]
pub struct Parser {
    /// Bytes pushed and not yet consumed; always starts at a line start.
    buf: BytesMut,
    /// Prefix of `buf` already searched without finding a line end.
    scanned: usize,
    /// The last line ended with CR: an LF arriving next belongs to it.
    skip_lf: bool,
    /// The start of the stream (and its optional BOM) has been handled.
    bom_done: bool,
    /// The event block being built.
    pending: Pending,
    /// `max_event_bytes`.
    max: usize,
    /// Errors are sticky: the stream position is lost after one.
    failed: Option<Error>,
}

/// The event block being built, and how many line bytes it has used.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pending {
    event: Event,
    has_data: bool,
    bytes: usize,
}

// === impl Parser ===

impl Parser {
    /// A parser refusing events (or lines) longer than `max_event_bytes`.
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            scanned: 0,
            skip_lf: false,
            bom_done: false,
            pending: Pending::default(),
            max: max_event_bytes,
            failed: None,
        }
    }

    /// Appends bytes received from the stream. Parsing happens in
    /// [`Parser::next_item`].
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete item, or `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    /// [`Error::InvalidUtf8`] for a line that is not UTF-8, and
    /// [`Error::EventTooLarge`] when the current event outgrows the limit.
    /// Errors are sticky: every later call returns the same error.
    pub fn next_item(&mut self) -> Result<Option<Item>, Error> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        let res = self.parse_next();
        if let Err(err) = res {
            self.failed = Some(err);
        }
        res
    }

    /// Signals the end of the stream and returns the items still complete in
    /// the buffer, one per call, then `Ok(None)`; call it until it returns
    /// `Ok(None)`. The incomplete tail (an unterminated line, an event without
    /// its blank line) is then discarded, per the spec.
    ///
    /// # Errors
    /// As [`Parser::next_item`].
    pub fn finish(&mut self) -> Result<Option<Item>, Error> {
        if let Some(item) = self.next_item()? {
            return Ok(Some(item));
        }
        if !self.buf.is_empty() || self.pending != Pending::default() {
            tracing::debug!(
                unterminated_bytes = self.buf.len(),
                "event stream ended inside an event; discarding it"
            );
        }
        self.buf.clear();
        self.scanned = 0;
        self.skip_lf = false;
        self.pending = Pending::default();
        Ok(None)
    }

    fn parse_next(&mut self) -> Result<Option<Item>, Error> {
        if !self.bom_done {
            // A BOM split across chunks: wait until we can tell.
            if self.buf.len() < BOM.len() && BOM.starts_with(&self.buf) {
                return Ok(None);
            }
            if self.buf.starts_with(BOM) {
                self.buf.advance(BOM.len());
            }
            self.bom_done = true;
        }
        loop {
            if self.skip_lf {
                match self.buf.first() {
                    None => return Ok(None),
                    Some(b'\n') => self.buf.advance(1),
                    Some(_) => {}
                }
                self.skip_lf = false;
            }
            let Some(end) = self.find_line_end() else {
                // The unterminated line counts against the event already.
                self.check_size(self.buf.len())?;
                return Ok(None);
            };
            self.check_size(end)?;
            let line = std::str::from_utf8(&self.buf[..end]).map_err(|_| Error::InvalidUtf8)?;
            let item = self.pending.feed(line);
            self.skip_lf = self.buf[end] == b'\r';
            self.buf.advance(end + 1);
            self.scanned = 0;
            if item.is_some() {
                return Ok(item);
            }
        }
    }

    /// Index of the first CR or LF in `buf`, searching only unscanned bytes.
    fn find_line_end(&mut self) -> Option<usize> {
        let from = self.scanned;
        let found = self.buf[from..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map(|i| from + i);
        if found.is_none() {
            self.scanned = self.buf.len();
        }
        found
    }

    fn check_size(&self, line_len: usize) -> Result<(), Error> {
        if self.pending.bytes.saturating_add(line_len) > self.max {
            return Err(Error::EventTooLarge { limit: self.max });
        }
        Ok(())
    }
}

// === impl Pending ===

impl Pending {
    /// Applies one complete line; returns an item when one is ready.
    fn feed(&mut self, line: &str) -> Option<Item> {
        if line.is_empty() {
            return self.dispatch();
        }
        if let Some(text) = line.strip_prefix(':') {
            return Some(Item::Comment(Bytes::copy_from_slice(text.as_bytes())));
        }
        self.bytes += line.len();
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "data" => {
                if self.has_data {
                    self.event.data.push('\n');
                }
                self.event.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.event.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // More digits than a u64 holds: ignored like any invalid retry.
                if let Ok(ms) = value.parse() {
                    self.event.retry = Some(ms);
                }
            }
            _ => {}
        }
        None
    }

    /// Ends the block: surfaces it if it carries data, an id or a retry.
    fn dispatch(&mut self) -> Option<Item> {
        let block = std::mem::take(self);
        let surfaced = block.has_data || block.event.id.is_some() || block.event.retry.is_some();
        surfaced.then_some(Item::Event(block.event))
    }
}
