//! Answers the gateway makes itself must be the ones the server behind
//! would make (issue 14, item 2):
//!
//! - an unsupported protocol version gets `400` + `-32022` whose
//!   `error.data` lists the versions the upstream said it supports (learned
//!   from its `server/discover` answer; every version the gateway speaks
//!   before that) and echoes the requested one (SEP-2575);
//! - `Mcp-Name` on a method the gateway does not know to carry a name is
//!   not the gateway's to judge: a custom method is forwarded with it, and
//!   a task method the era removed (`tasks/result`) is answered `404` +
//!   `-32601`, as the server must;
//! - GET and DELETE read the version header by the same rule as POST: a
//!   malformed one is refused, never taken for the legacy era.
//!
//! Every refusal is shown not to have reached the upstream.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::attack::Who;
use crate::support::attack_current::{CurrentFixture, assert_nothing_forwarded};
use crate::support::client::{Answer, Call};

const CURRENT: &str = "2026-07-28";

/// A current-era POST of `method` as alice, declaring `version` in both the
/// header and `_meta`, with extra headers.
async fn post(
    fx: &CurrentFixture,
    method: &str,
    version: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": {}}}});
    let peer = fx.peer(Who::Alice, "/mcp");
    let mut call = Call::post_json(&peer.url, Some(&peer.token), &body)
        .header("mcp-protocol-version", version)
        .header("mcp-method", method);
    for (name, value) in headers {
        call = call.header(name, value);
    }
    call.send().await
}

fn assert_unsupported(a: &Answer, id: Value, requested: &str, supported: &[&str], label: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{label}: {:?}", a.body);
    let body = a.json();
    assert_eq!(
        body,
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32022,
            "message": "Unsupported protocol version",
            "data": {"supported": supported, "requested": requested}}}),
        "{label}"
    );
}

#[tokio::test]
async fn an_unsupported_version_is_answered_with_what_the_upstream_supports() {
    let fx = CurrentFixture::start().await;
    let before = fx.up().count();
    let a = post(&fx, "server/discover", "v999.0.0", &[]).await;
    assert_unsupported(
        &a,
        json!(7),
        "v999.0.0",
        &["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"],
        "before discovery: every version the gateway speaks",
    );
    assert_nothing_forwarded(fx.up(), before, "unsupported version");

    let discovered = post(&fx, "server/discover", CURRENT, &[]).await;
    assert_eq!(discovered.status, StatusCode::OK, "{:?}", discovered.body);
    assert_eq!(
        discovered.json()["result"]["supportedVersions"],
        json!([CURRENT])
    );

    let before = fx.up().count();
    for (requested, label) in [("v999.0.0", "unknown"), ("2026-7-28", "malformed date")] {
        let a = post(&fx, "tools/list", requested, &[]).await;
        assert_unsupported(&a, json!(7), requested, &[CURRENT], label);
    }
    assert_nothing_forwarded(fx.up(), before, "unsupported version");
}

#[tokio::test]
async fn mcp_name_on_a_method_the_gateway_does_not_know_is_left_to_the_server() {
    let fx = CurrentFixture::start().await;
    let before = fx.up().count();
    let a = post(&fx, "acme/report", CURRENT, &[("mcp-name", "quarterly")]).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let seen = &fx.up().seen()[before..];
    assert_eq!(seen.len(), 1, "the custom method was forwarded");
    assert_eq!(seen[0].json()["method"], "acme/report");
    assert_eq!(seen[0].headers["mcp-name"], "quarterly");

    // A method this era removed: the server's answer, not a header mismatch.
    let before = fx.up().count();
    let a = post(&fx, "tasks/result", CURRENT, &[("mcp-name", "task-1")]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{:?}", a.body);
    assert_eq!(a.error_code(), Some(-32601), "{:?}", a.body);
    assert_nothing_forwarded(fx.up(), before, "tasks/result");

    // A known method without a name still may not carry one.
    let a = post(&fx, "tools/list", CURRENT, &[("mcp-name", "x")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{:?}", a.body);
    assert_eq!(a.error_code(), Some(-32020));
    assert_nothing_forwarded(fx.up(), before, "tools/list with Mcp-Name");
}

#[tokio::test]
async fn get_and_delete_refuse_a_malformed_version_as_post_does() {
    let fx = CurrentFixture::start().await;
    let peer = fx.peer(Who::Alice, "/mcp");
    let before = fx.up().count();
    for method in [Method::GET, Method::DELETE] {
        for bad in ["v999.0.0", "2025-11-25x", "latest"] {
            let a = Call::new(method.clone(), &peer.url, Some(&peer.token))
                .header("accept", "text/event-stream")
                .header("mcp-protocol-version", bad)
                .send()
                .await;
            assert_eq!(
                a.status,
                StatusCode::BAD_REQUEST,
                "{method} {bad}: {:?}",
                a.body
            );
            let body = a.json();
            assert_eq!(body["error"]["code"], -32022, "{method} {bad}: {body}");
            assert_eq!(body["error"]["data"]["requested"], bad, "{body}");
            assert_eq!(body["id"], Value::Null);
        }
    }
    assert_nothing_forwarded(fx.up(), before, "GET/DELETE with a malformed version");

    // A well-formed version (or none) still reaches the upstream.
    let a = Call::new(Method::GET, &peer.url, Some(&peer.token))
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await;
    assert_ne!(a.status, StatusCode::BAD_REQUEST, "{:?}", a.body);
    assert_eq!(fx.up().count(), before + 1, "forwarded");
}
