//! The message hook: every message the upstream sends back — a whole JSON
//! body, one SSE event's data, or one line of a listen answered with JSON
//! lines (framed as an event) — goes through [`hook`], the one place
//! that decides whether it must go through the rules and runs them.
//!
//! The rules ([`Rule`]), in order: what the upstream says it speaks (its
//! `server/discover` answer, read for the gateway's own version refusals),
//! capability mediation (a route where tasks are off), the task rules
//! ([`crate::tasks`]), then the current era's `requestState` sealing
//! ([`crate::tasks::request_state`]). Tool-contract pinning is one more
//! variant. A message goes through the rules when any rule wants it (a
//! cheap test on the bytes, run at most once per message); then every rule
//! sees the parsed message in order, and the first that withholds or
//! replaces it decides.
//!
//! Invariants:
//! - Fast path: a message no rule wants is relayed byte for byte, never
//!   parsed.
//! - A message a rule wants but that is not JSON is not relayed (it may
//!   hold an upstream id the gateway cannot place).
//! - Order: SSE events leave in the order they came, each after its rules
//!   ran ([`crate::sse::Mapped::Later`]).
//! - An answer that is not a message, to a request that names or creates
//!   a task, carries no upstream id the client has no handle for
//!   ([`opaque_body`]).

use std::cell::OnceCell;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::exchange::Exchange;
use crate::mcp::MethodKind;
use crate::mcp::method::SERVER_DISCOVER;
use crate::rewrite::may_need_rewrite;
use crate::sse::{Event, EventMap, Mapped};
use crate::tasks::{Verdict, creates_task, internal_error, mediation};

/// A rule upstream messages may go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The protocol versions a `server/discover` answer lists are learned
    /// for the route ([`super::versions`]); the message is not changed.
    Discovery,
    /// Capability mediation where tasks are off: the tasks capability is
    /// removed from what the server advertises, and a task the server
    /// created anyway is withheld.
    Mediation,
    /// Task handles: ids sealed, foreign ids withheld, TTLs capped.
    Tasks,
    /// `requestState` (current era): sealed into a handle bound to the
    /// caller and the request; removed from Task objects.
    RequestState,
}

/// Every rule, in the order they run.
const RULES: [Rule; 4] = [
    Rule::Discovery,
    Rule::Mediation,
    Rule::Tasks,
    Rule::RequestState,
];

/// A message's bytes and the byte pre-check on them, run at most once
/// (several rules ask it).
struct Flagged<'a> {
    bytes: &'a [u8],
    hit: OnceCell<bool>,
}

impl Flagged<'_> {
    fn hit(&self) -> bool {
        *self.hit.get_or_init(|| may_need_rewrite(self.bytes))
    }
}

impl Rule {
    /// Whether the rule must see this message (cheap: no parse).
    fn wants(self, exchange: &Exchange, bytes: &Flagged<'_>) -> bool {
        match self {
            Rule::Discovery => exchange.method == Some(MethodKind::Spec(SERVER_DISCOVER)),
            Rule::Mediation => {
                !exchange.tasks_enabled
                    && mediation::advertises_capabilities(request_method(exchange))
            }
            // A follow-up's answer may quote the upstream id it resolved
            // in an error text (M8); anything else only where the
            // pre-check finds an id-bearing key.
            Rule::Tasks => {
                exchange
                    .follow
                    .as_ref()
                    .is_some_and(|f| !f.resolved.is_empty())
                    || bytes.hit()
            }
            // The pre-check finds a `"requestState"` key too.
            Rule::RequestState => exchange.era.dialect().multi_round_trip && bytes.hit(),
        }
    }

    /// Applies the rule to the parsed message.
    async fn apply(self, exchange: &Exchange, message: &mut Value) -> Verdict {
        match self {
            Rule::Discovery => {
                exchange.route().versions.learn(message);
                Verdict::Forward
            }
            Rule::Mediation => {
                if exchange.tasks_enabled {
                    return Verdict::Forward;
                }
                mediation::strip_response(message, request_method(exchange));
                if creates_task(message, exchange.era) {
                    tracing::warn!(route = %exchange.caller.route, "upstream created a task on a route where tasks are off: withheld");
                    return Verdict::Replace(internal_error(message));
                }
                Verdict::Forward
            }
            Rule::Tasks => {
                let verdict = exchange
                    .guard()
                    .to_client(
                        &exchange.caller,
                        exchange.era,
                        exchange.follow.as_ref(),
                        message,
                    )
                    .await;
                // The answer to the request has been handled: a task it
                // created is recorded by now.
                if message.get("method").is_none() {
                    exchange.answered();
                }
                verdict
            }
            Rule::RequestState => {
                exchange
                    .guard()
                    .request_state_to_client(
                        &exchange.caller,
                        exchange.era,
                        exchange.follow.as_ref(),
                        message,
                    )
                    .await
            }
        }
    }
}

