//! Interop of the official MCP SDKs' legacy (2025-11-25, experimental) task APIs
//! through the gateway, with the real, unmodified SDKs pinned in `tests/interop/`.
//!
//! Upstream: `ts_tasks_server.mjs` (TypeScript SDK 1.32.2, `registerToolTask`,
//! `InMemoryTaskStore`). Clients: `ts_tasks_client.mjs` (TS SDK `callToolStream`,
//! `getTask`, `getTaskResult`, `listTasks`, `cancelTask`, an `input_required` task
//! whose elicitation the client answers, status notifications on the GET stream) and
//! `py_tasks_client.py` (Python `mcp` 1.30.0 `call_tool_as_task`, `poll_task`,
//! `get_task_result`, `list_tasks`, `cancel_task`). The scenarios are documented in
//! `tests/interop/README.md` ("Tasks peers").
//!
//! Each client runs its scenario direct, then through the in-process gateway, against
//! the same upstream, and the test checks that:
//! - the normalized transcripts (task ids and timestamps replaced) are byte-identical:
//!   whatever works direct works through the gateway;
//! - every task id and every `tasks/list` cursor the client sees through the gateway is a
//!   `tg1.` handle (direct: none is), the client never sees more task ids than direct
//!   (the gateway's `tasks/list` filter), and no upstream id the gateway resolved a
//!   handle to ever shows up in anything the client printed;
//! - the SDK error messages for an unknown task are the same as the upstream's, and the
//!   gateway answered those probes itself (the upstream never got them);
//! - the upstream (its `--record` request log and its own stderr log) never saw a `tg1.`
//!   handle or the client's token, and got every follow-up (`tasks/get|result|cancel|list`
//!   with a cursor, the elicitation answer with related-task `_meta`) with raw ids.
//!
//! Variants: SSE and JSON POST responses (the elicitation then travels on the POST stream
//! of `tasks/result` or on the GET stream), and an upstream that isolates nothing
//! (`--shared-tasks`), whose `tasks/list` also returns the direct run's tasks.
//! Fails loudly when the SDKs are not installed (`scripts/install-interop-deps.sh`).

// Tests panic on broken fixtures by design; the no-panic rule is for the gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

#[path = "interop_tasks/peers.rs"]
mod peers;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use peers::{Run, Sdk, TasksServer, diagnostics, diff, run_client};
use support::gateway::{TestGateway, UPSTREAM_CREDENTIAL};

const HANDLE_PREFIX: &str = "tg1.";
/// The clients' probe id for an unknown task.
const PROBE: &str = "no-such-task";

/// Every string under a `taskId` or `cursor` key in `v`.
fn collect_ids(v: &Value, parent: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| collect_ids(v, k, out)),
        Value::Array(a) => a.iter().for_each(|v| collect_ids(v, parent, out)),
        Value::String(s) if parent == "taskId" || parent == "cursor" => {
            out.insert(s.clone());
        }
        _ => {}
    }
}

/// The parsed JSON-RPC bodies of recorded POSTs (batches flattened).
fn bodies(records: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in records.iter().filter(|r| r["method"] == "POST") {
        match serde_json::from_str(r["body"].as_str().unwrap_or_default()) {
            Ok(Value::Array(batch)) => out.extend(batch),
            Ok(msg) => out.push(msg),
            Err(_) => {}
        }
    }
    out
}

/// The TASK_ERRORS entries (step -> `code message`) with every task id the run
/// saw replaced by `<id>`, so direct and gateway runs compare.
fn normalized_errors(run: &Run) -> BTreeMap<String, String> {
    let entries = run.errors.as_object().expect("TASK_ERRORS is an object");
    entries
        .iter()
        .map(|(step, e)| {
            let mut text = format!(
                "{} {}",
                e["code"],
                e["message"].as_str().unwrap_or_default()
            );
            for id in &run.ids {
                text = text.replace(id.as_str(), "<id>");
            }
            (step.clone(), text)
        })
        .collect()
}

