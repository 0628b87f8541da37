//! Towards the upstream (the request side): every handle a client sends is
//! verified for the caller and replaced by the upstream's id before anything
//! is forwarded.
//!
//! Invariants:
//! - All-or-nothing: handles are resolved first (verify, then store), and
//!   the message is rewritten only when every one of them resolved; a
//!   refused request is never forwarded, in part or whole. The one subset
//!   is the listen filter (M4), whose entries the caller may not use are
//!   dropped rather than refused, as the spec's acknowledgement semantics
//!   ask (see `listen`).
//! - One answer for every reason ([`Refusal::UnknownTask`]); the reason is
//!   logged (as a stable word, with a fingerprint of the value, never the
//!   value itself).
//! - A current-era `requestState` is opened the same way
//!   ([`super::request_state`]); like the listen filter's drops, it is put
//!   into the message only after every check passed, so a refused message
//!   is unchanged.
//! - A task operation whose `taskId` (or a listen filter entry, or a list
//!   cursor) is not a string is refused too: the walker only touches
//!   strings, so a non-string must never slip through unverified.

use std::collections::HashMap;

use serde_json::Value;

use super::listen::Dropped;
use super::request_state::put_request_state;
use super::{Caller, TaskGuard, hosted, task_object};
use crate::handle::{Denial, Kind, Sealed};
use crate::mcp::Era;
use crate::mcp::method::{
    SUBSCRIPTIONS_LISTEN, TASKS_CANCEL, TASKS_GET, TASKS_LIST, TASKS_RESULT, TASKS_UPDATE,
    TOOLS_CALL,
};
use crate::rewrite::{self, Direction, Role};
use crate::store::{self, TaskKey};

/// What the request side learned, for the response side.
#[derive(Clone, Debug, Default)]
pub struct Follow {
    /// The request's method.
    pub method: Option<String>,
    /// The name the request targets, as `Mcp-Name` mirrors it: `params.name`
    /// (the tool a `tools/call` runs, a `prompts/get` prompt) or
    /// `params.uri` (`resources/read`); `None` for other methods.
    pub name: Option<String>,
    /// `(upstream id, handle)` of every task handle the request resolved.
    pub resolved: Vec<(String, String)>,
    /// The store keys of those tasks (for terminal tracking).
    pub keys: Vec<TaskKey>,
    /// The upstream id `params.taskId` resolved to (for `Mcp-Name`).
    pub task_id: Option<String>,
    /// Whether the message was changed (and must be re-serialized).
    pub rewritten: bool,
    /// Whether the exchange holds a [`super::CreationTicket`]: messages on
    /// its own stream then never wait for its own creation.
    pub creating: bool,
}

impl Follow {
    /// What a request with `method` targeting `name` (see
    /// [`Follow::name`]) starts with; the task rules add what they resolve.
    /// The one constructor, so every path records the tool a task runs and
    /// the request a `requestState` belongs to.
    pub fn new(method: Option<String>, name: Option<String>) -> Follow {
        Follow {
            method,
            name,
            ..Follow::default()
        }
    }

    /// The tool a `tools/call` runs.
    pub fn tool(&self) -> Option<&str> {
        (self.method.as_deref() == Some(TOOLS_CALL))
            .then_some(self.name.as_deref())
            .flatten()
    }

    /// The handle the client used for upstream task `upstream`.
    pub(super) fn handle_for(&self, upstream: &str) -> Option<&str> {
        self.resolved
            .iter()
            .find(|(u, _)| u == upstream)
            .map(|(_, h)| h.as_str())
    }
}

/// Why a request is not forwarded.
#[derive(Debug)]
pub enum Refusal {
    /// A handle that does not resolve for this caller, whatever the reason:
    /// answered like an unknown task.
    UnknownTask {
        /// The request method.
        method: String,
        /// The value the client presented (a non-string as its JSON text).
        presented: String,
    },
    /// A `requestState` that does not open for this caller and request,
    /// whatever the reason: answered like an invalid state.
    InvalidRequestState,
    /// The store could not be asked: an internal error, never an allow.
    Unavailable,
}

