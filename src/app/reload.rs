//! Building settings from configuration, at start and on reload, and the
//! runtime parts made once from the first configuration.
//!
//! What a reload changes: routes (paths, upstreams, credentials, task and
//! session switches), limits read per request, allowed origins, token
//! verification (issuer, audiences, JWKS source: fetched anew), claim
//! mapping, task and session policies, and the handle keys when the new
//! configuration names some. What only a restart changes: the listeners
//! and their TLS, the admin listener and its token, serving threads, the
//! upstream CA bundle, connection limits and the shutdown grace.
//!
//! Invariants: a reload never shortens what the store keeps
//! ([`Store::widen_retention`]), so a handle sealed under the old settings
//! keeps the record that backs it; without configured handle keys the
//! running (ephemeral) key stays, so handles already given out keep working.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::gateway::{Gateway, Sessions, Settings, settings};
use crate::handle::{HandleCodec, KeyRing};
use crate::proxy::HttpClient;
use crate::shutdown::Shutdown;
use crate::store::memory::MemoryStore;
use crate::store::{RetentionPolicy, Store};
use crate::tasks::TaskGuard;

/// New settings for `gateway` from `config`.
///
/// # Errors
/// When the authenticator cannot load its keys or the handle keys are
/// unusable.
pub(super) async fn settings(
    config: &Config,
    gateway: &Gateway,
    http: &HttpClient,
) -> anyhow::Result<Settings> {
    let runtime = gateway.runtime();
    let auth_config = settings::bound(config, runtime.bound).auth;
    let auth = Authenticator::new(auth_config, http.clone())
        .await
        .context("loading token verification keys")?;
    let codec = match &config.handle_keys {
        Some(_) => Arc::new(HandleCodec::new(key_ring(config)?)),
        None => gateway.settings().load().codec().clone(),
    };
    runtime.store.widen_retention(retention(config));
    Ok(Settings::new(config, runtime, Arc::new(auth), codec))
}

/// How long the store must keep state for `config`'s task, session and
/// `requestState` policies.
fn retention(config: &Config) -> RetentionPolicy {
    RetentionPolicy {
        max_session_lifetime_secs: Sessions::retention_secs(&config.sessions),
        max_request_state_lifetime_secs: config.request_state.ttl.as_secs().saturating_add(1),
        ..TaskGuard::retention(&config.tasks)
    }
}

/// The in-memory store backing task and session enforcement, keeping state
/// as long as both policies need, swept in the background until shutdown.
pub(super) fn memory_store(config: &Config, shutdown: &Shutdown) -> Arc<dyn Store> {
    let store = Arc::new(MemoryStore::new(retention(config)));
    store
        .clone()
        .spawn_sweeper(Duration::from_secs(5), shutdown.token().clone());
    store
}

/// The configured key ring, or an ephemeral one (with a warning: handles and
/// sessions will not survive a restart, nor work across replicas).
pub(super) fn key_ring(config: &Config) -> anyhow::Result<KeyRing> {
    match &config.handle_keys {
        Some(k) => KeyRing::new(&k.keys, &k.signing).context("handle key ring"),
        None => {
            tracing::warn!(
                "no [handles] keys configured: using an ephemeral key; session handles will not survive \
                 a restart (generate one with `taskgate keys generate`)"
            );
            Ok(KeyRing::ephemeral())
        }
    }
}
