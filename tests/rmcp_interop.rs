//! Interop through the gateway with the official Rust SDK, `rmcp` 3.9.0
//! (pinned dev-dependency), on the current era (2026-07-28) and its tasks
//! extension (`io.modelcontextprotocol/tasks`, SEP-2663).
//!
//! What rmcp 3.9.0 implements, read from its source: a server-side
//! `TaskManager` (tasks for `tools/call`, `tasks/get|update|cancel`,
//! `input_required` with `inputRequests`, cooperative cancellation) that
//! binds tasks to nobody; a client with typed `call_tool_once` /
//! `get_task` / `update_task` / `cancel_task`, `server/discover`, per-request
//! `_meta` and the `Mcp-Name: <taskId>` header. Not implemented:
//! `notifications/tasks` on `subscriptions/listen` (its server refuses to
//! send them, its `SubscriptionFilter` has no `taskIds`), so that part uses a
//! scripted upstream (module `listen`).
//!
//! Covered here:
//! - the same four task flows (completes, fails, `input_required` answered
//!   with `tasks/update`, cancelled) plus a plain call and an unknown-id probe,
//!   run by an rmcp client against an rmcp server directly and through the
//!   gateway: equal normalized transcripts; every task id the client sees
//!   through the gateway is a `tg1.` handle, directly none is; the upstream
//!   sees only raw ids (body and `Mcp-Name`), its own credential, never the
//!   client's token, and never the unknown-id probe;
//! - another identity presenting those handles (or the raw upstream id) to
//!   the same rmcp server, which would accept them: refused with the exact
//!   unknown-task answers, nothing forwarded;
//! - the TTL an rmcp server grants is capped to `[tasks] max_ttl`;
//! - `listen`: `subscriptions/listen` taskIds, acknowledgement and
//!   `notifications/tasks` (scripted upstream);
//! - `dual_era`: one gateway, one dual-era upstream, a legacy TS SDK client
//!   and an rmcp client at the same time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

#[path = "rmcp/mod.rs"]
mod rmcp_peers;

use rmcp::model::{CancelTaskParams, GetTaskParams, UpdateTaskParams};
use serde_json::json;

use rmcp_peers::client::{self, UNKNOWN, connect, run_flows};
use rmcp_peers::server::RmcpServer;
use support::gateway::{TestGateway, UPSTREAM_CREDENTIAL};

