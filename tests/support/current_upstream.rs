//! A current-era (2026-07-28) tasks-extension upstream that deliberately
//! isolates nothing: stateless (no sessions), task ids are sequential
//! (`task-1`, `task-2`, …), anyone may read, update or cancel any task, and a
//! `subscriptions/listen` acknowledges whatever taskIds it is asked for —
//! optionally every task it holds ([`CurrentUpstream::set_leaky_ack`]). Tests
//! push `notifications/tasks` onto any open listen stream, for any task
//! ([`CurrentUpstream::push`]). Whatever isolation a test observes is
//! therefore the gateway's. Built on the recording [`Upstream`].

use std::sync::{Arc, Mutex};

use http::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::upstream::{Reply, Seen, Upstream};

/// The extension's label.
pub const TASKS_EXT: &str = "io.modelcontextprotocol/tasks";
/// `_meta` key naming the listen request a stream notification belongs to.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
/// The ttlMs granted to every task.
pub const TTL_MS: u64 = 60_000;

const STAMP: &str = "2026-07-28T00:00:00Z";

/// One task as the upstream keeps it.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub status: String,
    /// Outstanding `inputRequests` (while `input_required`).
    pub input_requests: Option<Value>,
    /// Every `inputResponses` object `tasks/update` delivered, in order.
    pub updates: Vec<Value>,
}

impl Task {
    /// The task's `DetailedTask` (a `tasks/get` result and `notifications/tasks` params).
    pub fn detailed(&self) -> Value {
        let mut v = json!({"taskId": self.id, "status": self.status, "createdAt": STAMP,
            "lastUpdatedAt": STAMP, "ttlMs": TTL_MS, "pollIntervalMs": 500});
        match self.status.as_str() {
            "completed" => {
                v["result"] = json!({"resultType": "complete",
                    "content": [{"type": "text", "text": "the finished report"}]});
            }
            "failed" => v["error"] = json!({"code": -32603, "message": "it broke"}),
            "input_required" => {
                v["inputRequests"] = self.input_requests.clone().unwrap_or_else(|| json!({}));
            }
            _ => {}
        }
        v
    }
}

/// One open listen stream.
pub struct Listen {
    /// The listen request's JSON-RPC id (the subscriptionId).
    pub id: Value,
    /// The taskIds the request asked for.
    pub asked: Vec<Value>,
    /// `None` once the upstream ended the stream.
    tx: Option<mpsc::Sender<String>>,
    /// Answered `application/json`, one message per line (else SSE).
    lines: bool,
}

#[derive(Default)]
struct State {
    tasks: Vec<Task>,
    listens: Vec<Listen>,
    leaky_ack: bool,
    json_lines: bool,
}

/// The running upstream and its shared state.
pub struct CurrentUpstream {
    pub up: Upstream,
    state: Arc<Mutex<State>>,
}

impl CurrentUpstream {
    pub async fn spawn() -> CurrentUpstream {
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        let up = Upstream::spawn(move |seen| answer(&s, seen)).await;
        CurrentUpstream { up, state }
    }

    pub fn url(&self) -> String {
        self.up.url()
    }

    /// Every task, in creation order.
    pub fn tasks(&self) -> Vec<Task> {
        self.state.lock().unwrap().tasks.clone()
    }

    /// Moves a task to `status` behind the gateway's back.
    pub fn set_status(&self, raw_id: &str, status: &str) {
        self.edit(raw_id, |t| t.status = status.into());
    }

    /// Puts a task in `input_required` with these `inputRequests`.
    pub fn ask(&self, raw_id: &str, input_requests: Value) {
        self.edit(raw_id, |t| {
            t.status = "input_required".into();
            t.input_requests = Some(input_requests);
        });
    }

    /// From now on, a listen acknowledgement lists every task the upstream
    /// holds, whatever was asked for.
    pub fn set_leaky_ack(&self, on: bool) {
        self.state.lock().unwrap().leaky_ack = on;
    }

    /// From now on, a listen is answered `application/json` with one
    /// message per line (the acknowledgement first), as the conformance
    /// suite's reference server does, instead of SSE.
    pub fn set_json_lines(&self, on: bool) {
        self.state.lock().unwrap().json_lines = on;
    }

    /// Ends listen stream `n` (its body ends).
    pub fn end_listen(&self, n: usize) {
        self.state.lock().unwrap().listens[n].tx = None;
    }

    /// Listen requests received so far (the newest last).
    pub fn listens(&self) -> usize {
        self.state.lock().unwrap().listens.len()
    }

    /// The taskIds listen stream `n` asked for.
    pub fn listen_asked(&self, n: usize) -> Vec<Value> {
        self.state.lock().unwrap().listens[n].asked.clone()
    }

    /// Pushes `notifications/tasks` for task `raw_id` (its current state)
    /// onto listen stream `n`, whoever owns the task.
    pub async fn push(&self, n: usize, raw_id: &str) {
        let (tx, event) = {
            let s = self.state.lock().unwrap();
            let task = s.tasks.iter().find(|t| t.id == raw_id).unwrap();
            let listen = &s.listens[n];
            let mut params = task.detailed();
            params["_meta"] = json!({SUBSCRIPTION_ID: listen.id});
            let note = json!({"jsonrpc": "2.0", "method": "notifications/tasks", "params": params});
            let event = if listen.lines {
                format!("{note}\n")
            } else {
                sse(&note)
            };
            (listen.tx.clone().unwrap(), event)
        };
        tx.send(event).await.unwrap();
    }

