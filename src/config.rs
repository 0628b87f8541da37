//! Configuration: raw serde types from TOML or command-line flags, validated
//! into the domain types the gateway runs on.
//!
//! Two stages (vector/rpxy style): [`raw`] mirrors the file with
//! `deny_unknown_fields`; [`validate`] turns it into [`Config`], gathering
//! *every* problem before failing so `taskgate check` can print them all.
//! Secrets are read from files or environment variables through an injected
//! lookup (tests never touch the process environment) and are never printed.

pub mod duration;
mod handle_keys;
pub mod raw;
mod request_state_policy;
pub mod secret;
mod session_policy;
mod task_policy;
pub mod validate;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use http::Uri;

pub use secret::{EnvLookup, Secret};
pub use validate::{ConfigErrors, from_raw, load_file};

/// The validated configuration. Immutable once built; shared by `Arc`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where MCP clients connect.
    pub listen: SocketAddr,
    /// TLS for the listener, when configured.
    pub tls: Option<TlsFiles>,
    /// Externally visible base URL (scheme://host[:port]) used in resource
    /// metadata and challenges; derived from `listen` when absent.
    pub public_url: String,
    /// Whether `public_url` was derived from `listen` (and so follows the
    /// bound address when `listen` asks for port 0).
    pub public_url_derived: bool,
    /// Admin listener (`/healthz`, `/readyz`, revocation), when configured.
    pub admin: Option<SocketAddr>,
    /// Bearer token for the admin revocation endpoints (off without one).
    pub admin_token: Option<Secret>,
    /// Browser origins allowed on every route, in the form browsers send
    /// (DNS-rebinding defence; answered with CORS headers). Requests without
    /// an `Origin` header are unaffected; see `gateway::origin`.
    pub allowed_origins: Vec<String>,
    /// Serving threads for the MCP listener; `None`: one per core.
    pub workers: Option<usize>,
    /// Size, depth and time limits.
    pub limits: Limits,
    /// Authentication of callers.
    pub auth: crate::auth::AuthConfig,
    /// CA bundle replacing the platform roots for https upstreams and JWKS.
    pub upstream_ca_bundle: Option<PathBuf>,
    /// MCP endpoints, each in front of one upstream.
    pub routes: Vec<RouteConfig>,
    /// Keys sealing gateway handles; `None` means an ephemeral key made at
    /// start (handles then do not survive a restart).
    pub handle_keys: Option<HandleKeys>,
    /// Task lifetime policy.
    pub tasks: TaskPolicy,
    /// Legacy session lifetime policy.
    pub sessions: SessionPolicy,
    /// Current-era `requestState` handle policy.
    pub request_state: RequestStatePolicy,
}

/// The configured handle key ring (secrets decoded, not yet derived).
#[derive(Clone)]
pub struct HandleKeys {
    /// `(kid, 32-byte secret)` pairs.
    pub keys: Vec<(String, Vec<u8>)>,
    /// The kid that seals new handles.
    pub signing: String,
}

impl std::fmt::Debug for HandleKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(k, _)| k.as_str()).collect();
        write!(
            f,
            "HandleKeys(signing={}, kids={kids:?}, secrets redacted)",
            self.signing
        )
    }
}

impl Config {
    /// Points a derived public URL (and the resource URIs and audiences
    /// derived from it) at the address actually bound, which differs from
    /// `listen` when that asked for port 0.
    pub fn rebase_public_url(&mut self, bound: SocketAddr) {
        if !self.public_url_derived || bound == self.listen {
            return;
        }
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let old = std::mem::replace(&mut self.public_url, format!("{scheme}://{bound}"));
        let rebase = |s: &mut String, new: &str| {
            if let Some(rest) = s.strip_prefix(&old) {
                *s = format!("{new}{rest}");
            }
        };
        let new = self.public_url.clone();
        for r in &mut self.routes {
            rebase(&mut r.resource, &new);
        }
        for a in &mut self.auth.audiences {
            rebase(a, &new);
        }
    }
}

