//! A dual-generation task upstream that isolates nothing and dispatches by
//! method name alone, whatever protocol version a request declares — as
//! dual-era servers do. One task table serves both generations: a legacy
//! `tools/call` with `params.task` creates a legacy task (`result.task`), a
//! `tools/call` declaring the tasks extension in `_meta` creates a current
//! one (flat, `resultType: "task"`); `tasks/get|update|cancel|result|list`
//! and `subscriptions/listen` act on any task of anyone. A listen with an
//! empty or missing filter acknowledges every task and streams a
//! `notifications/tasks` for each. The tool `leak` answers on SSE with every
//! task id it holds, in every shape either generation uses, before its
//! result. Built on the recording [`Upstream`], so tests prove what reached it.

use std::sync::{Arc, Mutex};

use http::StatusCode;
use serde_json::{Value, json};
use taskgate::body::full;
use tokio::sync::mpsc;

use super::current_upstream::{SUBSCRIPTION_ID, TASKS_EXT, sse};
use super::tasks_upstream::RELATED_TASK;
use super::upstream::{Reply, Seen, Upstream};

const STAMP: &str = "2026-07-28T00:00:00Z";
const TTL_MS: u64 = 60_000;

/// Which generation created a task (and shapes its answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    Legacy,
    Current,
}

/// One task as the upstream keeps it.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub generation: Generation,
    pub status: String,
    /// Every `inputResponses` object a `tasks/update` delivered.
    pub updates: Vec<Value>,
}

impl Task {
    /// The task as its generation spells it (legacy `ttl`, current `ttlMs`).
    fn json(&self) -> Value {
        match self.generation {
            Generation::Legacy => json!({"taskId": self.id, "status": self.status,
                "createdAt": STAMP, "lastUpdatedAt": STAMP, "ttl": TTL_MS, "pollInterval": 500}),
            Generation::Current => json!({"taskId": self.id, "status": self.status,
                "createdAt": STAMP, "lastUpdatedAt": STAMP, "ttlMs": TTL_MS, "pollIntervalMs": 500}),
        }
    }
}

#[derive(Default)]
struct State {
    tasks: Vec<Task>,
    sessions: usize,
}

/// The running upstream and its shared task table.
pub struct DualUpstream {
    pub up: Upstream,
    state: Arc<Mutex<State>>,
}

impl DualUpstream {
    pub async fn spawn() -> DualUpstream {
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        let up = Upstream::spawn(move |seen| answer(&s, seen)).await;
        DualUpstream { up, state }
    }

    pub fn url(&self) -> String {
        self.up.url()
    }

    /// Every task, in creation order.
    pub fn tasks(&self) -> Vec<Task> {
        self.state.lock().unwrap().tasks.clone()
    }
}

