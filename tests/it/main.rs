//! Gateway integration tests: the real gateway in-process on loopback in front
//! of a scripted upstream that records what it receives.

// Tests panic on broken fixtures by design; the no-panic rule is for the gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod attack_cross_era;
mod attack_current;
mod attack_current_headers;
mod attack_current_listen;
mod attack_edges_auth;
mod attack_edges_tasks;
mod attack_legacy;
mod attack_legacy_list;
mod attack_parser;
mod authn;
mod bad_input;
mod gateway_answers;
mod lifecycle;
mod listen_lines;
mod mediation;
mod origins;
mod outcomes;
mod proxy_current;
mod proxy_legacy;
mod reload;
mod request_state;
mod session_binding;
mod session_lifetime;
mod stateless;
mod task_handles;