/// Certificate chain and private key (PEM files) for the listener.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Limits that bound every request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted JSON-RPC request body.
    pub max_body_bytes: usize,
    /// Deepest accepted JSON nesting.
    pub max_json_depth: usize,
    /// Largest single SSE event relayed from an upstream.
    pub max_sse_event_bytes: usize,
    /// Largest upstream answer read whole: a JSON message, or a body of
    /// another media type answering a task request.
    pub max_json_answer_bytes: usize,
    /// Longest wait for an upstream's response headers.
    pub upstream_timeout: Duration,
    /// Longest time in-flight requests get to finish at shutdown.
    pub shutdown_grace: Duration,
    /// Most concurrent client connections.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_json_depth: 64,
            max_sse_event_bytes: 16 * 1024 * 1024,
            max_json_answer_bytes: 16 * 1024 * 1024,
            upstream_timeout: Duration::from_secs(300),
            shutdown_grace: Duration::from_secs(10),
            max_connections: 10_000,
        }
    }
}

/// How long tasks and their handles live, and how many may be live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskPolicy {
    /// Cap on the TTL a client requests and an upstream grants; an unlimited
    /// (`null`) upstream TTL becomes this. Also the longest any handle lives.
    pub max_ttl: Duration,
    /// How long a terminal task's handle keeps working after the gateway
    /// first saw the terminal state.
    pub result_retention: Duration,
    /// Most live tasks per identity (`None`: unlimited).
    pub max_live_per_principal: Option<u32>,
    /// Most live tasks per tenant (`None`: unlimited).
    pub max_live_per_tenant: Option<u32>,
}

impl Default for TaskPolicy {
    fn default() -> Self {
        TaskPolicy {
            max_ttl: Duration::from_secs(3600),
            result_retention: Duration::from_secs(600),
            max_live_per_principal: None,
            max_live_per_tenant: None,
        }
    }
}

/// How long a legacy session (an `Mcp-Session-Id` sealed into a session
/// handle) lives through the gateway, whatever the upstream keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// The longest a session lives from the `initialize` that opened it,
    /// however busy; sealed into its handle.
    pub max_lifetime: Duration,
    /// A session no request has used for this long ends.
    pub idle_timeout: Duration,
}

impl Default for SessionPolicy {
    /// 24 h absolute, 1 h idle: a working day's agent conversation keeps its
    /// session (a client re-initializes on the `404` anyway), a leaked handle
    /// stays useful for at most a day and an abandoned one for an hour (the
    /// idle time the demo upstream keeps sessions for). Revocations are kept
    /// at least as long as the absolute lifetime, so it bounds that state too.
    fn default() -> Self {
        SessionPolicy {
            max_lifetime: Duration::from_secs(24 * 3600),
            idle_timeout: Duration::from_secs(3600),
        }
    }
}

/// How long a current-era `requestState` sealed into a handle stays usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestStatePolicy {
    /// From the answer that carried the state to the last retry that may
    /// present it; sealed into the handle.
    pub ttl: Duration,
}

impl RequestStatePolicy {
    /// The longest `ttl` accepted: a `requestState` is the state of one
    /// call between two round trips, not a durable capability.
    pub const MAX_TTL: Duration = Duration::from_secs(3600);
}

impl Default for RequestStatePolicy {
    /// 5 minutes: long enough for a person to answer an elicitation, short
    /// enough that a leaked or logged state is soon worthless.
    fn default() -> Self {
        RequestStatePolicy {
            ttl: Duration::from_secs(300),
        }
    }
}

/// One MCP endpoint of the gateway and the upstream behind it.
#[derive(Debug, Clone)]
pub struct RouteConfig {
    /// Stable route name (defaults to the path); part of every binding.
    pub name: String,
    /// Path clients POST/GET/DELETE on, e.g. `/mcp`.
    pub path: String,
    /// Upstream MCP endpoint URL.
    pub upstream: Uri,
    /// Credential the gateway presents upstream instead of the client's token.
    pub credential: Option<crate::proxy::Credential>,
    /// Scopes every caller must hold on this route.
    pub required_scopes: Vec<String>,
    /// Bound claims a token may lack on this route (single-tenant
    /// deployments); every other claim the mapping reads is required.
    pub optional_claims: Vec<crate::auth::BoundClaim>,
    /// Canonical resource URI (RFC 8707 / RFC 9728) of this route.
    pub resource: String,
    /// Whether tasks may run on this route; when false, task capabilities
    /// are removed from what either side declares.
    pub tasks: bool,
    /// How the upstream words an unknown task, so a refusal reads the same.
    pub unknown_task_wording: crate::mcp::UnknownTaskWording,
    /// Browser origins allowed on this route besides the listener's, in the
    /// form browsers send (answered with CORS headers).
    pub allowed_origins: Vec<String>,
}
