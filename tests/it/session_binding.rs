//! Legacy `Mcp-Session-Id` values are capabilities: bound to the identity
//! that initialized the session. Replays by anyone else are answered exactly
//! like an unknown session (404) and never reach the upstream.

use http::{Method, StatusCode};
use serde_json::json;

use crate::support::client::{Answer, Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Upstream, json_with_session};

const UPSTREAM_SESSION: &str = "0f9c2d1e-upstream-session";

async fn setup() -> (Upstream, TestGateway) {
    let up = Upstream::spawn(|_| json_with_session(UPSTREAM_SESSION)).await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        let mut second = taskgate::config::raw::RawRoute {
            path: "/other".into(),
            upstream: up.url(),
            ..Default::default()
        };
        second.credential = None;
        raw.routes.push(second);
    })
    .await;
    (up, gw)
}

async fn with_session(gw_url: &str, method: Method, token: &str, session: &str) -> Answer {
    match method {
        Method::POST => {
            Call::post_json(gw_url, Some(token), &rpc(2, "tools/list", json!({})))
                .header("mcp-session-id", session)
                .send()
                .await
        }
        m => {
            Call::new(m, gw_url, Some(token))
                .header("accept", "text/event-stream")
                .header("mcp-session-id", session)
                .header("last-event-id", "1")
                .send()
                .await
        }
    }
}

fn assert_unknown_session(a: &Answer, what: &str) {
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{what}");
    assert_eq!(a.error_code(), Some(-32001), "{what}");
    assert_eq!(a.json()["error"]["message"], "Session not found", "{what}");
}

#[tokio::test]
async fn the_client_sees_an_opaque_handle_and_the_upstream_its_own_id() {
    let (up, gw) = setup().await;
    let alice = gw.token("alice", "acme");
    let handle = gw.initialize(&alice).await;
    assert!(
        handle.starts_with("tg1.") && !handle.contains(UPSTREAM_SESSION),
        "{handle}"
    );
    assert_eq!(
        gw.initialize(&alice).await,
        handle,
        "stable for the same identity and session"
    );
    let next = with_session(&gw.url(), Method::POST, &alice, &handle).await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(next.header("mcp-session-id"), Some(handle.as_str()));
    assert_eq!(
        up.seen().last().unwrap().headers["mcp-session-id"],
        UPSTREAM_SESSION
    );
}

#[tokio::test]
async fn another_identity_replaying_the_session_gets_404_on_post_get_and_delete() {
    let (up, gw) = setup().await;
    let alice = gw.token("alice", "acme");
    let handle = gw.initialize(&alice).await;
    let before = up.count();
    let mut bob_same_tenant = gw.claims("bob", "acme");
    bob_same_tenant["azp"] = json!("test-client");
    let mut alice_other_tenant = gw.claims("alice", "globex");
    alice_other_tenant["azp"] = json!("test-client");
    let mut alice_other_client = gw.claims("alice", "acme");
    alice_other_client["azp"] = json!("another-client");
    let impostors = [
        (
            "other subject",
            gw.issuer
                .token(jsonwebtoken::Algorithm::EdDSA, bob_same_tenant),
        ),
        (
            "other tenant",
            gw.issuer
                .token(jsonwebtoken::Algorithm::EdDSA, alice_other_tenant),
        ),
        (
            "other client",
            gw.issuer
                .token(jsonwebtoken::Algorithm::EdDSA, alice_other_client),
        ),
    ];
    for (who, token) in &impostors {
        for m in [Method::POST, Method::GET, Method::DELETE] {
            let a = with_session(&gw.url(), m.clone(), token, &handle).await;
            assert_unknown_session(&a, &format!("{who} {m}"));
        }
    }
    assert_eq!(up.count(), before, "no replay reached the upstream");
}

#[tokio::test]
async fn forged_raw_and_cross_route_session_ids_are_unknown_sessions() {
    let (up, gw) = setup().await;
    let alice = gw.token("alice", "acme");
    let handle = gw.initialize(&alice).await;
    let before = up.count();
    let mut tampered = handle.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let cases = [
        ("raw upstream id", UPSTREAM_SESSION.to_string()),
        ("tampered", tampered),
        ("truncated", handle[..handle.len() / 2].to_string()),
        ("other version", handle.replacen("tg1.", "tg2.", 1)),
        ("garbage", "!!".to_string()),
        ("huge", "a".repeat(4000)),
    ];
    for (what, value) in &cases {
        let a = with_session(&gw.url(), Method::POST, &alice, value).await;
        assert_unknown_session(&a, what);
    }
    let other_route = with_session(
        &format!("{}/other", gw.base()),
        Method::POST,
        &alice,
        &handle,
    )
    .await;
    assert_unknown_session(&other_route, "handle from another route");
    assert_eq!(up.count(), before);
}

#[tokio::test]
async fn a_refreshed_token_of_the_same_identity_keeps_the_session() {
    let (_up, gw) = setup().await;
    let handle = gw.initialize(&gw.token("alice", "acme")).await;
    let mut refreshed = gw.claims("alice", "acme");
    refreshed["jti"] = json!("second-token");
    refreshed["scope"] = json!("more scopes now");
    let token = gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, refreshed);
    let a = with_session(&gw.url(), Method::POST, &token, &handle).await;
    assert_eq!(a.status, StatusCode::OK);
}
