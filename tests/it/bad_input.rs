//! Bad input gets a clear error, never a panic, and never reaches the upstream.

use http::{Method, StatusCode};
use serde_json::json;

use crate::support::client::{Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::Upstream;

async fn setup(max_body: usize) -> (Upstream, TestGateway, String) {
    let up = Upstream::echo().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.limits.max_body_bytes = Some(max_body);
        raw.limits.max_json_depth = Some(32);
    })
    .await;
    let token = gw.token("alice", "acme");
    (up, gw, token)
}

#[tokio::test]
async fn malformed_bodies_get_json_rpc_errors_and_reach_nothing() {
    let (up, gw, token) = setup(64 * 1024).await;
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, Vec<u8>, StatusCode, i64)> = vec![
        ("not json", b"{not json".to_vec(), StatusCode::BAD_REQUEST, -32700),
        ("trailing", br#"{"jsonrpc":"2.0","id":1,"method":"ping"} x"#.to_vec(), StatusCode::BAD_REQUEST, -32700),
        ("invalid utf8", b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}".to_vec(), StatusCode::BAD_REQUEST, -32700),
        ("deep", deep.into_bytes(), StatusCode::BAD_REQUEST, -32700),
        (
            "duplicate keys",
            br#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"taskId":"a","taskId":"b"}}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            -32700,
        ),
        ("batch", br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#.to_vec(), StatusCode::BAD_REQUEST, -32600),
        ("wrong version", br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#.to_vec(), StatusCode::BAD_REQUEST, -32600),
        ("bool id", br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#.to_vec(), StatusCode::BAD_REQUEST, -32600),
        ("not an object", b"42".to_vec(), StatusCode::BAD_REQUEST, -32600),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST, -32700),
    ];
    for (name, body, status, code) in cases {
        let answer = Call::post(&gw.url(), Some(&token), body).send().await;
        assert_eq!(answer.status, status, "{name}");
        assert_eq!(answer.error_code(), Some(code), "{name}: {:?}", answer.body);
        assert!(
            answer.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn oversize_body_is_413_whether_or_not_it_declares_a_length() {
    let (up, gw, token) = setup(1024).await;
    let big = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x".repeat(4096)}}});
    let answer = Call::post_json(&gw.url(), Some(&token), &big).send().await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error_code(), Some(-32600));
    let fits = Call::post_json(&gw.url(), Some(&token), &rpc(2, "ping", json!({})))
        .send()
        .await;
    assert_eq!(
        fits.status,
        StatusCode::OK,
        "a request under the limit still works"
    );
    assert_eq!(up.count(), 1);
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let (up, gw, token) = setup(1024).await;
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        let answer = Call::post(
            &gw.url(),
            Some(&token),
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
        )
        .header("content-type", ct)
        .send()
        .await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
    }
    let missing = Call::post(&gw.url(), Some(&token), "{}")
        .without("content-type")
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let with_charset = Call::post(
        &gw.url(),
        Some(&token),
        r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
    )
    .header("content-type", "Application/JSON; charset=utf-8")
    .send()
    .await;
    assert_eq!(with_charset.status, StatusCode::OK);
    assert_eq!(up.count(), 1);
}

#[tokio::test]
async fn huge_headers_are_refused_with_431() {
    let (up, gw, token) = setup(1024).await;
    let answer = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .header("x-padding", &"a".repeat(100 * 1024))
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn unknown_paths_methods_and_origins_are_refused() {
    let (up, gw, token) = setup(1024).await;
    let other = Call::post_json(
        &format!("{}/other", gw.base()),
        Some(&token),
        &rpc(1, "ping", json!({})),
    )
    .send()
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let put = Call::new(Method::PUT, &gw.url(), Some(&token)).send().await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(put.header("allow").is_some());
    let origin = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .header("origin", "http://evil.example")
        .send()
        .await;
    assert_eq!(origin.status, StatusCode::FORBIDDEN);
    assert_eq!(up.count(), 0);
}
