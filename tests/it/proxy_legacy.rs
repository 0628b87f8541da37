//! Legacy-era (2025-03-26 … 2025-11-25) proxying.

use std::time::Duration;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;

use crate::support::client::{Call, rpc};
use crate::support::gateway::{TestGateway, UPSTREAM_CREDENTIAL};
use crate::support::upstream::{Reply, Upstream, json_with_session};

#[tokio::test]
async fn post_is_forwarded_byte_for_byte_with_the_route_credential_not_the_client_token() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let body = br#"{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let answer = Call::post(&gw.url(), Some(&token), body.as_slice())
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["id"], 7);
    let seen = up.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].body.as_ref(),
        body.as_slice(),
        "body must pass through untouched"
    );
    assert_eq!(seen[0].headers["authorization"], UPSTREAM_CREDENTIAL);
    for (_, v) in seen[0].headers.iter() {
        assert!(
            !v.as_bytes()
                .windows(20)
                .any(|w| token.as_bytes().windows(20).any(|t| t == w)),
            "client token leaked upstream"
        );
    }
}

#[tokio::test]
async fn session_and_version_headers_pass_through_both_ways() {
    let up = Upstream::spawn(|_| json_with_session("upstream-session-1")).await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let handle = gw.initialize(&token).await;
    assert!(
        handle.starts_with("tg1."),
        "the client sees a gateway handle, not {handle}"
    );
    let next = Call::post_json(&gw.url(), Some(&token), &rpc(2, "tools/list", json!({})))
        .header("mcp-session-id", &handle)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await;
    assert_eq!(next.status, StatusCode::OK);
    let seen = up.seen();
    assert_eq!(seen[1].headers["mcp-session-id"], "upstream-session-1");
    assert_eq!(seen[1].headers["mcp-protocol-version"], "2025-11-25");
}

#[tokio::test]
async fn upstream_status_codes_reach_the_client_unchanged() {
    let up = Upstream::spawn(|seen| match seen.rpc_method().as_deref() {
        Some("notifications/initialized") => Reply::Status(StatusCode::ACCEPTED),
        _ => Reply::Json(StatusCode::NOT_FOUND, json!({"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}})),
    })
    .await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let expired = Call::post_json(&gw.url(), Some(&token), &rpc(3, "tools/list", json!({})))
        .send()
        .await;
    assert_eq!(
        expired.status,
        StatusCode::NOT_FOUND,
        "expired session must stay 404 so clients re-initialize"
    );
    let note = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    let accepted = Call::post_json(&gw.url(), Some(&token), &note).send().await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    assert!(accepted.body.is_empty());
    let response = json!({"jsonrpc":"2.0","id":"srv-1","result":{"action":"accept"}});
    let _ = Call::post_json(&gw.url(), Some(&token), &response)
        .send()
        .await;
    assert_eq!(
        up.count(),
        3,
        "a legacy client's JSON-RPC response is forwarded"
    );
}

#[tokio::test]
async fn get_stream_with_last_event_id_and_delete_pass_through() {
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(4);
    let rx = std::sync::Mutex::new(Some(rx));
    let up = Upstream::spawn(move |seen| match seen.method {
        Method::GET => Reply::Sse(rx.lock().unwrap().take().unwrap()),
        Method::POST => json_with_session("s1"),
        _ => Reply::Status(StatusCode::OK),
    })
    .await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let session = gw.initialize(&token).await;
    tx.send(
        "id: 5\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n"
            .into(),
    )
    .await
    .unwrap();
    drop(tx);
    let stream = Call::new(Method::GET, &gw.url(), Some(&token))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("last-event-id", "4")
        .send()
        .await;
    assert_eq!(stream.status, StatusCode::OK);
    let text = String::from_utf8(stream.body.to_vec()).unwrap();
    assert!(text.contains("id: 5") || text.contains("id:5"), "{text}");
    assert!(text.contains("notifications/message"));
    let del = Call::new(Method::DELETE, &gw.url(), Some(&token))
        .header("mcp-session-id", &session)
        .send()
        .await;
    assert_eq!(del.status, StatusCode::OK);
    let seen = up.seen();
    assert_eq!(seen[1].headers["last-event-id"], "4");
    assert_eq!(seen[1].headers["mcp-session-id"], "s1");
    assert_eq!(seen[2].method, Method::DELETE);
    assert_eq!(seen[2].headers["mcp-session-id"], "s1");
}

/// A gateway in front of an SSE upstream, with one streaming `tools/call` open.
async fn streaming_call() -> (
    Upstream,
    tokio::sync::mpsc::Sender<String>,
    TestGateway,
    http::Response<hyper::body::Incoming>,
) {
    let (up, tx) = Upstream::sse_once().await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let call = rpc(1, "tools/call", json!({"name": "slow"}));
    let resp = Call::post_json(&gw.url(), Some(&token), &call)
        .send_streaming()
        .await;
    (up, tx, gw, resp)
}

#[tokio::test]
async fn sse_events_are_relayed_as_they_arrive_not_at_stream_end() {
    let (_up, tx, _gw, resp) = streaming_call().await;
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    tx.send("event: message\ndata: {\"n\":1}\n\n".into())
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("first event relayed while stream still open");
    let first = first.unwrap().unwrap().into_data().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("{\"n\":1}"));
    tx.send("data: {\"n\":2}\n\n".into()).await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(second.data_ref().unwrap()).contains("{\"n\":2}"));
}

#[tokio::test]
async fn client_disconnect_closes_the_upstream_stream() {
    let (up, tx, _gw, resp) = streaming_call().await;
    tx.send(": keep-alive\n\n".into()).await.unwrap();
    let mut body = resp.into_body();
    let _ = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap();
    assert_eq!(up.open_streams.load(std::sync::atomic::Ordering::SeqCst), 1);
    drop(body);
    up.await_streams_closed(&tx).await;
}

#[tokio::test]
async fn hop_by_hop_headers_are_dropped_and_query_is_forwarded() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let url = format!("{}?tenant-hint=x", gw.url());
    Call::post_json(&url, Some(&token), &rpc(1, "ping", json!({})))
        .header("connection", "x-private")
        .header("x-private", "secret")
        .header("proxy-authorization", "Basic abc")
        .header("mcp-param-region", "eu")
        .send()
        .await;
    let seen = &up.seen()[0];
    assert!(seen.headers.get("x-private").is_none());
    assert!(seen.headers.get("proxy-authorization").is_none());
    assert_eq!(seen.headers["mcp-param-region"], "eu");
    assert_eq!(seen.path_and_query, "/mcp?tenant-hint=x");
}

#[tokio::test]
async fn unreachable_upstream_is_502_with_the_request_id() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mcp", dead.local_addr().unwrap());
    drop(dead);
    let gw = TestGateway::start(&url).await;
    let token = gw.token("alice", "acme");
    let answer = Call::post_json(&gw.url(), Some(&token), &rpc(42, "ping", json!({})))
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.json()["id"], 42);
    assert_eq!(answer.error_code(), Some(-32603));
}
