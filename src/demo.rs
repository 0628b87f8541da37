//! The bundled demo: an example MCP server that `taskgate demo` puts behind
//! the gateway, and that load tests use as the fast upstream.
//!
//! [`upstream`] is deliberately weak at task isolation (sequential task ids,
//! one global task table, no owner checks); it is the kind of server taskgate
//! exists to protect, so the demo can show the difference with and without the
//! gateway in front. [`run`] is `taskgate demo`; [`script`] is the scenario
//! `taskgate demo --script` plays against the pair, proving that difference.

pub mod upstream;

pub mod run;

pub mod script;
