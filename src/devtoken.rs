//! A local development token issuer: an Ed25519 signing key, its JWKS and
//! token minting, so `taskgate demo`, load tests and integration tests can act
//! as their own IdP.
//!
//! On disk (see [`DevIssuer::save`]) an issuer is three files in one
//! directory: `signing-key.pem` (PKCS#8, mode 0600 on unix), `jwks.json` (the
//! public key, served or pointed to by `auth.jwks_file`) and `issuer.txt`.
//!
//! Invariants: the private key never appears in `Debug` output, logs or the
//! JWKS; [`DevIssuer::load`] refuses a directory whose JWKS does not match
//! its signing key. This is a development tool, not an IdP: it keeps no
//! state, revokes nothing, and its tokens are only as trustworthy as the
//! directory holding its key.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use rand::rngs::OsRng;
use serde_json::{Map, Value, json};

/// File name of the PKCS#8 signing key.
pub const SIGNING_KEY_FILE: &str = "signing-key.pem";
/// File name of the public JWK set.
pub const JWKS_FILE: &str = "jwks.json";
/// File name holding the issuer identifier.
pub const ISSUER_FILE: &str = "issuer.txt";

const PEM_LABEL: &str = "PRIVATE KEY";

/// Why a development issuer could not be loaded or could not mint.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("dev issuer: reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The signing key is not a PKCS#8 Ed25519 PEM.
    #[error("dev issuer: {path} is not a PKCS#8 Ed25519 private key")]
    Key {
        /// The file.
        path: PathBuf,
    },
    /// `jwks.json` is unreadable, lacks a `kid`, or does not match the key.
    #[error("dev issuer: {path}: {reason}")]
    Jwks {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// `issuer.txt` is empty.
    #[error("dev issuer: {path} is empty")]
    EmptyIssuer {
        /// The file.
        path: PathBuf,
    },
    /// Signing failed.
    #[error("dev issuer: signing: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// A development IdP: one Ed25519 key, one issuer name.
pub struct DevIssuer {
    issuer: String,
    kid: String,
    signing: SigningKey,
    /// The same key, PKCS#8 DER, as jsonwebtoken wants it.
    encoding: EncodingKey,
}

/// The claims of a token to mint.
#[derive(Debug, Clone, PartialEq)]
pub struct DevClaims {
    /// `sub`.
    pub subject: String,
    /// `aud` (a single string).
    pub audience: String,
    /// `tid`, when set.
    pub tenant: Option<String>,
    /// `azp`, when set.
    pub client: Option<String>,
    /// `scope`, space-separated; omitted when empty.
    pub scopes: Vec<String>,
    /// `exp` = now + ttl.
    pub ttl: Duration,
    /// `nbf`, unix seconds, when set.
    pub not_before: Option<u64>,
    /// Further claims, applied last: they may override any claim above
    /// (tests use this to mint odd tokens).
    pub extra: Map<String, Value>,
}

// === impl DevClaims ===

impl DevClaims {
    /// Claims for `subject` and `audience`, valid for one hour, no tenant,
    /// client or scopes.
    pub fn new(subject: &str, audience: &str) -> Self {
        DevClaims {
            subject: subject.to_owned(),
            audience: audience.to_owned(),
            tenant: None,
            client: None,
            scopes: Vec::new(),
            ttl: Duration::from_secs(3600),
            not_before: None,
            extra: Map::new(),
        }
    }
}

// === impl DevIssuer ===

impl DevIssuer {
    /// A fresh issuer with a new random Ed25519 key and a random `kid`.
    pub fn generate(issuer: &str) -> DevIssuer {
        let signing = SigningKey::generate(&mut OsRng);
        let mut kid = [0u8; 12];
        OsRng.fill_bytes(&mut kid);
        DevIssuer::from_parts(
            issuer.to_owned(),
            format!("dev-{}", URL_SAFE_NO_PAD.encode(kid)),
            signing,
        )
    }

    fn from_parts(issuer: String, kid: String, signing: SigningKey) -> DevIssuer {
        let encoding = EncodingKey::from_ed_der(&pkcs8_der(&signing));
        DevIssuer {
            issuer,
            kid,
            signing,
            encoding,
        }
    }

    /// The issuer identifier (`iss`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key id in the JWKS and in minted token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK set: one `OKP`/`Ed25519` signing key.
    pub fn jwks_json(&self) -> String {
        json!({ "keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.signing.verifying_key().as_bytes()),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }]})
        .to_string()
    }

    /// Writes `signing-key.pem` (mode 0600 on unix), `jwks.json` and
    /// `issuer.txt` into `dir`, creating it if needed.
    ///
    /// # Errors
    /// Any I/O failure.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        fs::create_dir_all(dir)?;
        write_private(
            &dir.join(SIGNING_KEY_FILE),
            pem_encode(&pkcs8_der(&self.signing)).as_bytes(),
        )?;
        fs::write(dir.join(JWKS_FILE), self.jwks_json() + "\n")?;
        fs::write(dir.join(ISSUER_FILE), format!("{}\n", self.issuer))
    }

    /// Loads an issuer written by [`DevIssuer::save`].
    ///
    /// # Errors
    /// Unreadable files, a key that is not PKCS#8 Ed25519, an empty issuer,
    /// or a JWKS whose first key is not this signing key.
    pub fn load(dir: &Path) -> Result<DevIssuer, Error> {
        let read = |name: &str| {
            let path = dir.join(name);
            fs::read_to_string(&path).map_err(|source| Error::Io { path, source })
        };
        let key_path = dir.join(SIGNING_KEY_FILE);
        let signing = pem_decode(&read(SIGNING_KEY_FILE)?)
            .and_then(|der| SigningKey::from_pkcs8_der(&der).ok())
            .ok_or(Error::Key { path: key_path })?;
        let issuer = read(ISSUER_FILE)?.trim().to_owned();
        if issuer.is_empty() {
            return Err(Error::EmptyIssuer {
                path: dir.join(ISSUER_FILE),
            });
        }
        let jwks_path = dir.join(JWKS_FILE);
        let jwks_err = |reason| Error::Jwks {
            path: jwks_path.clone(),
            reason,
        };
        let jwks: Value =
            serde_json::from_str(&read(JWKS_FILE)?).map_err(|_| jwks_err("not JSON"))?;
        let first = jwks.pointer("/keys/0").ok_or_else(|| jwks_err("no keys"))?;
        let kid = first
            .get("kid")
            .and_then(Value::as_str)
            .ok_or_else(|| jwks_err("first key has no kid"))?;
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
        if first.get("x").and_then(Value::as_str) != Some(x.as_str()) {
            return Err(jwks_err("first key does not match signing-key.pem"));
        }
        Ok(DevIssuer::from_parts(issuer, kid.to_owned(), signing))
    }

    /// Mints an EdDSA-signed token with `iss`, `sub`, `aud`, `iat`, `exp`,
    /// `jti` and the optional claims of `claims`.
    ///
    /// # Errors
    /// Only if signing fails, which a valid key does not.
    pub fn mint(&self, claims: &DevClaims) -> Result<String, Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut jti = [0u8; 16];
        OsRng.fill_bytes(&mut jti);
        let mut body = Map::new();
        body.insert("iss".into(), json!(self.issuer));
        body.insert("sub".into(), json!(claims.subject));
        body.insert("aud".into(), json!(claims.audience));
        body.insert("iat".into(), json!(now));
        body.insert(
            "exp".into(),
            json!(now.saturating_add(claims.ttl.as_secs())),
        );
        body.insert("jti".into(), json!(URL_SAFE_NO_PAD.encode(jti)));
        if let Some(nbf) = claims.not_before {
            body.insert("nbf".into(), json!(nbf));
        }
        if let Some(tid) = &claims.tenant {
            body.insert("tid".into(), json!(tid));
        }
        if let Some(azp) = &claims.client {
            body.insert("azp".into(), json!(azp));
        }
        if !claims.scopes.is_empty() {
            body.insert("scope".into(), json!(claims.scopes.join(" ")));
        }
        body.extend(claims.extra.clone());
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &body, &self.encoding)?)
    }
}

impl fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevIssuer")
            .field("issuer", &self.issuer)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// PKCS#8 v1 DER (no embedded public key, like `openssl genpkey`).
fn pkcs8_der(key: &SigningKey) -> Vec<u8> {
    let pair = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    // Encoding a fixed-size Ed25519 key into DER cannot fail; fall back to an
    // empty document rather than panic, which makes signing fail loudly.
    pair.to_pkcs8_der()
        .map(|doc| doc.as_bytes().to_vec())
        .unwrap_or_default()
}

fn pem_encode(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {PEM_LABEL}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {PEM_LABEL}-----\n"));
    out
}

fn pem_decode(text: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {PEM_LABEL}-----");
    let end = format!("-----END {PEM_LABEL}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text.get(start..)?.find(&end)?;
    let b64: String = text.get(start..stop)?.split_whitespace().collect();
    STANDARD.decode(b64).ok()
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // `mode` applies only on creation; tighten a pre-existing file too.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(contents)
    }
    #[cfg(not(unix))]
    {
        options.open(path)?.write_all(contents)
    }
}

#[cfg(test)]
mod tests;
