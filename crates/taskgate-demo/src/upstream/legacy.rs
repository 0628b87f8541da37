//! Legacy-era POST handling (2025-03-26 … 2025-11-25): `initialize` and
//! sessions, notifications and client responses, `ping`, `tools/*`,
//! `logging/setLevel`, and the experimental core `tasks/*` (in [`tasks`]).
//!
//! Invariants:
//! - an unknown or ended `Mcp-Session-Id` is HTTP 404 before anything else
//!   runs (except `initialize`, which always starts a new session); no
//!   header means stateless service;
//! - notifications and client responses get `202` with an empty body;
//! - only plain `slow_report` / `confirm_action` calls are answered with
//!   SSE (when accepted), plus `tasks/result` (see [`tasks`]); everything
//!   else is one JSON body.

mod tasks;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

use super::rpc::{self, Message, RpcError};
use super::session::Session;
use super::state::State;
use super::stream;
use super::tools::{self, Call, CallError};
use super::{plain, server_info, work};
use crate::body::DemoBody;
use crate::protocol::{code, header, meta, method, version};

/// Versions this era answers with (the client's choice when it is one).
pub(crate) const VERSIONS: [&str; 3] = [
    version::V2025_03_26,
    version::V2025_06_18,
    version::V2025_11_25,
];

/// TTL granted when a task request names none (ms).
const DEFAULT_TTL_MS: u64 = 60_000;

/// What a request handler knows about its caller.
pub(crate) struct Ctx {
    /// The session named by `Mcp-Session-Id`, if any.
    pub(crate) session: Option<Arc<Session>>,
    /// Whether the client accepts `text/event-stream`.
    pub(crate) wants_sse: bool,
}

impl Ctx {
    fn session_id(&self) -> Option<String> {
        self.session.as_ref().map(|s| s.id.clone())
    }
}

/// Handles one legacy-era POST body.
pub(crate) async fn post(
    state: Arc<State>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response<DemoBody> {
    let msg = match rpc::parse(body) {
        Ok(msg) => msg,
        Err(err) => return rpc::error_response(StatusCode::BAD_REQUEST, &Value::Null, &err),
    };
    if let Message::Request { id, method, params } = &msg {
        state.options.requests.record_method(method);
        // A current-era body without the matching header is a header error,
        // not a legacy request.
        let body_version = params
            .pointer("/_meta")
            .and_then(|m| m.get(meta::PROTOCOL_VERSION));
        if body_version.and_then(Value::as_str) == Some(version::V2026_07_28) {
            let err = RpcError::new(
                code::HEADER_MISMATCH,
                "Header mismatch: MCP-Protocol-Version does not match the request body",
            );
            return rpc::error_response(StatusCode::BAD_REQUEST, id, &err);
        }
        if method == method::INITIALIZE {
            return initialize(&state, id, params);
        }
    }
    let session = match rpc::header_str(headers, header::SESSION_ID) {
        None => None,
        Some(sid) => match state.sessions.get(sid) {
            Some(session) => Some(session),
            None => {
                let id = match &msg {
                    Message::Request { id, .. } => id.clone(),
                    _ => Value::Null,
                };
                return session_not_found(&id);
            }
        },
    };
    match msg {
        Message::Notification { .. } => rpc::empty_response(StatusCode::ACCEPTED),
        Message::Response { id, outcome } => {
            // Unknown or late answers are dropped; the client cannot act on it.
            state.deliver(&id, outcome);
            rpc::empty_response(StatusCode::ACCEPTED)
        }
        Message::Request { id, method, params } => {
            let ctx = Ctx {
                session,
                wants_sse: rpc::accepts_sse(headers),
            };
            dispatch(state, &ctx, id, &method, &params).await
        }
    }
}

/// HTTP 404 with a JSON-RPC error: the client must re-initialize.
pub(crate) fn session_not_found(id: &Value) -> Response<DemoBody> {
    let err = RpcError::new(code::SESSION_NOT_FOUND, "Session not found");
    rpc::error_response(StatusCode::NOT_FOUND, id, &err)
}

async fn dispatch(
    state: Arc<State>,
    ctx: &Ctx,
    id: Value,
    method: &str,
    params: &Value,
) -> Response<DemoBody> {
    let outcome = match method {
        method::PING => Ok(json!({})),
        method::TOOLS_LIST => Ok(json!({ "tools": tools::catalogue(true) })),
        method::LOGGING_SET_LEVEL => set_level(ctx, params),
        method::TOOLS_CALL => return tools_call(state, ctx, id, params).await,
        method::TASKS_GET => tasks::get(&state, params),
        method::TASKS_RESULT => return tasks::result(state, ctx, id, params).await,
        method::TASKS_LIST => tasks::list(&state, params),
        method::TASKS_CANCEL => tasks::cancel(&state, params),
        other => Err(RpcError::method_not_found(other)),
    };
    rpc::json_response(StatusCode::OK, &rpc::response(&id, outcome))
}

fn initialize(state: &State, id: &Value, params: &Value) -> Response<DemoBody> {
    let requested = params.get("protocolVersion").and_then(Value::as_str);
    let negotiated = requested
        .and_then(|v| VERSIONS.iter().find(|known| **known == v))
        .copied()
        .unwrap_or(version::V2025_11_25);
    let session = state.sessions.create(state.next_stream());
    let result = json!({
        "protocolVersion": negotiated,
        "capabilities": {
            "tools": {"listChanged": false},
            "logging": {},
            "tasks": {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}},
        },
        "serverInfo": server_info(),
        "instructions": "Demo MCP server bundled with taskgate. Its task handling is \
                         deliberately unsafe (guessable ids, shared across callers).",
    });
    let mut res = rpc::json_response(StatusCode::OK, &rpc::success(id, result));
    match HeaderValue::from_str(&session.id) {
        Ok(value) => {
            res.headers_mut().insert(header::SESSION_ID, value);
            res
        }
        // Hex ids are always valid header values; refuse rather than
        // answer without the session the client will need.
        Err(_) => {
            state.sessions.remove(&session.id);
            let err = RpcError::new(code::INTERNAL_ERROR, "session id unusable");
            rpc::error_response(StatusCode::INTERNAL_SERVER_ERROR, id, &err)
        }
    }
}

