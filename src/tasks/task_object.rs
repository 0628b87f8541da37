//! Task *objects* in messages: where a full `Task` sits (as opposed to a
//! bare id, which the [`rewrite`](crate::rewrite) tables locate), so the
//! gateway can cap its TTL and notice terminal states.
//!
//! Where a Task object sits, its member names and its terminal statuses are
//! the era's [`Dialect`] (`creation`, `task_objects`, `task_fields`,
//! `terminal_statuses`); today:
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
//! Invariants: only objects that carry a string id count; anything else at
//! those paths is left alone. A response that creates a task has only the
//! created Task object, whatever request it answers.

use serde_json::{Map, Value};

use crate::mcp::dialect::{Dialect, Seg, object_at_mut, value_at, values_at_mut};

/// The upstream id of the task a response creates (L1, M1), if it is one.
pub(super) fn created_task_id<'m>(message: &'m Value, dialect: &Dialect) -> Option<&'m str> {
    if message.get("method").is_some() {
        return None;
    }
    created_in_result(message.get("result")?, dialect)
}

/// The id of the task a result creates, read at the dialect's creation row
/// (its path and guard start at `result`).
fn created_in_result<'r>(result: &'r Value, dialect: &Dialect) -> Option<&'r str> {
    let row = dialect.creation;
    if let Some((guard, want)) = row.when
        && value_at(result, in_result(guard)?)?.as_str()? != want
    {
        return None;
    }
    value_at(result, in_result(row.path)?)?.as_str()
}

/// The rest of a path that starts at `result`.
fn in_result(path: &[Seg]) -> Option<&[Seg]> {
    match path.split_first() {
        Some((Seg::Key("result"), rest)) => Some(rest),
        _ => None,
    }
}

/// Every Task object in `message` (see the table above). `request_method`
/// is the method of the request a response answers, when known.
pub(super) fn task_objects_mut<'a>(
    message: &'a mut Value,
    dialect: &Dialect,
    request_method: Option<&str>,
) -> Vec<&'a mut Map<String, Value>> {
    let Some(path) = task_object_path(message, dialect, request_method) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    values_at_mut(message, path, &mut found);
    let id = dialect.task_fields.id;
    found
        .into_iter()
        .filter_map(Value::as_object_mut)
        .filter(|task| task.get(id).is_some_and(Value::is_string))
        .collect()
}

/// Where the Task objects of `message` sit, if it carries any: by its
/// method, or, for a response, the created task or the answered request's.
fn task_object_path(
    message: &Value,
    dialect: &Dialect,
    request_method: Option<&str>,
) -> Option<&'static [Seg]> {
    let object = message.as_object()?;
    let method = object.get("method").and_then(Value::as_str);
    if method.is_none() && created_in_result(object.get("result")?, dialect).is_some() {
        return Some(dialect.created_task_at());
    }
    dialect
        .task_objects
        .iter()
        .find(|at| at.on.matches(method, request_method))
        .map(|at| at.path)
}

/// The task's upstream id.
pub(super) fn task_id<'t>(task: &'t Map<String, Value>, dialect: &Dialect) -> Option<&'t str> {
    task.get(dialect.task_fields.id).and_then(Value::as_str)
}

/// Whether the task is in a terminal state.
pub(super) fn is_terminal(task: &Map<String, Value>, dialect: &Dialect) -> bool {
    task.get(dialect.task_fields.status)
        .and_then(Value::as_str)
        .is_some_and(|s| dialect.is_terminal(s))
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

/// Caps a client's requested TTL (at the dialect's `requested_ttl`, legacy
/// `params.task.ttl`) at `cap_ms`. A request without a TTL is left as it
/// is: the upstream's default applies, and the granted TTL is capped on the
/// way back. Returns whether the message changed.
pub(super) fn cap_requested_ttl(message: &mut Value, dialect: &Dialect, cap_ms: u64) -> bool {
    let Some((Seg::Key(key), parent)) = dialect.requested_ttl.and_then(<[Seg]>::split_last) else {
        return false;
    };
    let Some(task) = object_at_mut(message, parent) else {
        return false;
    };
    let Some(ttl) = task.get(*key).filter(|t| !t.is_null()) else {
        return false;
    };
    if ttl.as_u64().is_some_and(|t| t <= cap_ms) {
        return false;
    }
    task.insert((*key).into(), Value::from(cap_ms));
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mcp::Era;
    use crate::mcp::method::TASKS_LIST;

    #[test]
    fn finds_task_objects_per_era_and_message() {
        let mut created = json!({"jsonrpc":"2.0","id":1,"result":{"task":{"taskId":"a","status":"working","ttl":5}}});
        assert_eq!(created_task_id(&created, Era::Legacy.dialect()), Some("a"));
        assert_eq!(
            task_objects_mut(&mut created, Era::Legacy.dialect(), None).len(),
            1
        );

        let mut list = json!({"jsonrpc":"2.0","id":1,"result":{"tasks":[{"taskId":"a"},{"taskId":"b"},{"x":1}]}});
        assert_eq!(
            task_objects_mut(&mut list, Era::Legacy.dialect(), Some(TASKS_LIST)).len(),
            2
        );
        assert_eq!(
            task_objects_mut(&mut list, Era::Legacy.dialect(), None).len(),
            0
        );

        let mut flat = json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"task","taskId":"c","ttlMs":null}});
        assert_eq!(created_task_id(&flat, Era::Current.dialect()), Some("c"));
        assert_eq!(created_task_id(&flat, Era::Legacy.dialect()), None);
        let objects = task_objects_mut(&mut flat, Era::Current.dialect(), None);
        assert_eq!(objects.len(), 1);

        let mut note = json!({"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":"d","status":"completed"}});
        let objects = task_objects_mut(&mut note, Era::Current.dialect(), None);
        assert!(is_terminal(objects[0], Era::Current.dialect()));
        let mut note =
            json!({"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":"d"}});
        assert!(task_objects_mut(&mut note, Era::Legacy.dialect(), None).is_empty());
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
        assert!(cap_requested_ttl(&mut req, Era::Legacy.dialect(), 1000));
        assert_eq!(req["params"]["task"]["ttl"], 1000);
        let mut req = json!({"method":"tools/call","params":{"task":{"ttl":10}}});
        assert!(!cap_requested_ttl(&mut req, Era::Legacy.dialect(), 1000));
        let mut req = json!({"method":"tools/call","params":{"task":{}}});
        assert!(!cap_requested_ttl(&mut req, Era::Legacy.dialect(), 1000));
        assert_eq!(req["params"]["task"], json!({}));
    }
}
