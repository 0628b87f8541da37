//! The bundled example MCP server: a real Streamable HTTP server on hyper
//! that `taskgate demo` starts behind the gateway and load tests use as a
//! fast upstream. Official SDK clients can use it directly.
//!
//! # The point of the demo: deliberately weak task handling
//!
//! This server handles tasks the way a careless upstream would, so the demo
//! can show what taskgate adds:
//!
//! - task ids are sequential and guessable (`task-1`, `task-2`, …);
//! - tasks live in one global table shared by every session and caller;
//! - nobody checks who owns a task: any caller can get, read the result of,
//!   answer, or cancel any task;
//! - legacy `tasks/list` lists every task of every caller;
//! - answers to server→client requests are matched by JSON-RPC id alone.
//!
//! Do not copy this into a real server. Everything else aims to be correct.
//!
//! # What it serves
//!
//! One endpoint, `/mcp` (any other path is 404). The era of a request comes
//! from its `MCP-Protocol-Version` header:
//!
//! - absent or 2025-03-26 … 2025-11-25 → `legacy`: `initialize` and
//!   sessions (`Mcp-Session-Id`; requests without it are served
//!   statelessly), the GET stream with `Last-Event-ID` replay, DELETE, and
//!   the experimental core tasks;
//! - 2026-07-28 → `current`: stateless requests checked against their
//!   mirrored headers, `server/discover`, and the tasks extension; GET and
//!   DELETE are 405;
//! - anything else → HTTP 400 + `-32022`.
//!
//! Tools: `echo`, `add`, `slow_report` (progress once per second),
//! `fail_report`, `confirm_action` (elicitation); the last three may run as
//! tasks. When `required_authorization` is set, every request must carry
//! exactly that `Authorization` value, else 401.
//!
//! # Choices where the spec leaves room
//!
//! - `Accept` is not enforced; SSE is used only when it is accepted, and only
//!   for plain `slow_report` / `confirm_action` calls and `tasks/result`.
//! - A plain legacy `confirm_action` asks on its own response stream, so a
//!   client that does not accept SSE gets an `isError` result.
//! - `fail_report` as a task ends `failed` with a `-32603` JSON-RPC error in
//!   both eras (legacy `tasks/result` returns that error).
//! - `tasks/result` of a cancelled task is `-32600` (there is no result).
//! - Current era: `confirm_action` from a client without the tasks extension
//!   answers `resultType: "input_required"` and completes on the retry that
//!   carries `inputResponses`; `-32601` goes out with HTTP 404.
//! - POST SSE streams get no priming event: they cannot be resumed, and a
//!   priming id would invite clients to try.
//!
//! # Layout
//!
//! | module | owns |
//! | --- | --- |
//! | `state` | shared state, pending server→client requests, status notifications |
//! | `session` | legacy sessions and their GET stream replay ring |
//! | `tasks` | the (weak) global task table and its wire shapes |
//! | `work` | running task-augmented calls in the background |
//! | `plain` | running plain calls (progress, elicitation on the response stream) |
//! | `tools` | the tool catalogue, argument parsing, result shapes |
//! | `stream` | SSE encoding, bodies with keep-alive, JSON-or-SSE responses |
//! | `requests` | [`RequestLog`]: counts of what the server received |
//! | `rpc` | JSON-RPC parsing and message/response builders |
//! | `clock` | ISO 8601 timestamps |

mod clock;
mod current;
mod legacy;
mod plain;
mod requests;
mod rpc;
mod session;
mod state;
mod stream;
mod tasks;
mod tools;
mod work;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header as http_header};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use self::rpc::RpcError;
use self::state::State;
use crate::body::{self, DemoBody, ReadError};
use crate::protocol::{code, header, version};

pub use self::requests::RequestLog;

/// The MCP endpoint path.
const MCP_PATH: &str = "/mcp";

/// Largest accepted request body.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// How often expired tasks, stale answers and idle sessions are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How long shutdown waits for open connections to finish.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// Pause after a failed `accept` (e.g. out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// `serverInfo.name`.
const SERVER_NAME: &str = "taskgate-demo-upstream";

/// How the demo upstream behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamOptions {
    /// When set, every request must carry exactly this `Authorization` header value, else 401.
    pub required_authorization: Option<String>,
    /// Page size for tasks/list (default 50); small values let tests exercise cursors.
    pub list_page_size: usize,
    /// Upper bound on granted task TTL in ms (default 600_000).
    pub max_ttl_ms: u64,
    /// Counts what the server received; keep a clone to read it.
    pub requests: RequestLog,
}

impl Default for UpstreamOptions {
    fn default() -> Self {
        Self {
            required_authorization: None,
            list_page_size: 50,
            max_ttl_ms: 600_000,
            requests: RequestLog::default(),
        }
    }
}

/// Serves until `shutdown` is cancelled; open SSE streams end at shutdown.
///
/// Connections speak HTTP/1.1 or HTTP/2 (prior knowledge). At shutdown the
/// listener closes, streams end, background task work stops, and open
/// connections get a few seconds to finish.
///
/// # Errors
/// None in practice: failed `accept`s are logged and retried. The `Result`
/// leaves room for start-up failures.
pub async fn serve(
    listener: TcpListener,
    options: UpstreamOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let state = Arc::new(State::new(options, shutdown.clone()));
    tokio::spawn(sweep(state.clone()));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The timer arms hyper's HTTP/1 header-read timeout (slow clients).
    builder.http1().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "demo upstream: accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let conn_state = state.clone();
        let service = service_fn(move |req| {
            let state = conn_state.clone();
            async move { Ok::<_, Infallible>(route(state, req).await) }
        });
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(error) = conn.await {
                tracing::debug!(%error, "demo upstream: connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_GRACE) => {
            tracing::warn!("demo upstream: connections still open after the drain grace period");
        }
    }
    Ok(())
}

