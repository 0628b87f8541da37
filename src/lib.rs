//! taskgate: a transparent MCP reverse proxy that turns task handles into
//! identity-bound, gateway-governed capabilities.
//!
//! # Layout
//!
//! | module | owns |
//! | --- | --- |
//! | `cli` | the binary's command line (`serve`, `check`, `keys`, `dev-issuer`, `demo`) and exit codes; not a library API (hidden) |
//! | [`config`] | raw TOML/flags → validated [`config::Config`]; every error reported at once |
//! | [`app`] | wiring: runtime and settings, listeners, admin server, reload, shutdown ordering |
//! | [`server`] | accept loop (TCP + optional rustls), per-connection hyper serve, draining; thread-per-core serving threads with `SO_REUSEPORT` listeners |
//! | [`admin`] | the separate admin listener: `/healthz`, `/readyz`, `/revoke` |
//! | [`gateway`] | the request pipeline: admission (route → authenticate → session → validate → tasks) → [`gateway::Permitted`] → relay; the outcome place; settings and runtime |
//! | [`target`] | upstream targets (HTTP(S) today): one exchange of MCP messages, the answer classified |
//! | [`handle`] | sealed, identity-bound gateway handles (task ids, session ids, cursors); the key ring |
//! | [`auth`] | bearer JWT verification, JWKS, verified-token cache, claim mapping to [`auth::Principal`] |
//! | [`jsonrpc`] | strict JSON-RPC message parsing (size, depth, duplicate keys) and the message model |
//! | [`mcp`] | MCP protocol facts: header names, methods and their kinds, error codes, era detection, header checks |
//! | [`proxy`] | upstream HTTP clients (a connection pool per serving thread; the shared TLS client), header hygiene, credential injection |
//! | [`rewrite`] | every place a task id can appear (both eras, as data) and the one walker that rewrites them |
//! | [`tasks`] | task handles on the wire: verify and resolve on the way in, seal, admit, filter and cap TTLs on the way out |
//! | [`store`] | shared gateway state (revocations, terminal tracking, task index, caps, lockout counters); in-memory backend |
//! | [`sse`] | incremental Server-Sent Events parser/encoder and the event-by-event relay body |
//! | [`body`] | the body type every response uses, bounded body collection |
//! | [`error`] | [`error::GatewayError`] and its single mapping to HTTP + JSON-RPC |
//! | [`shutdown`] | signal handling, cancellation and task tracking |
//! | [`telemetry`] | tracing subscriber setup; logs never carry tokens |
//! | [`devtoken`] | a local development token issuer (signing key, JWKS, token minting) |
//!
//! The bundled example MCP server and the scripted demo are not part of this
//! library: they are the workspace crate `taskgate-demo`
//! (`crates/taskgate-demo`), which `cli` drives for `taskgate demo`.

#![warn(unreachable_pub)]

pub mod admin;
pub mod app;
pub mod auth;
pub mod body;
#[doc(hidden)]
pub mod cli;
pub mod config;
pub mod devtoken;
pub mod error;
pub mod gateway;
pub mod handle;
pub mod jsonrpc;
pub mod mcp;
pub mod proxy;
pub mod rewrite;
pub mod server;
pub mod shutdown;
pub mod sse;
pub mod store;
pub mod target;
pub mod tasks;
pub mod telemetry;
