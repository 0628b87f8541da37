//! The bundled demo: an example MCP server that `taskgate demo` puts behind
//! the gateway (and that load tests use as the fast upstream), and the
//! scripted scenario `taskgate demo --script` plays against the pair.
//!
//! [`upstream`] is deliberately weak at task isolation (sequential task ids,
//! one global task table, no owner checks); it is the kind of server taskgate
//! exists to protect, so the demo can show the difference with and without the
//! gateway in front. [`script`] is the scenario that proves that difference.
//!
//! # Where the cut is
//!
//! This crate is protocol-level code only: an MCP server and an MCP client
//! over plain HTTP. It does not depend on the `taskgate` package (which
//! depends on it) and knows nothing of the gateway's configuration, tokens
//! or keys. The `taskgate demo` command (`src/cli/demo.rs` in the `taskgate`
//! package) owns the wiring: it starts [`upstream::serve`], the gateway in
//! front of it and a development token issuer, mints the tokens, and hands
//! the script a [`script::Setup`] of URLs, tokens and the server's
//! [`upstream::RequestLog`]. The script reports through the caller's line
//! printer and returns whether every check passed; the command turns that
//! into output and an exit code. Nothing here writes to stdout itself.
//!
//! # Layout
//!
//! | module | owns |
//! | --- | --- |
//! | [`upstream`] | the example MCP server (both protocol eras, sessions, SSE, tasks) |
//! | [`script`] | the two-identity scenario, its HTTP client and its transcript |
//! | `protocol` | the MCP names the demo speaks (headers, methods, codes, versions) |
//! | `body` | the demo's HTTP body type and bounded reading of a peer's body |

#![warn(unreachable_pub)]

mod body;
mod protocol;

pub mod script;
pub mod upstream;
