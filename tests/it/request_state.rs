//! `requestState` is a capability too (current era, SEP-2322 multi-round
//! trips): in front of a scripted upstream that answers `tools/call`,
//! `prompts/get` and `resources/read` with an `InputRequiredResult` carrying
//! a `requestState`, and records what it receives.
//!
//! - The client sees a `tg1.` handle, never the upstream's value (JSON and
//!   SSE answers).
//! - The retry with that handle reaches the upstream with the ORIGINAL
//!   value.
//! - Another identity, tool, method, route; a tampered, raw or expired
//!   state: each refused with the same `-32602` answer, and the upstream
//!   received nothing.
//! - Legacy traffic is left as it is.

use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::support::attack::{KID, VERSION, Who};
use crate::support::attack_current::{
    CPeer, assert_answer, assert_nothing_forwarded, current_gateway, mcp_name,
};
use crate::support::client::Call;
use crate::support::current_upstream::sse;
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Reply, Seen, Upstream};

/// The upstream's own state for a request naming `name` (about 200 bytes,
/// shaped like the reference server's HMAC-protected JSON).
fn upstream_state(name: &str) -> String {
    format!(
        "{{\"data\":\"{{\\\"name\\\":\\\"{name}\\\",\\\"round\\\":1}}\",\"hmac\":\"{}\"}}",
        "9f".repeat(64)
    )
}

/// Tools whose answer comes as an SSE stream.
const STREAMED: &str = "book_streamed";

/// Round 1 (no `requestState`): input required, with the upstream's state.
/// Round 2: complete, quoting the state it received.
fn answer(seen: &Seen) -> Reply {
    let msg = seen.json();
    let id = msg["id"].clone();
    let params = &msg["params"];
    let name = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let result = match params.get("requestState") {
        None => json!({"resultType": "input_required",
            "inputRequests": {"confirm": {"method": "elicitation/create",
                "params": {"message": "Sure?", "requestedSchema": {"type": "object"}}}},
            "requestState": upstream_state(name)}),
        Some(state) => json!({"resultType": "complete",
            "content": [{"type": "text", "text": format!("state-ok: {state}")}]}),
    };
    let response = json!({"jsonrpc": "2.0", "id": id, "result": result});
    if name == STREAMED {
        let (tx, rx) = mpsc::channel(4);
        let progress = json!({"jsonrpc": "2.0", "method": "notifications/progress",
            "params": {"progressToken": 1, "progress": 1}});
        tx.try_send(sse(&progress)).unwrap();
        tx.try_send(sse(&response)).unwrap();
        return Reply::Sse(rx);
    }
    Reply::Json(StatusCode::OK, response)
}

struct Fixture {
    up: Upstream,
    gw: TestGateway,
    _dir: tempfile::TempDir,
}

async fn start(ttl: Option<&str>) -> Fixture {
    let up = Upstream::spawn(answer).await;
    let dir = tempfile::tempdir().unwrap();
    let ttl = ttl.map(str::to_owned);
    let gw = current_gateway(&up.url(), dir.path(), Some((KID, 1)), |raw| {
        raw.request_state.ttl = ttl;
    })
    .await;
    Fixture { up, gw, _dir: dir }
}

/// `params` with a `requestState`, as a retry carries it.
fn retry_params(member: &str, name: &str, state: &Value) -> Value {
    json!({member: name, "arguments": {},
        "inputResponses": {"confirm": {"action": "accept", "content": {}}},
        "requestState": state})
}

/// An honest current-era request: `Mcp-Name` mirrors `params.name` or
/// `params.uri` for every method that has one.
fn request(peer: &CPeer, id: &Value, method: &str, params: Value) -> Call {
    let name = params.get("name").or_else(|| params.get("uri")).cloned();
    let call = peer.request(id, method, params);
    match (method, name) {
        ("prompts/get" | "resources/read", Some(name)) => call.header("mcp-name", &mcp_name(&name)),
        _ => call,
    }
}

