//! [`GatewayError`]: every way the gateway itself answers a request instead of
//! the upstream, and the one place that maps it to HTTP status, headers and a
//! JSON-RPC error body.
//!
//! Invariants: the mapping is an exhaustive `match` (no wildcard), so adding a
//! failure forces a decision about its wire form; client-visible messages never
//! carry internals (tokens, keys, upstream addresses, parser positions);
//! the detailed cause goes to the log via [`GatewayError::log_reason`].

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};

use crate::body::{GatewayBody, full};
use crate::jsonrpc::{self, Id};
use crate::mcp::{self, code};

mod kind;

/// Who is to blame for a failure: drives status codes, metrics and alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSource {
    /// The caller sent something we refuse.
    Client,
    /// The upstream MCP server failed or timed out.
    Upstream,
    /// The gateway's own infrastructure (keys, store) failed.
    Internal,
}

/// A request the gateway answers itself.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// No route for this path.
    #[error("no route")]
    NoRoute,
    /// HTTP method not served on an MCP endpoint.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Bearer token missing or invalid; `challenge` is the WWW-Authenticate value.
    #[error("unauthenticated: {reason}")]
    Unauthenticated {
        /// Stable reason for logs.
        reason: &'static str,
        /// Challenge header value.
        challenge: HeaderValue,
    },
    /// Token valid but lacks scopes; `challenge` lists all required scopes.
    #[error("insufficient scope")]
    InsufficientScope {
        /// Challenge header value.
        challenge: HeaderValue,
    },
    /// The access token was sent other than once in `Authorization` (in the
    /// query string, or in a repeated header): RFC 6750 §3.1
    /// `invalid_request`. `message` is client-safe; `challenge` is the
    /// route's `invalid_request` challenge.
    #[error("ambiguous credential: {message}")]
    AmbiguousCredential {
        /// What was wrong, for the client and the log.
        message: &'static str,
        /// Challenge header value.
        challenge: HeaderValue,
    },
    /// A header the gateway governs was repeated, or sent under a name that
    /// becomes a governed one when `_` is read as `-`.
    #[error("ambiguous header: {0}")]
    AmbiguousHeader(&'static str),
    /// Token verification keys could not be obtained.
    #[error("verification keys unavailable")]
    KeysUnavailable,
    /// `Origin` header not allowed (DNS-rebinding defence).
    #[error("origin not allowed")]
    ForbiddenOrigin,
    /// `Host` not a loopback name on a loopback listener (DNS-rebinding
    /// defence, as the official TypeScript SDK).
    #[error("host not allowed")]
    ForbiddenHost,
    /// POST body is not `application/json`.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Body over the configured limit.
    #[error("body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The client's body stream failed.
    #[error("request body stream failed")]
    BodyRead,
    /// Body is not an acceptable JSON-RPC message.
    #[error("invalid JSON-RPC: {0}")]
    JsonRpc(#[from] jsonrpc::Error),
    /// A mirrored header disagrees with the body, or a required one is
    /// missing (also what an [`mcp::headers::Mismatch`] becomes).
    #[error("header mismatch: {0}")]
    HeaderMismatch(&'static str),
    /// Bad or unsupported `MCP-Protocol-Version` (or `_meta` version):
    /// `400` + `-32022` with `data{supported, requested}` (SEP-2575).
    #[error("unsupported protocol version")]
    UnsupportedProtocolVersion(Box<VersionRefusal>),
    /// A current-era client POSTed a JSON-RPC response (the server sends no requests).
    #[error("responses are not accepted in this protocol version")]
    ResponseNotAllowed,
    /// A session id that is not the caller's, or whose session is over
    /// (expired, idle, revoked): answered like an unknown session.
    #[error("unknown session")]
    UnknownSession,
    /// Session state could not be checked or recorded (store failure):
    /// fail closed.
    #[error("session state unavailable")]
    SessionStateUnavailable,
    /// A current-era task operation from a client that did not declare the
    /// tasks extension on this request: `400` + `-32021`, as a server must.
    #[error("missing required client capability")]
    MissingTasksCapability,
    /// A task method the declared era does not have (see
    /// [`crate::mcp::Era::lacks_task_method`]), answered `-32601` as a server
    /// of that era does: current `404`, legacy `200` (a JSON-RPC error in a
    /// normal response).
    #[error("method not found in the {} era", .0.as_str())]
    MethodNotFound(crate::mcp::Era),
    /// A task handle (or list cursor) that does not resolve for the caller,
    /// whatever the reason: answered exactly like an unknown task.
    #[error("unknown task")]
    UnknownTask {
        /// The request method (the wording depends on it).
        method: String,
        /// What the client presented, echoed as the official SDKs do.
        presented: String,
        /// The upstream SDK's words for it.
        wording: mcp::UnknownTaskWording,
    },
    /// A `requestState` that does not open for the caller and request,
    /// whatever the reason: answered as a server answers a state that fails
    /// its integrity check.
    #[error("invalid requestState")]
    InvalidRequestState,
    /// Task state could not be checked (store failure): fail closed.
    #[error("task state unavailable")]
    TaskStateUnavailable,
    /// The upstream's answer could not be relayed (too large, unreadable).
    #[error("upstream answer unusable")]
    UpstreamAnswerUnusable,
    /// The upstream could not be reached or broke the exchange.
    #[error("upstream unavailable")]
    UpstreamUnavailable,
    /// The upstream did not answer in time.
    #[error("upstream timeout")]
    UpstreamTimeout,
}

/// What an unsupported-version answer quotes (SEP-2575
/// `UnsupportedProtocolVersionError.data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRefusal {
    /// The version the request asked for, echoed.
    pub requested: String,
    /// The versions to offer instead: what the route's upstream speaks.
    pub supported: std::sync::Arc<[Box<str>]>,
}

impl GatewayError {
    /// Structured `error.data`, for the errors whose specification has one.
    fn data(&self) -> Option<serde_json::Value> {
        match self {
            GatewayError::MissingTasksCapability => Some(serde_json::json!({
                "requiredCapabilities": {"extensions": {(crate::mcp::meta::TASKS_EXTENSION): {}}}
            })),
            GatewayError::UnsupportedProtocolVersion(refusal) => Some(serde_json::json!({
                "supported": refusal.supported.iter().map(AsRef::as_ref).collect::<Vec<&str>>(),
                "requested": refusal.requested,
            })),
            _ => None,
        }
    }

    /// The detailed reason for logs (never sent to the client).
    pub fn log_reason(&self) -> String {
        self.to_string()
    }

    /// Builds the response. `id` is the JSON-RPC request id when known, so the
    /// client can correlate the error with its request.
    pub fn into_response(self, id: Option<&Id>) -> Response<GatewayBody> {
        let unknown_task;
        let (status, rpc, message): (StatusCode, Option<i64>, &str) = match &self {
            GatewayError::NoRoute => (StatusCode::NOT_FOUND, None, "Not Found"),
            GatewayError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, None, "Method Not Allowed")
            }
            GatewayError::Unauthenticated { .. } => (
                StatusCode::UNAUTHORIZED,
                Some(code::INVALID_REQUEST),
                "Unauthorized",
            ),
            GatewayError::InsufficientScope { .. } => (
                StatusCode::FORBIDDEN,
                Some(code::INVALID_REQUEST),
                "Insufficient scope",
            ),
            GatewayError::AmbiguousCredential { message, .. } => (
                StatusCode::BAD_REQUEST,
                Some(code::INVALID_REQUEST),
                *message,
            ),
            GatewayError::AmbiguousHeader(message) => (
                StatusCode::BAD_REQUEST,
                Some(code::INVALID_REQUEST),
                *message,
            ),
            GatewayError::KeysUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                Some(code::INTERNAL_ERROR),
                "Authentication temporarily unavailable",
            ),
            GatewayError::ForbiddenOrigin => (
                StatusCode::FORBIDDEN,
                Some(code::INVALID_REQUEST),
                "Origin not allowed",
            ),
            GatewayError::ForbiddenHost => (
                StatusCode::FORBIDDEN,
                Some(code::INVALID_REQUEST),
                "Host not allowed",
            ),
            GatewayError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Some(code::INVALID_REQUEST),
                "Content-Type must be application/json",
            ),
            GatewayError::BodyTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(code::INVALID_REQUEST),
                "Request body too large",
            ),
            GatewayError::BodyRead => (
                StatusCode::BAD_REQUEST,
                Some(code::INVALID_REQUEST),
                "Request body unreadable",
            ),
            GatewayError::JsonRpc(e) => {
                (StatusCode::BAD_REQUEST, Some(e.code()), jsonrpc_message(e))
            }
            GatewayError::HeaderMismatch(what) => {
                (StatusCode::BAD_REQUEST, Some(code::HEADER_MISMATCH), *what)
            }
            GatewayError::UnsupportedProtocolVersion(_) => (
                StatusCode::BAD_REQUEST,
                Some(code::UNSUPPORTED_PROTOCOL_VERSION),
                "Unsupported protocol version",
            ),
            GatewayError::ResponseNotAllowed => (
                StatusCode::BAD_REQUEST,
                Some(code::INVALID_REQUEST),
                "JSON-RPC responses are not accepted in this protocol version",
            ),
            // The shape the official TypeScript SDK server uses, so a refused
            // session is indistinguishable from an expired one.
            GatewayError::UnknownSession => (
                StatusCode::NOT_FOUND,
                Some(code::SESSION_NOT_FOUND),
                "Session not found",
            ),
            GatewayError::MissingTasksCapability => (
                StatusCode::BAD_REQUEST,
                Some(code::MISSING_REQUIRED_CLIENT_CAPABILITY),
                "Missing required client capability: io.modelcontextprotocol/tasks",
            ),
            GatewayError::MethodNotFound(era) => (
                era.dialect().transport.absent_method_status,
                Some(code::METHOD_NOT_FOUND),
                "Method not found",
            ),
            // Exactly what the upstream's SDK answers for an unknown task, so
            // a refused handle is indistinguishable from one it does not know.
            GatewayError::UnknownTask {
                method,
                presented,
                wording,
            } => {
                unknown_task = wording.message(method, presented);
                (
                    StatusCode::OK,
                    Some(code::INVALID_PARAMS),
                    unknown_task.as_str(),
                )
            }
            // The conformance suite's reference server's answer to a
            // requestState that fails its integrity check.
            GatewayError::InvalidRequestState => (
                StatusCode::OK,
                Some(code::INVALID_PARAMS),
                "requestState integrity check failed",
            ),
            GatewayError::TaskStateUnavailable | GatewayError::SessionStateUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                Some(code::INTERNAL_ERROR),
                INTERNAL_ERROR_MESSAGE,
            ),
            GatewayError::UpstreamAnswerUnusable => (
                StatusCode::BAD_GATEWAY,
                Some(code::INTERNAL_ERROR),
                "Upstream answer unusable",
            ),
            GatewayError::UpstreamUnavailable => (
                StatusCode::BAD_GATEWAY,
                Some(code::INTERNAL_ERROR),
                "Upstream unavailable",
            ),
            GatewayError::UpstreamTimeout => (
                StatusCode::GATEWAY_TIMEOUT,
                Some(code::INTERNAL_ERROR),
                "Upstream timeout",
            ),
        };
        let mut builder = Response::builder().status(status);
        match &self {
            GatewayError::Unauthenticated { challenge, .. }
            | GatewayError::InsufficientScope { challenge }
            | GatewayError::AmbiguousCredential { challenge, .. } => {
                builder = builder.header(WWW_AUTHENTICATE, challenge.clone());
            }
            GatewayError::MethodNotAllowed => {
                builder = builder.header(ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
            }
            _ => {}
        }
        let body = match rpc {
            Some(c) => {
                builder =
                    builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                jsonrpc::to_bytes(&jsonrpc::error_object(id, c, message, self.data()))
            }
            None => {
                builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                Bytes::from(message.to_string())
            }
        };
        builder.body(full(body)).unwrap_or_else(|_| fallback())
    }
}

