//! The checks one JWT goes through: bearer extraction, compact-form parsing,
//! the algorithm allow-list, signature verification, registered claims and
//! claim mapping.
//!
//! Invariants:
//! - The algorithm comes from the token header but is only ever *checked*
//!   against the configured allow-list; `none` and unknown names are refused.
//!   The header's `jku`, `jwk`, `x5u` and `x5c` are ignored: keys never come
//!   from the token.
//! - HS256 verifies only against the configured secret, and asymmetric algs
//!   only against a JWKS key of their own family (see `jwks`), so an HS256
//!   token "signed" with an RSA public key can never verify.
//! - Claims are read only after the signature verified.
//! - Nothing here logs or stores token bytes.

use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use super::{AuthConfig, ClaimMapping, Principal, Rejection};

/// Longest accepted token; real access tokens are a few KiB at most.
pub(crate) const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The three segments of a compact JWS.
pub(crate) struct Parts<'a> {
    pub(crate) signing_input: &'a str,
    pub(crate) header: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
}

/// The header fields we act on.
#[derive(serde::Deserialize)]
pub(crate) struct TokenHeader {
    pub(crate) alg: String,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    /// Critical extensions we do not understand make the token invalid (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// A verified token: its principal plus `nbf`, re-checked on cache hits.
pub(crate) struct Verified {
    pub(crate) principal: Principal,
    pub(crate) not_before: Option<u64>,
}

/// Everything from [`AuthConfig`] needed per token, in ready-to-use form.
pub(crate) struct Policy {
    issuer: String,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    hs256: Option<DecodingKey>,
    pub(crate) leeway: u64,
    mapping: ClaimMapping,
}

/// Extracts the credential of an `Authorization: Bearer <token68>` value.
///
/// No header, an empty one, or another scheme is [`Rejection::Missing`] (the
/// caller sent no bearer credential); a `Bearer` header without exactly one
/// well-formed token is [`Rejection::Malformed`].
pub(crate) fn bearer(value: Option<&http::HeaderValue>) -> Result<&str, Rejection> {
    let Some(value) = value else {
        return Err(Rejection::Missing);
    };
    let text = value.to_str().map_err(|_| Rejection::Malformed)?;
    if text.is_empty() {
        return Err(Rejection::Missing);
    }
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Rejection::Missing);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || !is_token68(token) {
        return Err(Rejection::Malformed);
    }
    Ok(token)
}

/// RFC 7235 token68: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    // One table load per byte, no branch: this runs on every request.
    !body.is_empty()
        && body
            .bytes()
            .fold(true, |ok, b| ok & TOKEN68[usize::from(b)])
}

/// The bytes [`is_token68`] admits before the trailing `=`s.
static TOKEN68: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] =
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        b += 1;
    }
    table
};

/// Splits a compact JWS into its segments.
pub(crate) fn split(token: &str) -> Result<Parts<'_>, Rejection> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Rejection::Malformed);
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or(Rejection::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(Rejection::Malformed)?;
    if header.is_empty() || payload.is_empty() || payload.contains('.') {
        return Err(Rejection::Malformed);
    }
    Ok(Parts {
        signing_input,
        header,
        payload,
        signature,
    })
}

/// Decodes the protected header.
pub(crate) fn header(segment: &str) -> Result<TokenHeader, Rejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Rejection::Malformed)?;
    let header: TokenHeader = serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)?;
    if header.crit.is_some() {
        return Err(Rejection::Malformed);
    }
    Ok(header)
}

/// Checks `exp`/`nbf` against `now` with `leeway` (all unix seconds).
pub(crate) fn check_window(
    expires_at: u64,
    not_before: Option<u64>,
    now: u64,
    leeway: u64,
) -> Result<(), Rejection> {
    if now >= expires_at.saturating_add(leeway) {
        return Err(Rejection::Expired);
    }
    if not_before.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(Rejection::NotYetValid);
    }
    Ok(())
}

// === impl Policy ===

impl Policy {
    /// Builds the policy from a configuration that passed [`AuthConfig::check`].
    pub(crate) fn new(config: &AuthConfig) -> Self {
        Policy {
            issuer: config.issuer.clone(),
            audiences: config.audiences.clone(),
            algorithms: config.algorithms.clone(),
            hs256: config.hs256_secret.as_deref().map(DecodingKey::from_secret),
            leeway: config.leeway.as_secs(),
            mapping: config.claims.clone(),
        }
    }

    /// The header's algorithm, if the configuration allows it.
    pub(crate) fn algorithm(&self, name: &str) -> Result<Algorithm, Rejection> {
        match Algorithm::from_str(name) {
            Ok(alg) if self.algorithms.contains(&alg) => Ok(alg),
            _ => Err(Rejection::AlgorithmNotAllowed),
        }
    }

    /// The HS256 secret; `Some` exactly when HS256 is allowed.
    pub(crate) fn hs256_key(&self) -> Option<&DecodingKey> {
        self.hs256.as_ref()
    }

    /// Whether any allowed algorithm needs JWKS keys.
    pub(crate) fn needs_jwks(&self) -> bool {
        self.algorithms.iter().any(|a| *a != Algorithm::HS256)
    }

