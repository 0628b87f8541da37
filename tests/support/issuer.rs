//! `TestIssuer`: an in-process IdP for tests, signing with the committed
//! fixture keys in `tests/fixtures/keys/` (RS256 `rsa-1`, ES256 `ec-1`,
//! EdDSA `ed-1`, plus `rsa-other` for "someone else's key"), and helpers that
//! forge the tokens an attacker would try (alg none, HS/RS confusion, wrong
//! key, tampered payload or signature).
//!
//! Self-contained: include it with `#[path = "support/issuer.rs"] mod issuer;`
//! or from a `support` module. Panics freely: it is test code.
// Test support: failing loudly is the point, and not every user needs every helper.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// `iss` of every token the test issuer mints.
pub const ISSUER: &str = "https://issuer.test";
/// The audience tests configure the gateway with.
pub const AUDIENCE: &str = "https://mcp.test/mcp";
/// Key ids in [`TestIssuer::jwks_json`].
pub const RSA_KID: &str = "rsa-1";
/// Key id of the P-256 key.
pub const EC_KID: &str = "ec-1";
/// Key id of the Ed25519 key.
pub const ED_KID: &str = "ed-1";

const RSA_PEM: &[u8] = include_bytes!("../fixtures/keys/rsa.pem");
const RSA_PUBLIC_PEM: &[u8] = include_bytes!("../fixtures/keys/rsa-public.pem");
const RSA_OTHER_PEM: &[u8] = include_bytes!("../fixtures/keys/rsa-other.pem");
const EC_PEM: &[u8] = include_bytes!("../fixtures/keys/ec.pem");
const ED_PEM: &[u8] = include_bytes!("../fixtures/keys/ed25519.pem");

/// One of the fixture keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKey {
    /// `rsa.pem` (RS256).
    Rsa,
    /// `ec.pem` (ES256).
    Ec,
    /// `ed25519.pem` (EdDSA).
    Ed,
    /// `rsa-other.pem`: a key nobody trusts unless a test publishes it.
    RsaOther,
}

/// Signs tokens with the fixture keys.
pub struct TestIssuer {
    rsa: EncodingKey,
    ec: EncodingKey,
    ed: EncodingKey,
    rsa_other: EncodingKey,
}

/// Current unix time in seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl TestIssuer {
    /// Loads the fixture keys.
    pub fn new() -> Self {
        TestIssuer {
            rsa: EncodingKey::from_rsa_pem(RSA_PEM).unwrap(),
            ec: EncodingKey::from_ec_pem(EC_PEM).unwrap(),
            ed: EncodingKey::from_ed_pem(ED_PEM).unwrap(),
            rsa_other: EncodingKey::from_rsa_pem(RSA_OTHER_PEM).unwrap(),
        }
    }

    /// The issuer identifier, [`ISSUER`].
    pub fn issuer(&self) -> &'static str {
        ISSUER
    }

    /// The default algorithm of a key.
    pub fn alg_of(key: TestKey) -> Algorithm {
        match key {
            TestKey::Rsa | TestKey::RsaOther => Algorithm::RS256,
            TestKey::Ec => Algorithm::ES256,
            TestKey::Ed => Algorithm::EdDSA,
        }
    }

    fn encoding(&self, key: TestKey) -> &EncodingKey {
        match key {
            TestKey::Rsa => &self.rsa,
            TestKey::Ec => &self.ec,
            TestKey::Ed => &self.ed,
            TestKey::RsaOther => &self.rsa_other,
        }
    }

    /// The public JWK of `key` under `kid`, with `alg` and `use: sig`.
    pub fn jwk(&self, key: TestKey, kid: &str) -> Value {
        let mut jwk = Jwk::from_encoding_key(self.encoding(key), Self::alg_of(key)).unwrap();
        jwk.common.key_id = Some(kid.to_owned());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        serde_json::to_value(jwk).unwrap()
    }

    /// A JWK set document holding `keys` (key, kid).
    pub fn jwks_of(&self, keys: &[(TestKey, &str)]) -> String {
        let keys: Vec<Value> = keys.iter().map(|(k, kid)| self.jwk(*k, kid)).collect();
        json!({ "keys": keys }).to_string()
    }

    /// The standard set: `rsa-1`, `ec-1`, `ed-1`.
    pub fn jwks_json(&self) -> String {
        self.jwks_of(&[
            (TestKey::Rsa, RSA_KID),
            (TestKey::Ec, EC_KID),
            (TestKey::Ed, ED_KID),
        ])
    }

    /// Valid claims for `sub`, issued at `now`, expiring an hour later.
    pub fn claims(&self, sub: &str, now: u64) -> Value {
        json!({ "iss": ISSUER, "sub": sub, "aud": AUDIENCE, "iat": now, "exp": now + 3600 })
    }

    /// A token for `alg` (RS256, ES256 or EdDSA) signed by the matching
    /// trusted key with its standard kid.
    pub fn token(&self, alg: Algorithm, claims: Value) -> String {
        let (key, kid) = match alg {
            Algorithm::RS256 => (TestKey::Rsa, RSA_KID),
            Algorithm::ES256 => (TestKey::Ec, EC_KID),
            Algorithm::EdDSA => (TestKey::Ed, ED_KID),
            other => panic!("TestIssuer::token: no fixture key for {other:?}"),
        };
        self.sign(key, alg, Some(kid), &claims)
    }

    /// A token signed by `key` under `alg`, with `kid` in the header (or none).
    pub fn sign(&self, key: TestKey, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        self.sign_with_header(key, &header, claims)
    }

    /// A token with a hand-made header signed by `key`.
    pub fn sign_with_header(&self, key: TestKey, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, self.encoding(key)).unwrap()
    }

    /// An HS256 token signed with `secret`.
    pub fn hs256(&self, secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    // --- forgeries ---

    /// `{"alg":"none"}` with an empty signature.
    pub fn forge_alg_none(&self, claims: &Value) -> String {
        raw_token(&json!({ "alg": "none", "typ": "JWT" }), claims, "")
    }

    /// The classic key confusion: HS256 "signed" with the RSA public key's PEM
    /// bytes as the HMAC secret, naming the RSA key's kid.
    pub fn forge_hs256_with_rsa_public_key(&self, claims: &Value) -> String {
        self.hs256(RSA_PUBLIC_PEM, Some(RSA_KID), claims)
    }

    /// The RSA public key PEM (what an attacker can download).
    pub fn rsa_public_pem(&self) -> &'static [u8] {
        RSA_PUBLIC_PEM
    }

    /// RS256 signed by `rsa-other.pem` but claiming kid `rsa-1`.
    pub fn forge_wrong_key(&self, claims: &Value) -> String {
        self.sign(TestKey::RsaOther, Algorithm::RS256, Some(RSA_KID), claims)
    }

    /// `token` with its payload edited by `edit` and the original signature kept.
    pub fn tamper_payload(token: &str, edit: impl FnOnce(&mut Value)) -> String {
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        edit(&mut claims);
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        parts.join(".")
    }

    /// `token` with one bit of its signature flipped (still valid base64url).
    pub fn tamper_signature(token: &str) -> String {
        let (input, sig) = token.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x01;
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl Default for TestIssuer {
    fn default() -> Self {
        Self::new()
    }
}

/// Assembles a compact JWS from JSON parts and a literal signature segment.
pub fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    format!("{}.{}.{signature}", enc(header), enc(claims))
}

