//! Gateway integration tests: the real gateway in-process on loopback in front
//! of a scripted upstream that records what it receives.

#[path = "../support/mod.rs"]
mod support;

mod authn;
mod bad_input;
mod lifecycle;
mod proxy_current;
mod proxy_legacy;
