//! Task-side edges of issue 12: upstream answers that are neither JSON nor
//! SSE (defect 6), and the tool a task runs recorded on every path
//! (defect 8).

use http::StatusCode;
use serde_json::{Value, json};
use taskgate::body::full;
use taskgate::handle::{HandleCodec, KeyRing, Kind};

use crate::support::attack::{Fixture, KID, Peer, VERSION, Who, handle_key};
use crate::support::attack_current::CurrentFixture;
use crate::support::client::Call;
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Reply, Upstream};

/// A codec holding the fixtures' handle key (`k1`, 32 bytes of 1).
fn fixture_codec() -> HandleCodec {
    HandleCodec::new(KeyRing::new(&[(KID.to_string(), vec![1u8; 32])], KID).unwrap())
}

/// The tool sealed into `handle` (and so recorded for its task: handles are
/// sealed from the store record).
fn sealed_tool(handle: &str) -> Option<String> {
    fixture_codec()
        .open(Kind::Task, "/mcp", handle)
        .unwrap_or_else(|d| panic!("the fixture key opens its handle: {d:?}"))
        .tool
}

#[tokio::test]
async fn the_task_record_and_handle_name_the_tool_in_both_eras() {
    let legacy = Fixture::start().await;
    let handle = legacy.join(Who::Alice, "/mcp").await.start_task().await;
    assert_eq!(sealed_tool(&handle).as_deref(), Some("slow"), "legacy");

    let current = CurrentFixture::start().await;
    let alice = current.peer(Who::Alice, "/mcp");
    let handle = alice.start_task().await;
    assert_eq!(sealed_tool(&handle).as_deref(), Some("slow"), "current");
    // A poll re-seals the handle from the store record: it names the tool too.
    let polled = alice
        .call(json!(2), "tasks/get", json!({"taskId": handle}))
        .await;
    let polled = polled["result"]["taskId"].as_str().unwrap();
    assert_eq!(sealed_tool(polled).as_deref(), Some("slow"), "current poll");
}

/// A legacy upstream that creates task `task-1` as JSON, then answers in
/// `text/plain` quoting the raw id: to `tasks/get`, and to a second
/// task-augmented call (tool `plain`).
async fn plain_text_upstream() -> Upstream {
    Upstream::spawn(|seen| {
        let msg = seen.json();
        let id = msg.get("id").cloned().unwrap_or(Value::Null);
        let text = |body: &str| {
            Reply::Raw(
                http::Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .header("content-type", "text/plain; charset=utf-8")
                    .body(full(body.to_string()))
                    .unwrap(),
            )
        };
        if msg.get("id").is_none() {
            return Reply::Status(StatusCode::ACCEPTED);
        }
        match (msg["method"].as_str(), msg["params"]["name"].as_str()) {
            (Some("initialize"), _) => Reply::Raw(
                http::Response::builder()
                    .header("content-type", "application/json")
                    .header("mcp-session-id", "plain-session")
                    .body(full(
                        json!({"jsonrpc": "2.0", "id": id, "result": {
                            "protocolVersion": VERSION, "capabilities": {},
                            "serverInfo": {"name": "plain", "version": "1"}}})
                        .to_string(),
                    ))
                    .unwrap(),
            ),
            (Some("tools/call"), Some("plain")) => text("created task task-2 for you"),
            (Some("tools/call"), _) => Reply::Json(
                StatusCode::OK,
                json!({"jsonrpc": "2.0", "id": id, "result": {"task": {
                    "taskId": "task-1", "status": "working", "ttl": 60_000,
                    "createdAt": "2025-11-25T00:00:00Z", "lastUpdatedAt": "2025-11-25T00:00:00Z"}}}),
            ),
            (Some("tasks/get"), _) => text("task task-1 is stuck"),
            (Some("tasks/list"), _) => text("tasks: task-1, task-2"),
            _ => Reply::Status(StatusCode::NO_CONTENT),
        }
    })
    .await
}

#[tokio::test]
async fn a_non_json_answer_to_a_task_request_never_carries_an_upstream_id() {
    let up = plain_text_upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let handles = handle_key(dir.path(), KID, 1);
    let gw = TestGateway::start_with(&up.url(), |raw| raw.handles = handles).await;
    let alice = Peer::join(&gw, Who::Alice, "/mcp", None).await;
    let handle = alice.start_task().await;

    // A follow-up: the id the request named is replaced by the client's handle.
    let get = json!({"jsonrpc": "2.0", "id": 1, "method": "tasks/get",
                     "params": {"taskId": handle}});
    let a = alice.post(&get).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        String::from_utf8_lossy(&a.body),
        format!("task {handle} is stuck")
    );

    // Ids the gateway cannot know (a task-creating call, a listing): withheld.
    for (what, body) in [
        (
            "task-creating call",
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                   "params": {"name": "plain", "arguments": {}, "task": {"ttl": 1000}}}),
        ),
        (
            "tasks/list",
            json!({"jsonrpc": "2.0", "id": 3, "method": "tasks/list", "params": {}}),
        ),
    ] {
        let a = alice.post(&body).await;
        let text = String::from_utf8_lossy(&a.body);
        assert!(!text.contains("task-"), "{what}: {text}");
        assert_eq!(a.status, StatusCode::BAD_GATEWAY, "{what}: {text}");
        assert_eq!(a.error_code(), Some(-32603), "{what}");
        assert_eq!(a.json()["id"], body["id"], "{what}");
    }

    // Ordinary traffic is untouched: a non-task request's body streams as is.
    let ping = json!({"jsonrpc": "2.0", "id": 4, "method": "ping"});
    let a = Call::post_json(&alice.url, Some(&alice.token), &ping)
        .header("mcp-session-id", &alice.session)
        .header("mcp-protocol-version", VERSION)
        .send()
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
}
