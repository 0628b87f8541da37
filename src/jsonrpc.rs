//! Strict JSON-RPC parsing and the message model.
//!
//! Where it sits: the `jsonrpc` decode step of the request flow validates
//! each client body with [`Summary::skim`], which applies every rule below
//! without building a tree and keeps only what the gateway's fast path reads
//! (method, id, the `params` members that decide era, header agreement and
//! task handling); a phase that must rewrite the message parses it into a
//! [`Value`] with [`parse_strict`] (or an [`Envelope`]). Both accept and
//! refuse exactly the same bodies with the same errors. The relay uses the
//! same parser on upstream messages.
//!
//! Invariants:
//! - The gateway and the upstream must read the same message, or the gateway
//!   could authorize one `taskId` while the upstream acts on another. So
//!   [`parse_strict`] refuses everything that JSON parsers disagree on:
//!   duplicate object keys (at any depth), trailing data, invalid UTF-8 and
//!   lone surrogate escapes; and [`Envelope::from_value`] refuses ambiguous
//!   shapes (a `method` next to a `result`, both `result` and `error`,
//!   non-integer ids).
//! - Decoders that match names loosely must not read a member or a method
//!   the gateway did not check: [`Envelope::from_value`] (and the skim)
//!   refuse protocol-level objects whose keys collide under case folding or
//!   imitate a governed member name, and method names that only imitate a
//!   known method (see the `folding` module for the exact rule).
//! - Nesting is bounded by [`Limits::max_depth`] before recursing, so no input
//!   can overflow the stack.
//! - Batches (JSON arrays) are refused: no supported protocol version needs
//!   them, and checking each element is more surface than it is worth.

mod folding;
mod keys;
mod message;
mod skim;
mod strict;

pub use message::{Envelope, Id, Message, ShapeError};
pub use skim::{Field, Summary};
pub use strict::{DEPTH_CEILING, ParseError, parse_strict};

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::mcp::code;

/// The only `"jsonrpc"` member value accepted and emitted.
pub const VERSION: &str = "2.0";

/// Parse limits. Body size is limited before parsing, by the body reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and objects accepted (`[]` is depth 1).
    /// Values above [`DEPTH_CEILING`] act as [`DEPTH_CEILING`].
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 64 }
    }
}

/// Why a body is not an acceptable JSON-RPC message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not strict JSON (JSON-RPC "Parse error").
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// JSON, but not an acceptable JSON-RPC message ("Invalid Request").
    #[error(transparent)]
    Shape(#[from] ShapeError),
}

impl Error {
    /// The JSON-RPC error code to answer with: `-32700` for parse errors,
    /// `-32600` for shape errors.
    pub fn code(&self) -> i64 {
        match self {
            Self::Parse(_) => code::PARSE_ERROR,
            Self::Shape(_) => code::INVALID_REQUEST,
        }
    }

    /// Whether the body was a batch (a JSON array).
    pub fn is_batch(&self) -> bool {
        matches!(self, Self::Shape(ShapeError::Batch))
    }
}

/// Builds `{"jsonrpc":"2.0","id":<id or null>,"error":{"code","message","data"?}}`.
///
/// `id` is `None` when the request id is unknown (unparseable body), which
/// JSON-RPC answers with `"id": null`.
pub fn error_object(id: Option<&Id>, code: i64, message: &str, data: Option<Value>) -> Value {
    let mut error = Map::new();
    error.insert("code".to_owned(), code.into());
    error.insert("message".to_owned(), message.into());
    if let Some(data) = data {
        error.insert("data".to_owned(), data);
    }
    let mut object = Map::new();
    object.insert("jsonrpc".to_owned(), VERSION.into());
    object.insert(
        "id".to_owned(),
        id.map_or(Value::Null, |id| id.as_value().clone()),
    );
    object.insert("error".to_owned(), Value::Object(error));
    Value::Object(object)
}

/// Serializes a value to compact JSON bytes.
pub fn to_bytes(value: &Value) -> Bytes {
    // invariant: serializing a `Value` (string keys only) into a `Vec` cannot
    // fail, so the empty fallback is unreachable.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod folding_tests;
#[cfg(test)]
mod skim_tests;
#[cfg(test)]
mod strict_tests;
#[cfg(test)]
mod tests;
