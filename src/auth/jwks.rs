//! JWK set parsing and key selection: turns a JWKS document into the
//! [`VerifyKey`]s a token may be checked against.
//!
//! Invariants:
//! - Only asymmetric signing keys are kept: a JWK whose `use` is not `sig`,
//!   whose `key_ops` lacks `verify`, whose type or curve is unsupported, whose
//!   `alg` is unknown or disagrees with its key type, or that fails to parse
//!   is skipped (with a log line naming only its `kid`). `oct` keys are never
//!   taken from a JWKS: HS256 verifies only against the configured secret.
//! - RSA keys shorter than 2048 bits are skipped.
//! - A key is usable for a token only if its family matches the token's alg,
//!   its own `alg` (when present) equals the token's alg, and for EC keys its
//!   curve matches (ES256 ↔ P-256, ES384 ↔ P-384).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

/// Smallest RSA modulus accepted from a JWKS.
const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus the verifier supports (`rsa::RsaPublicKey::MAX_SIZE`).
const MAX_RSA_BITS: usize = 4096;

/// One verification key from the JWKS.
pub(crate) struct VerifyKey {
    kid: Option<String>,
    family: AlgorithmFamily,
    /// The JWK's own `alg`, when it names one.
    alg: Option<Algorithm>,
    /// For EC keys, the curve's algorithm (`ES256` for P-256, `ES384` for P-384).
    curve_alg: Option<Algorithm>,
    pub(crate) key: DecodingKey,
}

/// Why a document is not a JWK set at all (individual bad keys are skipped).
#[derive(Debug)]
pub(crate) struct NotAJwkSet(pub(crate) String);

// === impl VerifyKey ===

impl VerifyKey {
    /// Whether this key may verify a token whose header says `alg`.
    pub(crate) fn usable_for(&self, alg: Algorithm) -> bool {
        self.family == alg.family()
            && self.alg.is_none_or(|own| own == alg)
            && self.curve_alg.is_none_or(|curve| curve == alg)
    }

    fn from_jwk(jwk: &Jwk, allowed: &[Algorithm]) -> Result<Self, &'static str> {
        if jwk
            .common
            .public_key_use
            .as_ref()
            .is_some_and(|u| *u != PublicKeyUse::Signature)
        {
            return Err("use is not sig");
        }
        if let Some(ops) = &jwk.common.key_operations
            && !ops.contains(&KeyOperations::Verify)
        {
            return Err("key_ops lacks verify");
        }
        let alg = match jwk.common.key_algorithm {
            Some(ka) => Some(Algorithm::try_from(ka).map_err(|_| "unsupported alg")?),
            None => None,
        };
        // Sizes are checked here, before jsonwebtoken sees the key: its
        // verifiers assume well-sized input (a short Ed25519 `x` panics).
        let (family, curve_alg) = match &jwk.algorithm {
            AlgorithmParameters::RSA(p) => {
                let bits = modulus_bits(&p.n);
                if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err("RSA modulus outside 2048..=4096 bits");
                }
                if !valid_exponent(&p.e) {
                    return Err("bad RSA exponent");
                }
                (AlgorithmFamily::Rsa, None)
            }
            AlgorithmParameters::EllipticCurve(p) => {
                let (curve_alg, len) = match p.curve {
                    EllipticCurve::P256 => (Algorithm::ES256, 32),
                    EllipticCurve::P384 => (Algorithm::ES384, 48),
                    _ => return Err("unsupported EC curve"),
                };
                if decoded_len(&p.x) != Some(len) || decoded_len(&p.y) != Some(len) {
                    return Err("EC coordinates of the wrong size");
                }
                (AlgorithmFamily::Ec, Some(curve_alg))
            }
            AlgorithmParameters::OctetKeyPair(p) => {
                if p.curve != EllipticCurve::Ed25519 {
                    return Err("unsupported OKP curve");
                }
                if decoded_len(&p.x) != Some(32) {
                    return Err("Ed25519 key of the wrong size");
                }
                (AlgorithmFamily::Ed, None)
            }
            AlgorithmParameters::OctetKey(_) => {
                return Err("symmetric keys are not taken from a JWKS");
            }
            _ => return Err("unsupported key type"),
        };
        if alg.is_some_and(|a| a.family() != family || curve_alg.is_some_and(|c| c != a)) {
            return Err("alg does not match the key type");
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|_| "unparsable key")?;
        let candidate = VerifyKey {
            kid: jwk.common.key_id.clone(),
            family,
            alg,
            curve_alg,
            key,
        };
        let Some(probe) = allowed.iter().copied().find(|a| candidate.usable_for(*a)) else {
            return Err("no allowed algorithm uses this key");
        };
        // Build a verifier once now so a broken key (bad point, wrong length)
        // is dropped at load time instead of failing every request: an empty
        // signature yields Ok(false) for a good key and Err for a bad one.
        jsonwebtoken::crypto::verify("", b"", &candidate.key, probe)
            .map_err(|_| "invalid key material")?;
        Ok(candidate)
    }
}

fn decoded_len(b64: &str) -> Option<usize> {
    URL_SAFE_NO_PAD.decode(b64).ok().map(|b| b.len())
}

/// An odd public exponent in the range the verifier accepts (3 ..= 2^33-1).
fn valid_exponent(e: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(e) else {
        return false;
    };
    if bytes.is_empty() || bytes.len() > 8 {
        return false;
    }
    let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    (3..1 << 33).contains(&value) && value % 2 == 1
}

/// Bit length of a base64url big-endian modulus (0 when it does not decode).
fn modulus_bits(n: &str) -> usize {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(n) else {
        return 0;
    };
    let Some(pos) = bytes.iter().position(|b| *b != 0) else {
        return 0;
    };
    let lead = bytes.get(pos).copied().unwrap_or(0);
    (bytes.len() - pos - 1) * 8 + (8 - lead.leading_zeros() as usize)
}

