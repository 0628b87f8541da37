//! A vendored reference server (`tests/conformance/reference/*.ts`, the
//! conformance repo's everything-server, unmodified) run by
//! `serve_reference.mjs` on a free loopback port, killed on drop, with a
//! count of the requests it received with and without the gateway's
//! upstream credential (how a test proves which way a run went).

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{node, suite_dir};

/// Requests a reference server received, by who sent them.
#[derive(Default)]
pub struct Received {
    /// Carrying the gateway's upstream credential: only taskgate has it.
    pub from_gateway: AtomicUsize,
    /// Without it: the suite itself, direct.
    pub without_credential: AtomicUsize,
}

pub struct ReferenceServer {
    _child: Child,
    port: u16,
    pub received: Arc<Received>,
}

impl ReferenceServer {
    /// Starts `tests/conformance/reference/{file}`; `gateway_credential` is
    /// the `Authorization` value the gateway sends upstream.
    pub async fn start(file: &str, gateway_credential: &str) -> ReferenceServer {
        let dir = suite_dir();
        let mut child = Command::new(node())
            .current_dir(&dir)
            .arg(dir.join("serve_reference.mjs"))
            .arg(dir.join("reference").join(file))
            .env("TASKGATE_UPSTREAM_CREDENTIAL", gateway_credential)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the pinned node runs");
        // The server's own log (stderr) is kept for a failed start only.
        let mut stderr = child.stderr.take().unwrap();
        let log = tokio::spawn(async move {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text).await;
            text
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await;
        let port = match first {
            Ok(Ok(Some(line))) => line
                .strip_prefix("LISTENING ")
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("{file}: unexpected first line {line:?}")),
            other => {
                let _ = child.start_kill();
                let log = tokio::time::timeout(Duration::from_secs(5), log).await;
                panic!("{file} did not start ({other:?}); its log:\n{log:?}")
            }
        };
        let received = Arc::new(Received::default());
        let counts = received.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let counter = match line.rsplit(' ').next() {
                    Some("gateway") => &counts.from_gateway,
                    _ => &counts.without_credential,
                };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        ReferenceServer {
            _child: child,
            port,
            received,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    /// (with the gateway's credential, without it) so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.received.from_gateway.load(Ordering::Relaxed),
            self.received.without_credential.load(Ordering::Relaxed),
        )
    }
}
