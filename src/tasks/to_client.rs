//! Towards the client (the response side): every upstream task id in a
//! message for the client becomes the caller's handle, or the message does
//! not reach the client.
//!
//! Order of work on one message (all on the message as the upstream sent
//! it, before any id is replaced):
//! 1. a task-creating response (L1, M1) admits the task into the store for
//!    the caller, with its TTL capped (`Admission` other than admitted →
//!    the response becomes an internal error: no handle for a task the
//!    gateway cannot account for);
//! 2. the items of the era's listings (legacy `tasks/list`) and current-era
//!    listen acknowledgements are filtered to the caller's own tasks;
//! 3. every Task object gets its TTL capped, and a terminal one is marked
//!    terminal in the store (its retention window starts);
//! 4. every id at a location the era governs is resolved: the caller's
//!    own task → its handle, sealed from the store record; a list cursor →
//!    a sealed cursor; anything else → [`Verdict::Drop`] for requests and
//!    notifications, [`Verdict::Replace`] (internal error) for responses;
//! 5. the upstream id in an error message answering a follow-up (M8) is
//!    replaced by the handle the client used.

use std::collections::HashMap;

use serde_json::Value;

use super::to_upstream::Follow;
use super::{Caller, TaskGuard, task_object};
use crate::handle::{Kind, Sealed};
use crate::jsonrpc::Id;
use crate::mcp::Era;
use crate::mcp::dialect::{Dialect, Listing, values_at_mut};
use crate::mcp::method::NOTIFY_SUBSCRIPTIONS_ACKNOWLEDGED;
use crate::rewrite::{self, Direction, Role};
use crate::store::{self, TaskRecord};

/// What to do with one upstream message.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Send it (rewritten in place).
    Forward,
    /// Send nothing: it names a task the caller does not own.
    Drop,
    /// Send this instead (an error response with the same id).
    Replace(Value),
}

/// Why an id was not resolved (only ever logged).
#[derive(Debug)]
enum Unresolved {
    NotOwned,
    Store(store::Error),
}

impl From<store::Error> for Unresolved {
    fn from(e: store::Error) -> Self {
        Unresolved::Store(e)
    }
}

impl TaskGuard {
    /// Rewrites one upstream message for `caller`. `follow` describes the
    /// request it answers, when it is the answer to a POST.
    pub async fn to_client(
        &self,
        caller: &Caller,
        era: Era,
        follow: Option<&Follow>,
        message: &mut Value,
    ) -> Verdict {
        let is_response = message.get("method").is_none();
        let request_method = follow.and_then(|f| f.method.as_deref());
        let request_method = if is_response { request_method } else { None };
        match self
            .rewrite_for_client(caller, era, follow, request_method, message)
            .await
        {
            Ok(verdict) => verdict,
            Err(reason) => {
                match reason {
                    Unresolved::NotOwned => tracing::warn!(
                        route = %caller.route,
                        "upstream message names a task the caller does not own: withheld"
                    ),
                    Unresolved::Store(e) => tracing::error!(
                        route = %caller.route,
                        error = %e,
                        "task store unavailable: upstream message withheld"
                    ),
                }
                if is_response {
                    Verdict::Replace(internal_error(message))
                } else {
                    Verdict::Drop
                }
            }
        }
    }

