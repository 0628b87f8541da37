//! The task-handle phase of the pipeline: between validation and
//! forwarding for requests, and around the upstream's answer (a JSON body,
//! or each SSE event) for responses. The rules themselves live in
//! [`crate::tasks`]; this module decides *when* a message must go through
//! them and moves bytes in and out.
//!
//! Invariants:
//! - Fast path: a request that is not a task operation, carries no
//!   task-augmentation, and whose bytes the [`may_need_rewrite`] pre-check
//!   clears is forwarded byte for byte; the same holds for every upstream
//!   message (body or event) the pre-check clears.
//! - A request is re-serialized only when it actually changed.
//! - An upstream message the pre-check flags but that is not JSON is not
//!   relayed (it may hold an upstream id the gateway cannot place); an
//!   answer that is neither JSON nor SSE to a request that names or creates
//!   a task carries no upstream id the client has no handle for
//!   ([`opaque_body`]).
//! - Both generations are governed whatever version a request declares
//!   (a dual-generation server dispatches by method name): a task method the
//!   declared era does not have is answered `-32601` as a server of that era
//!   answers it (current: `tasks/result`, `tasks/list`, with `404`; legacy:
//!   `tasks/update`, `subscriptions/listen`); the other generation's
//!   task-creation opt-in is removed before forwarding; every other
//!   location of either generation goes through the task rules
//!   ([`crate::rewrite::governed`]), in requests and in every answer; the
//!   current generation's mirrored headers are removed from legacy requests.
//! - Current era: `Mcp-Name` is replaced by the resolved upstream id (the
//!   body agreement was already checked against the handle).
//! - On a route where tasks are off, every message is mediated
//!   ([`crate::tasks::mediation`]) and a task-creating answer is not relayed.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::inbound::Inbound;
use crate::config::RouteConfig;
use crate::error::GatewayError;
use crate::jsonrpc::{self, Field, Message, Summary};
use crate::mcp::headers::{drop_current_mirrors, encode_sentinel};
use crate::mcp::method::{
    SUBSCRIPTIONS_LISTEN, TASKS_CANCEL, TASKS_GET, TASKS_LIST, TASKS_RESULT, TASKS_UPDATE,
    TOOLS_CALL,
};
use crate::mcp::{Era, header};
use crate::rewrite::may_need_rewrite;
use crate::sse::{Event, EventMap, Mapped};
use crate::tasks::{
    Caller, CreationTicket, Follow, Refusal, TaskGuard, Verdict, creates_task, internal_error,
    mediation,
};

/// Everything the response side needs about one exchange.
pub(super) struct Exchange {
    pub(super) guard: Arc<TaskGuard>,
    pub(super) caller: Caller,
    pub(super) era: Era,
    /// The POSTed request this answers (`None` for GET streams).
    pub(super) follow: Option<Follow>,
    /// Whether the route allows tasks (else capabilities are mediated).
    pub(super) tasks_enabled: bool,
    /// Held while the answer to a possibly task-creating request is
    /// outstanding (see [`crate::tasks::CreationTicket`]).
    pub(super) creation: Mutex<Option<CreationTicket>>,
}

/// A request ready to forward.
pub(super) struct Prepared {
    /// The bytes to forward.
    pub(super) bytes: Bytes,
    /// What the response side must know.
    pub(super) follow: Follow,
    /// Set when the request may create a task.
    pub(super) creation: Option<CreationTicket>,
}

impl Exchange {
    fn request_method(&self) -> Option<&str> {
        self.follow.as_ref().and_then(|f| f.method.as_deref())
    }

    /// Whether the request may still create a task (it holds its creation
    /// ticket; a poisoned lock counts as yes).
    fn may_create(&self) -> bool {
        self.creation.lock().map_or(true, |c| c.is_some())
    }

    /// Whether an upstream message must go through the task rules: the
    /// pre-check flags it, capabilities must be mediated, or it answers a
    /// follow-up (whose error text may quote the upstream id, M8).
    fn must_check(&self, bytes: &[u8]) -> bool {
        (!self.tasks_enabled && mediation::advertises_capabilities(self.request_method()))
            || self.follow.as_ref().is_some_and(|f| !f.resolved.is_empty())
            || may_need_rewrite(bytes)
    }
}

/// What [`request`] decided for a validated POST.
#[expect(
    clippy::large_enum_variant,
    reason = "returned once and matched at once; boxing the fast path would allocate per request"
)]
pub(super) enum Prepare<'a> {
    /// The fast path: forward as is.
    Ready(Prepared),
    /// The task rules must run first (boxed: the fast path does not carry
    /// their future).
    Rules(Pin<Box<dyn Future<Output = Result<Prepared, GatewayError>> + Send + 'a>>),
}