fn is_handle(id: &str) -> bool {
    id.starts_with("tg1.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmcp_task_flows_work_the_same_through_the_gateway() {
    let server = RmcpServer::start().await;
    let direct_client = connect(&server.url, None).await;
    let direct = run_flows(&direct_client).await;
    direct_client.cancel().await.unwrap();
    let direct_seen = server.received().len();

    let gw = TestGateway::start(&server.url).await;
    let token = gw.token("alice", "acme");
    let through_client = connect(&gw.url(), Some(&token)).await;
    let through = run_flows(&through_client).await;
    through_client.cancel().await.unwrap();

    assert_eq!(
        serde_json::Value::Object(direct.transcript.clone()),
        serde_json::Value::Object(through.transcript.clone()),
        "rmcp transcript differs through the gateway"
    );
    // The transcript really holds the flows' outcomes (not two empty maps).
    let t = &through.transcript;
    assert_eq!(t["report"]["final"]["status"], "completed", "{t:?}");
    assert_eq!(
        t["report"]["final"]["result"]["content"][0]["text"],
        "report on q3"
    );
    assert_eq!(t["explode"]["final"]["status"], "failed");
    assert_eq!(t["explode"]["final"]["error"]["code"], -32603);
    assert_eq!(t["confirm"]["asked"]["status"], "input_required");
    assert_eq!(
        t["confirm"]["asked"]["inputRequests"]["confirm"]["method"],
        "elicitation/create"
    );
    assert_eq!(t["confirm"]["final"]["status"], "completed");
    assert_eq!(t["forever"]["final"]["status"], "cancelled");
    assert_eq!(
        t["unknown"]["codes"],
        json!(["Err(-32602)", "Err(-32602)", "Err(-32602)"])
    );

    assert!(!direct.task_ids.is_empty() && !direct.task_ids.iter().any(|id| is_handle(id)));
    assert!(
        through.task_ids.iter().all(|id| is_handle(id)),
        "a raw task id reached the client through the gateway: {:?}",
        through.task_ids
    );

    // What the upstream saw from the gateway.
    let via = &server.received()[direct_seen..];
    let follow_ups: Vec<_> = via
        .iter()
        .filter(|r| r.method().starts_with("tasks/"))
        .collect();
    assert!(
        follow_ups.len() >= 8,
        "tasks/* requests reached the upstream: {}",
        follow_ups.len()
    );
    for r in via {
        let text = format!("{} {:?}", r.body, r.headers);
        assert!(
            !text.contains("tg1."),
            "a handle reached the upstream: {text}"
        );
        assert!(
            !text.contains(&token),
            "the client's token reached the upstream"
        );
        assert_eq!(r.headers["authorization"], UPSTREAM_CREDENTIAL);
        assert!(
            !text.contains(UNKNOWN),
            "the unknown-id probe was forwarded: {text}"
        );
    }
    for r in follow_ups {
        let raw = r.body["params"]["taskId"].as_str().unwrap();
        assert_eq!(
            r.headers["mcp-name"], raw,
            "Mcp-Name rewritten to the upstream id"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_identity_cannot_use_handles_on_an_upstream_that_binds_nobody() {
    let server = RmcpServer::start().await;
    // rmcp's own words for an unknown task, so a refusal reads the same.
    let gw = TestGateway::start_with(&server.url, |raw| {
        raw.routes[0].unknown_task_wording = Some(taskgate::mcp::UnknownTaskWording::RustSdk);
    })
    .await;
    let alice = connect(&gw.url(), Some(&gw.token("alice", "acme"))).await;
    let mallory = connect(&gw.url(), Some(&gw.token("mallory", "acme"))).await;

    let created = alice
        .call_tool_once(rmcp::model::CallToolRequestParams::new("forever"))
        .await
        .unwrap();
    let rmcp::model::CallToolResponse::Task(created) = created else {
        panic!("expected a task, got {created:?}");
    };
    let handle = created.task.task_id;
    assert!(is_handle(&handle), "{handle}");
    let raw = server
        .received()
        .iter()
        .filter(|r| r.method() == "tasks/get" || r.method() == "tools/call")
        .count();
    assert_eq!(
        raw, 1,
        "only alice's tools/call reached the upstream so far"
    );
    // The raw id is what the upstream will be asked about for alice's handle.
    alice
        .get_task(GetTaskParams::new(handle.clone()))
        .await
        .unwrap();
    let raw_id = server.received().last().unwrap().body["params"]["taskId"]
        .as_str()
        .unwrap()
        .to_string();
    let before = server.received().len();

    for id in [handle.clone(), raw_id] {
        let get = mallory
            .get_task(GetTaskParams::new(id.clone()))
            .await
            .unwrap_err();
        assert_eq!(client::error(get), (-32602, format!("unknown task: {id}")));
        let update = mallory
            .update_task(UpdateTaskParams::new(id.clone(), Default::default()))
            .await
            .unwrap_err();
        assert_eq!(
            client::error(update),
            (-32602, format!("unknown task: {id}"))
        );
        let cancel = mallory
            .cancel_task(CancelTaskParams::new(id.clone()))
            .await
            .unwrap_err();
        assert_eq!(
            client::error(cancel),
            (-32602, format!("unknown task: {id}"))
        );
    }
    assert_eq!(
        server.received().len(),
        before,
        "a refused follow-up reached the upstream"
    );

    // Alice's task is untouched and still hers.
    let got = alice
        .get_task(GetTaskParams::new(handle.clone()))
        .await
        .unwrap();
    assert_eq!(got.task.task.task_id, handle);
    assert_eq!(got.task.status(), rmcp::model::TaskStatus::Working);
    alice
        .cancel_task(CancelTaskParams::new(handle))
        .await
        .unwrap();
    alice.cancel().await.unwrap();
    mallory.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_caps_the_ttl_an_rmcp_server_grants() {
    let server = RmcpServer::start().await;
    let gw = TestGateway::start_with(&server.url, |raw| {
        raw.tasks.max_ttl = Some("60s".into());
    })
    .await;
    let client = connect(&gw.url(), Some(&gw.token("alice", "acme"))).await;
    let created = client
        .call_tool_once(
            rmcp::model::CallToolRequestParams::new("report")
                .with_arguments(json!({"topic": "ttl"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    let rmcp::model::CallToolResponse::Task(created) = created else {
        panic!("expected a task, got {created:?}");
    };
    // The rmcp server grants 120 s (see `server`); the client is told the cap.
    assert_eq!(created.task.ttl_ms, Some(60_000));
    let got = client
        .get_task(GetTaskParams::new(created.task.task_id.clone()))
        .await
        .unwrap();
    assert_eq!(got.task.task.ttl_ms, Some(60_000));
    let upstream = server.received();
    assert!(
        upstream
            .iter()
            .all(|r| !r.body.to_string().contains("tg1.")),
        "handles stay at the gateway"
    );
    client.cancel().await.unwrap();
}
