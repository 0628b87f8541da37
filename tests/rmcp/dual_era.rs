//! Both eras at once: one gateway in front of one dual-era upstream (the
//! bundled example server, `taskgate_demo::upstream::serve`, which keeps
//! one global task table for both eras and binds tasks to nobody), used at
//! the same time by a legacy (2025-11-25) client built on the official
//! TypeScript SDK 1.32.2 (`ts_legacy_client.mjs`, the SDK pinned in
//! `tests/interop`) and a current-era (2026-07-28) rmcp client. Both
//! complete their tasks (the rmcp one also answers an `input_required` task
//! with `tasks/update`), each sees only handles, the two never see each
//! other's tasks, and the legacy `tasks/list` holds only the legacy
//! client's own tasks.
//!
//! The rmcp client connects with its normal `server/discover` through the
//! gateway, so discovery of a dual-era upstream is covered too.
//!
//! The TS SDK is installed by `scripts/install-interop-deps.sh` (run by the
//! test command); the test fails, loudly, when it is missing.

use std::path::Path;
use std::time::Duration;

use rmcp::model::{TaskStatus, UpdateTaskParams};
use serde_json::{Value, json};
use taskgate_demo::upstream::{UpstreamOptions, serve};
use tokio_util::sync::CancellationToken;

use crate::rmcp_peers::client::{Run, connect};
use crate::support::gateway::TestGateway;

fn is_handle(id: &Value) -> bool {
    id.as_str().is_some_and(|s| s.starts_with("tg1."))
}

async fn ts_legacy_client(url: &str, token: &str) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    assert!(
        root.join("interop/node_modules/@modelcontextprotocol/sdk")
            .is_dir(),
        "the TS SDK is not installed: run `bash scripts/install-interop-deps.sh` (scripts/test does)"
    );
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(root.join("rmcp/ts_legacy_client.mjs"))
        .args([url, token])
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(40), cmd.output())
        .await
        .expect("the TS client finished in time")
        .expect("node is installed");
    assert!(
        out.status.success(),
        "TS client failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rmcp side (a report, a confirmation answered with `tasks/update`, a
/// failure), with the legacy TS client run while its tasks are live: the
/// confirmation waits `input_required` for the whole TS run, and the report
/// is polled at the same time.
async fn both_clients(url: &str, rmcp_token: &str, ts_token: &str) -> (Value, Run) {
    let client = connect(url, Some(rmcp_token)).await;
    let mut run = Run::default();
    let report = run
        .create(
            &client,
            "report",
            "slow_report",
            json!({"topic": "current", "seconds": 0.5}),
        )
        .await;
    let confirm = run
        .create(
            &client,
            "confirm",
            "confirm_action",
            json!({"action": "ship"}),
        )
        .await;
    let failing = run
        .create(
            &client,
            "failing",
            "fail_report",
            json!({"topic": "current"}),
        )
        .await;
    let asked = run
        .poll(&client, &confirm, |s| s == TaskStatus::InputRequired)
        .await;
    run.note("confirm", "asked", serde_json::to_value(&asked).unwrap());

    let mut polling = Run::default();
    let (ts, report_done) = tokio::join!(
        ts_legacy_client(url, ts_token),
        polling.poll(&client, &report, |s| s.is_terminal())
    );
    run.task_ids.append(&mut polling.task_ids);
    run.note(
        "report",
        "final",
        serde_json::to_value(&report_done).unwrap(),
    );
    let still = run.poll(&client, &confirm, |_| true).await;
    assert_eq!(
        still.task.status(),
        TaskStatus::InputRequired,
        "confirm waited through the TS run"
    );

    let answer = json!({"action": "accept", "content": {"confirm": true}});
    let key = run.transcript["confirm"]["asked"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    client
        .update_task(UpdateTaskParams::new(
            confirm.clone(),
            [(key, answer)].into_iter().collect(),
        ))
        .await
        .unwrap();
    for (flow, id) in [("confirm", confirm), ("failing", failing)] {
        let done = run.poll(&client, &id, |s| s.is_terminal()).await;
        run.note(flow, "final", serde_json::to_value(&done).unwrap());
    }
    client.cancel().await.unwrap();
    (ts, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_ts_client_and_an_rmcp_client_share_one_gateway_and_one_dual_era_upstream() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(serve(listener, UpstreamOptions::default(), stop.clone()));
    let _stop = stop.drop_guard();
    let gw = TestGateway::start(&format!("http://{addr}/mcp")).await;
    let (ts_token, rmcp_token) = (gw.token("ts-user", "acme"), gw.token("rmcp-user", "acme"));

    let (ts, rmcp) = both_clients(&gw.url(), &rmcp_token, &ts_token).await;

    // Legacy TS client: its tasks completed / failed, only handles, only its own in tasks/list.
    assert_eq!(ts["protocolVersion"], "2025-11-25", "{ts}");
    assert_eq!(ts["slow"]["status"], "completed", "{ts}");
    assert!(
        ts["slow"]["text"].as_str().unwrap().contains("legacy"),
        "{ts}"
    );
    assert_eq!(ts["failing"]["status"], "failed", "{ts}");
    let seen = ts["seen"].as_array().unwrap();
    assert!(
        seen.len() >= 2 && seen.iter().all(is_handle),
        "TS client saw a raw task id: {ts}"
    );
    let (mut created, mut listed) = (
        ts["created"].as_array().unwrap().clone(),
        ts["listed"].as_array().unwrap().clone(),
    );
    created.sort_by_key(Value::to_string);
    listed.sort_by_key(Value::to_string);
    assert_eq!(
        created, listed,
        "legacy tasks/list: exactly the caller's tasks"
    );

    // rmcp client: completed, confirmed via tasks/update, failed; only handles.
    let t = &rmcp.transcript;
    assert_eq!(t["report"]["final"]["status"], "completed", "{t:?}");
    assert!(
        t["report"]["final"]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("current")
    );
    assert_eq!(t["confirm"]["final"]["status"], "completed", "{t:?}");
    assert_eq!(
        t["confirm"]["final"]["result"]["content"][0]["text"],
        "confirmed: ship"
    );
    assert_eq!(t["failing"]["final"]["status"], "failed", "{t:?}");
    assert!(
        rmcp.task_ids.iter().all(|id| id.starts_with("tg1.")),
        "{:?}",
        rmcp.task_ids
    );

    // Neither saw the other's tasks.
    assert!(seen.iter().all(|id| !rmcp.task_ids.iter().any(|r| id == r)));
}
