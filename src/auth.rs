//! Bearer JWT verification: the gateway as an OAuth 2.1 resource server.
//!
//! Runs before the request body is read (after routing and the header
//! checks), so an unauthenticated request costs no body read or JSON parse:
//! the `Authorization` header goes in, an `Arc<`[`Principal`]`>` or a
//! [`Rejection`] comes out. Owns the JWKS ([`JwksSource`], lazily refreshed),
//! the verified-token cache and the mapping from claims to tenant, client and
//! scopes ([`ClaimMapping`]).
//!
//! | submodule | owns |
//! | --- | --- |
//! | `config` | [`AuthConfig`], [`JwksSource`], start-up checks, secret redaction |
//! | `verify` | bearer extraction, JWS parsing, alg allow-list, signature, registered claims |
//! | `jwks` | JWK set parsing and per-token key selection |
//! | `keystore` | the current key set, lazy single-flight refresh, refetch rate limit |
//! | `claims` | [`ClaimPath`], [`ClaimMapping`] |
//! | `principal` | [`Principal`], built only here from a verified token |
//! | `required` | [`BoundClaim`], [`RequiredClaims`]: which claims a route requires |
//! | `cache` | the verified-token cache (SHA-256 keyed) |
//!
//! Invariants kept here:
//! - The algorithm allow-list comes from configuration only; `alg: none`,
//!   HMAC-with-a-public-key confusion and cross-family keys are refused.
//! - `iss` (exact), `aud`, `exp` (required) and `nbf` are checked with the
//!   configured leeway, on every request, including cache hits.
//! - A [`Principal`] comes only from a token that passed every check above
//!   (its fields are private; see `principal`).
//! - Tokens and key material are never logged, cached in clear or `Debug`-printed.
//! - Nothing here panics on input.

mod cache;
mod claims;
mod config;
mod error;
mod jwks;
mod keystore;
mod principal;
mod required;
mod verify;

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::AlgorithmFamily;

pub use claims::{ClaimMapping, ClaimPath, ClaimPathError};
pub use config::{AuthConfig, JwksSource};
pub use error::{Error, Rejection};
pub use principal::Principal;
pub use required::{BoundClaim, BoundClaimError, RequiredClaims};

use cache::{Entry, TokenCache};
use keystore::KeyStore;
use verify::Policy;

use crate::proxy::HttpClient;

/// Source of "now" in unix seconds; replaceable in tests.
type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Verifies bearer tokens for one issuer. Cheap to share behind an `Arc`;
/// all methods take `&self`.
pub struct Authenticator {
    policy: Policy,
    keys: KeyStore,
    cache: TokenCache,
    clock: Clock,
}

// === impl Authenticator ===

impl Authenticator {
    /// Checks `config` and loads the keys: a file is read now; a URL is
    /// fetched once now (start fails if it is unreachable) and afterwards
    /// refreshed lazily on use. Spawns nothing.
    ///
    /// # Errors
    /// Any [`Error`]: inconsistent settings (see [`AuthConfig::check`]), an
    /// unreadable or unparsable JWKS, an unreachable JWKS URL, or a set
    /// without a single key usable with the allowed algorithms.
    pub async fn new(config: AuthConfig, http: HttpClient) -> Result<Self, Error> {
        config.check()?;
        let policy = Policy::new(&config);
        let keys =
            KeyStore::load(&config.jwks, policy.algorithms(), policy.needs_jwks(), http).await?;
        Ok(Authenticator {
            policy,
            keys,
            cache: TokenCache::new(config.cache_capacity),
            clock: Arc::new(system_now),
        })
    }

    /// Replaces the clock (unix seconds) used for `exp`/`nbf` checks; tests
    /// use it to make expiry deterministic.
    #[doc(hidden)]
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Extracts the token from an `Authorization` header value: the `Bearer`
    /// scheme (any case), then exactly one token68 credential.
    ///
    /// # Errors
    /// [`Rejection::Missing`] without a header, with an empty one, or with
    /// another scheme; [`Rejection::Malformed`] for a `Bearer` header without
    /// exactly one well-formed token.
    pub fn bearer_token(value: Option<&http::HeaderValue>) -> Result<&str, Rejection> {
        verify::bearer(value)
    }

    /// Verifies `token` and maps it to a [`Principal`]. A recently verified
    /// identical token is answered from the cache, with its validity window
    /// re-checked against the current time.
    ///
    /// # Errors
    /// The [`Rejection`] naming the first check that failed.
    pub async fn authenticate(&self, token: &str) -> Result<Arc<Principal>, Rejection> {
        let now = (self.clock)();
        let digest = TokenCache::digest(token);
        if let Some(hit) = self.cache.get(&digest) {
            return match verify::check_window(
                hit.principal.expires_at(),
                hit.not_before,
                now,
                self.policy.leeway,
            ) {
                Ok(()) => Ok(hit.principal),
                Err(rejection) => {
                    self.cache.remove(&digest);
                    Err(rejection)
                }
            };
        }
        // Boxed: the full check (and a possible JWKS fetch) is a large future
        // that a cache hit, the common case, should not carry around.
        let verified = Box::pin(self.verify(token, now)).await?;
        let principal = Arc::new(verified.principal);
        let entry = Entry {
            principal: Arc::clone(&principal),
            not_before: verified.not_before,
        };
        self.cache.insert(digest, entry);
        Ok(principal)
    }

    /// The full check, in order: structure, allow-list, key, signature, claims.
    async fn verify(&self, token: &str, now: u64) -> Result<verify::Verified, Rejection> {
        let parts = verify::split(token)?;
        let header = verify::header(parts.header)?;
        let alg = self.policy.algorithm(&header.alg)?;
        if alg.family() == AlgorithmFamily::Hmac {
            // HS256 is in the allow-list only together with its secret, and the
            // secret is the only key it is ever checked against.
            let key = self
                .policy
                .hs256_key()
                .ok_or(Rejection::AlgorithmNotAllowed)?;
            verify::check_signature(&parts, key, alg)?;
        } else {
            let key = self.keys.find(header.kid.as_deref(), alg).await?;
            verify::check_signature(&parts, &key.key, alg)?;
        }
        self.policy.claims(parts.payload, now)
    }
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

fn system_now() -> u64 {
    // A clock before 1970 is a broken host: fail closed (every token expired)
    // rather than panic or accept everything.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(u64::MAX, |d| d.as_secs())
}
