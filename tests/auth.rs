//! Bearer JWT verification end to end: every `Rejection` provoked with a real
//! token, claim mapping, the verified-token cache under an injected clock,
//! and JWKS over HTTP (rotation, refetch rate limit, failed refresh).

// Helpers outside `#[test]` functions fail loudly too.
#![allow(clippy::unwrap_used)]

#[path = "support/issuer.rs"]
mod issuer;
#[path = "auth/jwks_http.rs"]
mod jwks_http;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use issuer::{AUDIENCE, ISSUER, RSA_KID, TestIssuer, TestKey, now};
use jsonwebtoken::Algorithm::{self, ES256, EdDSA, PS256, RS256, RS384};
use serde_json::{Map, Value, json};
use taskgate::auth::{AuthConfig, Authenticator, ClaimMapping, Error, JwksSource, Rejection};
use taskgate::devtoken::{DevClaims, DevIssuer};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

type Edit = Box<dyn FnOnce(&mut Map<String, Value>)>;

fn set(claim: &'static str, value: Value) -> Edit {
    Box::new(move |c| _ = c.insert(claim.into(), value))
}

fn del(claim: &'static str) -> Edit {
    Box::new(move |c| _ = c.remove(claim))
}

/// Valid claims for "alice", edited by `edit`.
fn claims(iss: &TestIssuer, edit: Edit) -> Value {
    let mut c = iss.claims("alice", now());
    edit(c.as_object_mut().unwrap());
    c
}

fn write_jwks(doc: &str) -> std::path::PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("taskgate-auth-{}-{n}.json", std::process::id()));
    std::fs::write(&path, doc).unwrap();
    path
}

fn config(jwks: JwksSource) -> AuthConfig {
    AuthConfig::new(ISSUER, vec![AUDIENCE.to_owned()], jwks)
}

fn http() -> taskgate::proxy::HttpClient {
    taskgate::proxy::build_client(None).unwrap()
}

async fn try_auth(doc: &str, tweak: impl FnOnce(&mut AuthConfig)) -> Result<Authenticator, Error> {
    let mut c = config(JwksSource::File(write_jwks(doc)));
    tweak(&mut c);
    Authenticator::new(c, http()).await
}

async fn auth_with(doc: &str, tweak: impl FnOnce(&mut AuthConfig)) -> Authenticator {
    try_auth(doc, tweak).await.unwrap()
}

async fn standard() -> (TestIssuer, Authenticator) {
    let iss = TestIssuer::new();
    let auth = auth_with(&iss.jwks_json(), |_| {}).await;
    (iss, auth)
}

async fn reject(auth: &Authenticator, token: &str) -> Rejection {
    auth.authenticate(token).await.unwrap_err()
}

#[tokio::test]
async fn valid_tokens_of_every_algorithm_map_to_a_principal() {
    let (iss, auth) = standard().await;
    for alg in [RS256, ES256, EdDSA] {
        let c = claims(
            &iss,
            Box::new(|c| {
                c.insert("tid".into(), json!("acme"));
                c.insert("azp".into(), json!("cli"));
                c.insert("scope".into(), json!("tasks:read tasks:write"));
            }),
        );
        let p = auth.authenticate(&iss.token(alg, c.clone())).await.unwrap();
        assert_eq!((p.issuer(), p.subject()), (ISSUER, "alice"));
        assert_eq!((p.tenant(), p.client()), (Some("acme"), Some("cli")));
        assert_eq!(p.scopes(), vec!["tasks:read", "tasks:write"]);
        assert_eq!(p.expires_at(), c["exp"].as_u64().unwrap());
        assert!(p.has_scopes(&["tasks:read".into()]));
    }
}

