//! What a request reads, split by how long it lives.
//!
//! - [`Settings`]: everything derived from configuration — the route table,
//!   limits, the origin rules, the authenticator, the task and session rules
//!   with the handle codec they seal with. Replaced as a whole.
//! - [`Runtime`]: what outlives any one set of settings — the store, the
//!   task creations in flight, the clock, the shutdown signal and the
//!   outcome sink. Never replaced while the process runs
//!   (the per-thread upstream connection pools are runtime too; they live
//!   with each serving thread's service).
//!
//! Invariants:
//! - A request loads the settings once, when it arrives, and sees that one
//!   consistent set to its end — its streamed answer included.
//! - Swapping the settings ([`SettingsHandle::swap`]) is one atomic pointer
//!   store: requests already in flight keep the set they loaded, the next
//!   request sees the new one, and nothing in the runtime (task records,
//!   sessions, revocations) is touched.
//! - Settings are built from a validated [`Config`] and the runtime; the
//!   loaded configuration itself is never changed (the address the listener
//!   was bound to is applied to a copy).

use std::net::SocketAddr;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::origin::{Browser, OriginPolicy};
use super::outcome::OutcomeSink;
use super::route::RouteTable;
use super::session::Sessions;
use crate::auth::Authenticator;
use crate::config::{Config, Limits};
use crate::handle::HandleCodec;
use crate::shutdown::Shutdown;
use crate::store::Store;
use crate::tasks::{Clock, Creations, TaskGuard};

/// State that outlives any one set of settings.
#[derive(Clone)]
pub struct Runtime {
    /// Task records, sessions, revocations, caps.
    pub store: Arc<dyn Store>,
    /// Task creations in flight (messages about a new task wait for them).
    pub creations: Creations,
    /// The time every rule reads.
    pub clock: Clock,
    /// Ends streams and listeners.
    pub shutdown: Shutdown,
    /// The address the MCP listener was bound to (a configured port `0`
    /// becomes the real one in the advertised public URL).
    pub bound: SocketAddr,
    /// Where finished requests go (audit, metrics, traces).
    pub outcomes: Arc<dyn OutcomeSink>,
}

/// Everything a request reads that comes from configuration.
pub struct Settings {
    pub(super) routes: RouteTable,
    pub(super) limits: Limits,
    origins: OriginPolicy,
    pub(super) auth: Arc<Authenticator>,
    pub(super) tasks: Arc<TaskGuard>,
    pub(super) sessions: Sessions,
    codec: Arc<HandleCodec>,
    /// The runtime's sink, reachable from every exchange.
    pub(super) outcomes: Arc<dyn OutcomeSink>,
}

impl Settings {
    /// Settings from `config` over `runtime`, authenticating with `auth` and
    /// sealing with `codec` (both built by the caller: the authenticator
    /// loads keys, and an ephemeral codec must outlive a reload).
    pub fn new(
        config: &Config,
        runtime: &Runtime,
        auth: Arc<Authenticator>,
        codec: Arc<HandleCodec>,
    ) -> Settings {
        let config = bound(config, runtime.bound);
        let tasks = Arc::new(
            TaskGuard::new(
                codec.clone(),
                runtime.store.clone(),
                config.tasks,
                runtime.clock,
            )
            .with_creations(runtime.creations.clone())
            .with_request_state(config.request_state),
        );
        Settings {
            routes: RouteTable::new(&config),
            limits: config.limits.clone(),
            origins: OriginPolicy::new(&config, runtime.bound),
            auth,
            tasks,
            sessions: Sessions::new(
                codec.clone(),
                runtime.store.clone(),
                config.sessions,
                runtime.clock,
            ),
            codec,
            outcomes: runtime.outcomes.clone(),
        }
    }

    /// The task rules (the admin revocation endpoint uses them too).
    pub fn tasks(&self) -> &Arc<TaskGuard> {
        &self.tasks
    }

    /// The codec handles are sealed with.
    pub fn codec(&self) -> &Arc<HandleCodec> {
        &self.codec
    }

    /// Every route's name.
    pub fn route_names(&self) -> Vec<String> {
        self.routes.names().map(str::to_owned).collect()
    }

    /// Whether the request's `Host` may be served (checked on a loopback
    /// listener only, see [`super::origin`]).
    pub(super) fn host_allowed(&self, head: &http::request::Parts) -> bool {
        self.origins.host_allowed(head)
    }

    /// What the request may do as a browser's on its route; `None` without
    /// an `Origin`.
    pub(super) fn browser(&self, head: &http::request::Parts) -> Option<Browser> {
        self.origins.judge(&self.routes, head)
    }
}

/// `config` as served from `addr`: the public URL (and what derives from
/// it) names the bound port when the configured one was `0`.
pub fn bound(config: &Config, addr: SocketAddr) -> Config {
    let mut config = config.clone();
    config.rebase_public_url(addr);
    config
}

/// The one place requests load their settings from; cheap to share.
pub struct SettingsHandle(ArcSwap<Settings>);

impl SettingsHandle {
    /// A handle holding `settings`.
    pub fn new(settings: Settings) -> SettingsHandle {
        SettingsHandle(ArcSwap::from_pointee(settings))
    }

    /// The current settings, kept by the caller for as long as it needs them.
    pub fn load(&self) -> Arc<Settings> {
        self.0.load_full()
    }

    /// Replaces the settings for every request that starts from now on.
    pub fn swap(&self, settings: Settings) {
        self.0.store(Arc::new(settings));
    }
}
