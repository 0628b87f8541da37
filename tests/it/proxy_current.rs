//! Current-era (2026-07-28) proxying: per-request `_meta`, mirrored headers.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::client::{Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Reply, Upstream};

const V: &str = "2026-07-28";

fn current(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    rpc(id, method, params)
}

async fn setup() -> (Upstream, TestGateway, String) {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    (up, gw, token)
}

#[tokio::test]
async fn matching_mirrored_headers_are_forwarded() {
    let (up, gw, token) = setup().await;
    let body = current(
        1,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "hi"}}),
    );
    let answer = Call::post_json(&gw.url(), Some(&token), &body)
        .header("mcp-protocol-version", V)
        .header("mcp-method", "tools/call")
        .header("mcp-name", "echo")
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(up.count(), 1);
    assert_eq!(up.seen()[0].headers["mcp-name"], "echo");
    let discover = Call::post_json(
        &gw.url(),
        Some(&token),
        &current(2, "server/discover", json!({})),
    )
    .header("mcp-protocol-version", V)
    .header("mcp-method", "server/discover")
    .send()
    .await;
    assert_eq!(discover.status, StatusCode::OK);
    assert_eq!(
        up.seen()[1].rpc_method().as_deref(),
        Some("server/discover")
    );
}

#[tokio::test]
async fn base64_sentinel_names_are_accepted_when_they_decode_to_the_body() {
    let (up, gw, token) = setup().await;
    let body = current(1, "tools/call", json!({"name": "résumé"}));
    let sentinel = format!("=?base64?{}?=", base64_std("résumé"));
    let answer = Call::post_json(&gw.url(), Some(&token), &body)
        .header("mcp-protocol-version", V)
        .header("mcp-method", "tools/call")
        .header("mcp-name", &sentinel)
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(up.count(), 1);
}

fn base64_std(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn header_body_disagreements_are_400_32020_and_never_forwarded() {
    let (up, gw, token) = setup().await;
    let call = || current(1, "tools/call", json!({"name": "echo"}));
    let task = || current(2, "tasks/get", json!({"taskId": "task-1"}));
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (
            call(),
            vec![("mcp-method", "tools/list"), ("mcp-name", "echo")],
        ),
        (
            call(),
            vec![
                ("mcp-method", "tools/call"),
                ("mcp-name", "delete_everything"),
            ],
        ),
        (call(), vec![("mcp-method", "tools/call")]),
        (call(), vec![("mcp-name", "echo")]),
        (
            task(),
            vec![("mcp-method", "tasks/get"), ("mcp-name", "task-2")],
        ),
        (
            task(),
            vec![
                ("mcp-method", "tasks/get"),
                ("mcp-name", "=?base64?not*base64?="),
            ],
        ),
    ];
    for (body, headers) in cases {
        let mut c =
            Call::post_json(&gw.url(), Some(&token), &body).header("mcp-protocol-version", V);
        for (n, v) in &headers {
            c = c.header(n, v);
        }
        let answer = c.send().await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{headers:?}");
        assert_eq!(answer.error_code(), Some(-32020), "{headers:?}");
        assert_eq!(
            answer.json()["id"],
            body["id"],
            "error keeps the request id"
        );
    }
    assert_eq!(
        up.count(),
        0,
        "no mismatched request may reach the upstream"
    );
}

#[tokio::test]
async fn version_header_and_meta_must_agree() {
    let (up, gw, token) = setup().await;
    let body = current(1, "ping", json!({}));
    let missing = Call::post_json(&gw.url(), Some(&token), &body)
        .header("mcp-method", "ping")
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.error_code(), Some(-32020));
    let wrong = Call::post_json(&gw.url(), Some(&token), &body)
        .header("mcp-protocol-version", "2027-01-01")
        .header("mcp-method", "ping")
        .send()
        .await;
    assert_eq!(wrong.error_code(), Some(-32020));
    let garbage = Call::post_json(&gw.url(), Some(&token), &body)
        .header("mcp-protocol-version", "latest")
        .header("mcp-method", "ping")
        .send()
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert_eq!(garbage.error_code(), Some(-32022));
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn current_era_clients_may_not_post_responses() {
    let (up, gw, token) = setup().await;
    let response = json!({"jsonrpc": "2.0", "id": 1, "result": {}});
    let answer = Call::post_json(&gw.url(), Some(&token), &response)
        .header("mcp-protocol-version", V)
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), Some(-32600));
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn get_and_delete_on_a_modern_only_upstream_pass_its_405_through() {
    let up = Upstream::spawn(|_| Reply::Status(StatusCode::METHOD_NOT_ALLOWED)).await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    for m in [Method::GET, Method::DELETE] {
        let answer = Call::new(m.clone(), &gw.url(), Some(&token))
            .header("mcp-protocol-version", V)
            .send()
            .await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{m}");
    }
    assert_eq!(up.count(), 2);
}
