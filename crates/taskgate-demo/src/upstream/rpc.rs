//! JSON-RPC plumbing for the demo upstream: classifying what a client POSTed,
//! building result, error, request and notification messages, and turning
//! them into HTTP responses.
//!
//! Invariants: every body built here is a single JSON-RPC message (never a
//! batch); an error keeps the request id when it is known (`null` otherwise);
//! nothing here panics on input — every malformed message maps to an error.

use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::body::{self, DemoBody};
use crate::protocol::code;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RpcError {
    /// The JSON-RPC error code.
    pub(crate) code: i64,
    /// Human-readable message.
    pub(crate) message: String,
    /// Optional structured data.
    pub(crate) data: Option<Value>,
}

// === impl RpcError ===

impl RpcError {
    /// An error with a code and message and no data.
    pub(crate) fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Attaches structured `data`.
    pub(crate) fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `-32602` with a message.
    pub(crate) fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_PARAMS, message)
    }

    /// `-32602 Task not found`: unknown, malformed and expired ids alike.
    pub(crate) fn task_not_found() -> Self {
        Self::invalid_params("Task not found")
    }

    /// `-32601` naming the method.
    pub(crate) fn method_not_found(method: &str) -> Self {
        Self::new(
            code::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    /// The error as a JSON object (`{code, message, data?}`).
    pub(crate) fn to_value(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("code".into(), json!(self.code));
        obj.insert("message".into(), json!(self.message));
        if let Some(data) = &self.data {
            obj.insert("data".into(), data.clone());
        }
        Value::Object(obj)
    }
}

/// One JSON-RPC message POSTed by a client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Message {
    /// A request expecting a response.
    Request {
        /// Request id (string or number).
        id: Value,
        /// Method name.
        method: String,
        /// `params`, or `Null` when absent.
        params: Value,
    },
    /// A notification (no id).
    Notification {
        /// Method name.
        method: String,
    },
    /// A response to a request the server sent.
    Response {
        /// The id of the server's request.
        id: Value,
        /// `Ok(result)` or `Err(error object)`.
        outcome: Result<Value, Value>,
    },
}

/// Parses one POSTed body into a [`Message`].
///
/// # Errors
/// `-32700` for invalid JSON; `-32600` for batches and anything that is not
/// a JSON-RPC 2.0 request, notification or response.
pub(crate) fn parse(bytes: &[u8]) -> Result<Message, RpcError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| RpcError::new(code::PARSE_ERROR, format!("Parse error: {e}")))?;
    let obj = match value {
        Value::Object(obj) => obj,
        Value::Array(_) => {
            return Err(RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: batches are not supported",
            ));
        }
        _ => return Err(invalid_request()),
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid_request());
    }
    let id = obj.get("id").filter(|id| is_valid_id(id)).cloned();
    match (obj.get("method"), id) {
        (Some(Value::String(method)), Some(id)) => Ok(Message::Request {
            id,
            method: method.clone(),
            params: obj.get("params").cloned().unwrap_or(Value::Null),
        }),
        (Some(Value::String(method)), None) if !obj.contains_key("id") => {
            Ok(Message::Notification {
                method: method.clone(),
            })
        }
        (None, Some(id)) => match (obj.get("result"), obj.get("error")) {
            (Some(result), None) => Ok(Message::Response {
                id,
                outcome: Ok(result.clone()),
            }),
            (None, Some(error)) => Ok(Message::Response {
                id,
                outcome: Err(error.clone()),
            }),
            _ => Err(invalid_request()),
        },
        _ => Err(invalid_request()),
    }
}

fn invalid_request() -> RpcError {
    RpcError::new(code::INVALID_REQUEST, "Invalid Request")
}

fn is_valid_id(id: &Value) -> bool {
    matches!(id, Value::String(_)) || id.is_i64() || id.is_u64()
}

/// A success response.
pub(crate) fn success(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error response.
pub(crate) fn failure(id: &Value, err: &RpcError) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": err.to_value()})
}

/// A success or error response from an outcome.
pub(crate) fn response(id: &Value, outcome: Result<Value, RpcError>) -> Value {
    match outcome {
        Ok(result) => success(id, result),
        Err(err) => failure(id, &err),
    }
}

/// A server→client request.
pub(crate) fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// A notification.
pub(crate) fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

/// The map key used to match a client's response to a server request:
/// the id's JSON text, so `7` and `"7"` stay distinct.
pub(crate) fn id_key(id: &Value) -> String {
    id.to_string()
}

// === HTTP ===

/// A JSON body with the given status.
pub(crate) fn json_response(status: StatusCode, msg: &Value) -> Response<DemoBody> {
    // Serialising a `Value` cannot fail (all map keys are strings).
    let bytes = serde_json::to_vec(msg).unwrap_or_default();
    let mut res = Response::new(body::full(bytes));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// A JSON-RPC error response with the given HTTP status.
pub(crate) fn error_response(status: StatusCode, id: &Value, err: &RpcError) -> Response<DemoBody> {
    json_response(status, &failure(id, err))
}

/// A bare status with an empty body (`202`, `404`, `405`, …).
pub(crate) fn empty_response(status: StatusCode) -> Response<DemoBody> {
    let mut res = Response::new(body::empty());
    *res.status_mut() = status;
    res
}

/// A header's value as text, if present and visible ASCII.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether the `Accept` header lists `text/event-stream` (or `*/*`).
pub(crate) fn accepts_sse(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|item| item.split(';').next().unwrap_or("").trim())
        .any(|mime| mime.eq_ignore_ascii_case("text/event-stream") || mime == "*/*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_messages() {
        let req = parse(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
        assert!(matches!(req, Message::Request { ref method, .. } if method == "ping"));
        let note = parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert!(matches!(note, Message::Notification { .. }));
        let res = parse(br#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap();
        assert!(matches!(res, Message::Response { outcome: Ok(_), .. }));
        let err = parse(br#"{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}"#).unwrap();
        assert!(matches!(
            err,
            Message::Response {
                outcome: Err(_),
                ..
            }
        ));
    }

    #[test]
    fn rejects_malformed_input_with_the_right_code() {
        assert_eq!(parse(b"{nope").unwrap_err().code, code::PARSE_ERROR);
        assert_eq!(parse(b"[]").unwrap_err().code, code::INVALID_REQUEST);
        assert_eq!(parse(b"42").unwrap_err().code, code::INVALID_REQUEST);
        let no_version = br#"{"id":1,"method":"ping"}"#;
        assert_eq!(parse(no_version).unwrap_err().code, code::INVALID_REQUEST);
        let bad_id = br#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#;
        assert_eq!(parse(bad_id).unwrap_err().code, code::INVALID_REQUEST);
        let both = br#"{"jsonrpc":"2.0","id":1,"result":{},"error":{}}"#;
        assert_eq!(parse(both).unwrap_err().code, code::INVALID_REQUEST);
    }

    #[test]
    fn accept_header_detection() {
        let mut h = HeaderMap::new();
        assert!(!accepts_sse(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream;q=0.9"),
        );
        assert!(accepts_sse(&h));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(!accepts_sse(&h));
    }

    #[test]
    fn error_objects_omit_absent_data() {
        let e = RpcError::invalid_params("bad");
        assert_eq!(e.to_value(), json!({"code": -32602, "message": "bad"}));
        let e = e.with_data(json!({"k": 1}));
        assert_eq!(e.to_value()["data"]["k"], 1);
    }
}
