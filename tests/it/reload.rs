//! Settings behind one swappable handle: a reload applies to requests that
//! start after it, a request in flight keeps the settings it started with,
//! handles given out before keep working, and a reload that fails changes
//! nothing.

use std::time::Duration;

use http::StatusCode;
use http_body_util::BodyExt;
use serde_json::json;

use crate::support::client::{Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Upstream, json_with_session};

#[tokio::test]
async fn new_requests_see_the_new_routes_while_a_stream_in_flight_keeps_its_own() {
    let (streaming, tx) = Upstream::sse_once().await;
    let echo = Upstream::echo().await;
    let mut gw = TestGateway::start(&streaming.url()).await;
    let token = gw.token("alice", "acme");
    let call = rpc(1, "tools/call", json!({"name": "slow"}));
    let resp = Call::post_json(&gw.url(), Some(&token), &call)
        .send_streaming()
        .await;
    let mut stream = resp.into_body();

    let echo_url = echo.url();
    gw.reload(|raw| {
        raw.routes[0].path = "/v2".into();
        raw.routes[0].upstream = echo_url;
    })
    .await;

    let old = Call::post_json(&gw.url(), Some(&token), &rpc(2, "ping", json!({})))
        .send()
        .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND, "the old path is gone");
    let v2 = format!("{}/v2", gw.base());
    let new = Call::post_json(&v2, Some(&token), &rpc(3, "ping", json!({})))
        .send()
        .await;
    assert_eq!(new.status, StatusCode::OK);
    assert_eq!(echo.count(), 1, "the new route's upstream got it");
    assert_eq!(streaming.count(), 1, "the old upstream got nothing new");

    tx.send("data: {\"after\":\"reload\"}\n\n".into())
        .await
        .unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), stream.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(event.data_ref().unwrap()).contains("reload"));
}

#[tokio::test]
async fn handles_given_out_before_a_reload_keep_working() {
    let up = Upstream::spawn(|_| json_with_session("upstream-session-1")).await;
    // No [handles] keys: the running (ephemeral) key must survive.
    let mut gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let session = gw.initialize(&token).await;
    gw.reload(|raw| raw.listen.allowed_origins = vec!["https://app.example".into()])
        .await;
    let answer = Call::post_json(&gw.url(), Some(&token), &rpc(2, "tools/list", json!({})))
        .header("mcp-session-id", &session)
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let seen = up.seen();
    assert_eq!(
        seen.last().unwrap().headers["mcp-session-id"],
        "upstream-session-1"
    );
    // The reloaded origin list applies.
    let browser = Call::post_json(&gw.url(), Some(&token), &rpc(3, "ping", json!({})))
        .header("origin", "https://app.example")
        .header("mcp-session-id", &session)
        .send()
        .await;
    assert_eq!(browser.status, StatusCode::OK);
}

#[tokio::test]
async fn a_reload_that_fails_changes_nothing() {
    let up = Upstream::echo().await;
    let mut gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let refused = gw
        .try_reload(|raw| {
            raw.routes[0].path = "/v2".into();
            raw.auth.jwks_file = Some("/nonexistent/jwks.json".into());
        })
        .await;
    assert!(refused.is_err());
    let answer = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .send()
        .await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the old settings still serve"
    );
}