impl TaskGuard {
    /// Verifies and resolves every handle in `message` for `caller`,
    /// rewriting it for the upstream. `message` is unchanged on refusal.
    ///
    /// # Errors
    /// [`Refusal`]; the request must then not be forwarded.
    pub async fn to_upstream(
        &self,
        caller: &Caller,
        era: Era,
        message: &mut Value,
    ) -> Result<Follow, Refusal> {
        let method = message
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let name = method
            .as_deref()
            .and_then(super::request_state::name_member)
            .and_then(|member| message.get("params")?.get(member)?.as_str())
            .map(str::to_owned);
        let mut follow = Follow::new(method, name);
        let state = self.open_request_state(caller, era, message).await?;
        let method = follow.method.clone().unwrap_or_default();
        let refuse = |presented: String| Refusal::UnknownTask {
            method: method.clone(),
            presented,
        };
        require_strings(message, &method).map_err(refuse)?;

        // Task handles and cursors resolve separately: a value is verified
        // as the kind its location holds, never taken from the other map.
        let mut replacements: HashMap<String, String> = HashMap::new();
        let mut cursors: HashMap<String, String> = HashMap::new();
        let created = hosted::hosted_creation(message).map(str::to_owned);
        let mut hosted_ok: Vec<String> = Vec::new();
        let mut dropped = if follow.method.as_deref() == Some(SUBSCRIPTIONS_LISTEN) {
            self.narrow_listen_filter(caller, message, &mut replacements, &mut follow)
                .await?
        } else {
            Dropped::default()
        };
        for (role, value) in rewrite::find(message, era, Direction::ToUpstream, None) {
            let done = match role {
                Role::ListCursor => cursors.contains_key(&value),
                _ => replacements.contains_key(&value) || hosted_ok.contains(&value),
            };
            if done || dropped.passes_over(&value) {
                continue;
            }
            let kind = match role {
                Role::ServerTask => Kind::Task,
                Role::ListCursor => Kind::Cursor,
                // A related-task reference on a client's response or
                // notification names its own hosted task unless it is a
                // gateway handle.
                Role::RelatedTask if value.starts_with(crate::handle::PREFIX) => Kind::Task,
                Role::RelatedTask | Role::ClientTask => {
                    let known = created.as_deref() == Some(value.as_str())
                        || self.is_hosted(caller, &value).await.map_err(|e| {
                            tracing::error!(route = %caller.route, error = %e, "task store unavailable: refusing");
                            Refusal::Unavailable
                        })?;
                    if !known {
                        tracing::info!(
                            route = %caller.route,
                            method = %method,
                            reason = "unknown_hosted_task",
                            handle = %self.codec.fingerprint(&value),
                            "client-hosted task id refused"
                        );
                        return Err(refuse(value));
                    }
                    hosted_ok.push(value);
                    continue;
                }
            };
            match self.resolve(caller, kind, &value).await {
                Ok((upstream, key)) => {
                    if let Some(key) = key {
                        follow.resolved.push((upstream.clone(), value.clone()));
                        follow.keys.push(key);
                    }
                    match kind {
                        Kind::Cursor => cursors.insert(value, upstream),
                        _ => replacements.insert(value, upstream),
                    };
                }
                Err(Resolve::Denied(denial)) => {
                    tracing::info!(
                        route = %caller.route,
                        method = %method,
                        reason = denial.reason(),
                        handle = %self.codec.fingerprint(&value),
                        "task handle refused"
                    );
                    return Err(refuse(value));
                }
                Err(Resolve::Store(e)) => {
                    tracing::error!(route = %caller.route, error = %e, "task store unavailable: refusing");
                    return Err(Refusal::Unavailable);
                }
            }
        }
        if let Some(id) = &created {
            self.record_hosted(caller, id).await.map_err(|e| {
                tracing::error!(route = %caller.route, error = %e, "task store unavailable: refusing");
                Refusal::Unavailable
            })?;
        }
        // Every check passed: only now does the message change.
        follow.rewritten |= put_request_state(message, state);
        follow.rewritten |= dropped.apply(message);
        follow.task_id = message
            .pointer("/params/taskId")
            .and_then(Value::as_str)
            .and_then(|h| replacements.get(h).cloned());
        if !replacements.is_empty() || !cursors.is_empty() {
            let mut map = super::replacement_map(&replacements, &cursors);
            let Ok(count) = rewrite::rewrite(message, era, Direction::ToUpstream, None, &mut map);
            follow.rewritten |= count > 0;
        }
        let dialect = era.dialect();
        if follow
            .method
            .as_deref()
            .is_some_and(|m| dialect.augmentable.contains(&m))
        {
            follow.rewritten |= task_object::cap_requested_ttl(message, dialect, self.max_ttl_ms());
        }
        Ok(follow)
    }

