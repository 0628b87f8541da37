//! Shared integration-test support: a test issuer, a scripted upstream that
//! records what it receives, the gateway booted in-process, and a client.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod attack;
pub mod attack_current;
pub mod client;
pub mod current_upstream;
pub mod dual_upstream;
pub mod gateway;
pub mod issuer;
pub mod outcomes;
pub mod tasks_upstream;
pub mod upstream;
