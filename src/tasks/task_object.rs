//! Task *objects* in messages: where a full `Task` sits (as opposed to a
//! bare id, which the [`rewrite`](crate::rewrite) tables locate), so the
//! gateway can cap its TTL and notice terminal states.
//!
//! | era | message | Task object |
//! | --- | --- | --- |
//! | legacy | task-creating response (L1) | `result.task` |
//! | legacy | response to `tasks/get`, `tasks/cancel` (L3) | `result` |
//! | legacy | response to `tasks/list` (L5) | each `result.tasks[]` |
//! | legacy | `notifications/tasks/status` (L6) | `params` |
//! | current | task-creating response, `resultType: "task"` (M1) | `result` |
//! | current | response to `tasks/get` (M3) | `result` |
//! | current | `notifications/tasks`, `notifications/tasks/status` (M6, M11) | `params` |
//!
//! Invariant: only objects that carry a string `taskId` count; anything
//! else at those paths is left alone.

use serde_json::{Map, Value};

use crate::mcp::Era;
use crate::mcp::method::{NOTIFY_TASKS, NOTIFY_TASKS_STATUS, TASKS_CANCEL, TASKS_GET, TASKS_LIST};

/// The statuses after which a task never changes.
const TERMINAL: [&str; 3] = ["completed", "failed", "cancelled"];

/// The TTL member of a Task in `era`.
pub(super) fn ttl_key(era: Era) -> &'static str {
    match era {
        Era::Legacy => "ttl",
        Era::Current => "ttlMs",
    }
}

/// The upstream id of the task a response creates (L1, M1), if it is one.
pub(super) fn created_task_id(message: &Value, era: Era) -> Option<&str> {
    if message.get("method").is_some() {
        return None;
    }
    created_in_result(message.get("result")?, era)
}

/// The id of the task a result creates: legacy `task.taskId`, current
/// `taskId` with `resultType: "task"`.
fn created_in_result(result: &Value, era: Era) -> Option<&str> {
    match era {
        Era::Legacy => result.get("task")?.get("taskId")?.as_str(),
        Era::Current if result.get("resultType")?.as_str()? == "task" => {
            result.get("taskId")?.as_str()
        }
        Era::Current => None,
    }
}

/// Every Task object in `message` (see the table above). `request_method`
/// is the method of the request a response answers, when known.
pub(super) fn task_objects_mut<'a>(
    message: &'a mut Value,
    era: Era,
    request_method: Option<&str>,
) -> Vec<&'a mut Map<String, Value>> {
    let Some(object) = message.as_object_mut() else {
        return Vec::new();
    };
    let method = object
        .get("method")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let found: Vec<&mut Value> = match method.as_deref() {
        Some(NOTIFY_TASKS_STATUS) => object.get_mut("params").into_iter().collect(),
        Some(NOTIFY_TASKS) if era == Era::Current => object.get_mut("params").into_iter().collect(),
        Some(_) => Vec::new(),
        None => {
            let Some(result) = object.get_mut("result") else {
                return Vec::new();
            };
            if created_in_result(result, era).is_some() {
                match era {
                    Era::Legacy => result.get_mut("task").into_iter().collect(),
                    Era::Current => vec![result],
                }
            } else {
                match (era, request_method) {
                    (Era::Legacy, Some(TASKS_LIST)) => match result.get_mut("tasks") {
                        Some(Value::Array(items)) => items.iter_mut().collect(),
                        _ => Vec::new(),
                    },
                    (Era::Legacy, Some(TASKS_GET | TASKS_CANCEL))
                    | (Era::Current, Some(TASKS_GET)) => vec![result],
                    _ => Vec::new(),
                }
            }
        }
    };
    found
        .into_iter()
        .filter_map(Value::as_object_mut)
        .filter(|task| task.get("taskId").is_some_and(Value::is_string))
        .collect()
}

/// The task's upstream id.
pub(super) fn task_id(task: &Map<String, Value>) -> Option<&str> {
    task.get("taskId").and_then(Value::as_str)
}