/// Decides whether a validated POST must go through the task rules; on the
/// fast path returns the bytes to forward and what the response side must
/// know at once.
///
/// # Errors
/// The refusal; the request must not be forwarded.
pub(super) fn request<'a>(
    guard: &'a TaskGuard,
    caller: &'a Caller,
    inbound: Inbound,
    route: &'a RouteConfig,
    headers: &'a mut HeaderMap,
) -> Result<Prepare<'a>, GatewayError> {
    let tasks_enabled = route.tasks;
    let summary = &inbound.summary;
    if inbound.era == Era::Legacy {
        drop_current_mirrors(headers);
    }
    if let Some(method) = summary.method()
        && inbound.era.lacks_task_method(method)
    {
        return Err(GatewayError::MethodNotFound(inbound.era));
    }
    if inbound.era == Era::Current && needs_tasks_capability(summary) && !summary.declares_tasks {
        return Err(GatewayError::MissingTasksCapability);
    }
    let must_check = summary.method().is_some_and(is_task_operation)
        || is_task_augmented(&inbound)
        || carries_foreign_opt_in(&inbound)
        || !tasks_enabled
        || may_need_rewrite(&inbound.bytes);
    let may_create = tasks_enabled && may_create_task(&inbound);
    if must_check {
        let rules = run_rules(guard, caller, inbound, route, headers, may_create);
        return Ok(Prepare::Rules(Box::pin(rules)));
    }
    let tool = match &inbound.summary.name {
        Some(Field::Str(name)) if summary.method() == Some(TOOLS_CALL) => Some(name.clone()),
        _ => None,
    };
    let method = match inbound.summary.message {
        Message::Request { method, .. } | Message::Notification { method } => Some(method),
        Message::Response { .. } => None,
    };
    let mut follow = Follow::new(method, tool);
    follow.creating = may_create;
    let creation = may_create.then(|| guard.expect_creation(caller));
    Ok(Prepare::Ready(Prepared {
        bytes: inbound.bytes,
        follow,
        creation,
    }))
}

/// The slow path of [`request`]: the task rules on the parsed message.
async fn run_rules(
    guard: &TaskGuard,
    caller: &Caller,
    inbound: Inbound,
    route: &RouteConfig,
    headers: &mut HeaderMap,
    may_create: bool,
) -> Result<Prepared, GatewayError> {
    let tasks_enabled = route.tasks;
    let Inbound { bytes, era, .. } = inbound;
    // The task rules work on the tree: parse the validated bytes again (they
    // passed a depth limit no deeper than the ceiling, so this cannot fail).
    let ceiling = jsonrpc::Limits {
        max_depth: jsonrpc::DEPTH_CEILING,
    };
    let mut value = jsonrpc::parse_strict(&bytes, &ceiling)
        .map_err(|e| GatewayError::JsonRpc(jsonrpc::Error::Parse(e)))?;
    let mediated = mediation::strip_foreign_opt_in(&mut value, era)
        | (!tasks_enabled && mediation::strip_request(&mut value, era));
    let mut follow = guard
        .to_upstream(caller, era, &mut value)
        .await
        .map_err(|refusal| match refusal {
            Refusal::UnknownTask { method, presented } => GatewayError::UnknownTask {
                method,
                presented,
                wording: route.unknown_task_wording,
            },
            Refusal::Unavailable => GatewayError::TaskStateUnavailable,
        })?;
    follow.rewritten |= mediated;
    if era == Era::Current
        && let Some(upstream) = &follow.task_id
        && let Ok(name) = HeaderValue::from_str(&encode_sentinel(upstream))
    {
        headers.insert(header::NAME, name);
    }
    let bytes = if follow.rewritten {
        jsonrpc::to_bytes(&value)
    } else {
        bytes
    };
    follow.creating = may_create;
    let creation = may_create.then(|| guard.expect_creation(caller));
    Ok(Prepared {
        bytes,
        follow,
        creation,
    })
}

/// Rewrites one upstream JSON message (a whole body). `None`: send nothing.
pub(super) async fn response_body(exchange: &Exchange, bytes: Bytes) -> Option<Bytes> {
    if !exchange.must_check(&bytes) {
        return Some(bytes);
    }
    // Boxed: only flagged answers pay for the task rules' large future.
    Box::pin(rewrite_text(exchange, &bytes))
        .await
        .map(Bytes::from)
}

/// Parses, rewrites and re-serializes one flagged message.
async fn rewrite_text(exchange: &Exchange, bytes: &[u8]) -> Option<Vec<u8>> {
    let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
        tracing::warn!(route = %exchange.caller.route, "unparseable upstream message that may carry task ids: withheld");
        return None;
    };
    if !exchange.tasks_enabled {
        mediation::strip_response(&mut value, exchange.request_method());
        if creates_task(&value, exchange.era) {
            tracing::warn!(route = %exchange.caller.route, "upstream created a task on a route where tasks are off: withheld");
            return serde_json::to_vec(&internal_error(&value)).ok();
        }
    }
    let verdict = exchange
        .guard
        .to_client(
            &exchange.caller,
            exchange.era,
            exchange.follow.as_ref(),
            &mut value,
        )
        .await;
    // The answer to the request has been handled: a task it created is
    // recorded by now, so nothing needs to wait for it any more.
    if value.get("method").is_none()
        && let Ok(mut creation) = exchange.creation.lock()
    {
        creation.take();
    }
    match verdict {
        Verdict::Forward => serde_json::to_vec(&value).ok(),
        Verdict::Replace(other) => serde_json::to_vec(&other).ok(),
        Verdict::Drop => None,
    }
}

