//! Talking to upstream MCP servers: the pooled HTTP(S) client, request and
//! response header hygiene, and credential injection.
//!
//! Invariant: the client's `Authorization` header never leaves the gateway;
//! the upstream sees only the credential configured for its route.

pub mod client;

pub mod headers;

pub use client::{HttpClient, build_client};
