//! rmcp 3.9.0 interop peers and the tests that need more than the main file:
//! `server` (rmcp upstream), `client` (rmcp client and its task flows),
//! `listen` (`subscriptions/listen` with a scripted upstream), `dual_era`
//! (legacy TS SDK and rmcp clients at once through one gateway).
#![allow(dead_code, unreachable_pub)]

pub mod client;
pub mod server;

mod dual_era;
mod listen;
