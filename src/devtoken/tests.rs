use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("taskgate-devtoken-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn save_load_round_trip_keeps_key_kid_and_issuer() {
    let dir = temp_dir("roundtrip");
    let issuer = DevIssuer::generate("http://127.0.0.1:9/dev");
    issuer.save(&dir).unwrap();
    let loaded = DevIssuer::load(&dir).unwrap();
    assert_eq!(loaded.issuer(), issuer.issuer());
    assert_eq!(loaded.kid(), issuer.kid());
    assert_eq!(loaded.jwks_json(), issuer.jwks_json());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join(SIGNING_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The PEM is what openssl and jsonwebtoken read.
    let pem = fs::read(dir.join(SIGNING_KEY_FILE)).unwrap();
    assert!(EncodingKey::from_ed_pem(&pem).is_ok());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn load_refuses_a_jwks_for_another_key() {
    let dir = temp_dir("mismatch");
    DevIssuer::generate("a").save(&dir).unwrap();
    fs::write(dir.join(JWKS_FILE), DevIssuer::generate("a").jwks_json()).unwrap();
    assert!(matches!(DevIssuer::load(&dir), Err(Error::Jwks { .. })));
    fs::write(dir.join(SIGNING_KEY_FILE), "not a key").unwrap();
    assert!(matches!(DevIssuer::load(&dir), Err(Error::Key { .. })));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn minted_claims_and_debug() {
    let issuer = DevIssuer::generate("https://dev.test");
    let mut claims = DevClaims::new("alice", "https://mcp.test/mcp");
    claims.tenant = Some("acme".into());
    claims.client = Some("cli".into());
    claims.scopes = vec!["a".into(), "b".into()];
    claims.not_before = Some(7);
    claims.extra.insert("custom".into(), json!(true));
    let token = issuer.mint(&claims).unwrap();
    let mut parts = token.split('.');
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let body: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], issuer.kid());
    assert_eq!(body["iss"], "https://dev.test");
    assert_eq!(body["sub"], "alice");
    assert_eq!(body["aud"], "https://mcp.test/mcp");
    assert_eq!(body["tid"], "acme");
    assert_eq!(body["azp"], "cli");
    assert_eq!(body["scope"], "a b");
    assert_eq!(body["nbf"], 7);
    assert_eq!(body["custom"], true);
    assert_eq!(
        body["exp"].as_u64().unwrap() - body["iat"].as_u64().unwrap(),
        3600
    );
    let no_scope = issuer.mint(&DevClaims::new("bob", "x")).unwrap();
    let payload = no_scope.split('.').nth(1).unwrap();
    let body: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert!(body.get("scope").is_none() && body.get("tid").is_none() && body.get("nbf").is_none());
    let debug = format!("{issuer:?}");
    assert!(debug.contains(issuer.kid()));
    assert!(!debug.contains(&STANDARD.encode(issuer.signing.to_bytes())));
}