fn request_method(exchange: &Exchange) -> Option<&str> {
    exchange.method.map(MethodKind::as_str)
}

/// Whether any rule wants the message (the one fast-path decision, for
/// JSON bodies and SSE events alike).
fn wanted(exchange: &Exchange, bytes: &[u8]) -> bool {
    let bytes = Flagged {
        bytes,
        hit: OnceCell::new(),
    };
    RULES.iter().any(|r| r.wants(exchange, &bytes))
}

/// What the hook made of one message.
pub(super) enum Hooked {
    /// No rule wants it: relay as is.
    Pass(Bytes),
    /// The rules' answer: the bytes to relay, or `None` for nothing.
    Rules(BoxFuture<'static, Option<Vec<u8>>>),
}

/// The one per-message hook, for JSON bodies and SSE events alike.
pub(super) fn hook(exchange: &Arc<Exchange>, bytes: Bytes) -> Hooked {
    if !wanted(exchange, &bytes) {
        return Hooked::Pass(bytes);
    }
    // Boxed: only flagged messages pay for the rules' large future.
    let exchange = exchange.clone();
    Hooked::Rules(Box::pin(async move { run_rules(&exchange, &bytes).await }))
}

/// Parses a flagged message, runs every rule, re-serializes the result.
async fn run_rules(exchange: &Exchange, bytes: &[u8]) -> Option<Vec<u8>> {
    let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
        tracing::warn!(route = %exchange.caller.route, "unparseable upstream message that may carry task ids: withheld");
        exchange.count_withheld();
        return None;
    };
    for rule in RULES {
        match rule.apply(exchange, &mut value).await {
            Verdict::Forward => {}
            Verdict::Replace(other) => {
                exchange.count_withheld();
                return serde_json::to_vec(&other).ok();
            }
            Verdict::Drop => {
                exchange.count_withheld();
                return None;
            }
        }
    }
    serde_json::to_vec(&value).ok()
}

/// One whole JSON answer through the hook. `None`: send nothing.
pub(super) async fn message(exchange: &Arc<Exchange>, bytes: Bytes) -> Option<Bytes> {
    match hook(exchange, bytes) {
        Hooked::Pass(bytes) => Some(bytes),
        Hooked::Rules(rules) => rules.await.map(Bytes::from),
    }
}

/// The hook on a stream: each event's data (or JSON line) is one message.
pub(super) struct MessageEvents(pub(super) Arc<Exchange>);

impl EventMap for MessageEvents {
    fn map(&mut self, event: Event) -> Mapped {
        let Event { data, .. } = &event;
        if !wanted(&self.0, data.as_bytes()) {
            return Mapped::Ready(Some(event));
        }
        let exchange = self.0.clone();
        Mapped::Later(Box::pin(async move {
            let data = run_rules(&exchange, event.data.as_bytes()).await?;
            let data = String::from_utf8(data).ok()?;
            Some(Event { data, ..event })
        }))
    }
}

/// Whether the exchange names or creates a task: a follow-up that resolved
/// handles, a task operation, or a request that may create a task.
pub(super) fn names_or_creates_task(exchange: &Exchange) -> bool {
    exchange
        .follow
        .as_ref()
        .is_some_and(|f| !f.resolved.is_empty())
        || exchange.method.is_some_and(MethodKind::is_task_operation)
        || exchange.may_create()
}

/// An upstream body that is neither JSON nor SSE (`text/plain`, `text/html`,
/// …), answering a request that names or creates a task: such a body is not
/// a message the rules can read, so it reaches the client only if it
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
    let lists = exchange.method == Some(MethodKind::TasksList);
    if creating || lists || follow.resolved.is_empty() {
        tracing::warn!(route = %exchange.caller.route, "upstream answer to a task request is neither JSON nor SSE: withheld");
        exchange.count_withheld();
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
