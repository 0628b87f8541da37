//! The client peer: an rmcp 3.9.0 client on the Streamable HTTP client
//! transport (reqwest), speaking 2026-07-28 (`server/discover`, per-request
//! `_meta`, mirrored `Mcp-Method`/`Mcp-Name` headers) and declaring the tasks
//! extension. It sends the gateway its bearer token through the transport's
//! `auth_header` (rmcp adds the `Bearer ` prefix).
//!
//! [`run_flows`] drives the task flows of [`super::server`] through rmcp's
//! typed task API (`call_tool_once`, `get_task`, `update_task`,
//! `cancel_task`) and returns a transcript with nothing run-specific in it
//! (task ids and timestamps replaced), plus every task id the client saw.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, ClientCapabilities, ClientConfig,
    GetTaskParams, GetTaskResult, Implementation, ProtocolVersion,
    SubscriptionsAcknowledgedNotificationParams, TaskStatus, TaskStatusNotificationParams,
    UpdateTaskParams,
};
use rmcp::service::{NotificationContext, RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, ClientLifecycleMode, ClientServiceExt, ServiceError};
use serde_json::{Value, json};

/// The id of a task nobody created (the unknown-task probe).
pub const UNKNOWN: &str = "no-such-task";

/// Most polls of one task before giving up (20 ms apart).
const MAX_POLLS: usize = 250;

/// Records the notifications the handler is given (outside any typed
/// `listen` subscription): `notifications/tasks` and acknowledgements.
#[derive(Clone)]
pub struct Recorder {
    info: ClientConfig,
    pub notes: Arc<Mutex<Vec<Value>>>,
}

impl ClientHandler for Recorder {
    fn get_info(&self) -> ClientConfig {
        self.info.clone()
    }

    async fn on_task_status(
        &self,
        params: TaskStatusNotificationParams,
        context: NotificationContext<RoleClient>,
    ) {
        let note = json!({"method": "notifications/tasks", "params": params, "meta": context.meta});
        self.notes.lock().unwrap().push(note);
    }

    async fn on_subscriptions_acknowledged(
        &self,
        params: SubscriptionsAcknowledgedNotificationParams,
        context: NotificationContext<RoleClient>,
    ) {
        let note = json!({"method": "notifications/subscriptions/acknowledged",
            "params": params, "meta": context.meta});
        self.notes.lock().unwrap().push(note);
    }
}

pub type Client = RunningService<RoleClient, Recorder>;

fn config_and_handler(
    url: &str,
    token: Option<&str>,
) -> (StreamableHttpClientTransportConfig, Recorder) {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url);
    if let Some(token) = token {
        config = config.auth_header(token);
    }
    let recorder = Recorder {
        info: ClientConfig::new(
            ClientCapabilities::builder().enable_tasks().build(),
            Implementation::new("taskgate-rmcp-interop", "1.0.0"),
        ),
        notes: Arc::default(),
    };
    (config, recorder)
}

/// Connects with `server/discover` on 2026-07-28, declaring the tasks extension.
pub async fn connect(url: &str, token: Option<&str>) -> Client {
    let (config, recorder) = config_and_handler(url, token);
    let transport = StreamableHttpClientTransport::from_config(config);
    let lifecycle = ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    };
    let connecting = recorder.serve_with_lifecycle(transport, lifecycle);
    tokio::time::timeout(Duration::from_secs(10), connecting)
        .await
        .expect("discover in time")
        .unwrap_or_else(|e| panic!("rmcp client could not connect to {url}: {e}"))
}

/// What a flow run produced.
#[derive(Debug, Default)]
pub struct Run {
    /// Normalized: equal direct and through the gateway when all is well.
    pub transcript: serde_json::Map<String, Value>,
    /// Every task id the client was given, in order (with repeats).
    pub task_ids: Vec<String>,
}

