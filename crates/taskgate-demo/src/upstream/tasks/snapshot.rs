//! A point-in-time copy of one task and its wire shapes in both eras: the
//! legacy `Task` (`ttl`, `pollInterval`) and the tasks-extension `Task` /
//! `DetailedTask` (`ttlMs`, `pollIntervalMs`, inline `result` / `error` /
//! `inputRequests`).
//!
//! Invariant: rendering is pure — the same snapshot always renders the same
//! JSON, and optional fields are omitted rather than sent as `null`.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::super::clock::iso8601;
use super::super::rpc::RpcError;

/// Task status (both eras use the same five values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Running.
    Working,
    /// Waiting for the client to answer an input request.
    InputRequired,
    /// Finished with a result.
    Completed,
    /// Finished with a JSON-RPC error.
    Failed,
    /// Cancelled by a client.
    Cancelled,
}

// === impl Status ===

impl Status {
    /// The wire value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Working => "working",
            Status::InputRequired => "input_required",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Whether the status can never change again.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// How a finished task ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// The original request's result (a `CallToolResult`).
    Result(Value),
    /// The JSON-RPC error the request ended with.
    Error(RpcError),
}

/// The request a task is waiting on while `input_required`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InputRequest {
    /// Key in the extension's `inputRequests` map; unique per task.
    pub(crate) key: String,
    /// Server→client method (`elicitation/create`).
    pub(crate) method: String,
    /// Its params (without any `_meta`).
    pub(crate) params: Value,
}

/// A copy of one task's state.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    /// `task-{n}`.
    pub(crate) id: String,
    /// Current status.
    pub(crate) status: Status,
    /// Optional human-readable status.
    pub(crate) status_message: Option<String>,
    /// Creation time.
    pub(crate) created_at: SystemTime,
    /// Last status change.
    pub(crate) updated_at: SystemTime,
    /// Granted retention from creation (ms).
    pub(crate) ttl_ms: u64,
    /// Suggested poll interval (ms).
    pub(crate) poll_interval_ms: u64,
    /// Legacy session the task was created in, for status notifications.
    pub(crate) session: Option<String>,
    /// Set once `completed` or `failed`.
    pub(crate) outcome: Option<Outcome>,
    /// Set while `input_required`.
    pub(crate) input: Option<InputRequest>,
    /// Bumped each time a new input request is posed.
    pub(crate) input_generation: u64,
}

// === impl Snapshot ===

impl Snapshot {
    /// Legacy (2025-11-25) `Task`.
    pub(crate) fn legacy_json(&self) -> Value {
        let mut obj = self.common();
        obj.insert("ttl".into(), json!(self.ttl_ms));
        obj.insert("pollInterval".into(), json!(self.poll_interval_ms));
        Value::Object(obj)
    }

    /// Tasks-extension `Task` (the body of a `CreateTaskResult`).
    pub(crate) fn current_json(&self) -> Value {
        Value::Object(self.current_map())
    }

    /// Tasks-extension `DetailedTask`: the task plus `result` when
    /// completed, `error` when failed, `inputRequests` when input_required.
    pub(crate) fn detailed_json(&self) -> Value {
        let mut obj = self.current_map();
        match (&self.outcome, &self.input) {
            (Some(Outcome::Result(result)), _) => {
                obj.insert("result".into(), result.clone());
            }
            (Some(Outcome::Error(err)), _) => {
                obj.insert("error".into(), err.to_value());
            }
            (None, Some(input)) if self.status == Status::InputRequired => {
                let request = json!({"method": input.method, "params": input.params});
                obj.insert(
                    "inputRequests".into(),
                    json!({ (input.key.clone()): request }),
                );
            }
            _ => {}
        }
        Value::Object(obj)
    }

    fn current_map(&self) -> Map<String, Value> {
        let mut obj = self.common();
        obj.insert("ttlMs".into(), json!(self.ttl_ms));
        obj.insert("pollIntervalMs".into(), json!(self.poll_interval_ms));
        obj
    }

    fn common(&self) -> Map<String, Value> {
        let mut obj = Map::new();
        obj.insert("taskId".into(), json!(self.id));
        obj.insert("status".into(), json!(self.status.as_str()));
        if let Some(msg) = &self.status_message {
            obj.insert("statusMessage".into(), json!(msg));
        }
        obj.insert("createdAt".into(), json!(iso8601(self.created_at)));
        obj.insert("lastUpdatedAt".into(), json!(iso8601(self.updated_at)));
        obj
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn snap(status: Status) -> Snapshot {
        Snapshot {
            id: "task-1".into(),
            status,
            status_message: None,
            created_at: UNIX_EPOCH,
            updated_at: UNIX_EPOCH,
            ttl_ms: 60_000,
            poll_interval_ms: 500,
            session: None,
            outcome: None,
            input: None,
            input_generation: 0,
        }
    }

    #[test]
    fn legacy_and_current_shapes_differ_in_field_names() {
        let s = snap(Status::Working);
        assert_eq!(
            s.legacy_json(),
            json!({"taskId": "task-1", "status": "working",
                   "createdAt": "1970-01-01T00:00:00.000Z",
                   "lastUpdatedAt": "1970-01-01T00:00:00.000Z",
                   "ttl": 60_000, "pollInterval": 500})
        );
        let c = s.current_json();
        assert_eq!(c["ttlMs"], 60_000);
        assert_eq!(c["pollIntervalMs"], 500);
        assert!(c.get("ttl").is_none());
    }

    #[test]
    fn detailed_task_carries_result_error_or_input() {
        let mut s = snap(Status::Completed);
        s.outcome = Some(Outcome::Result(json!({"content": []})));
        assert_eq!(s.detailed_json()["result"], json!({"content": []}));

        let mut f = snap(Status::Failed);
        f.outcome = Some(Outcome::Error(RpcError::new(-32603, "boom")));
        assert_eq!(f.detailed_json()["error"]["message"], "boom");

        let mut i = snap(Status::InputRequired);
        i.input = Some(InputRequest {
            key: "confirm".into(),
            method: "elicitation/create".into(),
            params: json!({"message": "ok?"}),
        });
        let d = i.detailed_json();
        assert_eq!(
            d["inputRequests"]["confirm"]["method"],
            "elicitation/create"
        );
        assert!(d.get("result").is_none());
    }
}
