//! `taskgate demo --script` end to end: the real binary starts the example
//! server behind the gateway, runs the two-identity scenario over HTTP, and
//! must exit 0 with a transcript that shows each refusal.
//!
//! The scenario's own checks decide the exit code (a forwarded replay, a
//! leaked upstream id, a live expired handle all make it non-zero); this
//! test pins the exit code and the transcript lines a reader relies on.

// Tests panic on broken fixtures by design; the no-panic rule is for the gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// The scenario takes about four seconds (a 3 s TTL cap plus a margin).
const BOUND: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_scripted_demo_passes_and_shows_every_refusal() {
    let child = Command::new(env!("CARGO_BIN_EXE_taskgate"))
        .args(["--log-level", "warn", "demo", "--script"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(BOUND, child.wait_with_output())
        .await
        .expect("the scripted demo finishes in time")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    let expected = [
        "1. alice starts a long-running task",
        "← 200, task tg1.",
        "the handle does not contain that",
        "2. bob (another tenant) replays alice's handle",
        "← 200, error -32602 \"MCP error -32602: Failed to retrieve task: Task not found\"",
        "← 200, error -32602 \"MCP error -32602: Task not found: tg1.",
        "← 200, error -32602 \"MCP error -32602: Failed to list tasks: Invalid cursor: tg1.",
        "upstream received during bob's attempts: 0 HTTP requests, tasks/get 0, \
         tasks/result 0, tasks/cancel 0, tasks/list 0",
        "3. bob replays alice's Mcp-Session-Id",
        "← 404, error -32001 \"Session not found\"",
        "4. alice follows her own task to the end",
        "status completed",
        "5. the handle expires",
        "PASS: all ",
    ];
    for line in expected {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert!(!stdout.contains('✗'), "a failed check in:\n{stdout}");
    // Handles are shortened for reading: no handle is printed whole.
    let whole: Vec<&str> = stdout
        .split(|c: char| c.is_whitespace() || c == '"')
        .filter(|word| word.starts_with("tg1.") && !word.contains('…'))
        .collect();
    assert!(
        whole.is_empty(),
        "unshortened handles {whole:?} in:\n{stdout}"
    );
}

#[tokio::test]
async fn script_mode_refuses_a_listen_address() {
    let out = tokio::time::timeout(
        BOUND,
        Command::new(env!("CARGO_BIN_EXE_taskgate"))
            .args(["demo", "--script", "--listen", "127.0.0.1:0"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("clap answers at once")
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}
