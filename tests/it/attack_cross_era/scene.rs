//! The cross-generation attack scene: a dual-generation upstream that
//! dispatches by method alone, a gateway in front of it, alice's task of each
//! generation, and the ways an attacker sends under either declaration.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::attack::{KID, Peer, VERSION, Who, handle_key, short};
use crate::support::attack_current::{CPeer, assert_nothing_forwarded};
use crate::support::client::{Answer, Call};
use crate::support::dual_upstream::{DualUpstream, Generation};
use crate::support::gateway::TestGateway;
use crate::support::upstream::Upstream;

pub const RELATED_TASK_IDS: &str = "io.modelcontextprotocol/relatedTaskIds";
pub const CAPS: &str = "io.modelcontextprotocol/clientCapabilities";
pub const TASKS_EXT: &str = "io.modelcontextprotocol/tasks";

/// The dual upstream, a gateway in front of it, and alice's two tasks.
pub struct Scene {
    pub dual: DualUpstream,
    pub gw: TestGateway,
    _dir: tempfile::TempDir,
    /// Alice's current-era task: (handle, upstream id).
    pub current: (String, String),
    /// Alice's legacy task, created in `alice_legacy`'s session.
    pub legacy: (String, String),
    pub alice_legacy: Peer,
    pub alice_current: CPeer,
}

impl Scene {
    pub async fn start() -> Scene {
        let dual = DualUpstream::spawn().await;
        let dir = tempfile::tempdir().unwrap();
        let handles = handle_key(dir.path(), KID, 1);
        let gw = TestGateway::start_with(&dual.url(), |raw| raw.handles = handles).await;
        let alice_current = CPeer::new(&gw, Who::Alice, "/mcp");
        let current_handle = alice_current.start_task().await;
        let alice_legacy = Peer::join(&gw, Who::Alice, "/mcp", None).await;
        let legacy_handle = alice_legacy.start_task().await;
        let tasks = dual.tasks();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].generation, Generation::Current);
        assert_eq!(tasks[1].generation, Generation::Legacy);
        Scene {
            current: (current_handle, tasks[0].id.clone()),
            legacy: (legacy_handle, tasks[1].id.clone()),
            dual,
            gw,
            _dir: dir,
            alice_legacy,
            alice_current,
        }
    }

    pub fn up(&self) -> &Upstream {
        &self.dual.up
    }

    /// Every value an attacker might present for alice's tasks.
    pub fn victims(&self) -> Vec<(&'static str, String)> {
        vec![
            ("current handle", self.current.0.clone()),
            ("current raw id", self.current.1.clone()),
            ("legacy handle", self.legacy.0.clone()),
            ("legacy raw id", self.legacy.1.clone()),
        ]
    }

    /// Alice's tasks still answer her (the gateway is healthy and nothing
    /// of an attack touched them).
    pub async fn assert_alice_unharmed(&self) {
        let v = self
            .alice_current
            .call(
                json!("check-c"),
                "tasks/get",
                json!({"taskId": self.current.0}),
            )
            .await;
        assert_eq!(v["result"]["taskId"], json!(self.current.0), "{v}");
        assert_eq!(v["result"]["status"], "working", "{v}");
        let v = self
            .alice_legacy
            .call(
                json!("check-l"),
                "tasks/get",
                json!({"taskId": self.legacy.0}),
            )
            .await;
        assert_eq!(v["result"]["taskId"], json!(self.legacy.0), "{v}");
        assert_eq!(v["result"]["status"], "working", "{v}");
        for task in self.dual.tasks() {
            assert!(task.updates.is_empty(), "{} was updated", task.id);
        }
    }
}

/// How a legacy-declared attacker sends: with the 2025-11-25 header, or with
/// no version at all (as 2025-03-26 clients do), in its own session.
#[derive(Debug, Clone, Copy)]
pub enum Declared {
    LegacyHeader,
    NoVersion,
}

pub async fn post_legacy(peer: &Peer, declared: Declared, body: &Value) -> Answer {
    let call =
        Call::post_json(&peer.url, Some(&peer.token), body).header("mcp-session-id", &peer.session);
    match declared {
        Declared::LegacyHeader => call.header("mcp-protocol-version", VERSION),
        Declared::NoVersion => call,
    }
    .send()
    .await
}

pub fn rpc(id: &str, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// `body` as a well-formed current-era POST of `peer`: its `_meta` gains the
/// protocol version and capabilities (members it already has are kept), and
/// the mirrored headers are set as an honest client sets them.
pub fn current_post(peer: &CPeer, body: &Value) -> Call {
    let method = body["method"].as_str().unwrap();
    let mut params = body.get("params").cloned().unwrap_or(json!({}));
    let extra = params
        .as_object_mut()
        .and_then(|p| p.remove("_meta"))
        .unwrap_or(json!({}));
    let mut call = peer.request(body.get("id").unwrap_or(&json!(0)), method, params);
    let mut sent: Value = serde_json::from_slice(&call.body).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        sent["params"]["_meta"][k] = v.clone();
    }
    if body.get("id").is_none() {
        sent.as_object_mut().unwrap().remove("id");
    }
    call.body = serde_json::to_vec(&sent).unwrap().into();
    call
}

/// Asserts the answer is the JSON-RPC error `code` and nothing reached the upstream.
pub fn assert_refused(up: &Upstream, before: usize, a: &Answer, code: i64, label: &str) {
    assert_nothing_forwarded(up, before, label);
    let body = String::from_utf8_lossy(&a.body);
    assert!(
        matches!(a.status, StatusCode::OK | StatusCode::NOT_FOUND),
        "{label}: status {} body {}",
        a.status,
        short(&body)
    );
    assert_eq!(a.error_code(), Some(code), "{label}: {}", short(&body));
}
