//! `requestState` is a capability too: the current era's multi-round-trip
//! state (SEP-2322) that a server hands the client in an
//! `InputRequiredResult` and the client sends back, unchanged, on its retry
//! of the same request. A server behind a gateway with one shared upstream
//! credential cannot bind it to the user, so the gateway does.
//!
//! - **Towards the client** ([`TaskGuard::request_state_to_client`]): the
//!   `result.requestState` of a response becomes a
//!   [`crate::handle::Kind::RequestState`] handle bound to the caller, the
//!   route, and the method and name of the request it answers
//!   ([`StateRequest`]), expiring after the policy's `ttl`. A Task object (a `CreateTaskResult`, a
//!   `tasks/get` result, `notifications/tasks`) never carries one: the tasks
//!   extension defines none, so one found there is removed. A state that
//!   cannot be bound (too long, not a string, no request to bind it to, the
//!   store unreachable) withholds the response (`-32603`): an upstream
//!   state never reaches the client unsealed.
//! - **Towards the upstream** (`TaskGuard::open_request_state`):
//!   `params.requestState` of a request must be such a handle, for this
//!   caller, route, method and name, live, of the current epoch and not
//!   sealed before a revocation of its principal or tenant; it is replaced
//!   by the upstream's original value. Anything else (foreign,
//!   expired, tampered, malformed, another request's, not a string) is
//!   refused with one answer ([`super::Refusal::InvalidRequestState`]), the
//!   reason logged with a keyed fingerprint only, and nothing is forwarded.
//!
//! Scope: only where the declared era's dialect has multi-round-trip
//! requests (the current one); legacy traffic is left as it is. An empty
//! string carries nothing and passes both ways unchanged.
//!
//! Hot path: these run only on messages the byte pre-check flags
//! ([`crate::rewrite::may_need_rewrite`] looks for a `"requestState"` key
//! too); nothing else pays for them.

use serde_json::{Map, Value};

use super::to_upstream::{Follow, Refusal};
use super::{Caller, TaskGuard, Verdict, internal_error, task_object};
use crate::handle::{Denial, Sealed, StateRequest};
use crate::mcp::Era;
use crate::mcp::headers::name_param;
use crate::store::TaskKey;

/// The member a request carries and a result returns.
pub const REQUEST_STATE: &str = "requestState";

/// The `params` member naming what a request with `method` targets, when
/// it has one a `requestState` is bound to: `name` (`tools/call`,
/// `prompts/get`) or `uri` (`resources/read`); a task id is not a name.
pub fn name_member(method: &str) -> Option<&'static str> {
    name_param(method).filter(|member| *member != "taskId")
}

/// Why a `requestState` could not be sealed (only ever logged).
#[derive(Debug)]
enum Unsealable {
    NotAString,
    NoRequest,
    TooLong,
    Store(crate::store::Error),
}

impl TaskGuard {
    /// Seals the upstream `requestState` of one upstream message for
    /// `caller`; `follow` describes the request it answers.
    pub async fn request_state_to_client(
        &self,
        caller: &Caller,
        era: Era,
        follow: Option<&Follow>,
        message: &mut Value,
    ) -> Verdict {
        let dialect = era.dialect();
        if !dialect.multi_round_trip {
            return Verdict::Forward;
        }
        let is_response = message.get("method").is_none();
        let request_method = follow
            .and_then(|f| f.method.as_deref())
            .filter(|_| is_response);
        for task in task_object::task_objects_mut(message, dialect, request_method) {
            if task.remove(REQUEST_STATE).is_some() {
                tracing::debug!(route = %caller.route, "requestState removed from a Task object");
            }
        }
        let Some(result) = message.get_mut("result").and_then(Value::as_object_mut) else {
            return Verdict::Forward;
        };
        if !is_response {
            return Verdict::Forward;
        }
        match self.seal_state(caller, follow, result).await {
            Ok(()) => return Verdict::Forward,
            Err(Unsealable::Store(e)) => {
                tracing::error!(route = %caller.route, error = %e, "store unavailable: answer carrying a requestState withheld");
            }
            Err(reason) => {
                tracing::warn!(route = %caller.route, ?reason, "upstream requestState could not be sealed: answer withheld");
            }
        }
        Verdict::Replace(internal_error(message))
    }