/// The JSON-RPC error code of a failed call (panics on other failures).
pub fn code(error: ServiceError) -> i64 {
    match error {
        ServiceError::McpError(e) => i64::from(e.code.0),
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

/// The JSON-RPC error (code and message) of a failed call.
pub fn error(error: ServiceError) -> (i64, String) {
    match error {
        ServiceError::McpError(e) => (i64::from(e.code.0), e.message.to_string()),
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

/// Task ids and timestamps replaced by placeholders.
pub fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "taskId" if v.is_string() => json!("<task>"),
                        "createdAt" | "lastUpdatedAt" if v.is_string() => json!("<time>"),
                        _ => normalize(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

impl Run {
    pub fn note(&mut self, flow: &str, step: &str, value: Value) {
        let entry = self.transcript.entry(flow).or_insert_with(|| json!({}));
        entry[step] = normalize(&value);
    }

    pub async fn create(&mut self, client: &Client, flow: &str, tool: &str, args: Value) -> String {
        let params = CallToolRequestParams::new(tool.to_string())
            .with_arguments(args.as_object().unwrap().clone());
        let created = match client.call_tool_once(params).await {
            Ok(CallToolResponse::Task(created)) => created,
            other => panic!("{flow}: expected a task, got {other:?}"),
        };
        let id = created.task.task_id.clone();
        self.task_ids.push(id.clone());
        self.note(flow, "created", serde_json::to_value(&created).unwrap());
        id
    }

    /// Polls `tasks/get` until `done` holds; every id it returns must be `id`.
    pub async fn poll(
        &mut self,
        client: &Client,
        id: &str,
        done: impl Fn(TaskStatus) -> bool,
    ) -> GetTaskResult {
        for _ in 0..MAX_POLLS {
            let got = client
                .get_task(GetTaskParams::new(id.to_string()))
                .await
                .unwrap();
            self.task_ids.push(got.task.task.task_id.clone());
            assert_eq!(
                got.task.task.task_id, id,
                "tasks/get answers for the task asked about"
            );
            if done(got.task.status()) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("task {id} did not reach the awaited status in time");
    }
}

/// Runs every flow against `client`; see the module docs.
pub async fn run_flows(client: &Client) -> Run {
    let mut run = Run::default();
    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    run.transcript.insert("tools".into(), json!(names));

    // A task that completes.
    let id = run
        .create(client, "report", "report", json!({"topic": "q3"}))
        .await;
    let done = run.poll(client, &id, |s| s.is_terminal()).await;
    run.note("report", "final", serde_json::to_value(&done).unwrap());

    // A task that fails (JSON-RPC error inlined).
    let id = run.create(client, "explode", "explode", json!({})).await;
    let done = run.poll(client, &id, |s| s.is_terminal()).await;
    run.note("explode", "final", serde_json::to_value(&done).unwrap());

    // input_required, answered with tasks/update.
    let id = run
        .create(client, "confirm", "confirm", json!({"action": "deploy"}))
        .await;
    let asked = run
        .poll(client, &id, |s| s == TaskStatus::InputRequired)
        .await;
    run.note("confirm", "asked", serde_json::to_value(&asked).unwrap());
    let answer = json!({"action": "accept", "content": {"confirm": true}});
    let responses = [(super::server::CONFIRM_KEY.to_string(), answer)]
        .into_iter()
        .collect();
    client
        .update_task(UpdateTaskParams::new(id.clone(), responses))
        .await
        .unwrap();
    let done = run.poll(client, &id, |s| s.is_terminal()).await;
    run.note("confirm", "final", serde_json::to_value(&done).unwrap());

    // Cancellation.
    let id = run.create(client, "forever", "forever", json!({})).await;
    let working = run.poll(client, &id, |_| true).await;
    run.note("forever", "before", serde_json::to_value(&working).unwrap());
    client
        .cancel_task(CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    let done = run.poll(client, &id, |s| s.is_terminal()).await;
    run.note("forever", "final", serde_json::to_value(&done).unwrap());
    let again = client
        .cancel_task(CancelTaskParams::new(id.clone()))
        .await
        .map_err(code);
    run.note("forever", "cancelAgain", json!(format!("{again:?}")));

    // A plain call next to tasks.
    let echo = client
        .call_tool(
            CallToolRequestParams::new("echo")
                .with_arguments(json!({"text": "hi"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    run.note("echo", "result", serde_json::to_value(&echo).unwrap());

    // An id nobody created: -32602 on every follow-up.
    let get = client
        .get_task(GetTaskParams::new(UNKNOWN))
        .await
        .map(|_| ())
        .map_err(code);
    let update = client
        .update_task(UpdateTaskParams::new(UNKNOWN, Default::default()))
        .await
        .map_err(code);
    let cancel = client
        .cancel_task(CancelTaskParams::new(UNKNOWN))
        .await
        .map_err(code);
    run.note(
        "unknown",
        "codes",
        json!([
            format!("{get:?}"),
            format!("{update:?}"),
            format!("{cancel:?}")
        ]),
    );
    run
}
