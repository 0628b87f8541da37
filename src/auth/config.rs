//! [`AuthConfig`] and [`JwksSource`]: the validated settings an
//! [`Authenticator`](super::Authenticator) is built from.
//!
//! Invariants: `Debug` never prints the HS256 secret; [`AuthConfig::check`]
//! enforces that HS256 is allowed if and only if a (long enough) secret is
//! configured, so HS256 can never be verified against anything else.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use jsonwebtoken::Algorithm;

use super::Error;
use super::claims::ClaimMapping;

/// Where the issuer's public keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// A JWK set on disk, read once at start-up.
    File(PathBuf),
    /// A JWK set fetched over HTTP(S): once at start-up (failing start if
    /// unreachable), then lazily refreshed on use.
    Url {
        /// The `jwks_uri`.
        url: http::Uri,
        /// Refresh the set when it is older than this.
        refresh_interval: Duration,
        /// Never fetch more often than this, whatever triggers it (stale set,
        /// unknown `kid`, earlier failure): an attacker spraying random key
        /// ids must not make the gateway hammer the IdP.
        min_refetch_interval: Duration,
    },
}

/// How callers' bearer tokens are verified.
#[derive(Clone)]
pub struct AuthConfig {
    /// Required `iss`, compared exactly.
    pub issuer: String,
    /// Accepted audiences; the token's `aud` (string or array) must contain at least one.
    pub audiences: Vec<String>,
    /// Where the verification keys come from.
    pub jwks: JwksSource,
    /// Algorithm allow-list; the token header never widens it.
    pub algorithms: Vec<Algorithm>,
    /// The HS256 secret; required iff HS256 is in `algorithms`.
    pub hs256_secret: Option<Vec<u8>>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// Which claims hold tenant, client and scopes.
    pub claims: ClaimMapping,
    /// Verified-token cache size in entries; 0 disables the cache.
    pub cache_capacity: usize,
}

// === impl AuthConfig ===

impl AuthConfig {
    /// The default allow-list: `RS256`, `ES256`, `EdDSA`.
    pub const DEFAULT_ALGORITHMS: [Algorithm; 3] =
        [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
    /// The default clock-skew leeway.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
    /// The default verified-token cache size.
    pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;
    /// Shortest accepted HS256 secret (the SHA-256 output size).
    pub const MIN_HS256_SECRET_LEN: usize = 32;

    /// A configuration with the defaults for everything but issuer, audiences
    /// and key source.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>, jwks: JwksSource) -> Self {
        AuthConfig {
            issuer: issuer.into(),
            audiences,
            jwks,
            algorithms: Self::DEFAULT_ALGORITHMS.to_vec(),
            hs256_secret: None,
            leeway: Self::DEFAULT_LEEWAY,
            claims: ClaimMapping::default(),
            cache_capacity: Self::DEFAULT_CACHE_CAPACITY,
        }
    }

    /// Checks the settings that do not need I/O.
    ///
    /// # Errors
    /// Empty issuer, audiences or allow-list; HMAC algorithms other than
    /// HS256; HS256 without a secret (or a too short one); a secret without HS256.
    pub fn check(&self) -> Result<(), Error> {
        if self.issuer.is_empty() {
            return Err(Error::EmptyIssuer);
        }
        if self.audiences.is_empty() {
            return Err(Error::NoAudiences);
        }
        if self.algorithms.is_empty() {
            return Err(Error::NoAlgorithms);
        }
        if let Some(alg) = self
            .algorithms
            .iter()
            .find(|a| matches!(a, Algorithm::HS384 | Algorithm::HS512))
        {
            return Err(Error::UnsupportedAlgorithm(*alg));
        }
        match (
            self.algorithms.contains(&Algorithm::HS256),
            &self.hs256_secret,
        ) {
            (true, None) => Err(Error::Hs256WithoutSecret),
            (false, Some(_)) => Err(Error::SecretWithoutHs256),
            (true, Some(s)) if s.len() < Self::MIN_HS256_SECRET_LEN => {
                Err(Error::WeakHs256Secret {
                    min: Self::MIN_HS256_SECRET_LEN,
                })
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret is replaced by a marker: config dumps and panic messages
        // must never carry key material.
        f.debug_struct("AuthConfig")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("jwks", &self.jwks)
            .field("algorithms", &self.algorithms)
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("leeway", &self.leeway)
            .field("claims", &self.claims)
            .field("cache_capacity", &self.cache_capacity)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AuthConfig {
        AuthConfig::new(
            "https://issuer.test",
            vec!["aud".into()],
            JwksSource::File("jwks.json".into()),
        )
    }

    #[test]
    fn debug_redacts_the_secret() {
        let mut c = config();
        c.algorithms.push(Algorithm::HS256);
        c.hs256_secret = Some(b"super-secret-value-that-is-32-bytes!".to_vec());
        let text = format!("{c:?}");
        assert!(!text.contains("super-secret"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
        assert!(c.check().is_ok());
    }

    #[test]
    fn hs256_and_secret_go_together() {
        let mut c = config();
        c.hs256_secret = Some(vec![7; 32]);
        assert!(matches!(c.check(), Err(Error::SecretWithoutHs256)));
        c.hs256_secret = None;
        c.algorithms.push(Algorithm::HS256);
        assert!(matches!(c.check(), Err(Error::Hs256WithoutSecret)));
        c.hs256_secret = Some(vec![7; 8]);
        assert!(matches!(c.check(), Err(Error::WeakHs256Secret { .. })));
        c.algorithms.push(Algorithm::HS512);
        assert!(matches!(
            c.check(),
            Err(Error::UnsupportedAlgorithm(Algorithm::HS512))
        ));
    }

    #[test]
    fn empty_settings_are_refused() {
        let mut c = config();
        c.algorithms.clear();
        assert!(matches!(c.check(), Err(Error::NoAlgorithms)));
        let mut c = config();
        c.audiences.clear();
        assert!(matches!(c.check(), Err(Error::NoAudiences)));
        let mut c = config();
        c.issuer.clear();
        assert!(matches!(c.check(), Err(Error::EmptyIssuer)));
    }
}