    /// Replaces `result.requestState`, if any, by its handle.
    async fn seal_state(
        &self,
        caller: &Caller,
        follow: Option<&Follow>,
        result: &mut Map<String, Value>,
    ) -> Result<(), Unsealable> {
        let Some(state) = result.get_mut(REQUEST_STATE) else {
            return Ok(());
        };
        let Value::String(upstream) = state else {
            return Err(Unsealable::NotAString);
        };
        if upstream.is_empty() {
            return Ok(());
        }
        let follow = follow.ok_or(Unsealable::NoRequest)?;
        let method = follow.method.as_deref().ok_or(Unsealable::NoRequest)?;
        let request = StateRequest {
            method,
            name: follow.name.as_deref(),
        };
        let epoch = self.store.epoch().await.map_err(Unsealable::Store)?;
        let sealed = Sealed {
            owner: caller.owner(),
            issued_at: self.clock.now_secs(),
            expires_at: Some(self.clock.secs_after(self.request_state_ttl_ms())),
            epoch,
            upstream: std::mem::take(upstream),
            session: None,
            tool: None,
        };
        let handle = self
            .codec
            .seal_request_state(&caller.route, &request, &sealed)
            .ok_or(Unsealable::TooLong)?;
        *state = Value::String(handle);
        Ok(())
    }

    /// [`TaskGuard::open_request_state`] and [`put_request_state`] at once
    /// (the rules' unit tests); whether the message changed.
    #[cfg(test)]
    pub(super) async fn request_state_to_upstream(
        &self,
        caller: &Caller,
        era: Era,
        message: &mut Value,
    ) -> Result<bool, Refusal> {
        let opened = self.open_request_state(caller, era, message).await?;
        Ok(put_request_state(message, opened))
    }

    /// The upstream's original `requestState` behind the handle a request
    /// carries, for `caller`; `None` when there is nothing to replace. The
    /// message is only read: the caller puts the value back
    /// ([`put_request_state`]) once every other check passed too, so a
    /// refused message never holds the upstream's state.
    ///
    /// # Errors
    /// [`Refusal::InvalidRequestState`] for any handle that does not open
    /// for this caller and request, whatever the reason;
    /// [`Refusal::Unavailable`] when the store cannot be asked.
    pub(super) async fn open_request_state(
        &self,
        caller: &Caller,
        era: Era,
        message: &Value,
    ) -> Result<Option<String>, Refusal> {
        if !era.dialect().multi_round_trip {
            return Ok(None);
        }
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            return Ok(None);
        };
        let Some(params) = message.get("params").and_then(Value::as_object) else {
            return Ok(None);
        };
        let Some(presented) = params.get(REQUEST_STATE) else {
            return Ok(None);
        };
        let refuse = |reason: &'static str, value: &str| {
            tracing::info!(
                route = %caller.route,
                method = %method,
                reason,
                handle = %self.codec.fingerprint(value),
                "requestState refused"
            );
            Refusal::InvalidRequestState
        };
        let Some(handle) = presented.as_str() else {
            return Err(refuse("not_a_string", &presented.to_string()));
        };
        if handle.is_empty() {
            return Ok(None);
        }
        let request = StateRequest {
            method,
            name: name_member(method)
                .and_then(|member| params.get(member))
                .and_then(Value::as_str),
        };
        let now = self.clock.now_secs();
        // Identity, route, request, expiry first: a foreign or forged
        // handle never costs a store round trip.
        let sealed = self
            .codec
            .verify_request_state(&caller.route, &request, handle, &caller.owner(), now, 0)
            .map_err(|denial| refuse(denial.reason(), handle))?;
        let epoch = self.store.epoch().await.map_err(|e| {
            tracing::error!(route = %caller.route, error = %e, "store unavailable: requestState refused");
            Refusal::Unavailable
        })?;
        if sealed.epoch < epoch {
            return Err(refuse(Denial::Revoked.reason(), handle));
        }
        // A principal or tenant revoked since the state was sealed kills it
        // too (a state has no task key of its own: the route's empty key,
        // which no task has, stands in).
        let unbound = TaskKey {
            route: caller.route.to_string(),
            session: None,
            upstream: String::new(),
        };
        let revoked = self
            .store
            .is_revoked(&unbound, &caller.owner(), caller.tenant(), sealed.issued_at)
            .await
            .map_err(|e| {
                tracing::error!(route = %caller.route, error = %e, "store unavailable: requestState refused");
                Refusal::Unavailable
            })?;
        if revoked {
            return Err(refuse(Denial::Revoked.reason(), handle));
        }
        Ok(Some(sealed.upstream))
    }

    /// The policy's `requestState` lifetime in milliseconds.
    fn request_state_ttl_ms(&self) -> u64 {
        u64::try_from(self.request_state.ttl.as_millis()).unwrap_or(u64::MAX)
    }
}

/// Puts an opened `requestState` back into the request's `params`;
/// whether the message changed.
pub(super) fn put_request_state(message: &mut Value, opened: Option<String>) -> bool {
    let Some(upstream) = opened else {
        return false;
    };
    match message.get_mut("params").and_then(Value::as_object_mut) {
        Some(params) => {
            params.insert(REQUEST_STATE.into(), Value::String(upstream));
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;
