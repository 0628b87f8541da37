//! Tasks extension methods (2026-07-28): `tasks/get` (a `DetailedTask`),
//! `tasks/update` (answers to `inputRequests`) and `tasks/cancel` (an empty,
//! cooperative ack).
//!
//! Deliberately weak like the rest of the demo: any caller that declares the
//! extension may touch any task. Invariant: unknown or expired ids are
//! `-32602 Task not found`; `tasks/update` ignores keys that are not
//! outstanding, as the extension asks.

use serde_json::{Value, json};

use super::super::rpc::RpcError;
use super::super::state::State;
use super::super::tasks::CancelError;
use super::complete;

/// `tasks/get` → `DetailedTask` + `resultType: "complete"`.
pub(super) fn get(state: &State, params: &Value) -> Result<Value, RpcError> {
    let snap = state
        .tasks
        .get(task_id(params)?)
        .ok_or_else(RpcError::task_not_found)?;
    Ok(complete(snap.detailed_json()))
}

/// `tasks/update {taskId, inputResponses}` → empty ack.
pub(super) fn update(state: &State, params: &Value) -> Result<Value, RpcError> {
    let id = task_id(params)?;
    let responses = params
        .get("inputResponses")
        .and_then(Value::as_object)
        .ok_or_else(|| RpcError::invalid_params("`inputResponses` must be an object"))?;
    if state.tasks.get(id).is_none() {
        return Err(RpcError::task_not_found());
    }
    for (key, response) in responses {
        // Unknown, answered or superseded keys are ignored.
        state.tasks.answer(id, key, Ok(response.clone()));
    }
    Ok(complete(json!({})))
}

/// `tasks/cancel` → empty ack; cancelling a finished task is a no-op.
pub(super) fn cancel(state: &State, params: &Value) -> Result<Value, RpcError> {
    match state.tasks.cancel(task_id(params)?) {
        Ok(snap) => state.task_changed(&snap),
        Err(CancelError::Terminal) => {}
        Err(CancelError::NotFound) => return Err(RpcError::task_not_found()),
    }
    Ok(complete(json!({})))
}

fn task_id(params: &Value) -> Result<&str, RpcError> {
    params
        .get("taskId")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("`taskId` must be a string"))
}
