//! The MCP names the demo speaks, as the spec spells them: HTTP headers,
//! methods, JSON-RPC error codes, `_meta` keys and protocol versions.
//!
//! The demo names them itself instead of borrowing the gateway's `mcp`
//! module: it is an independent peer of the gateway (the example server
//! and the scripted client), and the gateway's tests that drive it check the
//! two spellings agree. Only what the demo uses is here.

/// HTTP header names (lower case).
pub(crate) mod header {
    /// Legacy session id.
    pub(crate) const SESSION_ID: &str = "mcp-session-id";
    /// The request's protocol version.
    pub(crate) const PROTOCOL_VERSION: &str = "mcp-protocol-version";
    /// Current era: mirrors the JSON-RPC `method`.
    pub(crate) const METHOD: &str = "mcp-method";
    /// Current era: mirrors `params.name` (or the task id, the URI).
    pub(crate) const NAME: &str = "mcp-name";
    /// Legacy SSE resumption.
    pub(crate) const LAST_EVENT_ID: &str = "last-event-id";
}

/// JSON-RPC method names, both directions.
pub(crate) mod method {
    pub(crate) const INITIALIZE: &str = "initialize";
    pub(crate) const PING: &str = "ping";
    pub(crate) const SERVER_DISCOVER: &str = "server/discover";
    pub(crate) const TOOLS_LIST: &str = "tools/list";
    pub(crate) const TOOLS_CALL: &str = "tools/call";
    pub(crate) const LOGGING_SET_LEVEL: &str = "logging/setLevel";
    pub(crate) const TASKS_GET: &str = "tasks/get";
    pub(crate) const TASKS_RESULT: &str = "tasks/result";
    pub(crate) const TASKS_LIST: &str = "tasks/list";
    pub(crate) const TASKS_CANCEL: &str = "tasks/cancel";
    pub(crate) const TASKS_UPDATE: &str = "tasks/update";
    /// Server→client.
    pub(crate) const ELICITATION_CREATE: &str = "elicitation/create";
    /// Server→client notifications.
    pub(crate) const PROGRESS: &str = "notifications/progress";
    pub(crate) const MESSAGE: &str = "notifications/message";
    pub(crate) const TASK_STATUS: &str = "notifications/tasks/status";
}

/// JSON-RPC error codes.
pub(crate) mod code {
    pub(crate) const PARSE_ERROR: i64 = -32700;
    pub(crate) const INVALID_REQUEST: i64 = -32600;
    pub(crate) const METHOD_NOT_FOUND: i64 = -32601;
    pub(crate) const INVALID_PARAMS: i64 = -32602;
    pub(crate) const INTERNAL_ERROR: i64 = -32603;
    /// An unknown or ended legacy session (sent with HTTP 404). It sits in
    /// the implementation-defined range and matches what the TypeScript
    /// SDK's server sends, so SDK clients recognise it.
    pub(crate) const SESSION_NOT_FOUND: i64 = -32001;
    /// Current era, each with HTTP 400: a mirrored header disagrees with the
    /// body; a required client capability is missing; an unknown version.
    pub(crate) const HEADER_MISMATCH: i64 = -32020;
    pub(crate) const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    pub(crate) const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

/// `_meta` keys.
pub(crate) mod meta {
    /// Current era: the request's protocol version.
    pub(crate) const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    /// Current era: the request's client capabilities.
    pub(crate) const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    /// Legacy: the task a message belongs to.
    pub(crate) const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
    /// The tasks extension identifier.
    pub(crate) const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";
}

/// Protocol versions: three legacy ones (sessions; core tasks in the last),
/// then the current, stateless one with tasks as an extension.
pub(crate) mod version {
    pub(crate) const V2025_03_26: &str = "2025-03-26";
    pub(crate) const V2025_06_18: &str = "2025-06-18";
    pub(crate) const V2025_11_25: &str = "2025-11-25";
    pub(crate) const V2026_07_28: &str = "2026-07-28";
}
