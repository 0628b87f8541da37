//! Legacy experimental core tasks (2025-11-25): `tasks/get`, the blocking
//! `tasks/result`, `tasks/list` and `tasks/cancel`.
//!
//! Deliberately weak: any caller may name any task, and `tasks/list` lists
//! every task of every caller. Invariants kept anyway: unknown, malformed and
//! expired ids are all `-32602 Task not found`; cancelling a terminal task is
//! `-32602`; a `tasks/result` response carries the related-task `_meta`.

use std::sync::Arc;

use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::super::rpc::{self, RpcError};
use super::super::state::State;
use super::super::stream::{self, Out};
use super::super::tasks::{CancelError, Outcome, Status};
use super::Ctx;
use crate::body::DemoBody;
use crate::protocol::{code, meta};

/// `tasks/get` → the flat `Task`.
pub(super) fn get(state: &State, params: &Value) -> Result<Value, RpcError> {
    let id = task_id(params)?;
    let snap = state.tasks.get(id).ok_or_else(RpcError::task_not_found)?;
    Ok(snap.legacy_json())
}

/// `tasks/list` → one page of all tasks.
pub(super) fn list(state: &State, params: &Value) -> Result<Value, RpcError> {
    let cursor = match params.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.as_str()),
        Some(_) => return Err(RpcError::invalid_params("Invalid cursor")),
    };
    let (page, next) = state.tasks.list(cursor)?;
    let tasks: Vec<Value> = page.iter().map(|s| s.legacy_json()).collect();
    let mut result = json!({ "tasks": tasks });
    if let Some(next) = next {
        result["nextCursor"] = json!(next);
    }
    Ok(result)
}

/// `tasks/cancel` → the `Task`, already `cancelled`.
pub(super) fn cancel(state: &State, params: &Value) -> Result<Value, RpcError> {
    let id = task_id(params)?;
    match state.tasks.cancel(id) {
        Ok(snap) => {
            state.task_changed(&snap);
            Ok(snap.legacy_json())
        }
        Err(CancelError::NotFound) => Err(RpcError::task_not_found()),
        Err(CancelError::Terminal) => Err(RpcError::invalid_params(format!(
            "Cannot cancel task {id}: it is already in a terminal state"
        ))),
    }
}

/// `tasks/result`: waits for the task to end, then answers with its result
/// (or its JSON-RPC error). On an SSE response, input the task needs is
/// asked for on this stream with related-task `_meta`.
pub(super) async fn result(
    state: Arc<State>,
    ctx: &Ctx,
    id: Value,
    params: &Value,
) -> Response<DemoBody> {
    let task = match task_id(params) {
        Ok(task) if state.tasks.get(task).is_some() => task.to_owned(),
        Ok(_) => return reply(&id, Err(RpcError::task_not_found())),
        Err(err) => return reply(&id, Err(err)),
    };
    let waiter = state.clone();
    stream::respond(&state, ctx.wants_sse, id, move |out| {
        wait_for_result(waiter, task, out)
    })
    .await
}

fn reply(id: &Value, outcome: Result<Value, RpcError>) -> Response<DemoBody> {
    rpc::json_response(StatusCode::OK, &rpc::response(id, outcome))
}

async fn wait_for_result(state: Arc<State>, task: String, out: Out) -> Result<Value, RpcError> {
    // The input generation already asked on this stream, so a question is
    // posed once per stream, not once per wake-up.
    let mut asked = 0;
    loop {
        let (snap, mut changed, expires) = state
            .tasks
            .watch(&task)
            .ok_or_else(RpcError::task_not_found)?;
        match (&snap.status, &snap.outcome) {
            (_, Some(Outcome::Result(result))) => return Ok(with_related_task(result, &task)),
            (_, Some(Outcome::Error(err))) => return Err(err.clone()),
            (Status::Cancelled, None) => {
                return Err(RpcError::new(
                    code::INVALID_REQUEST,
                    format!("Task {task} was cancelled and has no result"),
                ));
            }
            (Status::InputRequired, None) if out.is_stream() && asked < snap.input_generation => {
                if let Some(input) = &snap.input {
                    let mut params = input.params.clone();
                    params["_meta"] = json!({ (meta::RELATED_TASK): {"taskId": task} });
                    let req_id = state.ask_for_task(&task, &input.key);
                    let request = rpc::request(req_id, &input.method, params);
                    if !out.send(&request).await {
                        return Err(RpcError::new(code::INTERNAL_ERROR, "client went away"));
                    }
                }
                asked = snap.input_generation;
                continue;
            }
            _ => {}
        }
        tokio::select! {
            // An error means the task was removed; the next lookup says so.
            _ = changed.changed() => {}
            () = tokio::time::sleep_until(expires) => {}
        }
    }
}

/// Adds `_meta["io.modelcontextprotocol/related-task"]` to a result object.
fn with_related_task(result: &Value, task: &str) -> Value {
    let mut result = result.clone();
    if let Some(obj) = result.as_object_mut() {
        let meta_value = obj.entry("_meta").or_insert_with(|| json!({}));
        if let Some(m) = meta_value.as_object_mut() {
            m.insert(meta::RELATED_TASK.to_owned(), json!({ "taskId": task }));
        }
    }
    result
}

fn task_id(params: &Value) -> Result<&str, RpcError> {
    params
        .get("taskId")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("`taskId` must be a string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_task_meta_is_merged() {
        let r = with_related_task(&json!({"content": [], "_meta": {"k": 1}}), "task-3");
        assert_eq!(r["_meta"]["k"], 1);
        assert_eq!(r["_meta"][meta::RELATED_TASK]["taskId"], "task-3");
    }
}
