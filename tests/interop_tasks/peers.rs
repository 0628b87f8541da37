//! The tasks interop peers for `tests/interop_tasks.rs`: starting
//! `ts_tasks_server.mjs`, running `ts_tasks_client.mjs` / `py_tasks_client.py` with
//! a time limit and reading their transcript and `TASK_*` stderr lines, and
//! showing transcript differences. The peers' contracts are in
//! `tests/interop/README.md`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::gateway::UPSTREAM_CREDENTIAL;

pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

pub fn require_installed() {
    let dir = interop_dir();
    assert!(
        dir.join("node_modules/@modelcontextprotocol/sdk").is_dir()
            && dir.join(".venv/bin/python").is_file(),
        "interop SDKs are not installed: run `bash scripts/install-interop-deps.sh` (scripts/test does)"
    );
}

/// `ts_tasks_server.mjs`, requiring the upstream credential, recording every request
/// and logging its stderr to a file.
pub struct TasksServer {
    _child: Child,
    port: u16,
    pub record: PathBuf,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl TasksServer {
    pub async fn start(flags: &[&str]) -> TasksServer {
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

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    pub fn recorded(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Sdk {
    TypeScript,
    Python,
}

/// One client run: its transcript and the stderr lines the tasks clients print.
pub struct Run {
    pub transcript: String,
    pub stderr: String,
    pub ids: Vec<String>,
    pub cursors: Vec<String>,
    pub errors: Value,
}

pub fn stderr_line(stderr: &str, prefix: &str) -> Value {
    let lines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .collect();
    assert_eq!(lines.len(), 1, "one {prefix:?} line expected in:\n{stderr}");
    serde_json::from_str(lines[0]).unwrap()
}

pub fn strings(v: Value) -> Vec<String> {
    serde_json::from_value(v).unwrap()
}

pub async fn run_client(sdk: Sdk, url: &str, token: &str) -> Run {
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
    let verdict = stderr
        .lines()
        .find(|l| l.contains(": FAILED: "))
        .unwrap_or("");
    assert!(
        out.status.success(),
        "{sdk:?} tasks client against {url} failed: {verdict}\nits stderr:\n{stderr}"
    );
    Run {
        transcript: String::from_utf8(out.stdout).unwrap(),
        ids: strings(stderr_line(&stderr, "TASK_IDS ")),
        cursors: strings(stderr_line(&stderr, "TASK_CURSORS ")),
        errors: stderr_line(&stderr, "TASK_ERRORS "),
        stderr,
    }
}

/// `diff -u` of two transcripts (they are long; the assertion shows only this).
pub fn diff(a: &str, b: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("direct"), dir.path().join("gateway"));
    std::fs::write(&pa, a).unwrap();
    std::fs::write(&pb, b).unwrap();
    match std::process::Command::new("diff")
        .arg("-u")
        .arg(&pa)
        .arg(&pb)
        .output()
    {
        Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
        Err(_) => format!("direct:\n{a}\ngateway:\n{b}"),
    }
}

/// A client's stderr without the long `TASK_*` lines.
pub fn diagnostics(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("TASK_")).collect();
    lines.join("\n")
}
