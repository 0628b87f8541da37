//! MCP protocol facts the gateway relies on: header names, method names,
//! JSON-RPC error codes, `_meta` keys, and the era of a request.
//!
//! Everything protocol-shaped is named here once, so no other module spells a
//! header or an error code inline. See `shared/docs/mcp-protocol.md` for the
//! sources.
//!
//! | module | owns |
//! | --- | --- |
//! | `era` | [`Era`]: which protocol generation a request speaks |
//! | `headers` | current-era header/body agreement, its error [`headers::Mismatch`], the base64 sentinel |
//! | `sdk_wording` | [`UnknownTaskWording`]: how each official SDK words an unknown task |
//!
//! Nothing here depends on the rest of the gateway: the gateway's modules use
//! these facts, and `error.rs` maps this module's errors to the wire.

pub mod dialect;
pub mod era;

pub mod headers;
pub mod kind;
mod sdk_wording;

pub use era::Era;
pub use kind::MethodKind;
pub use sdk_wording::UnknownTaskWording;

/// HTTP header names (lower case, as `http` stores them).
pub mod header {
    /// Legacy session id, echoed by the client on every request after initialize.
    pub const SESSION_ID: &str = "mcp-session-id";
    /// Negotiated protocol version.
    pub const PROTOCOL_VERSION: &str = "mcp-protocol-version";
    /// Current era: mirrors the JSON-RPC `method`.
    pub const METHOD: &str = "mcp-method";
    /// Current era: mirrors `params.name` / `params.uri` / `params.taskId`.
    pub const NAME: &str = "mcp-name";
    /// Prefix of tool-argument mirror headers that intermediaries must forward.
    pub const PARAM_PREFIX: &str = "mcp-param-";
    /// SSE resumption (legacy).
    pub const LAST_EVENT_ID: &str = "last-event-id";
}

/// JSON-RPC method names.
pub mod method {
    /// Legacy handshake.
    pub const INITIALIZE: &str = "initialize";
    /// Current-era discovery.
    pub const SERVER_DISCOVER: &str = "server/discover";
    /// Tool invocation, the only task-augmentable client request.
    pub const TOOLS_CALL: &str = "tools/call";
    /// Prompt fetch (`Mcp-Name` = `params.name`).
    pub const PROMPTS_GET: &str = "prompts/get";
    /// Resource read (`Mcp-Name` = `params.uri`).
    pub const RESOURCES_READ: &str = "resources/read";
    /// Task poll (both eras).
    pub const TASKS_GET: &str = "tasks/get";
    /// Legacy blocking result fetch.
    pub const TASKS_RESULT: &str = "tasks/result";
    /// Legacy listing.
    pub const TASKS_LIST: &str = "tasks/list";
    /// Cancel (both eras).
    pub const TASKS_CANCEL: &str = "tasks/cancel";
    /// Current-era input answer.
    pub const TASKS_UPDATE: &str = "tasks/update";
    /// Current-era subscription stream.
    pub const SUBSCRIPTIONS_LISTEN: &str = "subscriptions/listen";
    /// Legacy task status notification (either direction).
    pub const NOTIFY_TASKS_STATUS: &str = "notifications/tasks/status";
    /// Current-era task status notification on the listen stream.
    pub const NOTIFY_TASKS: &str = "notifications/tasks";
    /// Current-era listen acknowledgement.
    pub const NOTIFY_SUBSCRIPTIONS_ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";

    /// Every method of every protocol version the gateway knows, in both
    /// directions. A client method that is not one of these exactly but
    /// normalizes to one is refused (`jsonrpc::folding`): an upstream that
    /// matches methods loosely would dispatch it as the known method while
    /// the gateway's task rules, which match exactly, passed it by.
    pub const KNOWN: &[&str] = &[
        INITIALIZE,
        "ping",
        SERVER_DISCOVER,
        "tools/list",
        TOOLS_CALL,
        "prompts/list",
        PROMPTS_GET,
        "resources/list",
        "resources/templates/list",
        RESOURCES_READ,
        "resources/subscribe",
        "resources/unsubscribe",
        "completion/complete",
        "logging/setLevel",
        TASKS_GET,
        TASKS_RESULT,
        TASKS_LIST,
        TASKS_CANCEL,
        TASKS_UPDATE,
        SUBSCRIPTIONS_LISTEN,
        "sampling/createMessage",
        "elicitation/create",
        "roots/list",
        "notifications/initialized",
        "notifications/cancelled",
        "notifications/progress",
        "notifications/message",
        "notifications/roots/list_changed",
        "notifications/tools/list_changed",
        "notifications/prompts/list_changed",
        "notifications/resources/list_changed",
        "notifications/resources/updated",
        "notifications/elicitation/complete",
        NOTIFY_TASKS_STATUS,
        NOTIFY_TASKS,
        NOTIFY_SUBSCRIPTIONS_ACKNOWLEDGED,
    ];
}

/// JSON-RPC error codes (`mcp-protocol.md` §6).
pub mod code {
    /// Invalid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// Not a valid JSON-RPC request (also: batches, oversize, bad shape).
    pub const INVALID_REQUEST: i64 = -32600;
    /// Unknown method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid params, including unknown or expired task ids.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Unknown or expired legacy session (implementation-defined range; the
    /// code the official TypeScript SDK server sends with its `404`).
    pub const SESSION_NOT_FOUND: i64 = -32001;
    /// Current era: a mirrored header disagrees with the body (HTTP 400).
    pub const HEADER_MISMATCH: i64 = -32020;
    /// Current era: a required client capability is missing (HTTP 400).
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    /// Current era: unsupported protocol version (HTTP 400).
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

/// `_meta` keys.
pub mod meta {
    /// Current era: per-request protocol version.
    pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    /// Current era: per-request client capabilities.
    pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    /// Legacy related-task metadata.
    pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
    /// Current era (draft): related task ids on requests.
    pub const RELATED_TASK_IDS: &str = "io.modelcontextprotocol/relatedTaskIds";
    /// Current era: subscription id on listen-stream messages.
    pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
    /// The tasks extension identifier.
    pub const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";
}

/// Protocol versions the gateway knows.
pub mod version {
    /// The first version with Streamable HTTP (and the last with batches).
    pub const V2025_03_26: &str = "2025-03-26";
    /// Batches removed; `MCP-Protocol-Version` header introduced.
    pub const V2025_06_18: &str = "2025-06-18";
    /// Legacy era with experimental core tasks.
    pub const V2025_11_25: &str = "2025-11-25";
    /// Current era: stateless, tasks as an extension.
    pub const V2026_07_28: &str = "2026-07-28";
}