/// Round 1 of `method` on `name` as `peer`: the `requestState` the client saw.
async fn round_one(peer: &CPeer, method: &str, member: &str, name: &str) -> String {
    let a = request(
        peer,
        &json!(1),
        method,
        json!({member: name, "arguments": {}}),
    )
    .send()
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let v = a.json();
    assert_eq!(v["result"]["resultType"], "input_required", "{v}");
    assert_eq!(
        v["result"]["inputRequests"]["confirm"]["method"],
        "elicitation/create"
    );
    client_state(&v, name)
}

/// The `requestState` of an answer, checked to be a handle that hides the
/// upstream's value.
fn client_state(v: &Value, name: &str) -> String {
    let state = v["result"]["requestState"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        state.starts_with(&format!("tg1.{KID}.")),
        "a gateway handle: {state}"
    );
    assert!(
        !v.to_string().contains("hmac"),
        "the upstream state leaked: {v}"
    );
    assert_ne!(state, upstream_state(name));
    state.to_owned()
}

/// Asserts the retry reached the upstream once, with the ORIGINAL state
/// and no handle anywhere, and that the client got the complete result.
fn assert_retried_with_original(up: &Upstream, before: usize, answer: &Value, name: &str) {
    let arrived = &up.seen()[before..];
    assert_eq!(arrived.len(), 1, "one retry reaches the upstream");
    let body = arrived[0].json();
    assert_eq!(
        body["params"]["requestState"],
        upstream_state(name),
        "{body}"
    );
    assert!(
        !String::from_utf8_lossy(&arrived[0].body).contains("tg1."),
        "{body}"
    );
    assert_eq!(answer["result"]["resultType"], "complete", "{answer}");
}

/// The messages of an SSE body, in order.
fn sse_messages(body: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(body)
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| serde_json::from_str(d.trim_start()).unwrap())
        .collect()
}

/// Presents `state` on `method` naming `name` (`params.name`) as `peer`, and asserts the
/// one refusal and that nothing reached the upstream.
async fn assert_refused(
    fx: &Fixture,
    peer: &CPeer,
    method: &str,
    name: &str,
    state: &Value,
    what: &str,
) {
    let before = fx.up.count();
    let id = json!(what);
    let a = request(peer, &id, method, retry_params("name", name, state))
        .send()
        .await;
    assert_nothing_forwarded(&fx.up, before, what);
    let expected = json!({"jsonrpc": "2.0", "id": id,
        "error": {"code": -32602, "message": "requestState integrity check failed"}});
    assert_answer(&a, StatusCode::OK, &expected, what);
}

#[tokio::test]
async fn the_client_sees_a_handle_and_the_retry_brings_back_the_original() {
    let fx = start(None).await;
    let alice = CPeer::new(&fx.gw, Who::Alice, "/mcp");
    for (method, member, name) in [
        ("tools/call", "name", "book_trip"),
        ("prompts/get", "name", "trip_summary"),
        ("resources/read", "uri", "file:///trips/42"),
    ] {
        let state = round_one(&alice, method, member, name).await;
        let before = fx.up.count();
        let a = request(
            &alice,
            &json!(2),
            method,
            retry_params(member, name, &json!(state)),
        )
        .send()
        .await;
        assert_eq!(a.status, StatusCode::OK, "{method}: {:?}", a.body);
        assert_retried_with_original(&fx.up, before, &a.json(), name);
    }
}

