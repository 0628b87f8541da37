//! The JSON-RPC message model: [`Id`], [`Message`] and [`Envelope`].
//!
//! Invariant: an [`Envelope`] only exists for a value that passed every shape
//! rule in [`Envelope::from_value`], and its [`Message`] was read from that
//! same value, so `method()`/`id()` always agree with what is forwarded.

use std::fmt;

use serde_json::{Map, Value};

use super::{Error, Limits, VERSION, folding, parse_strict};

/// A JSON-RPC request id: a string or an integer that is an exact `i64` or
/// `u64`. Null, booleans, objects, arrays and fractional or out-of-range
/// numbers are refused (see the number notes in [`super::parse_strict`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id(Value);

/// Why a JSON value is not an acceptable JSON-RPC message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A JSON array: batches are refused by the gateway.
    #[error("batch requests are not supported")]
    Batch,
    /// Not a JSON object.
    #[error("message is not a JSON object")]
    NotAnObject,
    /// `"jsonrpc"` missing or not exactly `"2.0"`.
    #[error("\"jsonrpc\" must be \"2.0\"")]
    Version,
    /// `"method"` present but not a string.
    #[error("\"method\" must be a string")]
    MethodNotString,
    /// `"params"` present but neither an object nor an array.
    #[error("\"params\" must be an object or an array")]
    InvalidParams,
    /// `"id"` is not a string or an integer (or null outside an error response).
    #[error("\"id\" must be a string or an integer")]
    InvalidId,
    /// A response without `"id"`.
    #[error("response has no \"id\"")]
    MissingId,
    /// A `"method"` alongside `"result"` or `"error"`: request or response?
    #[error("message has both \"method\" and \"result\" or \"error\"")]
    Ambiguous,
    /// A response with both `"result"` and `"error"`.
    #[error("response has both \"result\" and \"error\"")]
    ResultAndError,
    /// No `"method"`, `"result"` or `"error"`.
    #[error("message has no \"method\", \"result\" or \"error\"")]
    NoResultOrError,
    /// `"error"` is not an object with an integer `"code"` and a string `"message"`.
    #[error("\"error\" must be an object with an integer \"code\" and a string \"message\"")]
    InvalidErrorObject,
    /// A protocol-level object has two keys that fold to the same name, or a
    /// key that folds to a governed member name without being it
    /// (`"TaskId"`, `"paramſ"`): a case-insensitive decoder reads a member
    /// the gateway did not check.
    #[error("object keys are ambiguous under case folding")]
    AmbiguousKeys,
    /// A `"method"` that is not a known method but normalizes to one
    /// (`"Tasks/Get"`, `"tasks/get "`, `"tasks／get"`), or that has a
    /// control character.
    #[error("method name is ambiguous")]
    AmbiguousMethod,
}

/// What kind of JSON-RPC message an [`Envelope`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request: has `method` and `id`.
    Request {
        /// The request id.
        id: Id,
        /// The method name.
        method: String,
    },
    /// A notification: has `method`, no `id`.
    Notification {
        /// The method name.
        method: String,
    },
    /// A response: exactly one of `result` / `error`, no `method`.
    Response {
        /// The id; `None` only for an error response with `"id": null`.
        id: Option<Id>,
        /// Whether it carries `error` (else `result`).
        is_error: bool,
    },
}

/// A validated JSON-RPC message: its classification plus the full value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    message: Message,
    value: Value,
}

// === impl Id ===

impl Id {
    /// The id as a JSON value (a string or an integer number).
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// Unwraps the JSON value.
    pub fn into_value(self) -> Value {
        self.0
    }

    /// The id if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }

    fn check(value: &Value) -> Result<(), ShapeError> {
        match value {
            Value::String(_) => Ok(()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            _ => Err(ShapeError::InvalidId),
        }
    }
}

impl TryFrom<Value> for Id {
    type Error = ShapeError;

    fn try_from(value: Value) -> Result<Self, ShapeError> {
        Self::check(&value)?;
        Ok(Self(value))
    }
}

impl From<String> for Id {
    fn from(id: String) -> Self {
        Self(Value::String(id))
    }
}

impl From<&str> for Id {
    fn from(id: &str) -> Self {
        Self(Value::String(id.to_owned()))
    }
}

impl From<i64> for Id {
    fn from(id: i64) -> Self {
        Self(id.into())
    }
}

impl From<u64> for Id {
    fn from(id: u64) -> Self {
        Self(id.into())
    }
}

impl fmt::Display for Id {
    /// The id as JSON text (strings quoted), as it appears on the wire.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

// === impl Message ===

impl Message {
    /// The method, for requests and notifications.
    pub fn method(&self) -> Option<&str> {
        match self {
            Self::Request { method, .. } | Self::Notification { method } => Some(method),
            Self::Response { .. } => None,
        }
    }

    /// The id, for requests and responses with a non-null id.
    pub fn id(&self) -> Option<&Id> {
        match self {
            Self::Request { id, .. } => Some(id),
            Self::Response { id, .. } => id.as_ref(),
            Self::Notification { .. } => None,
        }
    }

