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
    /// Resolves the listen filter's handles in `message` for `caller`:
    /// the caller's own go into `replacements` (and `follow`), the rest are
    /// removed from the filter. A message without a filter is untouched.
    ///
    /// # Errors
    /// [`Refusal::Unavailable`] when the store cannot be asked.
    pub(super) async fn narrow_listen_filter(
        &self,
        caller: &Caller,
        message: &mut Value,
        replacements: &mut HashMap<String, String>,
        follow: &mut Follow,
    ) -> Result<(), Refusal> {
        let Some(Value::Array(ids)) = message.pointer_mut(FILTER) else {
            return Ok(());
        };
        let mut keep = Vec::with_capacity(ids.len());
        for id in ids.iter() {
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
                }
                Err(Resolve::Store(e)) => {
                    tracing::error!(route = %caller.route, error = %e, "task store unavailable: refusing");
                    return Err(Refusal::Unavailable);
                }
            }
        }
        if keep.contains(&false) {
            let mut flags = keep.into_iter();
            ids.retain(|_| flags.next().unwrap_or(true));
            follow.rewritten = true;
        }
        Ok(())
    }
}

/// Where the filter sits in a listen request.
const FILTER: &str = "/params/notifications/taskIds";