    /// The upstream value behind a handle of `kind`, for `caller`.
    pub(super) async fn resolve(
        &self,
        caller: &Caller,
        kind: Kind,
        handle: &str,
    ) -> Result<(String, Option<TaskKey>), Resolve> {
        let now = self.clock.now_secs();
        // Identity, route, kind, expiry first: a foreign or forged handle
        // never costs a store round trip.
        let sealed = self
            .codec
            .verify(kind, &caller.route, handle, &caller.owner(), now, 0)
            .map_err(Resolve::Denied)?;
        if sealed.epoch < self.store.epoch().await? {
            return Err(Resolve::Denied(Denial::Revoked));
        }
        let key = if kind == Kind::Task {
            Some(self.check_task(caller, &sealed, now).await?)
        } else {
            None
        };
        Ok((sealed.upstream, key))
    }

    /// The store's view of a verified task handle: known, the caller's, not
    /// purged (expired or past retention), not revoked.
    async fn check_task(
        &self,
        caller: &Caller,
        sealed: &Sealed,
        now: u64,
    ) -> Result<TaskKey, Resolve> {
        let key = TaskKey {
            route: caller.route.to_string(),
            session: sealed.session.clone(),
            upstream: sealed.upstream.clone(),
        };
        let Some(record) = self.store.task(&key, now).await? else {
            return Err(Resolve::Denied(Denial::Expired));
        };
        if record.owner != caller.owner() {
            return Err(Resolve::Denied(Denial::Foreign));
        }
        let revoked = self
            .store
            .is_revoked(&key, &caller.owner(), caller.tenant(), sealed.issued_at)
            .await?;
        if revoked {
            return Err(Resolve::Denied(Denial::Revoked));
        }
        Ok(key)
    }
}

/// Why a handle did not resolve.
pub(super) enum Resolve {
    Denied(Denial),
    Store(store::Error),
}

impl From<store::Error> for Resolve {
    fn from(e: store::Error) -> Self {
        Resolve::Store(e)
    }
}

/// Refuses a task operation whose id-bearing member is present but not a
/// string (or, for the operations on one task, missing): returns what the
/// client presented.
fn require_strings(message: &Value, method: &str) -> Result<(), String> {
    let params = message.get("params");
    let member = |name: &str| params.and_then(|p| p.get(name));
    let presented = |v: Option<&Value>| v.map_or_else(String::new, Value::to_string);
    match method {
        TASKS_GET | TASKS_RESULT | TASKS_CANCEL | TASKS_UPDATE => match member("taskId") {
            Some(Value::String(_)) => Ok(()),
            other => Err(presented(other)),
        },
        TASKS_LIST => match member("cursor") {
            None | Some(Value::String(_)) => Ok(()),
            other => Err(presented(other)),
        },
        SUBSCRIPTIONS_LISTEN => {
            let ids = params.and_then(|p| p.pointer("/notifications/taskIds"));
            match ids {
                None => Ok(()),
                Some(Value::Array(items)) => match items.iter().find(|v| !v.is_string()) {
                    None => Ok(()),
                    Some(bad) => Err(bad.to_string()),
                },
                Some(other) => Err(other.to_string()),
            }
        }
        _ => Ok(()),
    }
}
