//! A legacy-era (2025-11-25) task upstream that deliberately isolates
//! nothing: ids are sequential (`task-1`, `task-2`, …), any session can read,
//! cancel or list any task, and `tasks/list` pages through every task of
//! every session with a raw cursor (`page-<offset>`). A client that names
//! itself `resume:<id>` in `initialize` is handed upstream session `<id>`,
//! so two gateways can front the very same upstream session. Whatever isolation a
//! test observes is therefore the gateway's. Built on the recording
//! [`Upstream`], so tests can prove what did and did not reach it.

use std::sync::{Arc, Mutex};

use http::StatusCode;
use serde_json::{Value, json};
use taskgate::body::full;

use super::upstream::{Reply, Seen, Upstream};

/// `_meta` key of related-task metadata.
pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
/// Tasks per `tasks/list` page.
pub const PAGE_SIZE: usize = 2;
/// The ttl granted when the client asks for none.
pub const DEFAULT_TTL_MS: u64 = 60_000;

const STAMP: &str = "2025-11-25T00:00:00Z";

/// One task as the upstream keeps it.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub status: String,
    pub ttl: u64,
    /// The upstream session that created it (recorded, never enforced).
    pub session: String,
}

impl Task {
    fn json(&self) -> Value {
        json!({"taskId": self.id, "status": self.status, "createdAt": STAMP,
               "lastUpdatedAt": STAMP, "ttl": self.ttl, "pollInterval": 500})
    }
}

#[derive(Default)]
struct Table {
    tasks: Vec<Task>,
    sessions: usize,
}

/// The running upstream and its shared task table.
pub struct TasksUpstream {
    pub up: Upstream,
    table: Arc<Mutex<Table>>,
}

impl TasksUpstream {
    pub async fn spawn() -> TasksUpstream {
        let table = Arc::new(Mutex::new(Table::default()));
        let t = table.clone();
        let up = Upstream::spawn(move |seen| answer(&t, seen)).await;
        TasksUpstream { up, table }
    }

    pub fn url(&self) -> String {
        self.up.url()
    }

    /// Every task, in creation order.
    pub fn tasks(&self) -> Vec<Task> {
        self.table.lock().unwrap().tasks.clone()
    }

    /// Moves a task to `status` behind the gateway's back (e.g. it finished).
    pub fn set_status(&self, raw_id: &str, status: &str) {
        let mut t = self.table.lock().unwrap();
        let task = t.tasks.iter_mut().find(|x| x.id == raw_id).unwrap();
        task.status = status.into();
    }
}

fn answer(table: &Mutex<Table>, seen: &Seen) -> Reply {
    if seen.method != http::Method::POST {
        return Reply::Status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let msg = seen.json();
    let Some(method) = msg.get("method").and_then(Value::as_str) else {
        return Reply::Status(StatusCode::ACCEPTED);
    };
    let id = msg.get("id").cloned().unwrap_or(Value::Null);
    if method.starts_with("notifications/") {
        return Reply::Status(StatusCode::ACCEPTED);
    }
    let params = msg.get("params").cloned().unwrap_or(Value::Null);
    let mut t = table.lock().unwrap();
    if method == "initialize" {
        t.sessions += 1;
        // Test hook: a client named `resume:<id>` is given upstream session `<id>`.
        let session = params
            .pointer("/clientInfo/name")
            .and_then(Value::as_str)
            .and_then(|n| n.strip_prefix("resume:"))
            .map_or_else(
                || format!("upstream-session-{}", t.sessions),
                str::to_string,
            );
        let body = json!({"jsonrpc": "2.0", "id": id, "result": {
            "protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}, "tasks": {"list": {}, "cancel": {},
                             "requests": {"tools": {"call": {}}}}},
            "serverInfo": {"name": "leaky-tasks", "version": "1"}}});
        return Reply::Raw(
            http::Response::builder()
                .header("content-type", "application/json")
                .header("mcp-session-id", session)
                .body(full(serde_json::to_vec(&body).unwrap()))
                .unwrap(),
        );
    }
    let session = seen
        .headers
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let outcome = match method {
        "tools/call" => Ok(tools_call(&mut t, &params, session)),
        "tasks/get" => find(&t, &params)
            .map(|task| task.json())
            .ok_or_else(|| "Failed to retrieve task: Task not found".to_string()),
        "tasks/result" => find(&t, &params)
            .map(result_of)
            .ok_or_else(|| not_found(&params)),
        "tasks/cancel" => cancel(&mut t, &params),
        "tasks/list" => list(&t, &params),
        _ => Ok(json!({})),
    };
    Reply::Json(
        StatusCode::OK,
        match outcome {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err(message) => json!({"jsonrpc": "2.0", "id": id,
                                   "error": {"code": -32602, "message": message}}),
        },
    )
}

fn tools_call(t: &mut Table, params: &Value, session: String) -> Value {
    let Some(meta) = params.get("task") else {
        return json!({"content": [{"type": "text", "text": "done inline"}]});
    };
    let ttl = meta
        .get("ttl")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_TTL_MS);
    let task = Task {
        id: format!("task-{}", t.tasks.len() + 1),
        status: "working".into(),
        ttl,
        session,
    };
    let created = json!({"task": task.json()});
    t.tasks.push(task);
    created
}

fn find<'a>(t: &'a Table, params: &Value) -> Option<&'a Task> {
    let id = params.get("taskId")?.as_str()?;
    t.tasks.iter().find(|x| x.id == id)
}

fn not_found(params: &Value) -> String {
    match params.get("taskId") {
        Some(Value::String(s)) => format!("Task not found: {s}"),
        other => format!("Task not found: {}", other.unwrap_or(&Value::Null)),
    }
}

fn result_of(task: &Task) -> Value {
    json!({"content": [{"type": "text", "text": "the finished report"}],
           "_meta": {RELATED_TASK: {"taskId": task.id}}})
}

fn cancel(t: &mut Table, params: &Value) -> Result<Value, String> {
    let id = params.get("taskId").and_then(Value::as_str).unwrap_or("");
    let Some(task) = t.tasks.iter_mut().find(|x| x.id == id) else {
        return Err(not_found(params));
    };
    if matches!(task.status.as_str(), "completed" | "failed" | "cancelled") {
        return Err(format!(
            "Cannot cancel task in terminal status: {}",
            task.status
        ));
    }
    task.status = "cancelled".into();
    Ok(task.json())
}

fn list(t: &Table, params: &Value) -> Result<Value, String> {
    let start = match params.get("cursor") {
        None | Some(Value::Null) => 0,
        Some(c) => c
            .as_str()
            .and_then(|c| c.strip_prefix("page-"))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= t.tasks.len())
            .ok_or_else(|| format!("Failed to list tasks: Invalid cursor: {c}"))?,
    };
    let end = (start + PAGE_SIZE).min(t.tasks.len());
    let tasks: Vec<Value> = t.tasks[start..end].iter().map(Task::json).collect();
    let mut result = json!({ "tasks": tasks });
    if end < t.tasks.len() {
        result["nextCursor"] = json!(format!("page-{end}"));
    }
    Ok(result)
}