/// Runs `sdk`'s tasks scenario direct and through the gateway against one
/// `ts_tasks_server.mjs [flags]`, and checks everything in the module doc.
async fn same_through_gateway(sdk: Sdk, flags: &[&str]) {
    let server = TasksServer::start(flags).await;
    let upstream_token = UPSTREAM_CREDENTIAL.strip_prefix("Bearer ").unwrap();
    let direct = run_client(sdk, &server.url(), upstream_token).await;
    let direct_records = server.recorded();

    let gw = TestGateway::start(&server.url()).await;
    let token = gw.token("alice", "acme");
    let through = run_client(sdk, &gw.url(), &token).await;
    let via_gateway = server.recorded().split_off(direct_records.len());
    let server_log = std::fs::read_to_string(&server.log).unwrap();

    // Direct: raw SDK ids and cursors, never handles (the checks below can fail).
    assert!(!direct.ids.is_empty() && !direct.cursors.is_empty());
    for v in direct.ids.iter().chain(&direct.cursors) {
        assert!(!v.starts_with(HANDLE_PREFIX), "direct id/cursor {v}");
    }

    assert!(
        direct.transcript == through.transcript,
        "{sdk:?} tasks transcript differs through the gateway (- direct, + gateway):\n{}\n\
         gateway run diagnostics:\n{}",
        diff(&direct.transcript, &through.transcript),
        diagnostics(&through.stderr)
    );

    // Through the gateway: only handles, for ids and cursors alike.
    assert!(!through.ids.is_empty(), "{sdk:?}: no task id seen");
    for id in &through.ids {
        assert!(id.starts_with(HANDLE_PREFIX), "{sdk:?}: task id {id}");
    }
    assert!(
        !through.cursors.is_empty(),
        "{sdk:?}: no tasks/list cursor through the gateway (direct: {:?})",
        direct.cursors
    );
    for c in &through.cursors {
        assert!(c.starts_with(HANDLE_PREFIX), "{sdk:?}: cursor {c}");
    }
    // The gateway's tasks/list shows only the caller's tasks, so never more than direct
    // (under --shared-tasks the upstream also lists the direct run's 13 tasks).
    assert!(
        through.ids.len() <= direct.ids.len(),
        "{sdk:?}: more task ids through the gateway ({}) than direct ({})",
        through.ids.len(),
        direct.ids.len()
    );

    // The upstream saw no handle and no client token, only its own credential.
    assert!(!via_gateway.is_empty());
    for r in &via_gateway {
        let text = r.to_string();
        assert_eq!(r["headers"]["authorization"], UPSTREAM_CREDENTIAL);
        assert!(
            !text.contains(&token),
            "the client's token reached the upstream"
        );
        assert!(
            !text.contains(HANDLE_PREFIX),
            "a handle reached the upstream: {text}"
        );
    }
    for needle in [HANDLE_PREFIX, token.as_str()] {
        assert!(!server_log.contains(needle), "upstream log: {server_log}");
    }

    // Every follow-up reached the upstream, with raw ids; the unknown-task probes did
    // not (the gateway answered them), although direct they did.
    let msgs = bodies(&via_gateway);
    let methods: BTreeSet<&str> = msgs.iter().filter_map(|m| m["method"].as_str()).collect();
    for m in [
        "tools/call",
        "tasks/get",
        "tasks/result",
        "tasks/cancel",
        "tasks/list",
    ] {
        assert!(methods.contains(m), "{sdk:?}: no {m} reached the upstream");
    }
    assert!(
        msgs.iter()
            .any(|m| m["method"] == "tasks/list" && m["params"]["cursor"].is_string()),
        "{sdk:?}: no tasks/list with a cursor reached the upstream"
    );
    let answer = msgs
        .iter()
        .find(|m| m["result"]["action"] == "accept")
        .unwrap_or_else(|| panic!("{sdk:?}: the elicitation answer never reached the upstream"));
    assert!(
        answer["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"].is_string(),
        "{sdk:?}: elicitation answer without related-task _meta: {answer}"
    );
    let probes = |records: &[Value]| {
        records
            .iter()
            .filter(|r| r["body"].as_str().unwrap_or_default().contains(PROBE))
            .count()
    };
    assert_eq!(
        probes(&direct_records),
        3,
        "direct probes reach the upstream"
    );
    assert_eq!(probes(&via_gateway), 0, "{sdk:?}: a probe was forwarded");

    // The client never sees an upstream id: nothing it printed contains one of the ids
    // and cursors the gateway forwarded. Direct, those same ids are what the client saw.
    let mut raw = BTreeSet::new();
    msgs.iter().for_each(|m| collect_ids(m, "", &mut raw));
    raw.remove(PROBE);
    assert!(!raw.is_empty());
    let mut direct_raw = BTreeSet::new();
    bodies(&direct_records)
        .iter()
        .for_each(|m| collect_ids(m, "", &mut direct_raw));
    direct_raw.remove(PROBE);
    for id in &direct_raw {
        assert!(
            direct.ids.contains(id) || direct.cursors.contains(id),
            "direct run: {id} not seen"
        );
    }
    for id in &raw {
        assert!(
            !through.transcript.contains(id.as_str()) && !through.stderr.contains(id.as_str()),
            "{sdk:?}: the upstream id {id} reached the client through the gateway:\n{}",
            through.stderr
        );
    }

    // Error responses: same codes (in the transcript) and the same messages, ids aside.
    let (want, got) = (normalized_errors(&direct), normalized_errors(&through));
    let differing: Vec<String> = want
        .keys()
        .chain(got.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|step| want.get(*step) != got.get(*step))
        .map(|step| {
            format!(
                "{step}:\n  direct:  {:?}\n  gateway: {:?}",
                want.get(step),
                got.get(step)
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{sdk:?}: error responses differ through the gateway:\n{}",
        differing.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_tasks_client_sse() {
    same_through_gateway(Sdk::TypeScript, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_tasks_client_json_responses() {
    same_through_gateway(Sdk::TypeScript, &["--json-response"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_tasks_client_unisolated_upstream() {
    same_through_gateway(Sdk::TypeScript, &["--shared-tasks"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tasks_client_sse() {
    same_through_gateway(Sdk::Python, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tasks_client_json_responses() {
    same_through_gateway(Sdk::Python, &["--json-response"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tasks_client_unisolated_upstream() {
    same_through_gateway(Sdk::Python, &["--shared-tasks", "--json-response"]).await;
}
