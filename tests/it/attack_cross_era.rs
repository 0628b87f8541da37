//! Cross-generation attacks (issue 12, defect 1): a request that declares one
//! protocol generation carries the other generation's task messages, against
//! a dual-generation upstream that dispatches by method name alone and
//! isolates nothing. Every task-bearing location of either generation is
//! governed whatever version is declared:
//! - methods the declared generation does not have are refused before
//!   forwarding, as a server of that generation answers them (`-32601`);
//! - every other location of either table is checked and rewritten;
//! - the other generation's task-creation opt-in is removed (a conforming
//!   server ignores it);
//! - every answer is filtered by the union of both tables, so no upstream
//!   id of any shape reaches a client that does not own it.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::attack::{KID, Peer, VERSION, Who, handle_key, short};
use crate::support::attack_current::{CPeer, assert_nothing_forwarded};
use crate::support::client::{Answer, Call};
use crate::support::dual_upstream::{DualUpstream, Generation};
use crate::support::gateway::TestGateway;
use crate::support::upstream::Upstream;

const RELATED_TASK_IDS: &str = "io.modelcontextprotocol/relatedTaskIds";
const CAPS: &str = "io.modelcontextprotocol/clientCapabilities";
const TASKS_EXT: &str = "io.modelcontextprotocol/tasks";

/// The dual upstream, a gateway in front of it, and alice's two tasks.
struct Scene {
    dual: DualUpstream,
    gw: TestGateway,
    _dir: tempfile::TempDir,
    /// Alice's current-era task: (handle, upstream id).
    current: (String, String),
    /// Alice's legacy task, created in `alice_legacy`'s session.
    legacy: (String, String),
    alice_legacy: Peer,
    alice_current: CPeer,
}

