//! The byte-level pre-check that lets bodies without task ids (or a
//! current-era `requestState`) pass through without being parsed.
//!
//! Soundness: every location path of both tables contains a key whose quoted
//! spelling contains one of the needles below (a test checks this against the
//! tables), and so does the `requestState` member
//! ([`crate::tasks::request_state`]). Inside a JSON string the only escape
//! that can produce a letter is `\u`, so a key with one of those names
//! either appears literally or the body contains `\u`, which also answers
//! true.

/// Needles that start right after a `"`: `"taskId` (also `"taskIds"`),
/// `"requestState"`.
pub(super) const AFTER_QUOTE: &[&[u8]] = &[b"taskId", b"requestState\""];
/// Needles that end right before a `"`: `relatedTaskIds"` (the tail of the
/// namespaced `_meta` key, after its `/`, which JSON may escape as `\/`),
/// `cursor"` and `Cursor"` (the keys `"cursor"` and `"nextCursor"`; anchored
/// at their end so the filter needs one two-byte suffix for both).
pub(super) const BEFORE_QUOTE: &[&[u8]] = &[b"relatedTaskIds", b"cursor", b"Cursor"];

/// What the block filter looks for, as fixed-size prefixes of the needles:
/// the first three bytes after the quote of each [`AFTER_QUOTE`] needle, and
/// the last two bytes before the quote of each [`BEFORE_QUOTE`] needle.
/// Fewer, shorter patterns make a cheaper filter; a block it flags in
/// vain (`"error"` ends in `or"`) costs only the exact check of that block.
pub(super) const AFTER_QUOTE_PREFIXES: [[u8; 3]; 2] = [*b"tas", *b"req"];
pub(super) const BEFORE_QUOTE_SUFFIXES: [[u8; 2]; 2] = [*b"ds", *b"or"];

/// Bytes the filter judges per step.
const BLOCK: usize = 32;
/// Bytes past a position the filter reads (a quote and three more).
const LOOKAHEAD: usize = 3;

/// False only when `bytes` certainly contains no location of either era
/// and no `requestState`: none of the key names that carry ids (`"taskId"`,
/// `"taskIds"`, `"relatedTaskIds"`, `"related-task"`, `"cursor"`,
/// `"nextCursor"`, `"task"`) or `"requestState"` appears, and no JSON `\u`
/// escape appears (an escaped key could hide one).
///
/// The keys `"task"`, `"tasks"` and `"related-task"` are covered by
/// `"taskId`: every location under them ends in a `taskId` key. False
/// positives (an id-like key in payload, any `\u`) only cost a parse.
///
/// Cost: one branch-free, vectorisable filter pass over 32-byte blocks
/// (a quote followed by `tas`/`req`, `ds"`/`or"`, or `\u`); only a block
/// the filter flags is checked byte by byte against the full needles.
pub fn may_need_rewrite(bytes: &[u8]) -> bool {
    let mut offset = 0;
    while let Some(window) = bytes.get(offset..offset + BLOCK + LOOKAHEAD) {
        // A flagged position j has its anchor (quote or backslash) at most
        // LOOKAHEAD bytes later, so the exact check covers the lookahead too.
        if block_may_hit(window) && hit_in(bytes, offset, BLOCK + LOOKAHEAD) {
            return true;
        }
        offset += BLOCK;
    }
    hit_in(bytes, offset, bytes.len().saturating_sub(offset))
}

/// Whether any of the first [`BLOCK`] positions of `window` (which holds
/// [`LOOKAHEAD`] more bytes) may start a needle. A superset of the exact
/// check, written over fixed-size arrays so the compiler can vectorise it.
fn block_may_hit(window: &[u8]) -> bool {
    let lane = |k: usize| -> Option<&[u8; BLOCK]> { window.get(k..k + BLOCK)?.try_into().ok() };
    let (Some(p), Some(q), Some(r), Some(s)) = (lane(0), lane(1), lane(2), lane(3)) else {
        // invariant: callers pass BLOCK + LOOKAHEAD bytes; say "maybe" if not.
        return true;
    };
    let mut any = 0u8;
    for j in 0..BLOCK {
        let (p, q, r, s) = (p[j], q[j], r[j], s[j]);
        let mut hit = (p == b'\\') & (q == b'u');
        for [a, b, c] in AFTER_QUOTE_PREFIXES {
            hit |= (p == b'"') & (q == a) & (r == b) & (s == c);
        }
        for [a, b] in BEFORE_QUOTE_SUFFIXES {
            hit |= (p == a) & (q == b) & (r == b'"');
        }
        any |= u8::from(hit);
    }
    any != 0
}

/// Whether a needle starts or ends at a quote, or a `\u` starts, within
/// `bytes[offset..offset + len]` (needles may reach past that range).
fn hit_in(bytes: &[u8], offset: usize, len: usize) -> bool {
    (offset..offset.saturating_add(len)).any(|i| match bytes.get(i) {
        Some(b'"') => at_quote(bytes, i),
        Some(b'\\') => bytes.get(i + 1) == Some(&b'u'),
        _ => false,
    })
}

/// Whether a needle sits right after or right before the quote at `i`.
fn at_quote(bytes: &[u8], i: usize) -> bool {
    let after = bytes.get(i + 1..).unwrap_or_default();
    let before = bytes.get(..i).unwrap_or_default();
    AFTER_QUOTE.iter().any(|needle| after.starts_with(needle))
        || BEFORE_QUOTE.iter().any(|needle| before.ends_with(needle))
}
