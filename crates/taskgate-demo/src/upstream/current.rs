//! Current-era POST handling (2026-07-28): stateless requests validated
//! against their mirrored headers, `server/discover`, tools, and the
//! `io.modelcontextprotocol/tasks` extension (`tasks/get|update|cancel`, in
//! [`tasks`]).
//!
//! Invariants:
//! - before any method runs: `MCP-Protocol-Version` equals
//!   `params._meta["io.modelcontextprotocol/protocolVersion"]`, `Mcp-Method`
//!   equals `method`, and `Mcp-Name` equals `params.name` (`tools/call`) or
//!   `params.taskId` (`tasks/*`); otherwise HTTP 400 + `-32020`;
//! - a task is created, and `tasks/*` is served, only for a request that
//!   declares the tasks extension in its own `_meta` (else HTTP 400 + `-32021`
//!   for `tasks/*`); nothing is remembered between requests;
//! - every non-task result carries `resultType: "complete"`; `-32601` goes
//!   out with HTTP 404, header/capability errors with HTTP 400.

mod tasks;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use serde_json::{Value, json};

use super::rpc::{self, Message, RpcError};
use super::state::State;
use super::stream;
use super::tools::{self, Call, CallError};
use super::work::{self, CONFIRM_KEY};
use super::{legacy, plain, server_info};
use crate::body::DemoBody;
use crate::protocol::{code, header, meta, method, version};

/// TTL granted to extension tasks (ms), before the server's cap.
const TASK_TTL_MS: u64 = 60_000;

/// Handles one current-era POST body (the header version is 2026-07-28).
pub(crate) async fn post(
    state: Arc<State>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response<DemoBody> {
    let (id, method, params) = match rpc::parse(body) {
        Ok(Message::Request { id, method, params }) => (id, method, params),
        // No client→server notifications are defined; accept and ignore.
        Ok(Message::Notification { .. }) => return rpc::empty_response(StatusCode::ACCEPTED),
        Ok(Message::Response { .. }) => {
            let err = RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: clients must not send responses in 2026-07-28",
            );
            return rpc::error_response(StatusCode::BAD_REQUEST, &Value::Null, &err);
        }
        Err(err) => return rpc::error_response(StatusCode::BAD_REQUEST, &Value::Null, &err),
    };
    state.options.requests.record_method(&method);
    if let Err(err) = check_headers(headers, &method, &params) {
        return rpc::error_response(StatusCode::BAD_REQUEST, &id, &err);
    }
    let declares_tasks = params
        .pointer("/_meta")
        .and_then(|m| m.get(meta::CLIENT_CAPABILITIES))
        .and_then(|c| c.get("extensions"))
        .and_then(|e| e.get(meta::TASKS_EXTENSION))
        .is_some_and(Value::is_object);
    let outcome = match method.as_str() {
        method::SERVER_DISCOVER => Ok(discover()),
        method::PING => Ok(complete(json!({}))),
        method::TOOLS_LIST => Ok(complete(json!({ "tools": tools::catalogue(false) }))),
        method::TOOLS_CALL => {
            let wants_sse = rpc::accepts_sse(headers);
            return tools_call(state, wants_sse, declares_tasks, id, &params).await;
        }
        method::TASKS_GET | method::TASKS_UPDATE | method::TASKS_CANCEL if !declares_tasks => {
            let err = RpcError::new(
                code::MISSING_REQUIRED_CLIENT_CAPABILITY,
                "Missing required client capability: io.modelcontextprotocol/tasks",
            )
            .with_data(json!({
                "requiredCapabilities": {"extensions": { (meta::TASKS_EXTENSION): {} }}
            }));
            return rpc::error_response(StatusCode::BAD_REQUEST, &id, &err);
        }
        method::TASKS_GET => tasks::get(&state, &params),
        method::TASKS_UPDATE => tasks::update(&state, &params),
        method::TASKS_CANCEL => tasks::cancel(&state, &params),
        other => Err(RpcError::method_not_found(other)),
    };
    let status = match &outcome {
        Err(err) if err.code == code::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    };
    rpc::json_response(status, &rpc::response(&id, outcome))
}

