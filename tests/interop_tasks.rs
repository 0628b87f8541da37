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

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use support::gateway::{TestGateway, UPSTREAM_CREDENTIAL};

const HANDLE_PREFIX: &str = "tg1.";
/// The clients' probe id for an unknown task.
const PROBE: &str = "no-such-task";

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn require_installed() {
    let dir = interop_dir();
    assert!(
        dir.join("node_modules/@modelcontextprotocol/sdk").is_dir()
            && dir.join(".venv/bin/python").is_file(),
        "interop SDKs are not installed: run `bash scripts/install-interop-deps.sh` (scripts/test does)"
    );
}

/// `ts_tasks_server.mjs`, requiring the upstream credential, recording every request
/// and logging its stderr to a file.
struct TasksServer {
    _child: Child,
    port: u16,
    record: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl TasksServer {
    async fn start(flags: &[&str]) -> TasksServer {
        require_installed();
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("record.jsonl");
        let log = dir.path().join("server.log");
        let mut child = Command::new("node")
            .arg(interop_dir().join("ts_tasks_server.mjs"))
            .args(["--require-auth", UPSTREAM_CREDENTIAL, "--record"])
            .arg(&record)
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .kill_on_drop(true)
            .spawn()
            .expect("node is installed");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            BufReader::new(child.stdout.take().unwrap()).read_line(&mut line),
        )
        .await
        .expect("ts_tasks_server started in time")
        .unwrap();
        let port = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected: {line:?}"));
        TasksServer {
            _child: child,
            port,
            record,
            log,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    fn recorded(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

#[derive(Clone, Copy, Debug)]
enum Sdk {
    TypeScript,
    Python,
}

/// One client run: its transcript and the stderr lines the tasks clients print.
struct Run {
    transcript: String,
    stderr: String,
    ids: Vec<String>,
    cursors: Vec<String>,
    errors: Value,
}

fn stderr_line(stderr: &str, prefix: &str) -> Value {
    let lines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .collect();
    assert_eq!(lines.len(), 1, "one {prefix:?} line expected in:\n{stderr}");
    serde_json::from_str(lines[0]).unwrap()
}

fn strings(v: Value) -> Vec<String> {
    serde_json::from_value(v).unwrap()
}

async fn run_client(sdk: Sdk, url: &str, token: &str) -> Run {
    let dir = interop_dir();
    let mut cmd = match sdk {
        Sdk::TypeScript => {
            let mut c = Command::new("node");
            c.arg(dir.join("ts_tasks_client.mjs"));
            c
        }
        Sdk::Python => {
            let mut c = Command::new(dir.join(".venv/bin/python"));
            c.arg(dir.join("py_tasks_client.py"));
            c
        }
    };
    cmd.args([url, token]).kill_on_drop(true);
    // The clients stop themselves after 25 s (the Python one is killed at 30 s).
    let out = tokio::time::timeout(Duration::from_secs(45), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{sdk:?} tasks client against {url} did not finish"))
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.success(),
        "{sdk:?} tasks client against {url} failed:\n{stderr}"
    );
    Run {
        transcript: String::from_utf8(out.stdout).unwrap(),
        ids: strings(stderr_line(&stderr, "TASK_IDS ")),
        cursors: strings(stderr_line(&stderr, "TASK_CURSORS ")),
        errors: stderr_line(&stderr, "TASK_ERRORS "),
        stderr,
    }
}

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

/// The TASK_ERRORS messages with every task id the run saw replaced by `<id>`, so
/// direct and gateway runs compare.
fn normalized_errors(run: &Run) -> String {
    let mut text = run.errors.to_string();
    for id in &run.ids {
        text = text.replace(id.as_str(), "<id>");
    }
    text
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

    assert_eq!(
        direct.transcript, through.transcript,
        "{sdk:?} tasks transcript differs through the gateway (gateway run stderr:\n{})",
        through.stderr
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
    assert_eq!(
        normalized_errors(&direct),
        normalized_errors(&through),
        "{sdk:?}: error messages differ through the gateway"
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