#[tokio::test]
async fn an_sse_answer_carries_a_handle_too() {
    let fx = start(None).await;
    let alice = CPeer::new(&fx.gw, Who::Alice, "/mcp");
    let a = request(
        &alice,
        &json!(1),
        "tools/call",
        json!({"name": STREAMED, "arguments": {}}),
    )
    .send()
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("text/event-stream")),
        "{:?}",
        a.header("content-type")
    );
    assert!(!String::from_utf8_lossy(&a.body).contains("hmac"), "leaked");
    let events = sse_messages(&a.body);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["method"], "notifications/progress");
    let state = client_state(&events[1], STREAMED);

    let before = fx.up.count();
    let a = request(
        &alice,
        &json!(2),
        "tools/call",
        retry_params("name", STREAMED, &json!(state)),
    )
    .send()
    .await;
    let events = sse_messages(&a.body);
    let answer = events.iter().find(|v| v.get("result").is_some());
    let answer = answer.unwrap_or_else(|| panic!("{events:?}"));
    assert_retried_with_original(&fx.up, before, answer, STREAMED);
}

#[tokio::test]
async fn every_wrong_state_gets_one_answer_and_reaches_nothing() {
    let fx = start(None).await;
    let alice = CPeer::new(&fx.gw, Who::Alice, "/mcp");
    let state = round_one(&alice, "tools/call", "name", "book_trip").await;
    let handle = json!(state);
    for who in [
        Who::OtherSubject,
        Who::OtherTenant,
        Who::OtherClient,
        Who::Bob,
    ] {
        let peer = CPeer::new(&fx.gw, who, "/mcp");
        let what = format!("{who:?}");
        assert_refused(&fx, &peer, "tools/call", "book_trip", &handle, &what).await;
    }
    for (what, path, method, name) in [
        ("another route", "/other", "tools/call", "book_trip"),
        ("another method", "/mcp", "prompts/get", "book_trip"),
        ("another tool", "/mcp", "tools/call", "cancel_trip"),
    ] {
        let peer = CPeer::new(&fx.gw, Who::Alice, path);
        assert_refused(&fx, &peer, method, name, &handle, what).await;
    }
    for (what, presented) in [
        ("tampered", json!(format!("{state}-TAMPERED"))),
        ("truncated", json!(state[..state.len() - 4])),
        ("the raw upstream state", json!(upstream_state("book_trip"))),
        ("not a string", json!({"round": 1})),
        (
            "huge",
            json!(format!("tg1.{KID}.{}", "A".repeat(64 * 1024))),
        ),
    ] {
        assert_refused(&fx, &alice, "tools/call", "book_trip", &presented, what).await;
    }
    // Alice's own state still works after all that.
    let before = fx.up.count();
    let a = request(
        &alice,
        &json!(3),
        "tools/call",
        retry_params("name", "book_trip", &handle),
    )
    .send()
    .await;
    assert_retried_with_original(&fx.up, before, &a.json(), "book_trip");
}

#[tokio::test]
async fn an_expired_state_is_refused_like_a_forged_one() {
    let fx = start(Some("1s")).await;
    let alice = CPeer::new(&fx.gw, Who::Alice, "/mcp");
    let state = round_one(&alice, "tools/call", "name", "book_trip").await;
    // 1 s, rounded up to the next whole second: dead within 2 s.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let state = json!(state);
    assert_refused(&fx, &alice, "tools/call", "book_trip", &state, "expired").await;
}

#[tokio::test]
async fn legacy_traffic_is_left_as_it_is() {
    let fx = start(None).await;
    let token = crate::support::attack::token(&fx.gw, Who::Alice);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "book_trip", "arguments": {}}});
    let a = Call::post_json(&fx.gw.url(), Some(&token), &body)
        .header("mcp-protocol-version", VERSION)
        .send()
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(
        a.json()["result"]["requestState"],
        upstream_state("book_trip")
    );
    let raw = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": retry_params("name", "book_trip", &json!("whatever the client holds"))}))
    .unwrap();
    let before = fx.up.count();
    let a = Call::post(&fx.gw.url(), Some(&token), raw.clone())
        .header("mcp-protocol-version", VERSION)
        .send()
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(
        fx.up.seen()[before].body.as_ref(),
        raw.as_slice(),
        "forwarded byte for byte"
    );
}
