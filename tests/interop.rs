//! Interop through the gateway with the real, unmodified official MCP SDKs
//! (pinned in `tests/interop/`): the TypeScript SDK as upstream server, and
//! the TypeScript and Python SDKs as clients.
//!
//! Each client runs the same scenario twice, once directly against the
//! upstream and once through taskgate, and the two transcripts must be
//! identical. The upstream records every HTTP request it receives, which
//! proves the client's token never reached it.
//!
//! The SDKs are installed by `scripts/install-interop-deps.sh` (run by the
//! test command). These tests fail, loudly, when they are missing: a silent
//! skip would hide a broken install step in CI.

// Tests panic on broken fixtures by design; the no-panic rule is for the gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use support::gateway::{TestGateway, UPSTREAM_CREDENTIAL};

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

/// The TypeScript SDK upstream server.
struct TsServer {
    _child: Child,
    port: u16,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl TsServer {
    async fn start(json_response: bool) -> TsServer {
        require_installed();
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("record.jsonl");
        let mut cmd = Command::new("node");
        cmd.arg(interop_dir().join("ts_server.mjs"))
            .args(["--require-auth", UPSTREAM_CREDENTIAL, "--record"])
            .arg(&record)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if json_response {
            cmd.arg("--json-response");
        }
        let mut child = cmd.spawn().expect("node is installed");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("ts_server started in time")
        .unwrap();
        let port = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected: {line:?}"));
        TsServer {
            _child: child,
            port,
            record,
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

async fn run_client(sdk: Sdk, url: &str, token: &str) -> String {
    let dir = interop_dir();
    let mut cmd = match sdk {
        Sdk::TypeScript => {
            let mut c = Command::new("node");
            c.arg(dir.join("ts_client.mjs"));
            c
        }
        Sdk::Python => {
            let mut c = Command::new(dir.join(".venv/bin/python"));
            c.arg(dir.join("py_client.py"));
            c
        }
    };
    cmd.args([url, token]).kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("client finished")
        .unwrap();
    assert!(
        out.status.success(),
        "{sdk:?} client against {url} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `sdk`'s scenario direct and through the gateway; asserts equal
/// transcripts and that the upstream never saw the client's token.
async fn same_through_gateway(sdk: Sdk, json_response: bool) {
    let server = TsServer::start(json_response).await;
    let direct_token = UPSTREAM_CREDENTIAL.strip_prefix("Bearer ").unwrap();
    let direct = run_client(sdk, &server.url(), direct_token).await;
    let direct_requests = server.recorded().len();

    let gw = TestGateway::start(&server.url()).await;
    let token = gw.token("alice", "acme");
    let through = run_client(sdk, &gw.url(), &token).await;
    assert_eq!(
        direct, through,
        "{sdk:?} transcript differs through the gateway"
    );

    let recorded = server.recorded();
    let via_gateway = &recorded[direct_requests..];
    assert!(!via_gateway.is_empty());
    let methods: Vec<&str> = via_gateway
        .iter()
        .filter_map(|r| r["method"].as_str())
        .collect();
    for m in ["POST", "GET", "DELETE"] {
        assert!(
            methods.contains(&m),
            "{sdk:?}: no {m} reached the upstream: {methods:?}"
        );
    }
    for r in via_gateway {
        assert_eq!(
            r["headers"]["authorization"], UPSTREAM_CREDENTIAL,
            "upstream got its own credential"
        );
        assert!(
            !r.to_string().contains(&token),
            "the client's token reached the upstream"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_client_sse_responses() {
    same_through_gateway(Sdk::TypeScript, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_client_json_responses() {
    same_through_gateway(Sdk::TypeScript, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_sse_responses() {
    same_through_gateway(Sdk::Python, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_json_responses() {
    same_through_gateway(Sdk::Python, true).await;
}