#[tokio::test]
async fn claim_problems_map_to_their_rejection() {
    let (iss, auth) = standard().await;
    let t = now();
    #[rustfmt::skip]
    let cases: Vec<(&str, Edit, Rejection)> = vec![
        ("expired", set("exp", json!(t - 100)), Rejection::Expired),
        ("nbf in the future", set("nbf", json!(t + 600)), Rejection::NotYetValid),
        ("no exp", del("exp"), Rejection::InvalidClaims("exp")),
        ("string exp", set("exp", json!("soon")), Rejection::InvalidClaims("exp")),
        ("wrong iss", set("iss", json!("https://evil.test")), Rejection::WrongIssuer),
        ("no iss", del("iss"), Rejection::WrongIssuer),
        ("wrong aud", set("aud", json!("https://other.test")), Rejection::WrongAudience),
        ("aud array without ours", set("aud", json!(["a", "b"])), Rejection::WrongAudience),
        ("no aud", del("aud"), Rejection::WrongAudience),
        ("numeric aud", set("aud", json!(7)), Rejection::InvalidClaims("aud")),
        ("no sub", del("sub"), Rejection::InvalidClaims("sub")),
        ("numeric sub", set("sub", json!(5)), Rejection::InvalidClaims("sub")),
        ("object scope", set("scope", json!({"a": 1})), Rejection::InvalidClaims("scope")),
        ("mixed scope array", set("scp", json!(["a", 2])), Rejection::InvalidClaims("scope")),
        ("array tenant", set("tid", json!(["t"])), Rejection::InvalidClaims("tenant")),
        ("bool client", set("azp", json!(true)), Rejection::InvalidClaims("client")),
    ];
    for (name, edit, want) in cases {
        let token = iss.token(ES256, claims(&iss, edit));
        assert_eq!(reject(&auth, &token).await, want, "{name}");
    }
    #[rustfmt::skip]
    let passing: Vec<(&str, Edit)> = vec![
        ("10 s past exp, inside the 30 s leeway", set("exp", json!(t - 10))),
        ("nbf inside the leeway", set("nbf", json!(t + 10))),
        ("aud array containing ours", set("aud", json!(["https://other.test", AUDIENCE]))),
        ("fractional exp", set("exp", json!(t as f64 + 60.5))),
    ];
    for (name, edit) in passing {
        let token = iss.token(ES256, claims(&iss, edit));
        assert!(auth.authenticate(&token).await.is_ok(), "{name}");
    }
}

#[tokio::test]
async fn malformed_and_missing_tokens() {
    let (_, auth) = standard().await;
    let bad = [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d.e",
        "!!.??.##",
        "e30.e30.",
        "bnVsbA.e30.e30",
    ];
    for bad in bad {
        assert_eq!(reject(&auth, bad).await, Rejection::Malformed, "{bad:?}");
    }
    assert_eq!(Authenticator::bearer_token(None), Err(Rejection::Missing));
    let header = http::HeaderValue::from_static("Bearer a.b.c");
    assert_eq!(Authenticator::bearer_token(Some(&header)), Ok("a.b.c"));
}

