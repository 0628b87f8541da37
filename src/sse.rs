//! Server-Sent Events: an incremental parser, an encoder, and the
//! event-by-event relay body the gateway wraps around upstream
//! `text/event-stream` responses — and, with the same relay, JSON lines
//! ([`Lines`]: a `subscriptions/listen` answered `application/json`, one
//! message per line).
//!
//! Where it sits: step 6 of the request flow. The proxy hands an upstream SSE
//! body to [`RelayBody`], which parses it as it arrives, passes every event
//! through an [`EventMap`] hook (JSON rewriting lives there, not here), and
//! re-encodes it for the client.
//!
//! Invariants:
//! - Nothing is buffered past one event: the parser holds at most the current
//!   event plus the unparsed tail of the chunk it was given, and refuses an
//!   event (or line) longer than `max_event_bytes` with
//!   [`Error::EventTooLarge`].
//! - Parsing is incremental and linear: every input byte is scanned for a line
//!   end once and validated as UTF-8 once, however the stream is chunked.
//! - Parsing follows the WHATWG EventSource rules (see [`Parser`]), with one
//!   deliberate difference: fields are reported per event block as they were
//!   on the wire (no "last event ID" carried across blocks), because we relay
//!   the stream rather than consume it.
//! - The encoder never lets a value break out of its line: a hook cannot
//!   inject fields or events by putting line breaks in `id` or `event`.

mod encode;
mod lines;
mod parser;
mod relay;

pub use encode::encode;
pub use lines::Lines;
pub use parser::Parser;
pub use relay::{EventMap, Framing, Identity, Mapped, RelayBody};

use bytes::Bytes;

/// One dispatched SSE event, as it appeared in one event block.
///
/// `data` is the event's `data` lines joined by `'\n'` (no trailing newline).
/// `id`, `event` and `retry` are `Some` only when the block carried a valid
/// field of that name; `Some("")` is meaningful for `id` (it resets the
/// client's last event ID).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The block's `id` field, if it had a valid one (no NUL).
    pub id: Option<String>,
    /// The block's `event` (type) field; `None` means the default `message`.
    pub event: Option<String>,
    /// The `data` lines joined by `'\n'`.
    pub data: String,
    /// The block's `retry` field (reconnection time in ms), if all digits.
    pub retry: Option<u64>,
}

/// One unit of an SSE stream the gateway relays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A complete, dispatched event.
    Event(Event),
    /// A comment line (often a keep-alive): the bytes after the leading `:`,
    /// verbatim (a leading space is kept). Always valid UTF-8 when it comes
    /// from [`Parser`].
    Comment(Bytes),
}

/// Why an SSE stream could not be parsed. Both are fatal for the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A line was not valid UTF-8.
    #[error("event stream is not valid UTF-8")]
    InvalidUtf8,
    /// An event, or a single line, grew past the configured limit.
    #[error("event exceeds {limit} bytes")]
    EventTooLarge {
        /// The `max_event_bytes` the parser was built with.
        limit: usize,
    },
    /// A JSON-lines stream carried a line that is not one JSON value (a
    /// message split over lines cannot go through the hook line by line).
    #[error("line is not one JSON value")]
    NotJsonLine,
}

#[cfg(test)]
mod relay_tests;
#[cfg(test)]
mod tests;