/// A JWKS endpoint on `127.0.0.1:0` (plain HTTP) whose document, status and
/// latency tests can change while it runs; it counts the requests it gets.
pub struct JwksServer {
    addr: std::net::SocketAddr,
    state: std::sync::Arc<JwksState>,
    task: tokio::task::JoinHandle<()>,
}

struct JwksState {
    body: std::sync::Mutex<String>,
    status: std::sync::atomic::AtomicU16,
    delay_ms: std::sync::atomic::AtomicU64,
    hits: std::sync::atomic::AtomicUsize,
}

impl JwksServer {
    /// Starts serving `body` with status 200 at `/jwks.json`.
    pub async fn start(body: String) -> JwksServer {
        use std::sync::atomic::Ordering::SeqCst;

        use http_body_util::Full;
        use hyper::body::Bytes;
        use hyper_util::rt::TokioIo;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = std::sync::Arc::new(JwksState {
            body: std::sync::Mutex::new(body),
            status: 200.into(),
            delay_ms: 0.into(),
            hits: 0.into(),
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req| {
                        let state = state.clone();
                        async move {
                            state.hits.fetch_add(1, SeqCst);
                            let delay = state.delay_ms.load(SeqCst);
                            if delay > 0 {
                                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                            }
                            let body = state.body.lock().unwrap().clone();
                            let resp = hyper::Response::builder()
                                .status(state.status.load(SeqCst))
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body)))
                                .unwrap();
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        JwksServer { addr, state, task }
    }

    /// `http://127.0.0.1:<port>/jwks.json`.
    pub fn url(&self) -> http::Uri {
        format!("http://{}/jwks.json", self.addr).parse().unwrap()
    }

    /// Requests served so far.
    pub fn hits(&self) -> usize {
        self.state.hits.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Replaces the document.
    pub fn set_body(&self, body: String) {
        *self.state.body.lock().unwrap() = body;
    }

    /// Replaces the status (e.g. 500 to simulate an IdP outage).
    pub fn set_status(&self, status: u16) {
        self.state
            .status
            .store(status, std::sync::atomic::Ordering::SeqCst);
    }

    /// Delays every response, to make concurrent fetches overlap.
    pub fn set_delay(&self, delay: std::time::Duration) {
        self.state.delay_ms.store(
            delay.as_millis() as u64,
            std::sync::atomic::Ordering::SeqCst,
        );
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