impl Scene {
    async fn start() -> Scene {
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

    fn up(&self) -> &Upstream {
        &self.dual.up
    }

    /// Every value an attacker might present for alice's tasks.
    fn victims(&self) -> Vec<(&'static str, String)> {
        vec![
            ("current handle", self.current.0.clone()),
            ("current raw id", self.current.1.clone()),
            ("legacy handle", self.legacy.0.clone()),
            ("legacy raw id", self.legacy.1.clone()),
        ]
    }

    /// Alice's tasks still answer her (the gateway is healthy and nothing
    /// of an attack touched them).
    async fn assert_alice_unharmed(&self) {
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
enum Declared {
    LegacyHeader,
    NoVersion,
}

async fn post_legacy(peer: &Peer, declared: Declared, body: &Value) -> Answer {
    let call =
        Call::post_json(&peer.url, Some(&peer.token), body).header("mcp-session-id", &peer.session);
    match declared {
        Declared::LegacyHeader => call.header("mcp-protocol-version", VERSION),
        Declared::NoVersion => call,
    }
    .send()
    .await
}

fn rpc(id: &str, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// The current generation's task messages that name `presented`, as a
/// legacy-declared caller would smuggle them.
fn current_messages(presented: &str) -> Vec<(&'static str, Value, Option<i64>)> {
    let update = json!({"taskId": presented, "inputResponses": {"k": {"action": "accept"}}});
    vec![
        // No such method in 2025-11-25: refused as a legacy server does.
        (
            "tasks/update",
            rpc("u", "tasks/update", update),
            Some(-32601),
        ),
        (
            "listen naming it",
            rpc(
                "l",
                "subscriptions/listen",
                json!({"notifications": {"taskIds": [presented]}}),
            ),
            Some(-32601),
        ),
        (
            "listen with an empty filter",
            rpc(
                "e",
                "subscriptions/listen",
                json!({"notifications": {"taskIds": []}}),
            ),
            Some(-32601),
        ),
        (
            "listen without a filter",
            rpc("n", "subscriptions/listen", json!({})),
            Some(-32601),
        ),
        // Governed: every entry must be one of the caller's own handles.
        (
            "relatedTaskIds on tools/call",
            rpc(
                "r",
                "tools/call",
                json!({"name": "echo", "arguments": {},
                       "_meta": {RELATED_TASK_IDS: [presented]}}),
            ),
            Some(-32602),
        ),
    ]
}

/// `body` as a well-formed current-era POST of `peer`: its `_meta` gains the
/// protocol version and capabilities (members it already has are kept), and
/// the mirrored headers are set as an honest client sets them.
fn current_post(peer: &CPeer, body: &Value) -> Call {
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
fn assert_refused(up: &Upstream, before: usize, a: &Answer, code: i64, label: &str) {
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

#[tokio::test]
async fn legacy_declared_requests_cannot_carry_current_task_messages() {
    let scene = Scene::start().await;
    let bob = Peer::join(&scene.gw, Who::Bob, "/mcp", None).await;
    for declared in [Declared::LegacyHeader, Declared::NoVersion] {
        for (what, presented) in scene.victims() {
            for (message, body, code) in current_messages(&presented) {
                let label = format!("{declared:?}, {message}, {what}");
                let before = scene.up().count();
                let a = post_legacy(&bob, declared, &body).await;
                assert_refused(scene.up(), before, &a, code.unwrap(), &label);
            }
        }
    }
    scene.assert_alice_unharmed().await;
}

#[tokio::test]
async fn legacy_declared_related_task_ids_of_ones_own_are_rewritten() {
    let scene = Scene::start().await;
    let (handle, raw) = &scene.legacy;
    let before = scene.up().count();
    let body = rpc(
        "own",
        "tools/call",
        json!({"name": "echo", "arguments": {}, "_meta": {RELATED_TASK_IDS: [handle]}}),
    );
    let a = post_legacy(&scene.alice_legacy, Declared::LegacyHeader, &body).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let seen = scene.up().seen()[before..].to_vec();
    assert_eq!(seen.len(), 1);
    let forwarded = seen[0].json();
    assert_eq!(
        forwarded["params"]["_meta"][RELATED_TASK_IDS],
        json!([raw]),
        "the upstream sees its own id, never the handle: {forwarded}"
    );
}

#[tokio::test]
async fn current_declared_requests_cannot_carry_legacy_task_messages() {
    let scene = Scene::start().await;
    let bob = CPeer::new(&scene.gw, Who::Bob, "/mcp");
    for (what, presented) in scene.victims() {
        let cases: Vec<(&str, Value, i64)> = vec![
            (
                "tasks/result",
                rpc("r", "tasks/result", json!({"taskId": presented})),
                -32601,
            ),
            ("tasks/list", rpc("l", "tasks/list", json!({})), -32601),
            (
                "client-sent status notification",
                json!({"jsonrpc": "2.0", "method": "notifications/tasks/status",
                       "params": {"taskId": presented, "status": "cancelled"}}),
                -32602,
            ),
            (
                "related-task _meta on tools/call",
                rpc(
                    "m",
                    "tools/call",
                    json!({"name": "echo", "arguments": {},
                           "_meta": {"io.modelcontextprotocol/related-task": {"taskId": presented}}}),
                ),
                -32602,
            ),
        ];
        for (message, body, code) in cases {
            let label = format!("current, {message}, {what}");
            let before = scene.up().count();
            let a = current_post(&bob, &body).send().await;
            assert_refused(scene.up(), before, &a, code, &label);
        }
    }
    scene.assert_alice_unharmed().await;
}

#[tokio::test]
async fn the_other_generations_task_opt_in_is_removed() {
    let scene = Scene::start().await;
    // A current-declared tools/call asking for a legacy task.
    let before = scene.up().count();
    let v = scene
        .alice_current
        .call(
            json!("aug"),
            "tools/call",
            json!({"name": "work", "arguments": {}, "task": {"ttl": 1000}}),
        )
        .await;
    let forwarded = scene.up().seen()[before].json();
    assert!(forwarded["params"].get("task").is_none(), "{forwarded}");
    assert_eq!(v["result"]["resultType"], "task", "{v}");
    // A legacy-declared tools/call declaring the current extension.
    let before = scene.up().count();
    let body = rpc(
        "ext",
        "tools/call",
        json!({"name": "work", "arguments": {},
               "_meta": {CAPS: {"extensions": {TASKS_EXT: {}}}}}),
    );
    let a = post_legacy(&scene.alice_legacy, Declared::LegacyHeader, &body).await;
    let forwarded = scene.up().seen()[before].json();
    assert!(
        forwarded["params"]["_meta"][CAPS]["extensions"]
            .get(TASKS_EXT)
            .is_none(),
        "{forwarded}"
    );
    assert_eq!(a.json()["result"]["content"][0]["text"], "done inline");
    assert_eq!(
        scene.dual.tasks().len(),
        3,
        "only the current-era call made a task"
    );
}

#[tokio::test]
async fn no_upstream_id_of_either_shape_reaches_a_stranger() {
    let scene = Scene::start().await;
    let raws = [scene.current.1.clone(), scene.legacy.1.clone()];
    let bob_legacy = Peer::join(&scene.gw, Who::Bob, "/mcp", None).await;
    let bob_current = CPeer::new(&scene.gw, Who::Bob, "/mcp");
    let leak = json!({"name": "leak", "arguments": {}});
    let answers = [
        (
            "legacy-declared",
            post_legacy(
                &bob_legacy,
                Declared::LegacyHeader,
                &rpc("x", "tools/call", leak.clone()),
            )
            .await,
        ),
        (
            "current-declared",
            bob_current
                .request(&json!("y"), "tools/call", leak)
                .send()
                .await,
        ),
    ];
    for (what, a) in answers {
        assert_eq!(a.status, StatusCode::OK, "{what}");
        let text = String::from_utf8_lossy(&a.body);
        for raw in &raws {
            assert!(
                !text.contains(&format!("\"{raw}\"")),
                "{what}: upstream id {raw} reached bob: {}",
                short(&text)
            );
        }
        assert!(
            text.contains("\"error\""),
            "{what}: the result naming alice's task is withheld"
        );
    }
    scene.assert_alice_unharmed().await;
}

#[tokio::test]
async fn legacy_requests_do_not_carry_current_routing_headers() {
    let scene = Scene::start().await;
    let (handle, _) = &scene.legacy;
    let raw_of_current = &scene.current.1;
    let get = rpc("hdr", "tasks/get", json!({"taskId": handle}));
    let before = scene.up().count();
    let a = Call::post_json(
        &scene.alice_legacy.url,
        Some(&scene.alice_legacy.token),
        &get,
    )
    .header("mcp-session-id", &scene.alice_legacy.session)
    .header("mcp-protocol-version", VERSION)
    .header("mcp-method", "tasks/update")
    .header("mcp-name", raw_of_current)
    .send()
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let seen = &scene.up().seen()[before..];
    assert_eq!(seen.len(), 1);
    for name in ["mcp-method", "mcp-name"] {
        assert!(
            seen[0].headers.get(name).is_none(),
            "{name} reached the upstream"
        );
    }
}
