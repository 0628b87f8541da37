//! The attack-suite harness: a gateway with two routes (`/mcp`, `/other`) and
//! a configured handle key in front of the leaky [`TasksUpstream`], the
//! identities an attacker can hold, legacy-era client sessions, the forged
//! handles to try, and [`assert_refused`], which checks both halves of the
//! contract for one attack: the exact `-32602` answer, and nothing forwarded.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::{Value, json};
use taskgate::config::raw::{RawConfig, RawHandleKey, RawHandles, RawRoute};
use taskgate::config::secret::SecretSource;

use super::client::{Answer, Call};
use super::gateway::TestGateway;
use super::tasks_upstream::TasksUpstream;
use super::upstream::Upstream;

/// The legacy protocol version every session negotiates.
pub const VERSION: &str = "2025-11-25";
/// The kid of the fixture gateway's handle key.
pub const KID: &str = "k1";

/// Who presents a request.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    /// `alice` in tenant `t1` via `test-client`: the victim.
    Alice,
    /// `bob` in tenant `t2`.
    Bob,
    /// `alice`'s subject and client, in tenant `t2`.
    OtherTenant,
    /// `alice` in `t1`, through another OAuth client (`azp`).
    OtherClient,
    /// Another subject (`mallory`) in `t1` via `test-client`.
    OtherSubject,
}

/// A bearer token for `who`, accepted by any [`TestGateway`] (they share the
/// fixture issuer keys).
pub fn token(gw: &TestGateway, who: Who) -> String {
    let claims = match who {
        Who::Alice => gw.claims("alice", "t1"),
        Who::Bob => gw.claims("bob", "t2"),
        Who::OtherTenant => gw.claims("alice", "t2"),
        Who::OtherSubject => gw.claims("mallory", "t1"),
        Who::OtherClient => {
            let mut c = gw.claims("alice", "t1");
            c["azp"] = json!("another-client");
            c
        }
    };
    gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, claims)
}

/// A `[handles]` table with one key `kid` whose secret is 32 bytes of `fill`,
/// written under `dir`.
pub fn handle_key(dir: &Path, kid: &str, fill: u8) -> RawHandles {
    let path = dir.join(format!("{kid}-{fill}.key"));
    std::fs::write(&path, URL_SAFE_NO_PAD.encode([fill; 32])).unwrap();
    RawHandles {
        signing_key: None,
        keys: vec![RawHandleKey {
            kid: kid.into(),
            secret: SecretSource::File(path),
        }],
    }
}

/// The leaky upstream and a gateway in front of it.
pub struct Fixture {
    pub tasks: TasksUpstream,
    pub gw: TestGateway,
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// Routes `/mcp` and `/other` to one upstream, handle key `k1` (fill 1).
    pub async fn start() -> Fixture {
        Self::start_with(|_| {}).await
    }

    /// As [`Fixture::start`], letting the test adjust the raw config last.
    pub async fn start_with(tweak: impl FnOnce(&mut RawConfig)) -> Fixture {
        let tasks = TasksUpstream::spawn().await;
        let dir = tempfile::tempdir().unwrap();
        let gw = gateway(&tasks, dir.path(), KID, 1, tweak).await;
        Fixture { tasks, gw, dir }
    }

    pub fn up(&self) -> &Upstream {
        &self.tasks.up
    }

    /// A fresh session of `who` on `path` (`/mcp` or `/other`).
    pub async fn join(&self, who: Who, path: &str) -> Peer {
        Peer::join(&self.gw, who, path, None).await
    }
}

/// Another gateway in front of `tasks` (same routes), sealing with `kid`.
pub async fn gateway(
    tasks: &TasksUpstream,
    dir: &Path,
    kid: &str,
    fill: u8,
    tweak: impl FnOnce(&mut RawConfig),
) -> TestGateway {
    let url = tasks.url();
    let handles = handle_key(dir, kid, fill);
    TestGateway::start_with(&url, |raw| {
        raw.routes.push(RawRoute {
            path: "/other".into(),
            upstream: url.clone(),
            ..RawRoute::default()
        });
        raw.handles = handles;
        tweak(raw);
    })
    .await
}

/// One legacy client session through the gateway.
pub struct Peer {
    pub url: String,
    pub token: String,
    pub session: String,
}

impl Peer {
    /// `initialize` + `notifications/initialized` as `who` on `path`; with
    /// `resume`, the upstream hands out that upstream session id.
    pub async fn join(gw: &TestGateway, who: Who, path: &str, resume: Option<&str>) -> Peer {
        let url = format!("{}{path}", gw.base());
        let token = token(gw, who);
        let name = resume.map_or_else(|| "attacker".to_string(), |s| format!("resume:{s}"));
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": VERSION, "capabilities": {},
            "clientInfo": {"name": name, "version": "1"}}});
        let a = Call::post_json(&url, Some(&token), &init).send().await;
        assert_eq!(a.status, StatusCode::OK, "initialize: {:?}", a.body);
        let session = a
            .header("mcp-session-id")
            .expect("a session id")
            .to_string();
        let peer = Peer {
            url,
            token,
            session,
        };
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let a = peer.post(&note).await;
        assert_eq!(a.status, StatusCode::ACCEPTED);
        peer
    }

    pub async fn post(&self, body: &Value) -> Answer {
        Call::post_json(&self.url, Some(&self.token), body)
            .header("mcp-session-id", &self.session)
            .header("mcp-protocol-version", VERSION)
            .send()
            .await
    }

    /// A JSON-RPC request with `id`, answered as JSON.
    pub async fn call(&self, id: Value, method: &str, params: Value) -> Value {
        let a = self
            .post(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{method}: {:?}", a.body);
        a.json()
    }

    /// Starts a task-augmented `tools/call`; returns the taskId the client saw.
    pub async fn start_task(&self) -> String {
        let params = json!({"name": "slow", "arguments": {}, "task": {"ttl": 60_000}});
        let v = self.call(json!(100), "tools/call", params).await;
        let id = v.pointer("/result/task/taskId").and_then(Value::as_str);
        id.unwrap_or_else(|| panic!("no task in {v}")).to_string()
    }
}

