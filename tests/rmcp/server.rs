//! The upstream peer: an rmcp 3.9.0 Streamable HTTP server (in-process, on
//! `127.0.0.1:0`) whose tools run as 2026-07-28 tasks (SEP-2663) through
//! rmcp's own `TaskManager`. Like rmcp itself it binds tasks to nobody: any
//! caller who presents a task id may get, update or cancel that task.
//!
//! Tools (all but `echo` run as tasks for a client that declares the tasks
//! extension):
//! - `report {topic}`: completes after a short pause with `report on <topic>`;
//! - `explode {}`: fails with a JSON-RPC `-32603` error;
//! - `confirm {action}`: goes `input_required` with an `elicitation/create`
//!   under the key `confirm`, then completes with the answer it got;
//! - `forever {}`: runs until cancelled (then settles `cancelled`);
//! - `echo {text}`: a plain tool, never a task.
//!
//! Every HTTP request is recorded (method, headers, JSON body) before rmcp
//! sees it, so tests can prove what did and did not reach the upstream.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, ContentBlock,
    CreateTaskResult, GetTaskParams, GetTaskResult, InputRequest, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, UpdateTaskParams,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::task_manager::{TaskContext, TaskExit, TaskFuture, TaskManager, TaskOptions};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, ServerHandler};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tower::Service;

/// How long `report`, `explode` and `confirm` (after its answer) work.
const WORK: Duration = Duration::from_millis(60);

/// The key `confirm` asks its question under.
pub const CONFIRM_KEY: &str = "confirm";

/// One HTTP request as the rmcp server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Value,
}

impl Received {
    pub fn method(&self) -> &str {
        self.body["method"].as_str().unwrap_or_default()
    }
}

/// The running rmcp server.
pub struct RmcpServer {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    _stop: tokio_util::sync::DropGuard,
}

impl RmcpServer {
    pub async fn start() -> RmcpServer {
        let stop = CancellationToken::new();
        let tasks = TaskManager::new();
        let service = StreamableHttpService::new(
            move || {
                Ok(TaskServer {
                    tasks: tasks.clone(),
                })
            },
            Arc::new(LocalSessionManager::default()),
            StreamableHttpServerConfig::default()
                .with_sse_keep_alive(None)
                .with_cancellation_token(stop.child_token()),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let (log, until) = (received.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    () = until.cancelled() => return,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => return,
                    },
                };
                let (service, log) = (service.clone(), log.clone());
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let (mut service, log) = (service.clone(), log.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        log.lock().unwrap().push(Received {
                            headers: parts.headers.clone(),
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        });
                        let req = Request::from_parts(parts, Full::<Bytes>::new(body));
                        Ok::<_, Infallible>(service.call(req).await.unwrap())
                    }
                });
                tokio::spawn(async move {
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        RmcpServer {
            url,
            received,
            _stop: stop.drop_guard(),
        }
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

#[derive(Clone)]
struct TaskServer {
    tasks: TaskManager,
}

fn tool(name: &'static str, description: &'static str, properties: Value) -> Tool {
    let schema = json!({"type": "object", "properties": properties});
    Tool::new(name, description, schema.as_object().unwrap().clone())
}

fn text(s: String) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(s)])
}

fn arg(request: &CallToolRequestParams, key: &str) -> String {
    request
        .arguments
        .as_ref()
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The body of each task tool.
fn work(
    name: &str,
    request: &CallToolRequestParams,
) -> Option<Box<dyn FnOnce(TaskContext) -> TaskFuture + Send>> {
    let (topic, action) = (arg(request, "topic"), arg(request, "action"));
    Some(match name {
        "report" => Box::new(move |_ctx| {
            Box::pin(async move {
                tokio::time::sleep(WORK).await;
                Ok(text(format!("report on {topic}")))
            })
        }),
        "explode" => Box::new(|_ctx| {
            Box::pin(async move {
                tokio::time::sleep(WORK).await;
                Err(TaskExit::Error(McpError::internal_error(
                    "the report exploded",
                    None,
                )))
            })
        }),
        "confirm" => Box::new(move |ctx: TaskContext| {
            Box::pin(async move {
                let question: InputRequest = serde_json::from_value(json!({
                    "method": "elicitation/create",
                    "params": {"mode": "form", "message": format!("Really {action}?"),
                        "requestedSchema": {"type": "object",
                            "properties": {"confirm": {"type": "boolean"}}, "required": ["confirm"]}}
                }))
                .unwrap();
                let answer = ctx.request_input(CONFIRM_KEY, question).await?;
                tokio::time::sleep(WORK).await;
                Ok(text(format!("{action}: {answer}")))
            })
        }),
        "forever" => Box::new(|ctx: TaskContext| {
            Box::pin(async move {
                tokio::select! {
                    () = ctx.cancelled() => Err(TaskExit::Cancelled),
                    () = tokio::time::sleep(Duration::from_secs(60)) => Ok(text("finished".into())),
                }
            })
        }),
        _ => return None,
    })
}

impl ServerHandler for TaskServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tasks()
                .build(),
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let topic = json!({"topic": {"type": "string"}});
        Ok(ListToolsResult::with_all_items(vec![
            tool("report", "Writes a report (a task)", topic),
            tool("explode", "Fails (a task)", json!({})),
            tool(
                "confirm",
                "Asks first (a task)",
                json!({"action": {"type": "string"}}),
            ),
            tool("forever", "Runs until cancelled (a task)", json!({})),
            tool(
                "echo",
                "Echoes (never a task)",
                json!({"text": {"type": "string"}}),
            ),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if request.name == "echo" {
            return Ok(text(arg(&request, "text")).into());
        }
        let Some(body) = work(&request.name, &request) else {
            return Err(McpError::invalid_params(
                format!("no tool {}", request.name),
                None,
            ));
        };
        if !context
            .client_capabilities()
            .is_some_and(|c| c.supports_tasks())
        {
            return Err(McpError::invalid_params(
                "this tool runs only as a task",
                None,
            ));
        }
        let options = TaskOptions::new()
            .with_poll_interval_ms(20)
            .with_ttl_ms(120_000);
        let task = self.tasks.spawn(options, body);
        Ok(CallToolResponse::Task(CreateTaskResult::new(task)))
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        Ok(GetTaskResult::new(self.tasks.get_task(&request.task_id)?))
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks
            .update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks.cancel_task(&request.task_id)
    }
}