/// Whether the exchange names or creates a task: a follow-up that resolved
/// handles, a task operation, or a request that may create a task.
pub(super) fn names_or_creates_task(exchange: &Exchange) -> bool {
    exchange
        .follow
        .as_ref()
        .is_some_and(|f| !f.resolved.is_empty())
        || exchange.request_method().is_some_and(is_task_operation)
        || exchange.may_create()
}

/// An upstream body that is neither JSON nor SSE (`text/plain`, `text/html`,
/// …), answering a request that names or creates a task: such a body is not
/// a message the task rules can read, so it reaches the client only if it
/// cannot carry an upstream id the client has no handle for. `None`: send a
/// JSON-RPC error instead.
///
/// - empty: relayed as is;
/// - answering a follow-up whose only upstream ids are the ones it resolved
///   (the request named them): relayed with each replaced by the handle the
///   client used, as in an error message (M8);
/// - anything else (a possibly task-creating call, `tasks/list`, whose ids
///   the gateway cannot know): not relayed.
pub(super) fn opaque_body(exchange: &Exchange, bytes: Bytes) -> Option<Bytes> {
    if bytes.is_empty() {
        return Some(bytes);
    }
    let creating = exchange.may_create();
    let follow = exchange.follow.as_ref()?;
    let lists = exchange.request_method() == Some(TASKS_LIST);
    if creating || lists || follow.resolved.is_empty() {
        tracing::warn!(route = %exchange.caller.route, "upstream answer to a task request is neither JSON nor SSE: withheld");
        return None;
    }
    let mut text = String::from_utf8(bytes.to_vec()).ok()?;
    for (upstream, handle) in &follow.resolved {
        if !upstream.is_empty() && text.contains(upstream.as_str()) {
            text = text.replace(upstream.as_str(), handle);
        }
    }
    Some(Bytes::from(text))
}

/// The SSE hook: each flagged event goes through the task rules.
pub(super) struct TaskEvents(pub(super) Arc<Exchange>);

impl EventMap for TaskEvents {
    fn map(&mut self, event: Event) -> Mapped {
        if !self.0.must_check(event.data.as_bytes()) {
            return Mapped::Ready(Some(event));
        }
        let exchange = self.0.clone();
        Mapped::Later(Box::pin(async move {
            let data = rewrite_text(&exchange, event.data.as_bytes()).await?;
            let data = String::from_utf8(data).ok()?;
            Some(Event { data, ..event })
        }))
    }
}

/// Current-era operations only a client declaring the tasks extension may
/// send: the task methods, and a listen that asks for task notifications.
/// (Whether this request's own `_meta` declares the extension is
/// [`Summary::declares_tasks`]: a server must not infer it from earlier
/// requests.)
fn needs_tasks_capability(summary: &Summary) -> bool {
    match summary.method() {
        Some(TASKS_GET | TASKS_UPDATE | TASKS_CANCEL) => true,
        Some(SUBSCRIPTIONS_LISTEN) => summary.listens_for_tasks,
        _ => false,
    }
}

fn is_task_operation(method: &str) -> bool {
    matches!(
        method,
        TASKS_GET | TASKS_RESULT | TASKS_CANCEL | TASKS_UPDATE | TASKS_LIST | SUBSCRIPTIONS_LISTEN
    )
}

/// A `tools/call` whose answer may create a task: task-augmented (legacy),
/// or from a client declaring the tasks extension (current).
fn may_create_task(inbound: &Inbound) -> bool {
    match inbound.era {
        Era::Legacy => is_task_augmented(inbound),
        Era::Current => {
            inbound.summary.method() == Some(TOOLS_CALL) && inbound.summary.declares_tasks
        }
    }
}

/// Whether the request carries the other generation's task-creation opt-in,
/// which [`mediation::strip_foreign_opt_in`] removes: `params.task` on a
/// current-era request, the tasks extension in a legacy request's `_meta`.
fn carries_foreign_opt_in(inbound: &Inbound) -> bool {
    match inbound.era {
        Era::Current => inbound.summary.has_task,
        Era::Legacy => inbound.summary.declares_tasks,
    }
}

/// A legacy `tools/call` asking to run as a task (its TTL may need a cap).
fn is_task_augmented(inbound: &Inbound) -> bool {
    inbound.era == Era::Legacy
        && inbound.summary.method() == Some(TOOLS_CALL)
        && inbound.summary.has_task
}