fn set_level(ctx: &Ctx, params: &Value) -> Result<Value, RpcError> {
    let level = params
        .get("level")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("`level` must be a string"))?;
    match &ctx.session {
        Some(session) if !session.set_log_level(level) => Err(RpcError::invalid_params(format!(
            "unknown log level `{level}`"
        ))),
        _ => Ok(json!({})),
    }
}

async fn tools_call(state: Arc<State>, ctx: &Ctx, id: Value, params: &Value) -> Response<DemoBody> {
    let reply = |outcome| rpc::json_response(StatusCode::OK, &rpc::response(&id, outcome));
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return reply(Err(RpcError::invalid_params("`name` must be a string")));
    };
    let args = params.get("arguments").unwrap_or(&Value::Null);
    let call = match Call::parse(name, args) {
        Ok(call) => call,
        Err(CallError::UnknownTool(tool)) => {
            return reply(Err(RpcError::invalid_params(format!(
                "Unknown tool: {tool}"
            ))));
        }
        Err(CallError::BadArguments(why)) => {
            let text = format!("Invalid arguments for {name}: {why}");
            return reply(Ok(tools::error_result(text)));
        }
    };
    if let Some(task) = params.get("task") {
        if !call.supports_tasks() {
            let err = RpcError::new(
                code::METHOD_NOT_FOUND,
                format!("Tool {name} does not support task-augmented execution"),
            );
            return reply(Err(err));
        }
        let ttl = match requested_ttl(task) {
            Ok(ttl) => ttl.unwrap_or(DEFAULT_TTL_MS).min(state.options.max_ttl_ms),
            Err(err) => return reply(Err(err)),
        };
        let snap = work::start(&state, ctx.session_id(), ttl, call);
        return reply(Ok(json!({ "task": snap.legacy_json() })));
    }
    let progress = params.pointer("/_meta/progressToken").cloned();
    let streamed =
        ctx.wants_sse && matches!(call, Call::SlowReport { .. } | Call::ConfirmAction(_));
    let worker = state.clone();
    stream::respond(&state, streamed, id, move |out| {
        plain::run(worker, call, progress, out)
    })
    .await
}

/// `params.task.ttl`: absent or `null` → `None`; a non-negative number → ms.
fn requested_ttl(task: &Value) -> Result<Option<u64>, RpcError> {
    let bad =
        || RpcError::invalid_params("`task` must be an object with an optional numeric `ttl`");
    if !task.is_object() {
        return Err(bad());
    }
    match task.get("ttl") {
        None | Some(Value::Null) => Ok(None),
        Some(ttl) => match (ttl.as_u64(), ttl.as_f64()) {
            (Some(ms), _) => Ok(Some(ms)),
            // Float ms: round down; negative or non-finite values are refused.
            (None, Some(ms)) if ms >= 0.0 => Ok(Some(ms.floor() as u64)),
            _ => Err(bad()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_parsing() {
        assert_eq!(requested_ttl(&json!({})), Ok(None));
        assert_eq!(requested_ttl(&json!({"ttl": null})), Ok(None));
        assert_eq!(requested_ttl(&json!({"ttl": 5000})), Ok(Some(5000)));
        assert_eq!(requested_ttl(&json!({"ttl": 1.5})), Ok(Some(1)));
        assert!(requested_ttl(&json!({"ttl": -1})).is_err());
        assert!(requested_ttl(&json!({"ttl": "x"})).is_err());
        assert!(requested_ttl(&json!(true)).is_err());
    }
}
