//! Authentication at the gateway: challenges, scopes, metadata, refresh.
//! (Token-validation edge cases are covered in `tests/auth.rs`.)

use http::{Method, StatusCode};
use serde_json::json;

use crate::support::client::{Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::Upstream;

#[tokio::test]
async fn missing_token_is_401_with_resource_metadata_challenge_on_every_method() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    for m in [Method::POST, Method::GET, Method::DELETE] {
        let answer = if m == Method::POST {
            Call::post_json(&gw.url(), None, &rpc(1, "ping", json!({})))
                .send()
                .await
        } else {
            Call::new(m.clone(), &gw.url(), None).send().await
        };
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{m}");
        let challenge = answer.header("www-authenticate").unwrap();
        let expected = format!(
            "resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
            gw.base()
        );
        assert!(
            challenge.starts_with("Bearer ") && challenge.contains(&expected),
            "{challenge}"
        );
        assert!(
            !challenge.contains("error="),
            "no error code when no token was sent: {challenge}"
        );
    }
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn bad_tokens_are_401_invalid_token_and_never_forwarded() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let now = jsonwebtoken::get_current_timestamp();
    let mut expired = gw.claims("alice", "acme");
    expired["exp"] = json!(now - 3600);
    let mut wrong_aud = gw.claims("alice", "acme");
    wrong_aud["aud"] = json!("https://someone-else.test/mcp");
    let mut wrong_iss = gw.claims("alice", "acme");
    wrong_iss["iss"] = json!("https://evil.test");
    let good = gw.token("alice", "acme");
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    let cases = [
        (
            "expired",
            gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, expired),
            "expired",
        ),
        (
            "audience",
            gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, wrong_aud),
            "invalid",
        ),
        (
            "issuer",
            gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, wrong_iss),
            "invalid",
        ),
        ("tampered", tampered, "invalid"),
        ("garbage", "not.a.jwt".to_string(), "invalid"),
    ];
    for (name, token, kind) in cases {
        let answer = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
            .send()
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}");
        let challenge = answer.header("www-authenticate").unwrap();
        assert!(
            challenge.contains("error=\"invalid_token\""),
            "{name}: {challenge}"
        );
        assert!(challenge.contains(kind), "{name}: {challenge}");
    }
    let basic = Call::post_json(&gw.url(), None, &rpc(1, "ping", json!({})))
        .header("authorization", "Basic YTpi")
        .send()
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn missing_scopes_are_403_listing_every_required_scope() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.routes[0].required_scopes = vec!["mcp:tools".into(), "mcp:tasks".into()];
    })
    .await;
    let mut partial = gw.claims("alice", "acme");
    partial["scope"] = json!("mcp:tools");
    let token = gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, partial);
    let answer = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let challenge = answer.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"mcp:tools mcp:tasks\""),
        "{challenge}"
    );
    assert_eq!(up.count(), 0);
    let mut full = gw.claims("alice", "acme");
    full["scp"] = json!(["mcp:tasks", "mcp:tools", "other"]);
    let token = gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, full);
    let ok = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .send()
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn protected_resource_metadata_is_served_at_root_and_path_suffixed_urls() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.routes[0].required_scopes = vec!["mcp:tools".into()];
    })
    .await;
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let answer = Call::new(Method::GET, &format!("{}{path}", gw.base()), None)
            .send()
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        let doc = answer.json();
        assert_eq!(doc["resource"], format!("{}/mcp", gw.base()));
        assert_eq!(doc["authorization_servers"], json!([gw.issuer.issuer()]));
        assert_eq!(doc["scopes_supported"], json!(["mcp:tools"]));
    }
    let unknown = Call::new(
        Method::GET,
        &format!("{}/.well-known/oauth-protected-resource/nope", gw.base()),
        None,
    )
    .send()
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refreshed_token_of_the_same_identity_keeps_working() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let first = gw.token("alice", "acme");
    let mut later = gw.claims("alice", "acme");
    later["iat"] = json!(jsonwebtoken::get_current_timestamp() + 1);
    later["jti"] = json!("refreshed");
    let second = gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, later);
    assert_ne!(first, second);
    for t in [&first, &second, &first] {
        let answer = Call::post_json(&gw.url(), Some(t), &rpc(1, "ping", json!({})))
            .send()
            .await;
        assert_eq!(answer.status, StatusCode::OK);
    }
}
