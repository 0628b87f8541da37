//! Talking to upstream MCP servers: the per-thread upstream client and its
//! connection pool, the shared HTTP(S) client, request and response header
//! hygiene, and credential injection.
//!
//! Invariant: the client's `Authorization` header never leaves the gateway;
//! the upstream sees only the credential configured for its route.

pub mod client;
pub mod headers;
mod pool;
pub mod upstream;

pub use client::{HttpClient, build_client, client_with, tls_config};
pub use headers::Credential;
pub use pool::PooledBody;
pub use upstream::{UpstreamBody, UpstreamClient};
