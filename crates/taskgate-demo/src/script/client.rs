//! The demo script's MCP client: one JSON-RPC message per POST over plain
//! HTTP on loopback (hyper-util's pooled client, no TLS), answers read as
//! JSON or as a `text/event-stream` whose response event is picked out.
//!
//! Invariants: every exchange is bounded in time ([`EXCHANGE_TIMEOUT`]) and
//! size ([`MAX_BODY`]); nothing here interprets MCP beyond finding the
//! response that carries the request's id.

use std::time::Duration;

use anyhow::Context as _;
use http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use hyper_util::client::legacy::{Client as HyperClient, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::body::{self, DemoBody};
use crate::protocol::{header as mcp_header, version};

/// Longest a single request/response exchange may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest answer read.
const MAX_BODY: usize = 1024 * 1024;

/// A plain-HTTP client for one MCP endpoint.
pub(super) struct Client {
    http: HyperClient<HttpConnector, DemoBody>,
    url: Uri,
}

/// Who is asking: the `Authorization` value and the session, if any.
pub(super) struct Caller {
    /// The name the transcript uses.
    pub(super) name: &'static str,
    authorization: String,
    /// The `Mcp-Session-Id` sent with every request (none before `initialize`).
    pub(super) session: Option<String>,
}

/// What came back.
#[derive(Debug)]
pub(super) struct Reply {
    /// HTTP status.
    pub(super) status: StatusCode,
    /// The `Content-Type` header (empty when absent).
    pub(super) content_type: String,
    /// The `Mcp-Session-Id` header, when present.
    pub(super) session: Option<String>,
    /// The JSON-RPC response (`null` for an empty body, e.g. a `202`).
    pub(super) message: Value,
    /// The whole body as text (an SSE stream verbatim).
    pub(super) raw: String,
}

// === impl Caller ===

impl Caller {
    /// A caller presenting `authorization` (a full header value).
    pub(super) fn new(name: &'static str, authorization: String) -> Caller {
        Caller {
            name,
            authorization,
            session: None,
        }
    }

    /// The `Authorization` value presented.
    pub(super) fn authorization(&self) -> &str {
        &self.authorization
    }
}

// === impl Reply ===

impl Reply {
    /// `result`, or `null`.
    pub(super) fn result(&self) -> &Value {
        self.message.get("result").unwrap_or(&Value::Null)
    }

    /// `(error.code, error.message)` when the answer is a JSON-RPC error.
    pub(super) fn error(&self) -> Option<(i64, &str)> {
        let err = self.message.get("error")?;
        Some((
            err.get("code").and_then(Value::as_i64).unwrap_or_default(),
            err.get("message")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ))
    }
}

// === impl Client ===

impl Client {
    /// A client for the endpoint at `url`.
    pub(super) fn new(url: &str) -> anyhow::Result<Client> {
        let url: Uri = url.parse().with_context(|| format!("bad URL {url}"))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let http = HyperClient::builder(TokioExecutor::new()).build(connector);
        Ok(Client { http, url })
    }

    /// Sends a JSON-RPC request and reads the answer.
    pub(super) async fn request(
        &self,
        caller: &Caller,
        id: u64,
        method: &str,
        params: Value,
    ) -> anyhow::Result<Reply> {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.post(caller, &body, Some(id)).await
    }

    /// Sends a JSON-RPC notification (the answer is normally an empty `202`).
    pub(super) async fn notify(&self, caller: &Caller, method: &str) -> anyhow::Result<Reply> {
        let body = json!({"jsonrpc": "2.0", "method": method});
        self.post(caller, &body, None).await
    }

    async fn post(&self, caller: &Caller, body: &Value, id: Option<u64>) -> anyhow::Result<Reply> {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header(header::AUTHORIZATION, &caller.authorization)
            .header(mcp_header::PROTOCOL_VERSION, version::V2025_11_25);
        if let Some(session) = &caller.session {
            req = req.header(mcp_header::SESSION_ID, session);
        }
        let req = req
            .body(body::full(serde_json::to_vec(body)?))
            .context("building a request")?;
        let exchange = async {
            let res = self
                .http
                .request(req)
                .await
                .context("sending the request")?;
            let (parts, incoming) = res.into_parts();
            let bytes = body::read_limited(incoming, MAX_BODY)
                .await
                .map_err(|e| anyhow::anyhow!("reading the answer: {e}"))?;
            anyhow::Ok((parts, bytes))
        };
        let (parts, bytes) = tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .with_context(|| format!("no answer within {EXCHANGE_TIMEOUT:?}"))??;
        let text = |v: Option<&HeaderValue>| v.and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = text(parts.headers.get(header::CONTENT_TYPE)).unwrap_or_default();
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let message = if bytes.is_empty() {
            Value::Null
        } else if content_type.starts_with("text/event-stream") {
            response_event(&bytes, id)?
        } else {
            serde_json::from_slice(&bytes).context("the answer is not JSON")?
        };
        Ok(Reply {
            status: parts.status,
            content_type,
            session: text(parts.headers.get(mcp_header::SESSION_ID)),
            message,
            raw,
        })
    }
}

/// The event of an SSE body that is the response to request `id`.
fn response_event(bytes: &[u8], id: Option<u64>) -> anyhow::Result<Value> {
    let text = std::str::from_utf8(bytes).context("reading the event stream")?;
    for data in event_data(text) {
        let Ok(message) = serde_json::from_str::<Value>(&data) else {
            continue;
        };
        let is_response = message.get("result").is_some() || message.get("error").is_some();
        if is_response && message.get("id").and_then(Value::as_u64) == id {
            return Ok(message);
        }
    }
    anyhow::bail!("the event stream ended without the response")
}

/// The `data` of each complete event of an SSE body, by the EventSource
/// rules the script needs: lines end in CRLF, LF or CR; `data` lines join
/// with `\n`; a blank line ends an event; comments, other fields, events
/// without data and an unfinished last event are skipped.
fn event_data(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<&str> = text.split('\n').collect();
    // The text after the last line break is not a whole line.
    lines.pop();
    let mut events = Vec::new();
    let mut data = String::new();
    for line in lines {
        if line.is_empty() {
            if data.pop().is_some() {
                events.push(std::mem::take(&mut data));
            }
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        if field == "data" {
            data.push_str(value.strip_prefix(' ').unwrap_or(value));
            data.push('\n');
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_response_out_of_an_event_stream() {
        let stream = b": keep-alive\n\n\
            data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n\
            data: {\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{}}\n\n\
            data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"ok\":true}}\n\n";
        let found = response_event(stream, Some(7)).unwrap_or_default();
        assert_eq!(found["result"]["ok"], true);
        assert!(response_event(stream, Some(8)).is_err());
        assert!(response_event(b"data: {\"id\":7,\"result\":{}}", Some(7)).is_err());
    }

    #[test]
    fn event_data_follows_the_event_source_rules() {
        let stream = "\u{feff}: comment\r\nid: 1\r\ndata: a\r\ndata:b\r\n\r\n\
            event: x\rdata\r\r\
            retry: 5\n\n\
            data: unfinished\n";
        assert_eq!(event_data(stream), ["a\nb", ""]);
        assert!(event_data("").is_empty());
        assert!(response_event(b"data: \xff\n\n", Some(1)).is_err());
    }
}
