//! Plain (not task-augmented) tool calls, in either era: immediate tools,
//! `slow_report` with per-second progress, and the legacy `confirm_action`
//! that asks the client through `elicitation/create` on the response stream.
//!
//! Invariant: progress and server requests only go out on the request's own
//! SSE stream ([`Out::Stream`]); in JSON mode they are dropped, and a call
//! that cannot work without a stream says so in an `isError` result.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::rpc::{self, RpcError};
use super::state::State;
use super::stream::Out;
use super::tools::{self, Call};
use crate::protocol::method;

/// Runs `call` to completion and returns its `CallToolResult`.
///
/// `progress` is the request's `_meta.progressToken`, if any.
///
/// # Errors
/// None today: failures are tool execution errors (`isError: true`). The
/// signature leaves room for protocol errors.
pub(crate) async fn run(
    state: Arc<State>,
    call: Call,
    progress: Option<Value>,
    out: Out,
) -> Result<Value, RpcError> {
    Ok(match call {
        Call::Echo(text) => tools::text_result(text),
        Call::Add(a, b) => tools::add_result(a, b),
        Call::SlowReport { topic, seconds } => {
            slow_report(&topic, seconds, progress.as_ref(), &out).await
        }
        Call::FailReport(topic) => tools::error_result(tools::failure_text(&topic)),
        Call::ConfirmAction(action) => confirm_action(&state, &action, &out).await,
    })
}

async fn slow_report(topic: &str, seconds: f64, progress: Option<&Value>, out: &Out) -> Value {
    // `seconds` is already clamped to 0..=60, so the cast is exact.
    let whole = seconds.floor() as u64;
    for done in 1..=whole {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(token) = progress {
            let params = json!({
                "progressToken": token,
                "progress": done,
                "total": seconds,
                "message": format!("researching {topic}: {done} of {seconds} s"),
            });
            if !out.send(&rpc::notification(method::PROGRESS, params)).await {
                return tools::error_result("client went away");
            }
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds - seconds.floor())).await;
    tools::report_result(topic, seconds)
}

async fn confirm_action(state: &State, action: &str, out: &Out) -> Value {
    if !out.is_stream() {
        return tools::error_result(
            "confirm_action asks its question on the response stream; \
             send `Accept: text/event-stream` (or call it as a task)",
        );
    }
    let (id, answer, _guard) = state.ask();
    let request = rpc::request(
        id,
        method::ELICITATION_CREATE,
        tools::confirm_elicitation(action),
    );
    if !out.send(&request).await {
        return tools::error_result("client went away");
    }
    match answer.await {
        Ok(answer) => tools::confirm_result(action, &answer),
        Err(_) => tools::error_result("the question was never answered"),
    }
}