impl From<mcp::headers::Mismatch> for GatewayError {
    /// A header/body disagreement found by `mcp::headers`: `400` + `-32020`,
    /// worded by the check that found it.
    fn from(mismatch: mcp::headers::Mismatch) -> Self {
        GatewayError::HeaderMismatch(mismatch.message())
    }
}

/// What an internal error says to the client.
const INTERNAL_ERROR_MESSAGE: &str = "Internal error";

/// The JSON-RPC body of an internal error (`-32603`) answering request `id`:
/// what the gateway sends in place of an upstream message it withholds
/// (inside the upstream's HTTP response, so there is no status to map).
pub fn internal_error_body(id: Option<&Id>) -> serde_json::Value {
    jsonrpc::error_object(id, code::INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE, None)
}

/// A client-safe description of a JSON-RPC parse or shape failure.
fn jsonrpc_message(e: &jsonrpc::Error) -> &'static str {
    use jsonrpc::{ParseError, ShapeError};
    match e {
        jsonrpc::Error::Parse(ParseError::DuplicateKey { .. }) => {
            "Parse error: duplicate object key"
        }
        jsonrpc::Error::Parse(ParseError::TooDeep) => "Parse error: nesting too deep",
        jsonrpc::Error::Parse(_) => "Parse error: invalid JSON",
        jsonrpc::Error::Shape(ShapeError::Batch) => {
            "Invalid Request: JSON-RPC batches are not supported"
        }
        jsonrpc::Error::Shape(ShapeError::AmbiguousKeys) => {
            "Invalid Request: object keys that differ only in case or by look-alike characters"
        }
        jsonrpc::Error::Shape(ShapeError::AmbiguousMethod) => {
            "Invalid Request: method name that only resembles a known method"
        }
        jsonrpc::Error::Shape(_) => "Invalid Request: not a JSON-RPC 2.0 message",
    }
}

/// A bare 500, only reachable if a static header above were invalid.
fn fallback() -> Response<GatewayBody> {
    let mut r = Response::new(full(Bytes::from_static(b"internal error")));
    *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    r
}
