//! The handle key ring: one signing key and any number of verify keys, each
//! a 256-bit master secret from which purpose keys are derived once, at load
//! (HKDF-SHA256), so the request path never runs a KDF.
//!
//! Rotation: add the new key, make it the signing key, keep the old one as a
//! verify key until every handle it sealed has expired, then remove it.

use std::fmt;

use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use hkdf::Hkdf;
use hmac::Hmac;
use sha2::Sha256;

/// Longest key id.
pub(crate) const MAX_KID_LEN: usize = 32;
/// Most keys in a ring.
pub(crate) const MAX_KEYS: usize = 16;

/// One key's derived material.
pub(crate) struct DerivedKey {
    pub(crate) kid: String,
    pub(crate) aead: XChaCha20Poly1305,
    pub(crate) nonce_mac: Hmac<Sha256>,
    pub(crate) fingerprint_mac: Hmac<Sha256>,
}

/// The ring.
pub struct KeyRing {
    keys: Vec<DerivedKey>,
    signing: usize,
}

/// Why a key ring could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// No keys.
    #[error("the key ring is empty")]
    Empty,
    /// Too many keys.
    #[error("at most {MAX_KEYS} keys")]
    TooMany,
    /// A kid is empty, too long, or has characters outside `[A-Za-z0-9_-]`.
    #[error("key id {0:?} must be 1-{MAX_KID_LEN} characters of A-Z a-z 0-9 _ -")]
    BadKid(String),
    /// Two keys share a kid.
    #[error("key id {0:?} appears twice")]
    DuplicateKid(String),
    /// A secret is not exactly 32 bytes.
    #[error("key {0:?}: the secret must be exactly 32 bytes")]
    BadSecret(String),
    /// The signing kid is not in the ring.
    #[error("signing key {0:?} is not in the ring")]
    UnknownSigningKey(String),
}

impl KeyRing {
    /// Builds a ring from `(kid, 32-byte secret)` pairs; `signing` names the
    /// key that seals new handles.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn new(keys: &[(String, Vec<u8>)], signing: &str) -> Result<KeyRing, Error> {
        if keys.is_empty() {
            return Err(Error::Empty);
        }
        if keys.len() > MAX_KEYS {
            return Err(Error::TooMany);
        }
        let mut derived: Vec<DerivedKey> = Vec::with_capacity(keys.len());
        for (kid, secret) in keys {
            if kid.is_empty()
                || kid.len() > MAX_KID_LEN
                || !kid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(Error::BadKid(kid.clone()));
            }
            if derived.iter().any(|d| d.kid == *kid) {
                return Err(Error::DuplicateKid(kid.clone()));
            }
            if secret.len() != 32 {
                return Err(Error::BadSecret(kid.clone()));
            }
            derived.push(derive(kid, secret));
        }
        let signing = derived
            .iter()
            .position(|d| d.kid == signing)
            .ok_or_else(|| Error::UnknownSigningKey(signing.to_string()))?;
        Ok(KeyRing {
            keys: derived,
            signing,
        })
    }

    /// A ring with one fresh random key (handles do not survive a restart).
    pub fn ephemeral() -> KeyRing {
        use rand::RngCore;
        let mut secret = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let kid = "ephemeral".to_string();
        KeyRing {
            keys: vec![derive(&kid, &secret)],
            signing: 0,
        }
    }

    pub(crate) fn signing(&self) -> &DerivedKey {
        &self.keys[self.signing]
    }

    pub(crate) fn find(&self, kid: &str) -> Option<&DerivedKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The kid that seals new handles.
    pub fn signing_kid(&self) -> &str {
        &self.signing().kid
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|k| k.kid.as_str()).collect();
        write!(
            f,
            "KeyRing(signing={}, kids={kids:?}, secrets redacted)",
            self.signing_kid()
        )
    }
}

fn derive(kid: &str, secret: &[u8]) -> DerivedKey {
    let hk = Hkdf::<Sha256>::new(Some(b"taskgate handle key ring v1"), secret);
    let mut okm = [0u8; 32];
    let mut take = |info: &[u8]| {
        // invariant: 32 bytes is far below HKDF-SHA256's 8160-byte output limit.
        let _ = hk.expand(info, &mut okm);
        okm
    };
    let aead_key = take(b"aead");
    let nonce_key = take(b"nonce");
    let fp_key = take(b"fingerprint");
    DerivedKey {
        kid: kid.to_string(),
        aead: XChaCha20Poly1305::new(&aead_key.into()),
        nonce_mac: new_mac(&nonce_key),
        fingerprint_mac: new_mac(&fp_key),
    }
}

fn new_mac(key: &[u8; 32]) -> Hmac<Sha256> {
    // HMAC pads keys shorter than the 64-byte block with zeros, so this is
    // HMAC keyed with `key` exactly, through the infallible constructor.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_the_ring() {
        let k = |kid: &str, n: usize| (kid.to_string(), vec![7u8; n]);
        assert_eq!(KeyRing::new(&[], "a").unwrap_err(), Error::Empty);
        assert_eq!(
            KeyRing::new(&[k("a", 31)], "a").unwrap_err(),
            Error::BadSecret("a".into())
        );
        assert_eq!(
            KeyRing::new(&[k("a.b", 32)], "a.b").unwrap_err(),
            Error::BadKid("a.b".into())
        );
        assert_eq!(
            KeyRing::new(&[k("a", 32), k("a", 32)], "a").unwrap_err(),
            Error::DuplicateKid("a".into())
        );
        assert_eq!(
            KeyRing::new(&[k("a", 32)], "b").unwrap_err(),
            Error::UnknownSigningKey("b".into())
        );
        let ring = KeyRing::new(&[k("old", 32), k("new", 32)], "new").unwrap();
        assert_eq!(ring.signing_kid(), "new");
        assert!(!format!("{ring:?}").contains("7, 7"));
    }
}
