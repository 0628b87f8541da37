//! The SSE encoder: [`Item`] → wire bytes.
//!
//! Invariant: every value stays on its own line. Line breaks inside `data`
//! and comments become separate lines; an `id` or `event` the wire cannot
//! carry (CR/LF, or NUL in an id) is omitted rather than written, so a mapping
//! hook can never inject fields or events.

use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};

use super::{Event, Item};

/// Appends the wire form of `item` to `out`.
///
/// An event is written as `id: …`, `event: …`, `retry: …` (each only if
/// set), one `data: …` line per line of `data` (at least one, so an event
/// with empty data is `data: ` — the MCP priming-event form, which every
/// client parser dispatches), then a blank line. Line breaks in `data` may be
/// `\n`, `\r\n` or `\r`; the client sees them all as `\n`.
///
/// A comment is `:` + text + `\n`, with no blank line: a comment does not
/// end or start an event, and the relay only writes it between events. A
/// comment containing line breaks becomes several comment lines.
///
/// Parsing the output with [`super::Parser`] gives back `item` whenever `item`
/// is representable (what the parser itself produces always is).
pub fn encode(item: &Item, out: &mut BytesMut) {
    match item {
        Item::Event(event) => encode_event(event, out),
        Item::Comment(text) => {
            out.reserve(text.len() + 2);
            for_each_line(text, |line| {
                out.put_u8(b':');
                out.extend_from_slice(line);
                out.put_u8(b'\n');
            });
        }
    }
}

fn encode_event(event: &Event, out: &mut BytesMut) {
    out.reserve(event.data.len() + 16);
    if let Some(id) = &event.id
        && !id.contains(['\0', '\r', '\n'])
    {
        field(out, "id", id.as_bytes());
    }
    if let Some(kind) = &event.event
        && !kind.contains(['\r', '\n'])
    {
        field(out, "event", kind.as_bytes());
    }
    if let Some(ms) = event.retry {
        out.extend_from_slice(b"retry: ");
        // Writing into a `BytesMut` cannot fail.
        let _ = write!(out, "{ms}");
        out.put_u8(b'\n');
    }
    for_each_line(event.data.as_bytes(), |line| field(out, "data", line));
    out.put_u8(b'\n');
}

/// Writes `name: value\n`. The space is always written so that a value
/// starting with a space survives the parser's strip of one space.
fn field(out: &mut BytesMut, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.put_u8(b'\n');
}

/// Calls `f` for each line of `text`, split at CRLF, LF or CR. Empty text
/// (and a trailing line break) yields an empty line.
fn for_each_line(text: &[u8], mut f: impl FnMut(&[u8])) {
    let mut rest = text;
    while let Some(i) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
        f(&rest[..i]);
        let crlf = rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n');
        rest = &rest[i + if crlf { 2 } else { 1 }..];
    }
    f(rest);
}
