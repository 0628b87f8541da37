//! Wiring: builds the shared state from a validated [`Config`], binds the
//! listeners, and owns shutdown ordering.
//!
//! The MCP listener is served thread-per-core ([`workers`]): the shared
//! state (gateway, authenticator, handle codec, connection limit) is one
//! `Arc` for all serving threads, while each thread has its own listener and
//! its own upstream client. The admin listener, and whatever the
//! authenticator runs (JWKS fetches), stay on the caller's runtime.
//!
//! Shutdown order: readiness flips to failing and the listeners stop
//! accepting (one cancellation), streaming responses end at their next event
//! boundary, in-flight requests get `limits.shutdown_grace` to finish, and
//! [`Running::wait`] reports whether the drain completed in time.

mod reload;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::admin::{AdminService, Revoker};
use crate::auth::Authenticator;
use crate::config::Config;
use crate::gateway::outcome::{OutcomeSink, TracingSink};
use crate::gateway::{Gateway, GatewayService, Runtime, Settings, settings};
use crate::handle::HandleCodec;
use crate::proxy::{HttpClient, UpstreamClient, client_with, tls_config};
use crate::server::service::HandlerService;
use crate::server::{self, tls, workers};
use crate::shutdown::Shutdown;
use crate::tasks::{Clock, Creations};

/// A started gateway.
pub struct Running {
    /// Bound address of the MCP listener.
    pub addr: SocketAddr,
    /// Bound address of the admin listener, when configured.
    pub admin_addr: Option<SocketAddr>,
    shutdown: Shutdown,
    servers: Vec<JoinHandle<anyhow::Result<bool>>>,
    gateway: Arc<Gateway>,
    /// Fetches JWKS for the authenticators reloads build.
    http: HttpClient,
}

impl Running {
    /// Starts shutdown (idempotent).
    pub fn shutdown(&self) {
        self.shutdown.trigger();
    }

    /// A handle to the shutdown signal (e.g. for a test to trigger later).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Applies `config`'s settings to every request that starts from now on
    /// (see [`reload::settings`] for what a reload changes and what only a
    /// restart does). Requests in flight finish under the settings they
    /// started with; task records, sessions and revocations are kept.
    ///
    /// # Errors
    /// When the new authenticator cannot load its keys or the handle keys
    /// are unusable; the running settings then stay as they were.
    pub async fn reload(&self, config: &Config) -> anyhow::Result<()> {
        let settings = reload::settings(config, &self.gateway, &self.http).await?;
        self.gateway.settings().swap(settings);
        tracing::info!(routes = config.routes.len(), "settings reloaded");
        Ok(())
    }

    /// Waits for the listeners to finish draining.
    ///
    /// # Errors
    /// When a listener task failed or connections outlived the grace period.
    pub async fn wait(self) -> anyhow::Result<()> {
        let mut drained = true;
        for s in self.servers {
            drained &= s.await.context("listener task failed")??;
        }
        anyhow::ensure!(
            drained,
            "connections were still open when the shutdown grace period ran out"
        );
        Ok(())
    }
}

/// Binds the listeners and starts serving.
///
/// # Errors
/// When a listener cannot be bound, TLS files are unusable, or the
/// authenticator cannot load its keys.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    start_with(config, Observers::default()).await
}

/// What an embedder (or a test) may attach to a gateway it starts.
#[derive(Clone, Default)]
pub struct Observers {
    /// Where finished requests go; [`TracingSink`] when `None`.
    pub outcomes: Option<Arc<dyn OutcomeSink>>,
}

/// [`start`], with `observers` attached.
///
/// # Errors
/// As [`start`].
pub async fn start_with(config: Config, observers: Observers) -> anyhow::Result<Running> {
    let upstream_tls =
        tls_config(config.upstream_ca_bundle.as_deref()).context("building the upstream client")?;
    let client = client_with(upstream_tls.clone());
    let tls = match &config.tls {
        Some(files) => Some(
            tls::acceptor(files)
                .map_err(anyhow::Error::msg)
                .context("listener TLS")?,
        ),
        None => None,
    };
    let shutdown = Shutdown::new();
    let workers = config.workers.unwrap_or_else(workers::default_count).max(1);
    let (listeners, addr) = workers::bind(config.listen, workers)
        .with_context(|| format!("binding {}", config.listen))?;
    // Audiences name the public URL, which names the bound port.
    let auth_config = settings::bound(&config, addr).auth;
    let auth = Authenticator::new(auth_config, client.clone())
        .await
        .context("loading token verification keys")?;
    let admin_listener = match config.admin {
        Some(a) => Some(
            TcpListener::bind(a)
                .await
                .with_context(|| format!("binding admin {a}"))?,
        ),
        None => None,
    };
    let admin_addr = admin_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    let codec = Arc::new(HandleCodec::new(reload::key_ring(&config)?));
    let runtime = Runtime {
        store: reload::memory_store(&config, &shutdown),
        creations: Creations::default(),
        clock: Clock::system(),
        shutdown: shutdown.clone(),
        bound: addr,
        outcomes: observers.outcomes.unwrap_or_else(|| Arc::new(TracingSink)),
    };
    let settings = Settings::new(&config, &runtime, Arc::new(auth), codec);
    let gateway = Arc::new(Gateway::new(settings, runtime));
    let revoker = config
        .admin_token
        .clone()
        .map(|token| Arc::new(Revoker::new(gateway.clone(), token)));
    let limits = config.limits.clone();
    // Each serving thread forwards through a client (and pool) of its own.
    let services = listeners
        .into_iter()
        .map(|l| {
            let client = UpstreamClient::new(client_with(upstream_tls.clone()));
            (
                l,
                HandlerService(GatewayService::new(gateway.clone(), client)),
            )
        })
        .collect();
    let shared = workers::Shared {
        tls,
        shutdown: shutdown.clone(),
        permits: Arc::new(Semaphore::new(limits.max_connections)),
        grace: limits.shutdown_grace,
    };
    let mut servers = workers::spawn(services, &shared).context("starting serving threads")?;
    if let Some(l) = admin_listener {
        let serve = server::serve(
            l,
            None,
            HandlerService(AdminService::new(shutdown.clone(), revoker)),
            shutdown.clone(),
            Arc::new(Semaphore::new(64)),
            limits.shutdown_grace,
        );
        servers.push(tokio::spawn(async move { Ok(serve.await) }));
    }
    tracing::info!(%addr, admin = ?admin_addr, routes = config.routes.len(), workers, "taskgate listening");
    Ok(Running {
        addr,
        admin_addr,
        shutdown,
        servers,
        gateway,
        http: client,
    })
}

/// Runs until `stop` resolves (e.g. [`crate::shutdown::signal`]), then drains.
///
/// # Errors
/// As [`start`] and [`Running::wait`].
pub async fn run(config: Config, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
    let running = start(config).await?;
    stop.await;
    tracing::info!("shutting down: draining connections");
    running.shutdown();
    running.wait().await
}
