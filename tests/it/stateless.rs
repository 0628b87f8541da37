//! The current era's stateless transport through the gateway: no invented
//! sessions, a long-lived `subscriptions/listen` stream that survives on
//! keep-alives, is not buffered, is cancelled upstream when the client
//! leaves, and ends cleanly at shutdown.

use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::json;

use crate::support::client::{Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::Upstream;

const V: &str = "2026-07-28";

async fn listen() -> (
    Upstream,
    tokio::sync::mpsc::Sender<String>,
    TestGateway,
    http::Response<hyper::body::Incoming>,
) {
    let (up, tx) = Upstream::sse_once().await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let body = rpc(
        9,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true},
               "_meta": {"io.modelcontextprotocol/protocolVersion": V,
                         "io.modelcontextprotocol/clientCapabilities": {}}}),
    );
    let resp = Call::post_json(&gw.url(), Some(&token), &body)
        .header("mcp-protocol-version", V)
        .header("mcp-method", "subscriptions/listen")
        .send_streaming()
        .await;
    (up, tx, gw, resp)
}

async fn next_text(body: &mut hyper::body::Incoming) -> Option<String> {
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("a frame within 5 s")?;
    let data = frame.ok()?.into_data().ok()?;
    Some(String::from_utf8_lossy(&data).into_owned())
}

#[tokio::test]
async fn a_listen_stream_lives_on_keep_alives_unbuffered_and_without_a_session() {
    let (up, tx, _gw, resp) = listen().await;
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert_eq!(resp.headers()["x-accel-buffering"], "no");
    assert!(
        resp.headers().get("mcp-session-id").is_none(),
        "no invented session"
    );
    assert!(up.seen()[0].headers.get("mcp-session-id").is_none());
    let mut body = resp.into_body();
    let ack = r#"{"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/subscriptionId":9}}}"#;
    tx.send(format!("data: {ack}\n\n")).await.unwrap();
    assert!(next_text(&mut body).await.unwrap().contains("acknowledged"));
    // Quiet for longer than any idle timer would allow, with keep-alives.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        tx.send(": keep-alive\n\n".into()).await.unwrap();
        assert!(
            next_text(&mut body)
                .await
                .unwrap()
                .starts_with(": keep-alive")
        );
    }
    // The client leaving cancels the request upstream.
    drop(body);
    up.await_streams_closed(&tx).await;
}

#[tokio::test]
async fn a_listen_stream_ends_cleanly_at_shutdown() {
    let (_up, tx, gw, resp) = listen().await;
    let mut body = resp.into_body();
    tx.send(": keep-alive\n\n".into()).await.unwrap();
    assert!(next_text(&mut body).await.is_some());
    gw.running.shutdown();
    // The stream ends (at an event boundary) instead of hanging.
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(frame) = body.frame().await {
            if frame.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(end.is_ok(), "listen stream still open after shutdown");
}