    /// The configured allow-list.
    pub(crate) fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Reads and checks the claims of a token whose signature verified.
    pub(crate) fn claims(&self, payload: &str, now: u64) -> Result<Verified, Rejection> {
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Rejection::Malformed)?;
        let claims: Map<String, Value> =
            serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(Rejection::WrongIssuer);
        }
        self.check_audience(claims.get("aud"))?;
        let expires_at =
            numeric_date(claims.get("exp"), "exp")?.ok_or(Rejection::InvalidClaims("exp"))?;
        let not_before = numeric_date(claims.get("nbf"), "nbf")?;
        check_window(expires_at, not_before, now, self.leeway)?;
        let subject = match claims.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(Rejection::InvalidClaims("sub")),
        };
        let mapped = self.mapping.map(&claims)?;
        let principal = Principal::verified(self.issuer.clone(), subject, mapped, expires_at);
        Ok(Verified {
            principal,
            not_before,
        })
    }

    fn check_audience(&self, aud: Option<&Value>) -> Result<(), Rejection> {
        let ours = |a: &str| self.audiences.iter().any(|x| x == a);
        let matched = match aud {
            None | Some(Value::Null) => false,
            Some(Value::String(a)) => ours(a),
            Some(Value::Array(items)) => {
                let mut any = false;
                for item in items {
                    let a = item.as_str().ok_or(Rejection::InvalidClaims("aud"))?;
                    any |= ours(a);
                }
                any
            }
            Some(_) => return Err(Rejection::InvalidClaims("aud")),
        };
        if matched {
            Ok(())
        } else {
            Err(Rejection::WrongAudience)
        }
    }
}

/// A NumericDate claim: absent, or a non-negative number (fractions truncated).
fn numeric_date(v: Option<&Value>, claim: &'static str) -> Result<Option<u64>, Rejection> {
    match v {
        None => Ok(None),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
            (Some(secs), _) => Ok(Some(secs)),
            // `as` saturates for huge values; negatives and NaN are refused.
            (None, Some(f)) if f.is_finite() && f >= 0.0 => Ok(Some(f as u64)),
            _ => Err(Rejection::InvalidClaims(claim)),
        },
        Some(_) => Err(Rejection::InvalidClaims(claim)),
    }
}

/// Verifies the signature of `parts` with `key` under `alg`.
pub(crate) fn check_signature(
    parts: &Parts<'_>,
    key: &DecodingKey,
    alg: Algorithm,
) -> Result<(), Rejection> {
    // `Err` covers an undecodable signature as well as a verifier that could
    // not be built: either way the token does not carry a valid signature.
    match jsonwebtoken::crypto::verify(parts.signature, parts.signing_input.as_bytes(), key, alg) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(Rejection::BadSignature),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn hv(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    #[test]
    fn bearer_extraction() {
        assert_eq!(bearer(None), Err(Rejection::Missing));
        assert_eq!(bearer(Some(&hv(""))), Err(Rejection::Missing));
        assert_eq!(
            bearer(Some(&hv("Basic dXNlcjpwYXNz"))),
            Err(Rejection::Missing)
        );
        assert_eq!(bearer(Some(&hv("Bearer a.b.c"))), Ok("a.b.c"));
        assert_eq!(
            bearer(Some(&hv("bEaReR a.b-c_d~e+f/g=="))),
            Ok("a.b-c_d~e+f/g==")
        );
        for bad in [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer a,b",
            "Bearer =",
            "Bearer a=b",
        ] {
            assert_eq!(bearer(Some(&hv(bad))), Err(Rejection::Malformed), "{bad:?}");
        }
        let opaque = HeaderValue::from_bytes(b"Bearer \xff").unwrap();
        assert_eq!(bearer(Some(&opaque)), Err(Rejection::Malformed));
        let huge = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert_eq!(bearer(Some(&hv(&huge))), Err(Rejection::Malformed));
    }

    #[test]
    fn split_needs_exactly_three_segments() {
        assert!(split("a.b.c").is_ok());
        assert!(split("a.b.").is_ok());
        for bad in ["", "abc", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.c.d.e"] {
            assert!(split(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn header_refuses_crit_and_garbage() {
        let enc = |v: &str| URL_SAFE_NO_PAD.encode(v);
        assert_eq!(
            header(&enc(r#"{"alg":"RS256","kid":"k"}"#))
                .unwrap()
                .kid
                .as_deref(),
            Some("k")
        );
        assert!(header(&enc(r#"{"alg":"RS256","crit":["exp"]}"#)).is_err());
        assert!(header(&enc(r#"{"kid":"k"}"#)).is_err());
        assert!(header(&enc(r#"{"alg":"RS256","kid":5}"#)).is_err());
        assert!(header("!!!").is_err());
    }

    #[test]
    fn window_with_leeway() {
        assert_eq!(check_window(100, None, 99, 0), Ok(()));
        assert_eq!(check_window(100, None, 100, 0), Err(Rejection::Expired));
        assert_eq!(check_window(100, None, 129, 30), Ok(()));
        assert_eq!(check_window(100, None, 130, 30), Err(Rejection::Expired));
        assert_eq!(
            check_window(100, Some(50), 49, 0),
            Err(Rejection::NotYetValid)
        );
        assert_eq!(check_window(100, Some(50), 20, 30), Ok(()));
        assert_eq!(check_window(u64::MAX, Some(u64::MAX), 0, u64::MAX), Ok(()));
    }

    #[test]
    fn numeric_dates() {
        use serde_json::json;
        assert_eq!(numeric_date(Some(&json!(5)), "exp"), Ok(Some(5)));
        assert_eq!(numeric_date(Some(&json!(5.9)), "exp"), Ok(Some(5)));
        assert_eq!(numeric_date(None, "exp"), Ok(None));
        assert_eq!(
            numeric_date(Some(&json!(-1)), "exp"),
            Err(Rejection::InvalidClaims("exp"))
        );
        assert_eq!(
            numeric_date(Some(&json!("5")), "nbf"),
            Err(Rejection::InvalidClaims("nbf"))
        );
    }
}
