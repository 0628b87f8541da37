//! The request pipeline for MCP endpoints.
//!
//! One request flows through named phases (pingora-style phases rather than
//! a deep tower stack: each phase needs what the previous one produced, and
//! the order *is* the security argument). [`pipeline`] runs them and is the
//! one place that turns a rejection into a response and sees every
//! request's outcome ([`outcome`]).
//!
//! **Admission** ([`admission::admit`] → [`Permitted`] or a rejection):
//! 0. **host** — on a loopback listener, `Host` must name loopback
//!    ([`origin`]);
//! 1. **route** — exact path match; RFC 9728 metadata answered locally,
//!    without auth (readable from every origin);
//! 2. **ambiguity** — a request the upstream could read differently from
//!    the gateway is refused: a token in the query string, a repeated
//!    credential, session id or MCP header, a header name that becomes a
//!    governed one when `_` is read as `-`;
//! 3. **origin** — a browser `Origin` must be allowed on the route
//!    ([`origin`]: listed, or loopback on a loopback listener; DNS
//!    rebinding); an allowed origin's CORS preflight is answered here
//!    ([`cors`]), and every answer to it carries CORS headers;
//! 4. **authenticate** — bearer JWT → [`Principal`](crate::auth::Principal)
//!    with every claim the route binds to (401/403/503 otherwise);
//! 5. **session** — `Mcp-Session-Id` handle → the upstream's session id,
//!    once the session is found live (not expired, idle or revoked);
//! 6. **validate** — POST bodies: media type, size, strict JSON-RPC, era,
//!    current-era header/body agreement;
//! 7. **tasks** — every task handle verified for the caller and resolved
//!    ([`task_phase`], rules in [`crate::tasks`]).
//!
//! **Relay** ([`relay::relay`], only ever given a [`Permitted`]):
//! 8. **forward** — to the route's [`Target`](crate::target::Target) with
//!    the route's credential;
//! 9. **answer** — status and headers cleaned, session id sealed (the
//!    client's own handle back, or a new session opened), every upstream
//!    message through the message hook ([`messages`]): task ids sealed into
//!    handles in JSON bodies and SSE events.
//!
//! Invariant: a request rejected in phases 1–7 never reaches the upstream;
//! [`Permitted`] can only be built at the end of admission.

mod admission;
mod ambiguity;
mod authn;
mod cors;
mod exchange;
mod inbound;
mod messages;
mod origin;
pub mod outcome;
mod pipeline;
mod relay;
pub mod route;
mod service;
mod session;
pub mod settings;
mod task_phase;
mod versions;

pub use admission::Permitted;
pub use inbound::Inbound;
pub use service::GatewayService;
pub use session::Sessions;
pub use settings::{Runtime, Settings, SettingsHandle};
pub use versions::UpstreamVersions;

/// The MCP endpoints' state: the swappable settings and the runtime.
/// Cheap to share behind `Arc`.
pub struct Gateway {
    settings: SettingsHandle,
    runtime: Runtime,
}

impl Gateway {
    /// The gateway serving `settings` over `runtime`.
    pub fn new(settings: Settings, runtime: Runtime) -> Gateway {
        Gateway {
            settings: SettingsHandle::new(settings),
            runtime,
        }
    }

    /// The settings requests load (swap them here to reload).
    pub fn settings(&self) -> &SettingsHandle {
        &self.settings
    }

    /// The runtime the settings are built over.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}
