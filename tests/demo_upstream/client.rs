//! A tiny raw-HTTP harness for the demo upstream: start `serve` on
//! `127.0.0.1:0`, send requests with exact headers, read JSON bodies and SSE
//! events. Every wait is bounded so a broken server fails the test instead
//! of hanging it.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use taskgate::mcp::header;
use taskgate_demo::upstream::{UpstreamOptions, serve};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Upper bound on any single wait.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) const SSE_AND_JSON: (&str, &str) = ("accept", "application/json, text/event-stream");
pub(crate) const JSON_ONLY: (&str, &str) = ("accept", "application/json");

pub(crate) struct Upstream {
    pub(crate) url: String,
    pub(crate) shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
    http: Client<HttpConnector, Full<Bytes>>,
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) id: Option<String>,
    pub(crate) data: String,
}

impl Event {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or(Value::Null)
    }
}

pub(crate) struct Sse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    body: Incoming,
    buf: String,
}

impl Upstream {
    pub(crate) async fn start(options: UpstreamOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(serve(listener, options, shutdown.clone()));
        let http = Client::builder(TokioExecutor::new()).build_http();
        Self {
            url,
            shutdown,
            task,
            http,
        }
    }

    pub(crate) async fn stop(self) {
        self.shutdown.cancel();
        let res = tokio::time::timeout(WAIT, self.task).await;
        assert!(matches!(res, Ok(Ok(Ok(())))), "serve did not stop cleanly");
    }

    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> http::Response<Incoming> {
        let uri = self.url.replace("/mcp", path);
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(bytes)).unwrap();
        tokio::time::timeout(WAIT, self.http.request(req))
            .await
            .unwrap()
            .unwrap()
    }

    pub(crate) async fn raw_post(&self, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut req = Request::builder().method(Method::POST).uri(&self.url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
        let res = tokio::time::timeout(WAIT, self.http.request(req))
            .await
            .unwrap()
            .unwrap();
        read_reply(res).await
    }

    /// POSTs and reads the whole body as JSON (`Null` when empty).
    pub(crate) async fn post(&self, headers: &[(&str, &str)], body: &Value) -> Reply {
        read_reply(self.send(Method::POST, "/mcp", headers, Some(body)).await).await
    }

    /// POSTs expecting an SSE response.
    pub(crate) async fn post_sse(&self, headers: &[(&str, &str)], body: &Value) -> Sse {
        Sse::new(self.send(Method::POST, "/mcp", headers, Some(body)).await)
    }

    /// GET /mcp expecting the session stream.
    pub(crate) async fn get_sse(&self, headers: &[(&str, &str)]) -> Sse {
        Sse::new(self.send(Method::GET, "/mcp", headers, None).await)
    }

    /// initialize + notifications/initialized; returns the session id.
    pub(crate) async fn initialize(&self) -> String {
        let init = request(
            0,
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {"elicitation": {}},
                "clientInfo": {"name": "it", "version": "0"},
            }),
        );
        let reply = self.post(&[SSE_AND_JSON], &init).await;
        assert_eq!(reply.status, StatusCode::OK);
        let sid = reply.headers[header::SESSION_ID]
            .to_str()
            .unwrap()
            .to_owned();
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let ack = self
            .post(&[SSE_AND_JSON, (header::SESSION_ID, &sid)], &note)
            .await;
        assert_eq!(ack.status, StatusCode::ACCEPTED);
        sid
    }
}

pub(crate) async fn read_reply(res: http::Response<Incoming>) -> Reply {
    let (parts, body) = res.into_parts();
    let bytes = tokio::time::timeout(WAIT, body.collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {bytes:?}"))
    };
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub(crate) fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

impl Sse {
    fn new(res: http::Response<Incoming>) -> Self {
        let (parts, body) = res.into_parts();
        Self {
            status: parts.status,
            headers: parts.headers,
            body,
            buf: String::new(),
        }
    }

    pub(crate) fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The next event (comments skipped); `None` when the stream ended.
    pub(crate) async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = Event {
                    id: None,
                    data: String::new(),
                };
                let mut fields = 0;
                for line in block.lines() {
                    if let Some(id) = line.strip_prefix("id: ") {
                        event.id = Some(id.to_owned());
                        fields += 1;
                    } else if let Some(data) = line.strip_prefix("data:") {
                        event.data.push_str(data.trim_start());
                        fields += 1;
                    }
                }
                if fields > 0 {
                    return Some(event);
                }
                continue;
            }
            let frame = tokio::time::timeout(WAIT, self.body.frame())
                .await
                .expect("SSE wait timed out");
            match frame {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.push_str(&String::from_utf8_lossy(&data));
                    }
                }
                _ => return None,
            }
        }
    }

    /// Skips events until one whose JSON satisfies `pred`.
    pub(crate) async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Event {
        loop {
            let ev = self
                .next()
                .await
                .expect("stream ended before the expected event");
            if pred(&ev.json()) {
                return ev;
            }
        }
    }
}

/// A legacy `tools/call`.
pub(crate) fn call(id: u64, tool: &str, args: Value) -> Value {
    request(id, "tools/call", json!({"name": tool, "arguments": args}))
}

/// A legacy task-augmented `tools/call`.
pub(crate) fn task_call(id: u64, tool: &str, args: Value, ttl: u64) -> Value {
    let params = json!({"name": tool, "arguments": args, "task": {"ttl": ttl}});
    request(id, "tools/call", params)
}

/// A legacy `tasks/*` request naming one task.
pub(crate) fn task_req(id: u64, method: &str, task: &str) -> Value {
    request(id, method, json!({"taskId": task}))
}