/// The message the contract prescribes for a refused follow-up.
pub fn refusal_message(method: &str, presented: &Value) -> String {
    let text = presented
        .as_str()
        .map_or_else(|| presented.to_string(), str::to_string);
    match method {
        "tasks/get" => "MCP error -32602: Failed to retrieve task: Task not found".into(),
        "tasks/list" => format!("MCP error -32602: Failed to list tasks: Invalid cursor: {text}"),
        _ => format!("MCP error -32602: Task not found: {text}"),
    }
}

/// Presents `presented` (a taskId, or the cursor for `tasks/list`) as `peer`
/// and asserts the exact `-32602` answer and that the upstream received
/// nothing for it. `what` names the attack (and is the JSON-RPC id).
pub async fn assert_refused(
    up: &Upstream,
    peer: &Peer,
    method: &str,
    presented: &Value,
    what: &str,
) {
    let key = if method == "tasks/list" {
        "cursor"
    } else {
        "taskId"
    };
    let id = json!(format!("{what} / {method}"));
    let request = json!({"jsonrpc": "2.0", "id": id, "method": method,
                         "params": {key: presented}});
    let before = up.count();
    let a = peer.post(&request).await;
    let arrived = up.seen()[before..].to_vec();
    let label = format!("{what}: {method} with {}", short(&presented.to_string()));
    assert!(
        arrived.is_empty(),
        "{label}: the upstream received {:?}",
        arrived
            .iter()
            .map(|s| short(&String::from_utf8_lossy(&s.body)))
            .collect::<Vec<_>>()
    );
    let got = String::from_utf8_lossy(&a.body);
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{label}: status; body {}",
        short(&got)
    );
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{label}: content-type {:?}",
        a.header("content-type")
    );
    let expected = json!({"jsonrpc": "2.0", "id": id,
        "error": {"code": -32602, "message": refusal_message(method, presented)}});
    let body: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    assert!(
        body == expected,
        "{label}:\n expected {}\n      got {}",
        short(&expected.to_string()),
        short(&got)
    );
}

/// At most 300 characters of `s`, for readable failures with 100 KB inputs.
pub fn short(s: &str) -> String {
    if s.chars().count() <= 300 {
        return s.to_string();
    }
    let head: String = s.chars().take(300).collect();
    format!("{head}… ({} bytes)", s.len())
}

/// `handle` with the base64url character at `at` (an index into the whole
/// string) replaced by one that differs in its top bit, so the decoded
/// bytes always change.
pub fn flip(handle: &str, at: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = handle.as_bytes().to_vec();
    let i = ALPHABET.iter().position(|c| *c == bytes[at]).unwrap();
    bytes[at] = ALPHABET[(i + 32) % 64];
    String::from_utf8(bytes).unwrap()
}

/// Every malformed or forged variant of `handle` (a valid `tg1.` handle) an
/// attacker might present, with `raw` the upstream's own id for it.
pub fn forgeries(handle: &str, raw: &str) -> Vec<(String, Value)> {
    assert!(handle.starts_with("tg1.") && handle.is_ascii(), "{handle}");
    let body = handle.rfind('.').unwrap() + 1;
    let n = handle.len() - body;
    let mut out: Vec<(String, Value)> = Vec::new();
    for (name, at) in [
        ("first", body),
        ("nonce", body + 5),
        ("middle", body + n / 2),
        ("tag", handle.len() - 6),
        ("last", handle.len() - 1),
    ] {
        out.push((format!("tampered {name} byte"), json!(flip(handle, at))));
    }
    let s = |v: &str| json!(v);
    out.extend([
        (
            "tampered kid".into(),
            s(&format!("tg1.k2.{}", &handle[body..])),
        ),
        (
            "tampered version".into(),
            s(&handle.replacen("tg1.", "tg2.", 1)),
        ),
        ("truncated by one".into(), s(&handle[..handle.len() - 1])),
        ("truncated tag".into(), s(&handle[..handle.len() - 16])),
        ("truncated half".into(), s(&handle[..handle.len() / 2])),
        ("prefix only".into(), s(&handle[..body])),
        ("extended".into(), s(&format!("{handle}A"))),
        ("raw upstream id".into(), s(raw)),
        ("empty".into(), s("")),
        (
            "huge".into(),
            s(&format!("{}{}", &handle[..body], "A".repeat(100 * 1024))),
        ),
        (
            "non-ASCII in body".into(),
            s(&format!("{}é{}", &handle[..body], &handle[body + 1..])),
        ),
        ("non-ASCII id".into(), s("tâche-1")),
        (
            "fullwidth prefix".into(),
            s(&handle.replacen("tg1.", "ｔｇ1.", 1)),
        ),
        ("number".into(), json!(1)),
        ("object".into(), json!({"taskId": handle})),
        ("array".into(), json!([handle])),
        ("boolean".into(), json!(true)),
    ]);
    out
}