    fn classify(object: &Map<String, Value>) -> Result<Self, ShapeError> {
        if object.get("jsonrpc").and_then(Value::as_str) != Some(VERSION) {
            return Err(ShapeError::Version);
        }
        let Some(method) = object.get("method") else {
            return Self::classify_response(object);
        };
        let method = method.as_str().ok_or(ShapeError::MethodNotString)?;
        if folding::method_is_ambiguous(method) {
            return Err(ShapeError::AmbiguousMethod);
        }
        if object.contains_key("result") || object.contains_key("error") {
            return Err(ShapeError::Ambiguous);
        }
        match object.get("params") {
            None | Some(Value::Object(_) | Value::Array(_)) => {}
            Some(_) => return Err(ShapeError::InvalidParams),
        }
        let method = method.to_owned();
        Ok(match object.get("id") {
            None => Self::Notification { method },
            Some(id) => Self::Request {
                id: Id::try_from(id.clone())?,
                method,
            },
        })
    }

    fn classify_response(object: &Map<String, Value>) -> Result<Self, ShapeError> {
        let is_error = match (object.get("result"), object.get("error")) {
            (Some(_), None) => false,
            (None, Some(error)) => {
                let valid = error.as_object().is_some_and(|e| {
                    e.get("code").is_some_and(|c| c.is_i64())
                        && e.get("message").is_some_and(Value::is_string)
                });
                if !valid {
                    return Err(ShapeError::InvalidErrorObject);
                }
                true
            }
            (Some(_), Some(_)) => return Err(ShapeError::ResultAndError),
            (None, None) => return Err(ShapeError::NoResultOrError),
        };
        let id = match object.get("id") {
            None => return Err(ShapeError::MissingId),
            // JSON-RPC: null only when the request id could not be read.
            Some(Value::Null) if is_error => None,
            Some(id) => Some(Id::try_from(id.clone())?),
        };
        Ok(Self::Response { id, is_error })
    }
}

// === impl Envelope ===

impl Envelope {
    /// Classifies a parsed value.
    ///
    /// Rules: an array is a [`ShapeError::Batch`]; anything else that is not
    /// an object is [`ShapeError::NotAnObject`]; no protocol-level object may
    /// have ambiguous keys ([`ShapeError::AmbiguousKeys`]); `"jsonrpc"` must
    /// be exactly `"2.0"`. With a `"method"` (a string that is not an
    /// ambiguous method name, and no `"result"`/`"error"`):
    /// `"params"`, if present, is an object or array; an `"id"` makes it a
    /// request and must be a valid [`Id`], no `"id"` makes it a
    /// notification. Without a `"method"` it is a response: exactly one of
    /// `"result"`/`"error"` (a well-formed error object), and an `"id"` that
    /// is a valid [`Id`], or `null` in an error response. Other members are
    /// ignored.
    ///
    /// # Errors
    /// The first rule broken, as a [`ShapeError`].
    pub fn from_value(value: Value) -> Result<Self, ShapeError> {
        let message = match &value {
            Value::Object(object) if folding::tree_is_ambiguous(object) => {
                return Err(ShapeError::AmbiguousKeys);
            }
            Value::Object(object) => Message::classify(object)?,
            Value::Array(_) => return Err(ShapeError::Batch),
            _ => return Err(ShapeError::NotAnObject),
        };
        Ok(Self { message, value })
    }

    /// [`parse_strict`] then [`Envelope::from_value`].
    ///
    /// # Errors
    /// [`Error::Parse`] (code -32700) or [`Error::Shape`] (code -32600).
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, Error> {
        Ok(Self::from_value(parse_strict(bytes, limits)?)?)
    }

    /// The message's classification.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The method, for requests and notifications.
    pub fn method(&self) -> Option<&str> {
        self.message.method()
    }

    /// The id, for requests and responses with a non-null id.
    pub fn id(&self) -> Option<&Id> {
        self.message.id()
    }

    /// `params`, if present (always an object or an array).
    pub fn params(&self) -> Option<&Value> {
        self.value.get("params")
    }

    /// Mutable `params`, for rewriting before forwarding. Keep it an object
    /// or an array: the envelope does not re-check.
    pub fn params_mut(&mut self) -> Option<&mut Value> {
        self.value.get_mut("params")
    }

    /// `result`, for success responses.
    pub fn result(&self) -> Option<&Value> {
        self.value.get("result")
    }

    /// Mutable `result`, for rewriting before relaying.
    pub fn result_mut(&mut self) -> Option<&mut Value> {
        self.value.get_mut("result")
    }

    /// `error`, for error responses.
    pub fn error(&self) -> Option<&Value> {
        self.value.get("error")
    }

    /// The whole message.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Unwraps the whole message, e.g. to serialize it after rewriting.
    pub fn into_value(self) -> Value {
        self.value
    }
}
