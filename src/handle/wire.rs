//! The sealed plaintext of a handle: a compact, versioned binary layout.
//!
//! Layout (all integers big-endian):
//! `owner[16] | issued_at u64 | expires_at u64 (0 = none) | epoch u32 |
//!  upstream u16-len bytes | session u16-len bytes (0 = none) | tool u8-len bytes (0 = none)`.
//! Decoding is total: any byte string either decodes exactly (no trailing
//! bytes) or is refused; it never panics.

use super::{Owner, Sealed};

/// Longest upstream task id, cursor or session id carried (bytes).
pub(super) const MAX_REF_LEN: usize = 512;
/// Longest tool name carried (bytes).
pub(super) const MAX_TOOL_LEN: usize = 128;

/// Serializes `sealed`; `None` when a field is too long to carry: the
/// upstream value over `max_upstream` (the handle kind's bound, at most
/// `u16::MAX`), the session over [`MAX_REF_LEN`], the tool over
/// [`MAX_TOOL_LEN`].
pub(super) fn encode(sealed: &Sealed, max_upstream: usize) -> Option<Vec<u8>> {
    let upstream = sealed.upstream.as_bytes();
    let session = sealed.session.as_deref().unwrap_or("").as_bytes();
    let tool = sealed.tool.as_deref().unwrap_or("").as_bytes();
    if upstream.len() > max_upstream.min(usize::from(u16::MAX))
        || session.len() > MAX_REF_LEN
        || tool.len() > MAX_TOOL_LEN
    {
        return None;
    }
    let mut out = Vec::with_capacity(
        16 + 8 + 8 + 4 + 2 + upstream.len() + 2 + session.len() + 1 + tool.len(),
    );
    out.extend_from_slice(&sealed.owner.0);
    out.extend_from_slice(&sealed.issued_at.to_be_bytes());
    out.extend_from_slice(&sealed.expires_at.unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&sealed.epoch.to_be_bytes());
    out.extend_from_slice(&(upstream.len() as u16).to_be_bytes());
    out.extend_from_slice(upstream);
    out.extend_from_slice(&(session.len() as u16).to_be_bytes());
    out.extend_from_slice(session);
    out.push(tool.len() as u8);
    out.extend_from_slice(tool);
    Some(out)
}

/// Parses what [`encode`] wrote.
pub(super) fn decode(bytes: &[u8]) -> Option<Sealed> {
    let mut r = Reader(bytes);
    let owner = Owner(r.array::<16>()?);
    let issued_at = u64::from_be_bytes(r.array::<8>()?);
    let expires_at = u64::from_be_bytes(r.array::<8>()?);
    let epoch = u32::from_be_bytes(r.array::<4>()?);
    let upstream_len = u16::from_be_bytes(r.array::<2>()?) as usize;
    let upstream = r.string(upstream_len)?;
    let session_len = u16::from_be_bytes(r.array::<2>()?) as usize;
    let session = r.string(session_len)?;
    let tool_len = r.array::<1>()?[0] as usize;
    let tool = r.string(tool_len)?;
    if !r.0.is_empty() || upstream.is_empty() {
        return None;
    }
    Some(Sealed {
        owner,
        issued_at,
        expires_at: (expires_at != 0).then_some(expires_at),
        epoch,
        upstream,
        session: (!session.is_empty()).then_some(session),
        tool: (!tool.is_empty()).then_some(tool),
    })
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn string(&mut self, len: usize) -> Option<String> {
        if self.0.len() < len {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}
