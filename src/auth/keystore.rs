//! [`KeyStore`]: the current verification key set and how it is kept fresh.
//!
//! A file source is read once at start-up. A URL source is fetched at
//! start-up (failing start when unreachable) and then refreshed lazily on use:
//! - when the set is older than `refresh_interval`, one request refreshes it
//!   (`try_lock`: the others keep verifying with the current keys);
//! - when a token names a `kid` the set lacks, the set is refetched, and
//!   concurrent misses wait for that one fetch instead of starting their own.
//!
//! Invariants: fetches are single-flight (one async mutex) and never more
//! frequent than `min_refetch_interval`, whatever triggers them, so neither a
//! `kid`-spraying attacker nor an IdP outage turns into a request storm; a
//! failed or empty fetch never replaces a working set (log a warning, keep the
//! old keys). No lock is held across an await except the fetch mutex itself.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::{Method, Request, Uri, header};
use jsonwebtoken::Algorithm;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::jwks::{self, VerifyKey};
use super::{Error, JwksSource, Rejection};
use crate::body::{self, read_limited};
use crate::proxy::HttpClient;

/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Deadline for one JWKS fetch (connect, headers and body).
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// A snapshot of the key set; replaced whole, never mutated.
struct KeySet {
    keys: Vec<Arc<VerifyKey>>,
    fetched_at: Instant,
}

/// Remote source settings.
struct Remote {
    url: Uri,
    origin: String,
    refresh_interval: Duration,
    min_refetch_interval: Duration,
    http: HttpClient,
}

/// Bookkeeping guarded by the single-flight fetch mutex.
struct FetchState {
    last_attempt: Instant,
    last_failed: bool,
}

/// The verification keys of the configured issuer.
pub(crate) struct KeyStore {
    current: RwLock<Arc<KeySet>>,
    remote: Option<Remote>,
    fetch: Mutex<FetchState>,
    allowed: Vec<Algorithm>,
}

// === impl KeyStore ===

impl KeyStore {
    /// Loads the initial key set. `require_keys` is false only when every
    /// allowed algorithm is HMAC (the JWKS is then never consulted).
    pub(crate) async fn load(
        source: &JwksSource,
        allowed: &[Algorithm],
        require_keys: bool,
        http: HttpClient,
    ) -> Result<Self, Error> {
        let (keys, origin, remote) = match source {
            JwksSource::File(path) => {
                let origin = path.display().to_string();
                let doc = tokio::fs::read(path)
                    .await
                    .map_err(|source| Error::JwksFile {
                        path: path.clone(),
                        source,
                    })?;
                (parse(&doc, allowed, &origin)?, origin, None)
            }
            JwksSource::Url {
                url,
                refresh_interval,
                min_refetch_interval,
            } => {
                let loopback = matches!(url.host(), Some("localhost" | "127.0.0.1" | "[::1]"));
                if url.scheme_str() != Some("https") && !loopback {
                    // Whoever can alter this response can mint accepted tokens.
                    tracing::warn!(jwks = %origin_of(url), "JWKS URL is not https");
                }
                let remote = Remote {
                    url: url.clone(),
                    origin: origin_of(url),
                    refresh_interval: *refresh_interval,
                    min_refetch_interval: *min_refetch_interval,
                    http,
                };
                let doc = remote.get().await.map_err(|reason| Error::JwksFetch {
                    origin: remote.origin.clone(),
                    reason,
                })?;
                (
                    parse(&doc, allowed, &remote.origin)?,
                    remote.origin.clone(),
                    Some(remote),
                )
            }
        };
        if require_keys && keys.is_empty() {
            return Err(Error::NoUsableKeys { origin });
        }
        tracing::info!(jwks = %origin, keys = keys.len(), "loaded verification keys");
        let now = Instant::now();
        Ok(KeyStore {
            current: RwLock::new(Arc::new(KeySet {
                keys,
                fetched_at: now,
            })),
            remote,
            fetch: Mutex::new(FetchState {
                last_attempt: now,
                last_failed: false,
            }),
            allowed: allowed.to_vec(),
        })
    }