/// Checks the mirrored headers against the body.
///
/// # Errors
/// `-32020` naming the first header that disagrees.
fn check_headers(headers: &HeaderMap, method: &str, params: &Value) -> Result<(), RpcError> {
    let mismatch = |what: &str| {
        RpcError::new(
            code::HEADER_MISMATCH,
            format!("Header mismatch: {what} does not match the request body"),
        )
    };
    let body_version = params
        .pointer("/_meta")
        .and_then(|m| m.get(meta::PROTOCOL_VERSION))
        .and_then(Value::as_str);
    if body_version.is_none() || body_version != rpc::header_str(headers, header::PROTOCOL_VERSION)
    {
        return Err(mismatch("MCP-Protocol-Version"));
    }
    if rpc::header_str(headers, header::METHOD) != Some(method) {
        return Err(mismatch("Mcp-Method"));
    }
    let named = match method {
        method::TOOLS_CALL => Some("name"),
        method::TASKS_GET | method::TASKS_UPDATE | method::TASKS_CANCEL => Some("taskId"),
        _ => None,
    };
    if let Some(field) = named {
        let in_body = params.get(field).and_then(Value::as_str);
        let in_header = rpc::header_str(headers, header::NAME).and_then(decode_name);
        if in_body.is_none() || in_body != in_header.as_deref() {
            return Err(mismatch("Mcp-Name"));
        }
    }
    Ok(())
}

/// An `Mcp-Name` value, decoding the `=?base64?…?=` form used for values
/// that are not plain ASCII. `None` if that form is malformed.
fn decode_name(raw: &str) -> Option<String> {
    match raw
        .strip_prefix("=?base64?")
        .and_then(|r| r.strip_suffix("?="))
    {
        Some(encoded) => String::from_utf8(STANDARD.decode(encoded).ok()?).ok(),
        None => Some(raw.to_owned()),
    }
}

fn discover() -> Value {
    complete(json!({
        "supportedVersions": [version::V2025_11_25, version::V2026_07_28],
        "capabilities": {
            "tools": {},
            "extensions": { (meta::TASKS_EXTENSION): {} },
        },
        // Discovery results are cacheable like list results (§3.1); the
        // official Rust SDK requires both fields.
        "ttlMs": 0,
        "cacheScope": "private",
        "_meta": { "io.modelcontextprotocol/serverInfo": server_info() },
    }))
}

/// Marks a result `resultType: "complete"`.
pub(crate) fn complete(mut result: Value) -> Value {
    if let Some(obj) = result.as_object_mut() {
        obj.insert("resultType".into(), json!("complete"));
    }
    result
}

async fn tools_call(
    state: Arc<State>,
    wants_sse: bool,
    declares_tasks: bool,
    id: Value,
    params: &Value,
) -> Response<DemoBody> {
    let reply = |outcome| rpc::json_response(StatusCode::OK, &rpc::response(&id, outcome));
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return reply(Err(RpcError::invalid_params("`name` must be a string")));
    };
    let call = match Call::parse(name, params.get("arguments").unwrap_or(&Value::Null)) {
        Ok(call) => call,
        Err(CallError::UnknownTool(tool)) => {
            return reply(Err(RpcError::invalid_params(format!(
                "Unknown tool: {tool}"
            ))));
        }
        Err(CallError::BadArguments(why)) => {
            let text = format!("Invalid arguments for {name}: {why}");
            return reply(Ok(complete(tools::error_result(text))));
        }
    };
    if let Call::ConfirmAction(action) = &call {
        // A retry that carries the answer (multi round-trip) completes now.
        if let Some(answer) = params.pointer("/inputResponses/confirm") {
            return reply(Ok(complete(tools::confirm_result(
                action,
                &Ok(answer.clone()),
            ))));
        }
        if !declares_tasks {
            let request = json!({
                "method": method::ELICITATION_CREATE,
                "params": tools::confirm_elicitation(action),
            });
            let result = json!({
                "resultType": "input_required",
                "inputRequests": { (CONFIRM_KEY): request },
            });
            return reply(Ok(result));
        }
    }
    if declares_tasks && call.supports_tasks() {
        let ttl = TASK_TTL_MS.min(state.options.max_ttl_ms);
        let snap = work::start(&state, None, ttl, call);
        let mut result = snap.current_json();
        result["resultType"] = json!("task");
        return reply(Ok(result));
    }
    let progress = params.pointer("/_meta/progressToken").cloned();
    let streamed = wants_sse && matches!(call, Call::SlowReport { .. });
    let worker = state.clone();
    stream::respond(&state, streamed, id, move |out| async move {
        plain::run(worker, call, progress, out).await.map(complete)
    })
    .await
}

/// Versions `serve` understands at all, for `-32022` data.
pub(crate) fn supported_versions() -> Vec<&'static str> {
    let mut all = legacy::VERSIONS.to_vec();
    all.push(version::V2026_07_28);
    all
}

#[cfg(test)]
mod tests;