/// Whether the task is in a terminal state.
pub(super) fn is_terminal(task: &Map<String, Value>) -> bool {
    task.get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| TERMINAL.contains(&s))
}

/// Caps the task's TTL member at `cap_ms`: a larger number, `null`, a
/// missing or non-numeric value all become the cap. Returns the effective
/// TTL in milliseconds.
pub(super) fn cap_ttl(task: &mut Map<String, Value>, key: &str, cap_ms: u64) -> u64 {
    let effective = task
        .get(key)
        .and_then(Value::as_u64)
        .map_or(cap_ms, |ttl| ttl.min(cap_ms));
    task.insert(key.to_string(), Value::from(effective));
    effective
}

/// Caps a client's requested TTL (`params.task.ttl` of a legacy task-augmented
/// request) at `cap_ms`. A request without a TTL is left as it is: the
/// upstream's default applies, and the granted TTL is capped on the way back.
/// Returns whether the message changed.
pub(super) fn cap_requested_ttl(message: &mut Value, cap_ms: u64) -> bool {
    let Some(task) = message
        .get_mut("params")
        .and_then(|p| p.get_mut("task"))
        .and_then(Value::as_object_mut)
    else {
        return false;
    };
    let Some(ttl) = task.get("ttl").filter(|t| !t.is_null()) else {
        return false;
    };
    if ttl.as_u64().is_some_and(|t| t <= cap_ms) {
        return false;
    }
    task.insert("ttl".into(), Value::from(cap_ms));
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_task_objects_per_era_and_message() {
        let mut created = json!({"jsonrpc":"2.0","id":1,"result":{"task":{"taskId":"a","status":"working","ttl":5}}});
        assert_eq!(created_task_id(&created, Era::Legacy), Some("a"));
        assert_eq!(task_objects_mut(&mut created, Era::Legacy, None).len(), 1);

        let mut list = json!({"jsonrpc":"2.0","id":1,"result":{"tasks":[{"taskId":"a"},{"taskId":"b"},{"x":1}]}});
        assert_eq!(
            task_objects_mut(&mut list, Era::Legacy, Some(TASKS_LIST)).len(),
            2
        );
        assert_eq!(task_objects_mut(&mut list, Era::Legacy, None).len(), 0);

        let mut flat = json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"task","taskId":"c","ttlMs":null}});
        assert_eq!(created_task_id(&flat, Era::Current), Some("c"));
        assert_eq!(created_task_id(&flat, Era::Legacy), None);
        let objects = task_objects_mut(&mut flat, Era::Current, None);
        assert_eq!(objects.len(), 1);

        let mut note = json!({"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":"d","status":"completed"}});
        let objects = task_objects_mut(&mut note, Era::Current, None);
        assert!(is_terminal(objects[0]));
        let mut note =
            json!({"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":"d"}});
        assert!(task_objects_mut(&mut note, Era::Legacy, None).is_empty());
    }

    #[test]
    fn caps_granted_and_requested_ttls() {
        let mut task = json!({"taskId":"a","ttl":null})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(cap_ttl(&mut task, "ttl", 1000), 1000);
        assert_eq!(task["ttl"], 1000);
        let mut task = json!({"taskId":"a","ttl":50}).as_object().cloned().unwrap();
        assert_eq!(cap_ttl(&mut task, "ttl", 1000), 50);
        let mut task = json!({"taskId":"a","ttl":"forever"})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(cap_ttl(&mut task, "ttl", 1000), 1000);

        let mut req = json!({"method":"tools/call","params":{"task":{"ttl":99999}}});
        assert!(cap_requested_ttl(&mut req, 1000));
        assert_eq!(req["params"]["task"]["ttl"], 1000);
        let mut req = json!({"method":"tools/call","params":{"task":{"ttl":10}}});
        assert!(!cap_requested_ttl(&mut req, 1000));
        let mut req = json!({"method":"tools/call","params":{"task":{}}});
        assert!(!cap_requested_ttl(&mut req, 1000));
        assert_eq!(req["params"]["task"], json!({}));
    }
}