async fn sweep(state: Arc<State>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            _ = every.tick() => state.sweep(),
        }
    }
}

/// `serverInfo` / `io.modelcontextprotocol/serverInfo`.
pub(crate) fn server_info() -> Value {
    json!({"name": SERVER_NAME, "version": env!("CARGO_PKG_VERSION")})
}

async fn route(state: Arc<State>, req: Request<Incoming>) -> Response<DemoBody> {
    if req.uri().path() != MCP_PATH {
        return rpc::empty_response(StatusCode::NOT_FOUND);
    }
    state.options.requests.record_http();
    if !authorized(&state.options, req.headers()) {
        return unauthorized();
    }
    let current = match rpc::header_str(req.headers(), header::PROTOCOL_VERSION) {
        None => false,
        Some(v) if v == version::V2026_07_28 => true,
        Some(v) if legacy::VERSIONS.contains(&v) => false,
        Some(v) => return unsupported_version(v),
    };
    match (req.method(), current) {
        (&Method::POST, _) => {
            let (parts, incoming) = req.into_parts();
            let bytes = match body::read_limited(incoming, MAX_BODY).await {
                Ok(bytes) => bytes,
                Err(err) => return unreadable(&err),
            };
            if current {
                current::post(state, &parts.headers, &bytes).await
            } else {
                legacy::post(state, &parts.headers, &bytes).await
            }
        }
        (&Method::GET, false) => open_get_stream(&state, req.headers()),
        (&Method::DELETE, false) => delete_session(&state, req.headers()),
        (_, current) => method_not_allowed(current),
    }
}

/// Compares the `Authorization` header in constant time.
fn authorized(options: &UpstreamOptions, headers: &HeaderMap) -> bool {
    let Some(expected) = &options.required_authorization else {
        return true;
    };
    let got = headers
        .get(http_header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let expected = expected.as_bytes();
    got.len() == expected.len()
        && got
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn unauthorized() -> Response<DemoBody> {
    let err = RpcError::new(code::INVALID_REQUEST, "Unauthorized");
    let mut res = rpc::error_response(StatusCode::UNAUTHORIZED, &Value::Null, &err);
    res.headers_mut().insert(
        http_header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer"),
    );
    res
}

fn unsupported_version(requested: &str) -> Response<DemoBody> {
    let err = RpcError::new(
        code::UNSUPPORTED_PROTOCOL_VERSION,
        format!("Unsupported protocol version: {requested}"),
    )
    .with_data(json!({"supported": current::supported_versions(), "requested": requested}));
    rpc::error_response(StatusCode::BAD_REQUEST, &Value::Null, &err)
}

fn unreadable(err: &ReadError) -> Response<DemoBody> {
    let status = match err {
        ReadError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        ReadError::Stream(_) => StatusCode::BAD_REQUEST,
    };
    let err = RpcError::new(code::INVALID_REQUEST, format!("Invalid Request: {err}"));
    rpc::error_response(status, &Value::Null, &err)
}

fn method_not_allowed(current: bool) -> Response<DemoBody> {
    let mut res = rpc::empty_response(StatusCode::METHOD_NOT_ALLOWED);
    let allow = if current { "POST" } else { "GET, POST, DELETE" };
    res.headers_mut()
        .insert(http_header::ALLOW, HeaderValue::from_static(allow));
    res
}

/// `GET /mcp`: the session's standalone stream, resumed after
/// `Last-Event-ID` when given.
fn open_get_stream(state: &State, headers: &HeaderMap) -> Response<DemoBody> {
    let Some(sid) = rpc::header_str(headers, header::SESSION_ID) else {
        return method_not_allowed(false);
    };
    let Some(session) = state.sessions.get(sid) else {
        return legacy::session_not_found(&Value::Null);
    };
    if !rpc::accepts_sse(headers) {
        return rpc::empty_response(StatusCode::NOT_ACCEPTABLE);
    }
    let rx = session.open_stream(rpc::header_str(headers, header::LAST_EVENT_ID));
    stream::sse_response(stream::sse_body(rx, state.shutdown.clone()))
}

/// `DELETE /mcp`: ends the session.
fn delete_session(state: &State, headers: &HeaderMap) -> Response<DemoBody> {
    match rpc::header_str(headers, header::SESSION_ID) {
        Some(sid) if state.sessions.remove(sid) => rpc::empty_response(StatusCode::OK),
        Some(_) => legacy::session_not_found(&Value::Null),
        None => {
            let err = RpcError::new(code::INVALID_REQUEST, "Mcp-Session-Id header required");
            rpc::error_response(StatusCode::BAD_REQUEST, &Value::Null, &err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_must_match_exactly() {
        let open = UpstreamOptions::default();
        assert!(authorized(&open, &HeaderMap::new()));
        let locked = UpstreamOptions {
            required_authorization: Some("Bearer s3cret".into()),
            ..UpstreamOptions::default()
        };
        let mut h = HeaderMap::new();
        assert!(!authorized(&locked, &h));
        h.insert(
            http_header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cre"),
        );
        assert!(!authorized(&locked, &h));
        h.insert(
            http_header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        assert!(authorized(&locked, &h));
    }
}