    /// The key for a token with this `kid` and `alg`, refreshing the set as
    /// the module docs describe.
    ///
    /// # Errors
    /// [`Rejection::UnknownKey`] when no key matches even after a permitted
    /// refetch; [`Rejection::KeysUnavailable`] when there are no keys at all,
    /// or the key is unknown and the latest fetch failed (the IdP may have
    /// rotated to a key we could not obtain).
    pub(crate) async fn find(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerifyKey>, Rejection> {
        let Some(remote) = &self.remote else {
            let set = self.snapshot();
            return jwks::select(&set.keys, kid, alg).ok_or(if set.keys.is_empty() {
                Rejection::KeysUnavailable
            } else {
                Rejection::UnknownKey
            });
        };
        let mut set = self.snapshot();
        if set.fetched_at.elapsed() >= remote.refresh_interval {
            self.refresh_stale(remote).await;
            set = self.snapshot();
        }
        if let Some(key) = jwks::select(&set.keys, kid, alg) {
            return Ok(key);
        }
        // Unknown key: wait for any fetch in flight, then fetch ourselves only
        // if the rate limit allows.
        let mut state = self.fetch.lock().await;
        if let Some(key) = jwks::select(&self.snapshot().keys, kid, alg) {
            return Ok(key);
        }
        if state.last_attempt.elapsed() >= remote.min_refetch_interval {
            self.fetch_and_install(remote, &mut state).await;
        }
        let set = self.snapshot();
        match jwks::select(&set.keys, kid, alg) {
            Some(key) => Ok(key),
            None if set.keys.is_empty() || state.last_failed => Err(Rejection::KeysUnavailable),
            None => Err(Rejection::UnknownKey),
        }
    }

    /// Refreshes a stale set unless a fetch is already running (then the
    /// current keys serve this request) or the rate limit says not yet.
    async fn refresh_stale(&self, remote: &Remote) {
        let Ok(mut state) = self.fetch.try_lock() else {
            return;
        };
        let fresh = self.snapshot().fetched_at.elapsed() < remote.refresh_interval;
        if fresh || state.last_attempt.elapsed() < remote.min_refetch_interval {
            return;
        }
        self.fetch_and_install(remote, &mut state).await;
    }

    async fn fetch_and_install(&self, remote: &Remote, state: &mut FetchState) {
        // Stamped before the fetch: a fetch whose request is cancelled midway
        // (caller went away) still counts against the rate limit.
        state.last_attempt = Instant::now();
        let parsed = remote
            .get()
            .await
            .and_then(|doc| parse(&doc, &self.allowed, &remote.origin).map_err(|e| e.to_string()));
        match parsed {
            Ok(keys) if !keys.is_empty() => {
                tracing::debug!(jwks = %remote.origin, keys = keys.len(), "refreshed verification keys");
                let set = Arc::new(KeySet {
                    keys,
                    fetched_at: Instant::now(),
                });
                match self.current.write() {
                    Ok(mut cur) => *cur = set,
                    Err(poisoned) => *poisoned.into_inner() = set,
                }
                state.last_failed = false;
            }
            Ok(_) => {
                tracing::warn!(jwks = %remote.origin, "JWKS refresh returned no usable keys; keeping the old keys");
                state.last_failed = true;
            }
            Err(reason) => {
                tracing::warn!(jwks = %remote.origin, %reason, "JWKS refresh failed; keeping the old keys");
                state.last_failed = true;
            }
        }
    }

    fn snapshot(&self) -> Arc<KeySet> {
        // The lock only guards an Arc swap; a poisoned lock still holds a
        // complete set, so keep using it.
        match self.current.read() {
            Ok(cur) => Arc::clone(&cur),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

// === impl Remote ===

impl Remote {
    /// GETs the document, bounded in time and size.
    async fn get(&self) -> Result<Vec<u8>, String> {
        let req = Request::builder()
            .method(Method::GET)
            .uri(self.url.clone())
            .header(header::ACCEPT, "application/jwk-set+json, application/json")
            .body(body::empty())
            .map_err(|e| e.to_string())?;
        let fetch = async {
            let resp = self.http.request(req).await.map_err(|e| e.to_string())?;
            if !resp.status().is_success() {
                return Err(format!("HTTP status {}", resp.status()));
            }
            read_limited(resp.into_body(), MAX_JWKS_BYTES)
                .await
                .map_err(|e| e.to_string())
        };
        match tokio::time::timeout(FETCH_TIMEOUT, fetch).await {
            Ok(res) => res.map(|b| b.to_vec()),
            Err(_) => Err(format!("timed out after {FETCH_TIMEOUT:?}")),
        }
    }
}

fn parse(doc: &[u8], allowed: &[Algorithm], origin: &str) -> Result<Vec<Arc<VerifyKey>>, Error> {
    jwks::parse(doc, allowed).map_err(|e| Error::JwksJson {
        origin: origin.to_owned(),
        reason: e.0,
    })
}

/// Scheme, host, port and path of a URL, for logs: never user info or query.
fn origin_of(url: &Uri) -> String {
    let port = url.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{}{port}{}",
        url.scheme_str().unwrap_or("?"),
        url.host().unwrap_or("?"),
        url.path()
    )
}