fn answer(state: &Mutex<State>, seen: &Seen) -> Reply {
    match seen.method {
        http::Method::POST => {}
        http::Method::DELETE => return Reply::Status(StatusCode::OK),
        _ => return Reply::Status(StatusCode::METHOD_NOT_ALLOWED),
    }
    let msg = seen.json();
    let Some(method) = msg.get("method").and_then(Value::as_str) else {
        return Reply::Status(StatusCode::ACCEPTED);
    };
    let Some(id) = msg.get("id").cloned() else {
        return Reply::Status(StatusCode::ACCEPTED);
    };
    let params = msg.get("params").cloned().unwrap_or(Value::Null);
    let mut s = state.lock().unwrap();
    let outcome = match method {
        "initialize" => return initialize(&mut s, &id, &params),
        "tools/call" if params.get("name") == Some(&json!("leak")) => return leak(&s, &id),
        "tools/call" => Ok(tools_call(&mut s, &params)),
        "tasks/get" => find(&mut s, &params).map(|t| {
            let mut v = t.json();
            if t.generation == Generation::Current {
                v["resultType"] = json!("complete");
            }
            v
        }),
        "tasks/update" => find(&mut s, &params).map(|t| {
            t.updates
                .push(params.get("inputResponses").cloned().unwrap_or_default());
            json!({"resultType": "complete"})
        }),
        "tasks/cancel" => find(&mut s, &params).map(|t| {
            t.status = "cancelled".into();
            t.json()
        }),
        "tasks/result" => find(&mut s, &params).map(|t| {
            json!({"content": [{"type": "text", "text": "the finished report"}],
                   "_meta": {RELATED_TASK: {"taskId": t.id}}})
        }),
        "tasks/list" => Ok(json!({"tasks": s.tasks.iter().map(Task::json).collect::<Vec<_>>()})),
        "subscriptions/listen" => return listen(&s, id, &params),
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

fn initialize(s: &mut State, id: &Value, params: &Value) -> Reply {
    s.sessions += 1;
    let result = json!({"protocolVersion": params.get("protocolVersion"),
        "capabilities": {"tools": {}, "tasks": {"list": {}, "cancel": {},
                                                 "requests": {"tools": {"call": {}}}}},
        "serverInfo": {"name": "leaky-dual-tasks", "version": "1"}});
    let body = json!({"jsonrpc": "2.0", "id": id, "result": result});
    Reply::Raw(
        http::Response::builder()
            .header("content-type", "application/json")
            .header("mcp-session-id", format!("dual-session-{}", s.sessions))
            .body(full(serde_json::to_vec(&body).unwrap()))
            .unwrap(),
    )
}

fn tools_call(s: &mut State, params: &Value) -> Value {
    let declares_extension = params
        .pointer("/_meta/io.modelcontextprotocol~1clientCapabilities/extensions")
        .and_then(|e| e.get(TASKS_EXT))
        .is_some();
    let generation = if params.get("task").is_some() {
        Generation::Legacy
    } else if declares_extension {
        Generation::Current
    } else {
        return json!({"content": [{"type": "text", "text": "done inline"}]});
    };
    let task = Task {
        id: format!("task-{}", s.tasks.len() + 1),
        generation,
        status: "working".into(),
        updates: Vec::new(),
    };
    let created = match generation {
        Generation::Legacy => json!({"task": task.json()}),
        Generation::Current => {
            let mut v = task.json();
            v["resultType"] = json!("task");
            v
        }
    };
    s.tasks.push(task);
    created
}

fn find<'a>(s: &'a mut State, params: &Value) -> Result<&'a mut Task, String> {
    let id = params.get("taskId").and_then(Value::as_str);
    id.and_then(|id| s.tasks.iter_mut().find(|t| t.id == id))
        .ok_or_else(|| format!("Task not found: {}", id.unwrap_or_default()))
}

/// A listen stream: the acknowledgement (every task when the filter is
/// empty), a `notifications/tasks` per acknowledged task, then the end.
fn listen(s: &State, id: Value, params: &Value) -> Reply {
    let asked: Vec<Value> = params
        .pointer("/notifications/taskIds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let acked: Vec<Value> = if asked.is_empty() {
        s.tasks.iter().map(|t| json!(t.id)).collect()
    } else {
        asked
    };
    let (tx, rx) = mpsc::channel::<String>(64);
    let meta = json!({SUBSCRIPTION_ID: id});
    let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
        "params": {"notifications": {"taskIds": acked}, "_meta": meta}});
    tx.try_send(sse(&ack)).unwrap();
    for task in s.tasks.iter().filter(|t| acked.contains(&json!(t.id))) {
        let mut p = task.json();
        p["_meta"] = meta.clone();
        let note = json!({"jsonrpc": "2.0", "method": "notifications/tasks", "params": p});
        tx.try_send(sse(&note)).unwrap();
    }
    Reply::Sse(rx)
}

/// Every task id the upstream holds, in every place either generation puts
/// one on a response stream, then a result that names the first task.
fn leak(s: &State, id: &Value) -> Reply {
    let (tx, rx) = mpsc::channel::<String>(256);
    let send = |v: Value| tx.try_send(sse(&v)).unwrap();
    for task in &s.tasks {
        let raw = &task.id;
        let related = json!({RELATED_TASK: {"taskId": raw}});
        send(json!({"jsonrpc": "2.0", "method": "notifications/tasks", "params": task.json()}));
        send(
            json!({"jsonrpc": "2.0", "method": "notifications/tasks/status",
                    "params": task.json()}),
        );
        send(json!({"jsonrpc": "2.0", "method": "notifications/progress",
                    "params": {"progressToken": 1, "progress": 1, "_meta": related}}));
        send(
            json!({"jsonrpc": "2.0", "id": format!("srv-{raw}"), "method": "elicitation/create",
                    "params": {"message": "?", "requestedSchema": {}, "_meta": related}}),
        );
        send(
            json!({"jsonrpc": "2.0", "id": format!("get-{raw}"), "method": "tasks/get",
                    "params": {"taskId": raw}}),
        );
        send(
            json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                    "params": {"notifications": {"taskIds": [raw]}}}),
        );
    }
    let first = s.tasks.first().map(|t| t.id.clone()).unwrap_or_default();
    send(json!({"jsonrpc": "2.0", "id": id, "result": {
        "content": [{"type": "text", "text": "leaked"}],
        "_meta": {RELATED_TASK: {"taskId": first}}}}));
    Reply::Sse(rx)
}