#[tokio::test]
async fn alg_none_and_disallowed_algorithms_are_refused() {
    let (iss, auth) = standard().await;
    let c = iss.claims("alice", now());
    assert_eq!(
        reject(&auth, &iss.forge_alg_none(&c)).await,
        Rejection::AlgorithmNotAllowed
    );
    // RS384 with the trusted RSA key: a fine signature, but not on the list.
    let rs384 = iss.sign(TestKey::Rsa, RS384, Some(RSA_KID), &c);
    assert_eq!(reject(&auth, &rs384).await, Rejection::AlgorithmNotAllowed);
    let rsa_only = auth_with(&iss.jwks_json(), |c| c.algorithms = vec![RS256]).await;
    let es256 = iss.token(ES256, c.clone());
    assert_eq!(
        reject(&rsa_only, &es256).await,
        Rejection::AlgorithmNotAllowed
    );
    assert!(rsa_only.authenticate(&iss.token(RS256, c)).await.is_ok());
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_never_verifies() {
    let (iss, auth) = standard().await;
    let c = iss.claims("mallory", now());
    let forged = iss.forge_hs256_with_rsa_public_key(&c);
    assert_eq!(reject(&auth, &forged).await, Rejection::AlgorithmNotAllowed);
    // Even with HS256 allowed, it verifies only against the configured secret.
    let with_hs = auth_with(&iss.jwks_json(), |c| {
        c.algorithms.push(Algorithm::HS256);
        c.hs256_secret = Some(SECRET.to_vec());
    })
    .await;
    assert_eq!(reject(&with_hs, &forged).await, Rejection::BadSignature);
    assert!(
        with_hs
            .authenticate(&iss.hs256(SECRET, None, &c))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn key_must_match_kid_family_and_jwk_alg() {
    let (iss, auth) = standard().await;
    let c = iss.claims("alice", now());
    let unknown = iss.sign(TestKey::Rsa, RS256, Some("nope"), &c);
    assert_eq!(reject(&auth, &unknown).await, Rejection::UnknownKey);
    // An EC token naming the RSA key's kid finds no EC key under it.
    let cross = iss.sign(TestKey::Ec, ES256, Some(RSA_KID), &c);
    assert_eq!(reject(&auth, &cross).await, Rejection::UnknownKey);
    // The JWK says RS256: a PS256 token under its kid is refused even with PS256 allowed.
    let ps = auth_with(&iss.jwks_json(), |c| c.algorithms.push(PS256)).await;
    let ps256 = iss.sign(TestKey::Rsa, PS256, Some(RSA_KID), &c);
    assert_eq!(reject(&ps, &ps256).await, Rejection::UnknownKey);
}

#[tokio::test]
async fn token_without_kid_uses_the_only_usable_key() {
    let (iss, auth) = standard().await;
    let c = iss.claims("alice", now());
    let no_kid = iss.sign(TestKey::Ed, EdDSA, None, &c);
    assert!(auth.authenticate(&no_kid).await.is_ok());
    let two = iss.jwks_of(&[(TestKey::Rsa, "a"), (TestKey::RsaOther, "b")]);
    let two_rsa = auth_with(&two, |_| {}).await;
    let ambiguous = iss.sign(TestKey::Rsa, RS256, None, &c);
    assert_eq!(reject(&two_rsa, &ambiguous).await, Rejection::UnknownKey);
}

#[tokio::test]
async fn tampering_and_foreign_keys_fail_the_signature() {
    let (iss, auth) = standard().await;
    let c = iss.claims("alice", now());
    for alg in [RS256, ES256, EdDSA] {
        let good = iss.token(alg, c.clone());
        let flipped = TestIssuer::tamper_signature(&good);
        assert_eq!(
            reject(&auth, &flipped).await,
            Rejection::BadSignature,
            "{alg:?}"
        );
        let elevated = TestIssuer::tamper_payload(&good, |c| c["sub"] = json!("admin"));
        assert_eq!(
            reject(&auth, &elevated).await,
            Rejection::BadSignature,
            "{alg:?}"
        );
    }
    assert_eq!(
        reject(&auth, &iss.forge_wrong_key(&c)).await,
        Rejection::BadSignature
    );
}

#[tokio::test]
async fn claim_mapping_nested_numeric_and_arrays() {
    let iss = TestIssuer::new();
    let mapping = ClaimMapping {
        tenant: Some("org.id".parse().unwrap()),
        client: vec!["client_id".parse().unwrap()],
        scope: vec!["scp".parse().unwrap()],
    };
    let auth = auth_with(&iss.jwks_json(), |c| c.claims = mapping).await;
    let c = claims(
        &iss,
        Box::new(|c| {
            c.insert("org".into(), json!({"id": "acme"}));
            c.insert("client_id".into(), json!(1234));
            c.insert("scp".into(), json!(["a", "b"]));
        }),
    );
    let p = auth.authenticate(&iss.token(RS256, c)).await.unwrap();
    assert_eq!((p.tenant(), p.client()), (Some("acme"), Some("1234")));
    assert_eq!(p.scopes(), vec!["a", "b"]);
    let (_, default_auth) = standard().await;
    let numeric = iss.token(RS256, claims(&iss, set("tid", json!(42))));
    let p = default_auth.authenticate(&numeric).await.unwrap();
    assert_eq!(p.tenant(), Some("42"));
}

#[tokio::test]
async fn cached_token_still_expires_on_time() {
    let iss = TestIssuer::new();
    let clock = Arc::new(AtomicU64::new(1_000_000));
    let reader = clock.clone();
    let auth = auth_with(&iss.jwks_json(), |c| c.leeway = Duration::ZERO)
        .await
        .with_clock(move || reader.load(Ordering::SeqCst));
    let c = json!({"iss": ISSUER, "sub": "a", "aud": AUDIENCE, "exp": 1_000_010, "nbf": 999_990});
    let tok = iss.token(EdDSA, c);
    let first = auth.authenticate(&tok).await.unwrap();
    clock.store(1_000_009, Ordering::SeqCst);
    let hit = auth.authenticate(&tok).await.unwrap();
    assert!(
        Arc::ptr_eq(&first, &hit),
        "second call is served from the cache"
    );
    clock.store(999_980, Ordering::SeqCst);
    assert_eq!(reject(&auth, &tok).await, Rejection::NotYetValid);
    clock.store(1_000_010, Ordering::SeqCst);
    assert_eq!(reject(&auth, &tok).await, Rejection::Expired);
}

#[tokio::test]
async fn start_up_errors() {
    let iss = TestIssuer::new();
    let missing = config(JwksSource::File("/nonexistent/taskgate/jwks.json".into()));
    assert!(matches!(
        Authenticator::new(missing, http()).await,
        Err(Error::JwksFile { .. })
    ));
    assert!(matches!(
        try_auth("{not json", |_| {}).await,
        Err(Error::JwksJson { .. })
    ));
    assert!(matches!(
        try_auth(r#"{"keys":[]}"#, |_| {}).await,
        Err(Error::NoUsableKeys { .. })
    ));
    let rsa = iss.jwks_of(&[(TestKey::Rsa, RSA_KID)]);
    let ed_only = try_auth(&rsa, |c| c.algorithms = vec![EdDSA]).await;
    assert!(matches!(ed_only, Err(Error::NoUsableKeys { .. })));
    let hs = try_auth(&rsa, |c| c.algorithms.push(Algorithm::HS256)).await;
    assert!(matches!(hs, Err(Error::Hs256WithoutSecret)));
    let secret = try_auth(&rsa, |c| c.hs256_secret = Some(SECRET.to_vec())).await;
    assert!(matches!(secret, Err(Error::SecretWithoutHs256)));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = JwksSource::Url {
        url: format!("http://127.0.0.1:{port}/jwks.json")
            .parse()
            .unwrap(),
        refresh_interval: Duration::from_secs(300),
        min_refetch_interval: Duration::from_secs(30),
    };
    let unreachable = Authenticator::new(config(url), http()).await;
    assert!(matches!(unreachable, Err(Error::JwksFetch { .. })));
}

#[tokio::test]
async fn dev_issuer_tokens_verify() {
    let dev = DevIssuer::generate(ISSUER);
    let auth = auth_with(&dev.jwks_json(), |_| {}).await;
    let mut claims = DevClaims::new("dev-user", AUDIENCE);
    claims.tenant = Some("t1".into());
    claims.scopes = vec!["x".into()];
    let p = auth
        .authenticate(&dev.mint(&claims).unwrap())
        .await
        .unwrap();
    assert_eq!((p.subject(), p.tenant()), ("dev-user", Some("t1")));
    assert_eq!(p.scopes(), vec!["x"]);
}
