//! Upstream targets: where a route's MCP server is, and how one exchange of
//! JSON-RPC messages with it is carried.
//!
//! The pipeline speaks to a [`Target`] in MCP terms — post a message, open
//! the server's stream, end the session ([`Outgoing`]) — and gets back the
//! server's answer classified the same way for every transport
//! ([`Answer`]): one JSON-RPC message, a stream of them (SSE), nothing, or
//! a body that is not a message. Session and era handling, the task rules
//! and the message hook work on those, never on a transport's own framing.
//!
//! Targets today: [`Target::Http`] (HTTP and HTTPS, streamable-HTTP
//! transport). A stdio child process and the gateway-hosted task shim are
//! further variants of the same enum.
//!
//! Invariants (every target): the client's credentials never reach the
//! upstream (only the route's own); the upstream's status reaches the
//! client unchanged; a JSON answer is read whole but never past its limit,
//! unless it was asked for as JSON lines; a stream is never buffered whole.

mod http;

use std::time::Duration;

use ::http::{HeaderMap, Method, StatusCode, Uri};
use bytes::Bytes;

use crate::proxy::headers::Credential;
use crate::proxy::{UpstreamBody, UpstreamClient};

pub use self::http::HttpTarget;

/// Where a route's upstream is.
#[derive(Debug, Clone)]
pub enum Target {
    /// An MCP server over streamable HTTP (`http://` or `https://`).
    Http(HttpTarget),
}

impl Target {
    /// An HTTP(S) upstream at `uri`, sent `credential` instead of the
    /// client's.
    pub fn http(uri: Uri, credential: Option<Credential>) -> Target {
        Target::Http(HttpTarget::new(uri, credential))
    }

    /// Carries one exchange to the upstream and waits for its answer's head.
    ///
    /// # Errors
    /// [`Failure`]: no answer, or an answer that cannot be used.
    pub fn send<'a>(
        &'a self,
        client: &'a UpstreamClient,
        outgoing: Outgoing,
        limits: TargetLimits,
    ) -> impl std::future::Future<Output = Result<Reply, Failure>> + Send + 'a {
        match self {
            Target::Http(http) => http.send(client, outgoing, limits),
        }
    }
}

/// What the gateway asks of an upstream.
#[derive(Debug)]
pub enum Sent {
    /// A JSON-RPC message (request, notification or response), as bytes
    /// already validated and rewritten.
    Message(Bytes),
    /// Open the server's message stream (legacy GET).
    OpenStream,
    /// End the session (legacy DELETE).
    EndSession,
}

impl Sent {
    /// The exchange an HTTP method asks for (`None`: not an MCP one).
    pub fn of_method(method: &Method, body: Bytes) -> Option<Sent> {
        match *method {
            Method::POST => Some(Sent::Message(body)),
            Method::GET => Some(Sent::OpenStream),
            Method::DELETE => Some(Sent::EndSession),
            _ => None,
        }
    }
}

/// One exchange to carry: what is sent, with the MCP metadata that travels
/// beside it (session id, protocol version, `Mcp-*` headers, `Accept`,
/// `Last-Event-ID`; the client's credentials are removed by the target).
#[derive(Debug)]
pub struct Outgoing {
    /// What is sent.
    pub sent: Sent,
    /// The metadata (HTTP headers for an HTTP target).
    pub metadata: HeaderMap,
    /// The client's query string, carried when the target has none.
    pub query: Option<String>,
}

/// Limits a target applies to answers.
#[derive(Debug, Clone, Copy)]
pub struct TargetLimits {
    /// Longest wait for an answer's head.
    pub answer_timeout: Duration,
    /// Largest single JSON answer read whole.
    pub max_answer_bytes: usize,
    /// A JSON answer is a stream of JSON lines, relayed as it comes
    /// ([`Answer::Lines`]): set for a `subscriptions/listen`, whose
    /// `application/json` answer may never end.
    pub json_lines: bool,
}

/// The upstream's answer, classified.
#[derive(Debug)]
pub struct Reply {
    /// Status as the upstream sent it.
    pub status: StatusCode,
    /// Metadata as the upstream sent it, hop-by-hop and upstream-only
    /// headers removed.
    pub metadata: HeaderMap,
    /// The answer.
    pub answer: Answer,
}

/// What an upstream answered with.
pub enum Answer {
    /// One JSON-RPC message, read whole.
    Message(Bytes),
    /// A stream of messages (SSE), to relay as it comes.
    Stream(UpstreamBody),
    /// A stream of messages one per line (`application/json` answering a
    /// request sent with [`TargetLimits::json_lines`]), to relay as it
    /// comes.
    Lines(UpstreamBody),
    /// A body that is not a message (another media type, or none), unread.
    Opaque(UpstreamBody),
}

impl std::fmt::Debug for Answer {
    // Never the bytes: answers carry upstream ids.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Message(b) => write!(f, "Message({} bytes)", b.len()),
            Answer::Stream(_) => f.write_str("Stream"),
            Answer::Lines(_) => f.write_str("Lines"),
            Answer::Opaque(_) => f.write_str("Opaque"),
        }
    }
}

/// Why an exchange produced no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The upstream could not be reached or failed before answering.
    #[error("upstream unavailable")]
    Unavailable,
    /// No answer head within the limit.
    #[error("upstream timed out")]
    Timeout,
    /// A JSON answer over its limit or whose body failed.
    #[error("upstream answer unusable")]
    Unusable,
}