    fn edit(&self, raw_id: &str, f: impl FnOnce(&mut Task)) {
        let mut s = self.state.lock().unwrap();
        f(s.tasks.iter_mut().find(|t| t.id == raw_id).unwrap());
    }
}

/// One SSE event carrying `message`.
pub fn sse(message: &Value) -> String {
    format!("event: message\ndata: {message}\n\n")
}

fn answer(state: &Mutex<State>, seen: &Seen) -> Reply {
    if seen.method != http::Method::POST {
        return Reply::Status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let msg = seen.json();
    let Some(method) = msg.get("method").and_then(Value::as_str) else {
        return Reply::Status(StatusCode::BAD_REQUEST);
    };
    let Some(id) = msg.get("id").cloned() else {
        return Reply::Status(StatusCode::ACCEPTED);
    };
    let params = msg.get("params").cloned().unwrap_or(Value::Null);
    let mut s = state.lock().unwrap();
    let outcome = match method {
        "server/discover" => Ok(json!({"resultType": "complete",
            "supportedVersions": ["2026-07-28"],
            "capabilities": {"tools": {}, "extensions": {TASKS_EXT: {}}},
            "serverInfo": {"name": "leaky-current-tasks", "version": "1"}})),
        "tools/call" => Ok(tools_call(&mut s, &params)),
        "tasks/get" => find(&mut s, &params)
            .map(|t| {
                let mut v = t.detailed();
                v["resultType"] = json!("complete");
                v
            })
            .ok_or_else(|| "Failed to retrieve task: Task not found".to_string()),
        "tasks/update" => update(&mut s, &params),
        "tasks/cancel" => cancel(&mut s, &params),
        "subscriptions/listen" => return listen(&mut s, id, &params),
        _ => Ok(json!({"resultType": "complete"})),
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

fn declares_tasks(params: &Value) -> bool {
    params
        .pointer("/_meta/io.modelcontextprotocol~1clientCapabilities/extensions")
        .and_then(|e| e.get(TASKS_EXT))
        .is_some()
}

fn tools_call(s: &mut State, params: &Value) -> Value {
    if !declares_tasks(params) {
        return json!({"resultType": "complete",
                      "content": [{"type": "text", "text": "done inline"}]});
    }
    let task = Task {
        id: format!("task-{}", s.tasks.len() + 1),
        status: "working".into(),
        input_requests: None,
        updates: Vec::new(),
    };
    let created = json!({"resultType": "task", "taskId": task.id, "status": "working",
        "createdAt": STAMP, "lastUpdatedAt": STAMP, "ttlMs": TTL_MS, "pollIntervalMs": 500});
    s.tasks.push(task);
    created
}

fn find<'a>(s: &'a mut State, params: &Value) -> Option<&'a mut Task> {
    let id = params.get("taskId")?.as_str()?;
    s.tasks.iter_mut().find(|t| t.id == id)
}

fn not_found(params: &Value) -> String {
    match params.get("taskId") {
        Some(Value::String(s)) => format!("Task not found: {s}"),
        other => format!("Task not found: {}", other.unwrap_or(&Value::Null)),
    }
}

fn update(s: &mut State, params: &Value) -> Result<Value, String> {
    let Some(task) = find(s, params) else {
        return Err(not_found(params));
    };
    let responses = params.get("inputResponses").cloned().unwrap_or(Value::Null);
    task.updates.push(responses);
    if task.status == "input_required" {
        task.status = "working".into();
        task.input_requests = None;
    }
    Ok(json!({"resultType": "complete"}))
}

fn cancel(s: &mut State, params: &Value) -> Result<Value, String> {
    let Some(task) = find(s, params) else {
        return Err(not_found(params));
    };
    if !matches!(task.status.as_str(), "completed" | "failed" | "cancelled") {
        task.status = "cancelled".into();
    }
    Ok(json!({"resultType": "complete"}))
}

/// A listen stream: the acknowledgement first, then whatever tests push.
fn listen(s: &mut State, id: Value, params: &Value) -> Reply {
    let asked: Vec<Value> = params
        .pointer("/notifications/taskIds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let acked: Vec<Value> = if s.leaky_ack {
        s.tasks.iter().map(|t| json!(t.id)).collect()
    } else {
        asked.clone()
    };
    let (tx, rx) = mpsc::channel::<String>(64);
    let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
        "params": {"notifications": {"taskIds": acked}, "_meta": {SUBSCRIPTION_ID: id}}});
    let lines = s.json_lines;
    tx.try_send(if lines { format!("{ack}\n") } else { sse(&ack) })
        .unwrap();
    s.listens.push(Listen {
        id,
        asked,
        tx: Some(tx),
        lines,
    });
    if lines {
        Reply::JsonStream(rx)
    } else {
        Reply::Sse(rx)
    }
}