    async fn rewrite_for_client(
        &self,
        caller: &Caller,
        era: Era,
        follow: Option<&Follow>,
        request_method: Option<&str>,
        message: &mut Value,
    ) -> Result<Verdict, Unresolved> {
        let now = self.clock.now_secs();
        let dialect = era.dialect();
        if let Some(upstream) = task_object::created_task_id(message, dialect).map(str::to_owned)
            && let Some(verdict) = self
                .admit(caller, dialect, follow, &upstream, message)
                .await?
        {
            return Ok(verdict);
        }
        if let Some(listing) =
            request_method.and_then(|m| dialect.listings.iter().find(|l| l.answers == m))
        {
            self.filter_listing(caller, dialect, listing, message, now)
                .await?;
        }
        self.filter_acknowledgement(caller, message, now).await?;
        for task in task_object::task_objects_mut(message, dialect, request_method) {
            task_object::cap_ttl(task, dialect.task_fields.ttl, self.max_ttl_ms());
            if task_object::is_terminal(task, dialect)
                && let Some(id) = task_object::task_id(task, dialect)
            {
                let key = caller.key(id);
                self.store
                    .mark_terminal(&key, self.clock.secs_after(0))
                    .await?;
            }
        }
        // A request answered only once its task is terminal (legacy
        // tasks/result): a result means the task is terminal.
        if request_method.is_some_and(|m| dialect.answered_once_terminal.contains(&m))
            && message.get("result").is_some()
            && let Some(follow) = follow
        {
            for key in &follow.keys {
                self.store
                    .mark_terminal(key, self.clock.secs_after(0))
                    .await?;
            }
        }
        let epoch = self.store.epoch().await?;
        // Cursors and task ids live in separate maps: an upstream cursor may
        // well equal a task id (the SDKs use the last id of the page).
        let mut replacements: HashMap<String, String> = HashMap::new();
        let mut cursors: HashMap<String, String> = HashMap::new();
        let is_task_op_request = message
            .get("method")
            .and_then(Value::as_str)
            .is_some_and(|m| m.starts_with("tasks/"));
        for (role, value) in rewrite::find(message, era, Direction::ToClient, request_method) {
            if role == Role::ListCursor {
                let sealed = self.seal_cursor(caller, &value, now, epoch);
                cursors.insert(value, sealed);
                continue;
            }
            if replacements.contains_key(&value) {
                continue;
            }
            let handle = match role {
                Role::ClientTask => {
                    if self.is_hosted(caller, &value).await? {
                        continue;
                    }
                    return Err(Unresolved::NotOwned);
                }
                Role::ListCursor => continue,
                Role::ServerTask | Role::RelatedTask => {
                    match self.seal_task(caller, follow, &value, epoch).await {
                        Ok(h) => h,
                        // A server-sent tasks/* request (L12) may name the
                        // client's own hosted task.
                        Err(Unresolved::NotOwned)
                            if role == Role::RelatedTask
                                && is_task_op_request
                                && self.is_hosted(caller, &value).await? =>
                        {
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
            };
            replacements.insert(value, handle);
        }
        let mut map = super::replacement_map(&replacements, &cursors);
        let Ok(_) = rewrite::rewrite(message, era, Direction::ToClient, request_method, &mut map);
        if let Some(follow) = follow {
            rewrite_error_text(message, follow);
        }
        Ok(Verdict::Forward)
    }

    /// Admits a newly created task for the caller. `Some(verdict)` when the
    /// response must not go out as it is.
    async fn admit(
        &self,
        caller: &Caller,
        dialect: &Dialect,
        follow: Option<&Follow>,
        upstream: &str,
        message: &mut Value,
    ) -> Result<Option<Verdict>, Unresolved> {
        let cap = self.max_ttl_ms();
        let Some(task) = task_object::task_objects_mut(message, dialect, None)
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let ttl_ms = task_object::cap_ttl(task, dialect.task_fields.ttl, cap);
        let record = TaskRecord {
            owner: caller.owner(),
            tenant: caller.tenant().map(str::to_owned),
            tool: follow.and_then(Follow::tool).map(str::to_owned),
            created_at: self.clock.now_secs(),
            expires_at: Some(self.clock.secs_after(ttl_ms)),
            terminal_at: None,
        };
        let admission = self
            .store
            .admit_task(
                &caller.key(upstream),
                record,
                &self.caps(),
                self.clock.now_secs(),
            )
            .await?;
        if admission.is_admitted() {
            self.creation_recorded(caller);
            return Ok(None);
        }
        tracing::warn!(route = %caller.route, ?admission, "task not admitted: creation answered with an error");
        Ok(Some(Verdict::Replace(internal_error(message))))
    }

    /// Filters a listing (legacy `tasks/list` result) to the caller's own
    /// tasks.
    async fn filter_listing(
        &self,
        caller: &Caller,
        dialect: &Dialect,
        listing: &Listing,
        message: &mut Value,
        now: u64,
    ) -> Result<(), Unresolved> {
        let mut found = Vec::new();
        values_at_mut(message, listing.items, &mut found);
        let id = dialect.task_fields.id;
        for list in found {
            if let Value::Array(items) = list {
                self.retain_owned(caller, items, now, |item| item.get(id)?.as_str())
                    .await?;
            }
        }
        Ok(())
    }

    /// Filters the task ids a listen acknowledgement echoes (M5) to the
    /// caller's own tasks, in either era (a dual-generation server may send
    /// one on any stream).
    async fn filter_acknowledgement(
        &self,
        caller: &Caller,
        message: &mut Value,
        now: u64,
    ) -> Result<(), Unresolved> {
        if message.get("method").and_then(Value::as_str) != Some(NOTIFY_SUBSCRIPTIONS_ACKNOWLEDGED)
        {
            return Ok(());
        }
        if let Some(Value::Array(ids)) = message.pointer_mut("/params/notifications/taskIds") {
            self.retain_owned(caller, ids, now, Value::as_str).await?;
        }
        Ok(())
    }

    /// Keeps the items whose task id (per `id_of`) names a task the caller
    /// owns; an item without one is dropped.
    async fn retain_owned(
        &self,
        caller: &Caller,
        items: &mut Vec<Value>,
        now: u64,
        id_of: impl Fn(&Value) -> Option<&str>,
    ) -> Result<(), store::Error> {
        let mut keep = Vec::with_capacity(items.len());
        for item in items.iter() {
            keep.push(match id_of(item) {
                Some(id) => self.owns(caller, id, now).await?,
                None => false,
            });
        }
        let mut flags = keep.into_iter();
        items.retain(|_| flags.next().unwrap_or(false));
        Ok(())
    }

    async fn owns(&self, caller: &Caller, upstream: &str, now: u64) -> Result<bool, store::Error> {
        let record = self.store.task(&caller.key(upstream), now).await?;
        Ok(record.is_some_and(|r| r.owner == caller.owner()))
    }

    /// The caller's handle for upstream task `upstream`: the one the request
    /// used, or one sealed from the store record of the caller's session.
    async fn seal_task(
        &self,
        caller: &Caller,
        follow: Option<&Follow>,
        upstream: &str,
        epoch: u32,
    ) -> Result<String, Unresolved> {
        if let Some(handle) = follow.and_then(|f| f.handle_for(upstream)) {
            return Ok(handle.to_string());
        }
        let key = caller.key(upstream);
        let own = usize::from(follow.is_some_and(|f| f.creating));
        let record = self.record_or_wait(caller, &key, own).await?;
        let Some(record) = record.filter(|r| r.owner == caller.owner()) else {
            return Err(Unresolved::NotOwned);
        };
        let sealed = Sealed {
            owner: caller.owner(),
            issued_at: record.created_at,
            expires_at: record.expires_at,
            epoch,
            upstream: upstream.to_string(),
            session: caller.session.clone(),
            tool: record.tool,
        };
        self.codec
            .seal(Kind::Task, &caller.route, &sealed)
            .ok_or(Unresolved::NotOwned)
    }

    /// A sealed legacy `tasks/list` cursor, valid as long as a task may live.
    fn seal_cursor(&self, caller: &Caller, cursor: &str, now: u64, epoch: u32) -> String {
        let sealed = Sealed {
            owner: caller.owner(),
            issued_at: now,
            expires_at: Some(self.clock.secs_after(self.max_ttl_ms())),
            epoch,
            upstream: cursor.to_string(),
            session: caller.session.clone(),
            tool: None,
        };
        // An unsealable cursor (over the size limit) is replaced by an empty
        // string: the listing then simply ends, nothing raw leaks.
        self.codec
            .seal(Kind::Cursor, &caller.route, &sealed)
            .unwrap_or_default()
    }
}

/// M8: an error answering a follow-up may quote the upstream id; the client
/// sees the handle it used instead.
fn rewrite_error_text(message: &mut Value, follow: &Follow) {
    let Some(Value::String(text)) = message.pointer_mut("/error/message") else {
        return;
    };
    for (upstream, handle) in &follow.resolved {
        if !upstream.is_empty() && text.contains(upstream.as_str()) {
            *text = text.replace(upstream.as_str(), handle);
        }
    }
}

/// An internal error answering the same request as `message` (the body is
/// [`crate::error`]'s).
pub fn internal_error(message: &Value) -> Value {
    let id = message
        .get("id")
        .cloned()
        .and_then(|v| Id::try_from(v).ok());
    crate::error::internal_error_body(id.as_ref())
}
