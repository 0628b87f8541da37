//! The task phase of admission: a validated POST against the task rules
//! ([`crate::tasks`]) before anything is forwarded. The answer's side is
//! the message hook ([`super::messages`]).
//!
//! Invariants:
//! - Fast path: a request that is not a task operation, carries no
//!   task-augmentation or foreign opt-in, travels on a route where tasks
//!   are on, and whose bytes the [`may_need_rewrite`] pre-check clears is
//!   forwarded byte for byte ([`Prepare::Ready`]).
//! - A request is re-serialized only when it actually changed.
//! - Both generations are governed whatever version a request declares
//!   (a dual-generation server dispatches by method name): a task method the
//!   declared era does not have is answered `-32601` as a server of that era
//!   answers it (current: `tasks/result`, `tasks/list`, with `404`; legacy:
//!   `tasks/update`, `subscriptions/listen`); the other generation's
//!   task-creation opt-in is removed before forwarding; every other
//!   location of either generation goes through the task rules
//!   ([`crate::rewrite::governed`]); the current generation's mirrored
//!   headers are removed from legacy requests.
//! - Current era: `Mcp-Name` is replaced by the resolved upstream id (the
//!   body agreement was already checked against the handle).
//! - On a route where tasks are off, every request is mediated
//!   ([`crate::tasks::mediation`]).

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};

use super::inbound::Inbound;
use crate::config::RouteConfig;
use crate::error::GatewayError;
use crate::jsonrpc::{self, Field, Message};
use crate::mcp::dialect::{Dialect, OptIns};
use crate::mcp::headers::{drop_current_mirrors, encode_sentinel};
use crate::mcp::{MethodKind, header};
use crate::rewrite::may_need_rewrite;
use crate::tasks::request_state::name_member;
use crate::tasks::{Caller, CreationTicket, Follow, Refusal, TaskGuard, mediation};

/// A request ready to forward.
pub(super) struct Prepared {
    /// The bytes to forward.
    pub(super) bytes: Bytes,
    /// What the response side must know.
    pub(super) follow: Follow,
    /// Set when the request may create a task.
    pub(super) creation: Option<CreationTicket>,
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

/// A validated request as the task phase reads it, classified once: its
/// method's kind, its era's dialect, the task opt-ins it carries.
struct Classified<'m> {
    method: Option<&'m str>,
    kind: Option<MethodKind>,
    dialect: &'static Dialect,
    opt_ins: OptIns,
}

impl<'m> Classified<'m> {
    fn of(inbound: &'m Inbound, kind: Option<MethodKind>) -> Classified<'m> {
        let summary = &inbound.summary;
        Classified {
            method: summary.method(),
            kind,
            dialect: inbound.era.dialect(),
            opt_ins: OptIns {
                task_param: summary.has_task,
                tasks_extension: summary.declares_tasks,
            },
        }
    }

    /// Whether the request must go through the task rules: a task
    /// operation, a task-creating call that states a TTL (to cap), another
    /// generation's opt-in (to strip), a route where tasks are off (to
    /// mediate), or bytes the pre-check flags (an id-bearing key).
    fn must_check(&self, tasks_enabled: bool, bytes: &[u8]) -> bool {
        self.kind.is_some_and(MethodKind::is_task_operation)
            || self.dialect.may_request_ttl(self.method, self.opt_ins)
            || self.dialect.carries_foreign_opt_in(self.opt_ins)
            || !tasks_enabled
            || may_need_rewrite(bytes)
    }

    /// Whether the answer may create a task.
    fn may_create(&self, tasks_enabled: bool) -> bool {
        tasks_enabled && self.dialect.may_create_task(self.method, self.opt_ins)
    }
}

/// Decides whether a validated POST must go through the task rules; on the
/// fast path returns the bytes to forward and what the response side must
/// know at once.
///
/// # Errors
/// The refusal; the request must not be forwarded.
pub(super) fn request<'a>(
    guard: &'a TaskGuard,
    caller: &Caller,
    (mut inbound, kind): (Inbound, Option<MethodKind>),
    route: &'a RouteConfig,
    headers: &'a mut HeaderMap,
) -> Result<Prepare<'a>, GatewayError> {
    let tasks_enabled = route.tasks;
    let message = Classified::of(&inbound, kind);
    let dialect = message.dialect;
    if !dialect.transport.mirrored_headers {
        drop_current_mirrors(headers);
    }
    if let Some(method) = message.method
        && dialect.lacks_task_method(method)
    {
        return Err(GatewayError::MethodNotFound(inbound.era));
    }
    let summary = &inbound.summary;
    if dialect.requires_tasks_declaration(message.method, summary.listens_for_tasks)
        && !summary.declares_tasks
    {
        return Err(GatewayError::MissingTasksCapability);
    }
    let must_check = message.must_check(tasks_enabled, &inbound.bytes);
    let may_create = message.may_create(tasks_enabled);
    if must_check {
        // The rules own a copy of the caller (slow path only), so the caller
        // can move on with the exchange.
        let rules = run_rules(guard, caller.clone(), inbound, route, headers, may_create);
        return Ok(Prepare::Rules(Box::pin(rules)));
    }
    // The name the request targets (the tool a task runs, what a
    // requestState is bound to), moved out of the summary: no copy.
    let name = match message.method.and_then(name_member) {
        Some("name") => inbound.summary.name.take(),
        Some("uri") => inbound.summary.uri.take(),
        _ => None,
    };
    let name = match name {
        Some(Field::Str(name)) => Some(name),
        _ => None,
    };
    let method = match inbound.summary.message {
        Message::Request { method, .. } | Message::Notification { method } => Some(method),
        Message::Response { .. } => None,
    };
    let mut follow = Follow::new(method, name);
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
    caller: Caller,
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
        .to_upstream(&caller, era, &mut value)
        .await
        .map_err(|refusal| match refusal {
            Refusal::UnknownTask { method, presented } => GatewayError::UnknownTask {
                method,
                presented,
                wording: route.unknown_task_wording,
            },
            Refusal::InvalidRequestState => GatewayError::InvalidRequestState,
            Refusal::Unavailable => GatewayError::TaskStateUnavailable,
        })?;
    follow.rewritten |= mediated;
    if era.dialect().transport.mirrored_headers
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
    let creation = may_create.then(|| guard.expect_creation(&caller));
    Ok(Prepared {
        bytes,
        follow,
        creation,
    })
}
