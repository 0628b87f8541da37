//! The `subscriptions/listen` task filter (M4) keeps the spec's subset
//! semantics: a server acknowledges the task ids it agreed to, so the
//! gateway drops from the filter every handle the caller may not use
//! (foreign, unknown, expired, revoked, forged) and forwards the rest.
//!
//! Invariants:
//! - Nothing about a dropped entry is forwarded: it leaves the message
//!   before the upstream sees it, and the acknowledgement the client gets
//!   lists only the caller's own tasks (filtered again on the way back).
//! - Every refused entry takes the same path whatever the reason (design
//!   §2.7): a foreign and an unknown id are dropped alike; the reason is
//!   logged with a fingerprint, never the value.
//! - A store failure still refuses the whole listen (fail closed), and a
//!   filter entry that is not a string stays a malformed request (refused
//!   before this runs).

use std::collections::HashMap;

use serde_json::Value;

use super::to_upstream::{Follow, Refusal, Resolve};
use super::{Caller, TaskGuard};
use crate::handle::Kind;

impl TaskGuard {
    /// Resolves the listen filter's handles in `message` for `caller`: the
    /// caller's own go into `replacements` (and `follow`). Returns the
    /// entries to drop; the message is only read, the caller drops them
    /// ([`Dropped::apply`]) once every other check passed.
    ///
    /// # Errors
    /// [`Refusal::Unavailable`] when the store cannot be asked.
    pub(super) async fn narrow_listen_filter(
        &self,
        caller: &Caller,
        message: &Value,
        replacements: &mut HashMap<String, String>,
        follow: &mut Follow,
    ) -> Result<Dropped, Refusal> {
        let mut dropped = Dropped::default();
        let Some(Value::Array(ids)) = message.pointer(FILTER) else {
            return Ok(dropped);
        };
        let mut keep = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(handle) = id.as_str() else {
                keep.push(true);
                continue;
            };
            if replacements.contains_key(handle) {
                keep.push(true);
                continue;
            }
            match self.resolve(caller, Kind::Task, handle).await {
                Ok((upstream, key)) => {
                    if let Some(key) = key {
                        follow.resolved.push((upstream.clone(), handle.to_owned()));
                        follow.keys.push(key);
                    }
                    replacements.insert(handle.to_owned(), upstream);
                    keep.push(true);
                }
                Err(Resolve::Denied(denial)) => {
                    tracing::info!(
                        route = %caller.route,
                        reason = denial.reason(),
                        handle = %self.codec.fingerprint(handle),
                        "listen filter entry dropped"
                    );
                    keep.push(false);
                    *dropped.pending.entry(handle.to_owned()).or_default() += 1;
                }
                Err(Resolve::Store(e)) => {
                    tracing::error!(route = %caller.route, error = %e, "task store unavailable: refusing");
                    return Err(Refusal::Unavailable);
                }
            }
        }
        if !dropped.pending.is_empty() {
            dropped.keep = keep;
        }
        Ok(dropped)
    }
}

/// The listen filter entries to drop, found by
/// [`TaskGuard::narrow_listen_filter`].
#[derive(Debug, Default)]
pub(super) struct Dropped {
    /// Which filter entries stay (empty: all of them).
    keep: Vec<bool>,
    /// How many filter entries of each dropped value are still to be
    /// passed over by the check of the whole message.
    pending: HashMap<String, usize>,
}

impl Dropped {
    /// Whether one occurrence of `value` found in the message is a dropped
    /// filter entry (then it needs no other check). The same value
    /// anywhere else in the message is not: it is checked, and refused.
    pub(super) fn passes_over(&mut self, value: &str) -> bool {
        match self.pending.get_mut(value) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Drops the entries from the filter; whether the message changed.
    pub(super) fn apply(self, message: &mut Value) -> bool {
        let Some(Value::Array(ids)) = message.pointer_mut(FILTER) else {
            return false;
        };
        if self.keep.is_empty() {
            return false;
        }
        let mut flags = self.keep.into_iter();
        ids.retain(|_| flags.next().unwrap_or(true));
        true
    }
}

/// Where the filter sits in a listen request.
const FILTER: &str = "/params/notifications/taskIds";
