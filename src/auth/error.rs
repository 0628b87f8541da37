//! The two ways authentication fails: [`Error`] when the authenticator cannot
//! be built (configuration, key loading at start-up) and [`Rejection`] when a
//! caller's token is refused.
//!
//! Invariant: neither type ever carries token bytes or key material, so both
//! can be logged and audited as they are. A rejection's detailed cause is
//! the variant itself; [`Rejection::reason`] is its stable log/audit name.

use std::path::PathBuf;

/// Why an [`Authenticator`](super::Authenticator) could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configured issuer is empty.
    #[error("auth: issuer must not be empty")]
    EmptyIssuer,
    /// No audience is configured, so no token could ever be accepted.
    #[error("auth: at least one audience is required")]
    NoAudiences,
    /// The algorithm allow-list is empty.
    #[error("auth: at least one algorithm must be allowed")]
    NoAlgorithms,
    /// An algorithm the gateway does not verify (HS384, HS512).
    #[error("auth: algorithm {0:?} is not supported (only HS256 among HMAC algorithms)")]
    UnsupportedAlgorithm(jsonwebtoken::Algorithm),
    /// HS256 is allowed but there is no secret to verify it with.
    #[error("auth: HS256 is allowed but no hs256_secret is configured")]
    Hs256WithoutSecret,
    /// A secret is configured although HS256 is not allowed.
    #[error("auth: hs256_secret is set but HS256 is not in the allowed algorithms")]
    SecretWithoutHs256,
    /// The HS256 secret is shorter than the hash (RFC 7518 §3.2).
    #[error("auth: hs256_secret must be at least {min} bytes")]
    WeakHs256Secret {
        /// The minimum length in bytes.
        min: usize,
    },
    /// The JWKS file could not be read.
    #[error("auth: reading JWKS file {path}: {source}")]
    JwksFile {
        /// The configured path.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The JWKS document is not a JSON object with a `keys` array.
    #[error("auth: JWKS from {origin} is not a valid JWK set: {reason}")]
    JwksJson {
        /// File path or URL host the document came from.
        origin: String,
        /// The parse failure.
        reason: String,
    },
    /// The JWKS parsed but holds no key usable with the allowed algorithms.
    #[error("auth: JWKS from {origin} has no usable signing key for the allowed algorithms")]
    NoUsableKeys {
        /// File path or URL host the document came from.
        origin: String,
    },
    /// The JWKS URL could not be fetched at start-up.
    #[error("auth: fetching JWKS from {origin}: {reason}")]
    JwksFetch {
        /// URL host and path (never query or user info).
        origin: String,
        /// What went wrong.
        reason: String,
    },
}

/// Why a bearer token was refused.
///
/// Every variant except [`Rejection::KeysUnavailable`] is the caller's fault
/// (HTTP 401); `KeysUnavailable` means the gateway could not obtain the keys
/// needed to decide (HTTP 503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No `Authorization: Bearer` credential at all.
    #[error("no bearer token")]
    Missing,
    /// Not a well-formed bearer token or JWT.
    #[error("malformed token")]
    Malformed,
    /// `exp` is in the past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is missing or not the configured issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` is missing or names none of the configured audiences.
    #[error("wrong audience")]
    WrongAudience,
    /// The header's `alg` is not in the configured allow-list (including `none`).
    #[error("algorithm not allowed")]
    AlgorithmNotAllowed,
    /// No key in the set matches the token's `kid` and algorithm.
    #[error("unknown signing key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// A required claim is missing or has the wrong type; names the claim.
    #[error("invalid claim {0}")]
    InvalidClaims(&'static str),
    /// The gateway has no keys to verify with (IdP unreachable).
    #[error("verification keys unavailable")]
    KeysUnavailable,
}

// === impl Rejection ===

impl Rejection {
    /// A stable snake_case name for logs, metrics and audit records.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Missing => "missing_token",
            Rejection::Malformed => "malformed_token",
            Rejection::Expired => "token_expired",
            Rejection::NotYetValid => "token_not_yet_valid",
            Rejection::WrongIssuer => "wrong_issuer",
            Rejection::WrongAudience => "wrong_audience",
            Rejection::AlgorithmNotAllowed => "algorithm_not_allowed",
            Rejection::UnknownKey => "unknown_key",
            Rejection::BadSignature => "bad_signature",
            Rejection::InvalidClaims(_) => "invalid_claims",
            Rejection::KeysUnavailable => "keys_unavailable",
        }
    }

    /// True when the caller sent no bearer credential at all; RFC 6750 §3.1
    /// says the challenge then carries no `error` attribute.
    pub fn is_missing(&self) -> bool {
        matches!(self, Rejection::Missing)
    }

    /// True when the gateway, not the caller, is at fault (no keys to verify with).
    pub fn is_key_infrastructure(&self) -> bool {
        matches!(self, Rejection::KeysUnavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_distinct_snake_case() {
        let all = [
            Rejection::Missing,
            Rejection::Malformed,
            Rejection::Expired,
            Rejection::NotYetValid,
            Rejection::WrongIssuer,
            Rejection::WrongAudience,
            Rejection::AlgorithmNotAllowed,
            Rejection::UnknownKey,
            Rejection::BadSignature,
            Rejection::InvalidClaims("sub"),
            Rejection::KeysUnavailable,
        ];
        let mut seen = std::collections::HashSet::new();
        for r in all {
            let reason = r.reason();
            assert!(
                reason.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{reason}"
            );
            assert!(seen.insert(reason), "duplicate {reason}");
        }
        assert!(Rejection::Missing.is_missing());
        assert!(!Rejection::Malformed.is_missing());
        assert!(Rejection::KeysUnavailable.is_key_infrastructure());
        assert!(!Rejection::UnknownKey.is_key_infrastructure());
    }
}
