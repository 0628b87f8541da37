//! The configuration file as written (TOML), before validation.
//!
//! Every table denies unknown fields so a typo is an error, not a silently
//! ignored setting. The command-line sidecar flags build this same structure,
//! so both paths share one validator.

use std::path::PathBuf;

use serde::Deserialize;

use super::secret::SecretSource;

/// Top level of the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Client-facing listener.
    pub listen: RawListen,
    /// Admin listener.
    #[serde(default)]
    pub admin: Option<RawAdmin>,
    /// Limits.
    #[serde(default)]
    pub limits: RawLimits,
    /// Caller authentication.
    pub auth: RawAuth,
    /// TLS towards upstreams.
    #[serde(default)]
    pub upstream_tls: RawUpstreamTls,
    /// MCP endpoints.
    #[serde(default, rename = "route")]
    pub routes: Vec<RawRoute>,
    /// Handle key ring.
    #[serde(default)]
    pub handles: RawHandles,
    /// Task lifetime policy.
    #[serde(default)]
    pub tasks: RawTasks,
    /// Legacy session lifetime policy.
    #[serde(default)]
    pub sessions: RawSessions,
    /// Current-era `requestState` handles.
    #[serde(default)]
    pub request_state: RawRequestState,
}

/// `[request_state]`: how long a sealed `requestState` (multi-round-trip
/// state) stays usable; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequestState {
    /// Duration text: a `requestState` handle dies this long after the
    /// answer that carried it.
    pub ttl: Option<String>,
}

/// `[sessions]`: how long a legacy `Mcp-Session-Id` session lives through
/// the gateway; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSessions {
    /// Duration text: the longest a session lives from `initialize`, however
    /// busy.
    pub max_lifetime: Option<String>,
    /// Duration text: a session unused this long ends.
    pub idle_timeout: Option<String>,
}

/// `[tasks]`: how long tasks and their handles live; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTasks {
    /// Duration text: cap on the TTL a client requests and an upstream grants.
    pub max_ttl: Option<String>,
    /// Duration text: how long a terminal task's handle keeps working.
    pub result_retention: Option<String>,
    /// Most live tasks per identity.
    pub max_live_per_principal: Option<u32>,
    /// Most live tasks per tenant.
    pub max_live_per_tenant: Option<u32>,
}

/// `[handles]`: the key ring that seals gateway handles.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHandles {
    /// Key id that seals new handles; the others only verify.
    #[serde(default)]
    pub signing_key: Option<String>,
    /// Keys (`taskgate keys generate` makes one).
    #[serde(default, rename = "key")]
    pub keys: Vec<RawHandleKey>,
}

/// `[[handles.key]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHandleKey {
    /// Key id (visible in handles).
    pub kid: String,
    /// base64url of 32 random bytes, from a file or an environment variable.
    pub secret: SecretSource,
}

/// `[listen]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawListen {
    /// `host:port`.
    pub address: String,
    /// Externally visible base URL.
    #[serde(default)]
    pub public_url: Option<String>,
    /// PEM certificate chain.
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// Browser origins allowed on every route (`scheme://host[:port]`).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Serving threads (default: one per core).
    #[serde(default)]
    pub workers: Option<usize>,
}

/// `[admin]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdmin {
    /// `host:port`.
    pub address: String,
    /// Bearer token required by the revocation endpoints; without it they
    /// are off.
    #[serde(default)]
    pub token: Option<SecretSource>,
}

/// `[limits]`; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Bytes.
    pub max_body_bytes: Option<usize>,
    /// Levels.
    pub max_json_depth: Option<usize>,
    /// Bytes.
    pub max_sse_event_bytes: Option<usize>,
    /// Bytes.
    pub max_json_answer_bytes: Option<usize>,
    /// Duration text.
    pub upstream_timeout: Option<String>,
    /// Duration text.
    pub shutdown_grace: Option<String>,
    /// Connections.
    pub max_connections: Option<usize>,
}

/// `[auth]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuth {
    /// Expected `iss`.
    pub issuer: String,
    /// Accepted `aud` values; defaults to every route's resource URI.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// JWKS file.
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// JWKS URL.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// Duration text.
    #[serde(default)]
    pub jwks_refresh: Option<String>,
    /// Duration text.
    #[serde(default)]
    pub jwks_min_refetch: Option<String>,
    /// Allowed algorithms (`RS256`, `ES256`, `EdDSA`, `HS256`, ...).
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Shared secret, required iff `HS256` is allowed.
    #[serde(default)]
    pub hs256_secret: Option<SecretSource>,
    /// Duration text.
    #[serde(default)]
    pub leeway: Option<String>,
    /// Verified-token cache size.
    #[serde(default)]
    pub cache_capacity: Option<usize>,
    /// Claim names.
    #[serde(default)]
    pub claims: RawClaims,
}

/// `[auth.claims]`: dotted claim paths.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClaims {
    /// Tenant claim path; `""` disables tenant mapping.
    pub tenant: Option<String>,
    /// Client claim paths, first present wins.
    pub client: Option<Vec<String>>,
    /// Scope claim paths, first present wins.
    pub scope: Option<Vec<String>>,
}

/// `[upstream_tls]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUpstreamTls {
    /// PEM bundle replacing the platform roots.
    pub ca_bundle: Option<PathBuf>,
}

/// `[[route]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Stable name; defaults to the path.
    #[serde(default)]
    pub name: Option<String>,
    /// Client-facing path.
    pub path: String,
    /// Upstream URL.
    pub upstream: String,
    /// Upstream credential.
    #[serde(default)]
    pub credential: Option<RawCredential>,
    /// Required scopes.
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Bound claims (`tenant`, `client`) a token may lack on this route;
    /// by default every claim the mapping reads is required.
    #[serde(default)]
    pub optional_claims: Vec<String>,
    /// Canonical resource URI; defaults to public_url + path.
    #[serde(default)]
    pub resource: Option<String>,
    /// Whether tasks may run on this route (default true). When false the
    /// gateway removes task capabilities from both sides.
    #[serde(default)]
    pub tasks: Option<bool>,
    /// The upstream SDK's wording of an unknown task (default
    /// `typescript-sdk`; also `python-sdk`, `rust-sdk`).
    #[serde(default)]
    pub unknown_task_wording: Option<crate::mcp::UnknownTaskWording>,
    /// Browser origins allowed on this route besides `[listen]`'s
    /// (`scheme://host[:port]`), answered with CORS headers.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// `credential = { header = "authorization", env = "UPSTREAM_TOKEN" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredential {
    /// Header name (default `authorization`).
    #[serde(default)]
    pub header: Option<String>,
    /// File holding the header value.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// Environment variable holding the header value.
    #[serde(default)]
    pub env: Option<String>,
}
