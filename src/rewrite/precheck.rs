//! The byte-level pre-check that lets bodies without task ids pass through
//! without being parsed.
//!
//! Soundness: every location path of both tables contains a key whose quoted
//! spelling contains one of the needles below (a test checks this against the
//! tables). Inside a JSON string the only escape that can produce a letter is
//! `\u`, so a key with one of those names either appears literally or the
//! body contains `\u`, which also answers true.

/// Needles that start right after a `"`: `"taskId` (also `"taskIds"`),
/// `"cursor"`, `"nextCursor"`.
pub(super) const AFTER_QUOTE: &[&[u8]] = &[b"taskId", b"cursor\"", b"nextCursor\""];
/// Needles that end right before a `"`: `relatedTaskIds"` (the tail of the
/// namespaced `_meta` key, after its `/`, which JSON may escape as `\/`).
pub(super) const BEFORE_QUOTE: &[&[u8]] = &[b"relatedTaskIds"];

/// Bytes scanned per block before looking at single bytes; a block with
/// neither `"` nor `\` is skipped with one vectorisable test.
const BLOCK: usize = 32;

/// False only when `bytes` certainly contains no location of either era:
/// none of the key names that carry ids (`"taskId"`, `"taskIds"`,
/// `"relatedTaskIds"`, `"related-task"`, `"cursor"`, `"nextCursor"`,
/// `"task"`) appears, and no JSON `\u` escape appears (an escaped key could
/// hide one).
///
/// The keys `"task"`, `"tasks"` and `"related-task"` are covered by
/// `"taskId`: every location under them ends in a `taskId` key. False
/// positives (an id-like key in payload, any `\u`) only cost a parse.
pub fn may_need_rewrite(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(BLOCK);
    let mut offset = 0;
    for block in &mut blocks {
        if has_quote_or_backslash(block) && hit_in(bytes, offset, BLOCK) {
            return true;
        }
        offset += BLOCK;
    }
    hit_in(bytes, offset, blocks.remainder().len())
}

/// Whether a block holds a `"` or a `\` (written as a branch-free fold so
/// the compiler can vectorise it).
fn has_quote_or_backslash(block: &[u8]) -> bool {
    block
        .iter()
        .fold(false, |acc, &b| acc | (b == b'"') | (b == b'\\'))
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
    // Cheap first-byte gates keep the common quote (most keys and strings)
    // to two comparisons.
    (matches!(after.first(), Some(b't' | b'c' | b'n'))
        && AFTER_QUOTE.iter().any(|needle| after.starts_with(needle)))
        || (before.last() == Some(&b's')
            && BEFORE_QUOTE.iter().any(|needle| before.ends_with(needle)))
}
