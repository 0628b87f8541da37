//! `requestState` handles: the current era's multi-round-trip state
//! (SEP-2322) sealed like every other handle — same format, same keys, same
//! refusals — under its own [`Kind::RequestState`], with its own length
//! bound and one more binding: the request the state belongs to.
//!
//! **Binding to the request.** The method and the name of the original
//! request ([`StateRequest`]: `params.name` for `tools/call` and
//! `prompts/get`, `params.uri` for `resources/read`) are part of the
//! additional data, not of the sealed content. The retry names both itself,
//! so they need not travel inside the handle (a long resource URI would only
//! make every handle longer), and a handle presented with another method or
//! name fails authentication exactly as a tampered one does: one check, the
//! same cost, nothing compared after decryption that could be got wrong.
//! The price is that the log says `bad_seal` for a cross-request handle, as
//! for a tampered one. Owner (constant time), expiry and epoch are checked
//! after opening, as for every handle.
//!
//! **Length.** A state is much larger than a task id: the upstream's value
//! may be up to [`MAX_REQUEST_STATE_LEN`] bytes (a longer one is not sealed:
//! [`HandleCodec::seal_request_state`] returns `None` and the caller
//! withholds the answer), and a presented handle longer than
//! [`MAX_REQUEST_STATE_HANDLE_LEN`] is refused as malformed before any work.

use super::keyring::MAX_KID_LEN;
use super::{Denial, HandleCodec, Kind, NONCE_LEN, Owner, PREFIX, Sealed, TAG_LEN, check_live};

/// Longest upstream `requestState` sealed into a handle (bytes).
pub const MAX_REQUEST_STATE_LEN: usize = 32 * 1024;

/// Sealed plaintext around the state: owner, times, epoch and the length
/// prefixes of `wire`.
const PLAINTEXT_OVERHEAD: usize = 16 + 8 + 8 + 4 + 2 + 2 + 1;

/// Longest `requestState` handle accepted before any work is done: a state
/// of [`MAX_REQUEST_STATE_LEN`] bytes sealed under the longest key id.
pub const MAX_REQUEST_STATE_HANDLE_LEN: usize = PREFIX.len()
    + 1
    + MAX_KID_LEN
    + 1
    + (NONCE_LEN + PLAINTEXT_OVERHEAD + MAX_REQUEST_STATE_LEN + TAG_LEN).div_ceil(3) * 4;

/// The request a `requestState` belongs to: the original request's method
/// and the name it names (`params.name`, or `params.uri` for
/// `resources/read`; `None` for a method without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRequest<'a> {
    /// The JSON-RPC method.
    pub method: &'a str,
    /// The name the request targets.
    pub name: Option<&'a str>,
}

impl StateRequest<'_> {
    /// The additional data this request adds: `u32 len ‖ method`, then `0`
    /// (no name) or `1 ‖ u32 len ‖ name`. Self-delimiting, so the route that
    /// follows it in the additional data cannot shift into it.
    fn binding(&self) -> Vec<u8> {
        let name = self.name.unwrap_or("");
        let mut out = Vec::with_capacity(4 + self.method.len() + 5 + name.len());
        push_len_prefixed(&mut out, self.method.as_bytes());
        match self.name {
            None => out.push(0),
            Some(name) => {
                out.push(1);
                push_len_prefixed(&mut out, name.as_bytes());
            }
        }
        out
    }
}

fn push_len_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

impl HandleCodec {
    /// Seals an upstream `requestState` (`sealed.upstream`) for `route` and
    /// the request it answers. `None` when the state is longer than
    /// [`MAX_REQUEST_STATE_LEN`] (or empty: an empty state carries nothing
    /// to seal and no handle of it would open).
    pub fn seal_request_state(
        &self,
        route: &str,
        request: &StateRequest<'_>,
        sealed: &Sealed,
    ) -> Option<String> {
        if sealed.upstream.is_empty() {
            return None;
        }
        self.seal_in(Kind::RequestState, route, &request.binding(), sealed)
    }

    /// Opens a `requestState` handle presented on `request` for `route`,
    /// and checks it belongs to `owner`, is live at `now` and was sealed at
    /// or after `current_epoch`.
    ///
    /// # Errors
    /// A [`Denial`]; every one must be answered identically. Another
    /// route, method or name, another kind or key, and tampering are all
    /// [`Denial::BadSeal`].
    pub fn verify_request_state(
        &self,
        route: &str,
        request: &StateRequest<'_>,
        handle: &str,
        owner: &Owner,
        now: u64,
        current_epoch: u32,
    ) -> Result<Sealed, Denial> {
        let sealed = self.open_in(Kind::RequestState, route, &request.binding(), handle)?;
        check_live(sealed, owner, now, current_epoch)
    }
}

/// What the decoy `requestState` handle seals: a state of a typical size
/// (about 200 bytes), so a refusal before decryption costs what opening a
/// typical state costs.
pub(super) fn typical() -> Sealed {
    Sealed {
        owner: Owner([0; 16]),
        issued_at: 0,
        expires_at: Some(1),
        epoch: 0,
        upstream: "0".repeat(200),
        session: None,
        tool: None,
    }
}

#[cfg(test)]
mod tests;