/// Parses a JWKS document, keeping the keys usable with `allowed`.
///
/// # Errors
/// When the document is not a JSON object with a `keys` array; a set whose
/// keys are all unusable parses to an empty list.
pub(crate) fn parse(doc: &[u8], allowed: &[Algorithm]) -> Result<Vec<Arc<VerifyKey>>, NotAJwkSet> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Vec<serde_json::Value>,
    }
    let doc: Doc = serde_json::from_slice(doc).map_err(|e| NotAJwkSet(e.to_string()))?;
    let mut keys = Vec::with_capacity(doc.keys.len());
    for raw in doc.keys {
        let kid = raw.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
        let parsed = serde_json::from_value::<Jwk>(raw)
            .map_err(|_| "not a JWK")
            .and_then(|jwk| VerifyKey::from_jwk(&jwk, allowed));
        match parsed {
            Ok(key) => keys.push(Arc::new(key)),
            Err(why) => tracing::warn!(kid = kid.as_deref().unwrap_or("-"), why, "skipping JWK"),
        }
    }
    Ok(keys)
}

/// Picks the key for a token: by `kid` when the token has one, otherwise the
/// only key usable for `alg` (none, or several, means no key).
pub(crate) fn select(
    keys: &[Arc<VerifyKey>],
    kid: Option<&str>,
    alg: Algorithm,
) -> Option<Arc<VerifyKey>> {
    match kid {
        Some(kid) => keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid) && k.usable_for(alg))
            .cloned(),
        None => {
            let mut usable = keys.iter().filter(|k| k.usable_for(alg));
            match (usable.next(), usable.next()) {
                (Some(only), None) => Some(Arc::clone(only)),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALL: [Algorithm; 4] = [
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    fn ed_jwk(kid: &str, extra: serde_json::Value) -> serde_json::Value {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let mut v = json!({
            "kty": "OKP", "crv": "Ed25519", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(sk.verifying_key().as_bytes()),
        });
        if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        v
    }

    fn parse_keys(keys: Vec<serde_json::Value>) -> Vec<Arc<VerifyKey>> {
        parse(json!({ "keys": keys }).to_string().as_bytes(), &ALL).unwrap()
    }

    #[test]
    fn skips_unusable_keys() {
        let keys = parse_keys(vec![
            ed_jwk("ok", json!({"use": "sig", "alg": "EdDSA"})),
            ed_jwk("enc", json!({"use": "enc"})),
            ed_jwk("ops", json!({"key_ops": ["encrypt"]})),
            ed_jwk("wrong-alg", json!({"alg": "RS256"})),
            ed_jwk("weird-alg", json!({"alg": "XX999"})),
            json!({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}),
            json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "short-rsa"}),
            json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xff; 256]), "e": "AQ", "kid": "e-1"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "kid": "short-ed"}),
            json!({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA", "kid": "short-ec"}),
            json!({"kty": "EC", "crv": "P-256", "kid": "off-curve",
                   "x": URL_SAFE_NO_PAD.encode([1; 32]), "y": URL_SAFE_NO_PAD.encode([2; 32])}),
            json!({"kty": "ZZZ", "kid": "alien"}),
            json!("not even an object"),
        ]);
        let kids: Vec<_> = keys
            .iter()
            .map(|k| k.kid.clone().unwrap_or_default())
            .collect();
        assert_eq!(kids, vec!["ok"]);
    }

    #[test]
    fn rejects_documents_without_keys_array() {
        assert!(parse(b"{}", &ALL).is_err());
        assert!(parse(b"[]", &ALL).is_err());
        assert!(parse(b"not json", &ALL).is_err());
        assert!(parse(br#"{"keys": []}"#, &ALL).unwrap().is_empty());
    }

    #[test]
    fn keys_not_usable_with_the_allow_list_are_skipped() {
        let doc = json!({ "keys": [ed_jwk("a", json!({}))] }).to_string();
        assert!(
            parse(doc.as_bytes(), &[Algorithm::RS256])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn selection_by_kid_or_sole_key() {
        let keys = parse_keys(vec![
            ed_jwk("a", json!({})),
            ed_jwk("b", json!({"alg": "EdDSA"})),
        ]);
        assert!(select(&keys, Some("b"), Algorithm::EdDSA).is_some());
        assert!(select(&keys, Some("b"), Algorithm::RS256).is_none());
        assert!(select(&keys, Some("zz"), Algorithm::EdDSA).is_none());
        // Two candidates and no kid: ambiguous, so no key.
        assert!(select(&keys, None, Algorithm::EdDSA).is_none());
        let one = parse_keys(vec![ed_jwk("a", json!({}))]);
        assert!(select(&one, None, Algorithm::EdDSA).is_some());
    }

    #[test]
    fn exponent_bounds() {
        assert!(valid_exponent("AQAB")); // 65537
        assert!(valid_exponent("Aw")); // 3
        assert!(!valid_exponent("AQ")); // 1
        assert!(!valid_exponent("BA")); // 4, even
        assert!(!valid_exponent(&URL_SAFE_NO_PAD.encode([0xff; 9])));
        assert!(!valid_exponent(""));
    }

    #[test]
    fn modulus_bits_counts_significant_bits() {
        assert_eq!(modulus_bits(&URL_SAFE_NO_PAD.encode([0u8, 0x80, 0])), 16);
        assert_eq!(modulus_bits(&URL_SAFE_NO_PAD.encode([1u8])), 1);
        assert_eq!(modulus_bits("!!"), 0);
    }
}
