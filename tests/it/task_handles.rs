//! Task handles end to end against the bundled example server (a real MCP
//! server, both eras, that isolates nothing: sequential shared task ids, any
//! session may read any task, `tasks/list` lists everyone's tasks).
//!
//! Proves the positive side of issue 3/4: everything a client does directly
//! works through the gateway, every task id it sees is a handle, TTLs are
//! capped, and each identity sees only its own tasks. The attack side is in
//! the attack suites.

use std::time::Duration;

use serde_json::{Value, json};
use taskgate_demo::upstream::{UpstreamOptions, serve};
use tokio_util::sync::CancellationToken;

use crate::support::client::{Answer, Call, rpc};
use crate::support::gateway::TestGateway;

const LEGACY: &str = "2025-11-25";
const CURRENT: &str = "2026-07-28";

pub(crate) struct Demo {
    pub(crate) gateway: TestGateway,
    _stop: tokio_util::sync::DropGuard,
}

async fn demo() -> Demo {
    demo_with(|_| {}).await
}

/// The bundled example server behind a gateway (TTL cap 60 s), with the
/// gateway's raw config adjusted by `tweak`.
pub(crate) async fn demo_with(tweak: impl FnOnce(&mut taskgate::config::raw::RawConfig)) -> Demo {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let options = UpstreamOptions {
        list_page_size: 2,
        ..UpstreamOptions::default()
    };
    tokio::spawn(serve(listener, options, token.clone()));
    let gateway = TestGateway::start_with(&format!("http://{addr}/mcp"), |raw| {
        raw.tasks.max_ttl = Some("60s".into());
        tweak(raw);
    })
    .await;
    Demo {
        gateway,
        _stop: token.drop_guard(),
    }
}

/// The JSON-RPC message answering a POST, from a JSON or an SSE body.
pub(crate) fn answer_of(answer: &Answer) -> Value {
    let ct = answer
        .header("content-type")
        .unwrap_or_default()
        .to_string();
    if ct.starts_with("text/event-stream") {
        let text = std::str::from_utf8(&answer.body).unwrap();
        let last = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .rfind(|v| v.get("id").is_some() && v.get("method").is_none());
        last.unwrap_or_else(|| panic!("no response in stream: {text}"))
    } else {
        answer.json()
    }
}

pub(crate) struct Legacy<'a> {
    gateway: &'a TestGateway,
    token: String,
    session: String,
}

impl<'a> Legacy<'a> {
    pub(crate) async fn start(gateway: &'a TestGateway, sub: &str, tenant: &str) -> Legacy<'a> {
        let token = gateway.token(sub, tenant);
        let init = rpc(
            1,
            "initialize",
            json!({"protocolVersion": LEGACY, "capabilities": {},
                   "clientInfo": {"name": "it", "version": "1"}}),
        );
        let answer = Call::post_json(&gateway.url(), Some(&token), &init)
            .send()
            .await;
        let session = answer.header("mcp-session-id").unwrap().to_string();
        Legacy {
            gateway,
            token,
            session,
        }
    }

    pub(crate) async fn call(&self, method: &str, params: Value) -> Value {
        let body = rpc(7, method, params);
        let answer = Call::post_json(&self.gateway.url(), Some(&self.token), &body)
            .header("mcp-session-id", &self.session)
            .header("mcp-protocol-version", LEGACY)
            .send()
            .await;
        answer_of(&answer)
    }
}

#[tokio::test]
async fn legacy_tasks_work_through_handles_and_each_identity_sees_only_its_own() {
    let demo = demo().await;
    let alice = Legacy::start(&demo.gateway, "alice", "acme").await;
    let bob = Legacy::start(&demo.gateway, "bob", "globex").await;

    let created = alice
        .call(
            "tools/call",
            json!({"name": "slow_report", "arguments": {"topic": "q3", "seconds": 1},
                                   "task": {"ttl": 86_400_000}}),
        )
        .await;
    let task = &created["result"]["task"];
    let handle = task["taskId"].as_str().unwrap().to_string();
    assert!(handle.starts_with("tg1."), "{created}");
    assert_eq!(task["ttl"], 60_000, "TTL capped to the gateway's maximum");
    bob.call(
        "tools/call",
        json!({"name": "slow_report", "arguments": {"topic": "b", "seconds": 1}, "task": {}}),
    )
    .await;

    // Poll to completion; the handle is stable.
    let mut status = String::new();
    for _ in 0..50 {
        let got = alice.call("tasks/get", json!({"taskId": handle})).await;
        assert_eq!(got["result"]["taskId"], handle.as_str(), "{got}");
        status = got["result"]["status"].as_str().unwrap().to_string();
        if status == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "completed");
    let result = alice.call("tasks/result", json!({"taskId": handle})).await;
    assert_eq!(
        result["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        handle.as_str()
    );
    assert!(
        result["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("q3")
    );

    // The upstream lists both tasks to anyone; each sees only their own.
    let mine = alice.call("tasks/list", json!({})).await;
    let ids: Vec<&str> = mine["result"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["taskId"].as_str())
        .collect();
    assert_eq!(ids, vec![handle.as_str()], "{mine}");
    let theirs = bob.call("tasks/list", json!({})).await;
    let bob_ids = theirs["result"]["tasks"].as_array().unwrap();
    assert_eq!(bob_ids.len(), 1);
    assert_ne!(bob_ids[0]["taskId"], handle.as_str());

    let refused = bob.call("tasks/result", json!({"taskId": handle})).await;
    assert_eq!(refused["error"]["code"], -32602);
    assert_eq!(
        refused["error"]["message"],
        format!("MCP error -32602: Task not found: {handle}")
    );
}

#[tokio::test]
async fn current_era_tasks_work_through_handles() {
    let demo = demo().await;
    let token = demo.gateway.token("alice", "acme");
    let meta = json!({"io.modelcontextprotocol/protocolVersion": CURRENT,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}});
    let send = |method: &str, name: Option<&str>, params: Value| {
        let mut params = params;
        params["_meta"] = meta.clone();
        let mut call = Call::post_json(&demo.gateway.url(), Some(&token), &rpc(3, method, params))
            .header("mcp-protocol-version", CURRENT)
            .header("mcp-method", method);
        if let Some(name) = name {
            call = call.header("mcp-name", name);
        }
        call.send()
    };
    let created = answer_of(
        &send(
            "tools/call",
            Some("slow_report"),
            json!({"name": "slow_report",
            "arguments": {"topic": "q4", "seconds": 1}}),
        )
        .await,
    );
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    let handle = created["result"]["taskId"].as_str().unwrap().to_string();
    assert!(handle.starts_with("tg1."));
    let mut last = Value::Null;
    for _ in 0..50 {
        last = answer_of(&send("tasks/get", Some(&handle), json!({"taskId": handle})).await);
        assert_eq!(last["result"]["taskId"], handle.as_str(), "{last}");
        if last["result"]["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["result"]["status"], "completed");
    assert!(last["result"]["ttlMs"].as_u64().unwrap() <= 60_000);
    assert!(
        last["result"]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("q4")
    );
}

#[tokio::test]
async fn revocation_on_demand_through_the_admin_listener() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    tokio::spawn(serve(listener, UpstreamOptions::default(), token.clone()));
    let _stop = token.drop_guard();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("admin-token");
    std::fs::write(&secret, "s3cret-admin-token\n").unwrap();
    let gateway = TestGateway::start_with(&format!("http://{addr}/mcp"), |raw| {
        raw.admin = Some(taskgate::config::raw::RawAdmin {
            address: "127.0.0.1:0".into(),
            token: Some(taskgate::config::secret::SecretSource::File(secret.clone())),
        });
    })
    .await;
    let revoke_url = format!("http://{}/revoke", gateway.running.admin_addr.unwrap());
    let alice = Legacy::start(&gateway, "alice", "acme").await;
    let create = |topic: &'static str| {
        alice.call(
            "tools/call",
            json!({"name": "slow_report", "arguments": {"topic": topic, "seconds": 30}, "task": {}}),
        )
    };
    let first = create("a").await["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_string();
    let second = create("b").await["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke = |body: Value, bearer: Option<&'static str>| {
        let mut call = Call::post_json(&revoke_url, None, &body);
        if let Some(b) = bearer {
            call = call.header("authorization", &format!("Bearer {b}"));
        }
        call.send()
    };
    assert_eq!(revoke(json!({"handle": first}), None).await.status, 401);
    assert_eq!(
        revoke(json!({"handle": first}), Some("wrong")).await.status,
        401
    );
    let ok = revoke(json!({"handle": first}), Some("s3cret-admin-token")).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let refused = alice.call("tasks/get", json!({"taskId": first})).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let still = alice.call("tasks/get", json!({"taskId": second})).await;
    assert_eq!(still["result"]["taskId"], second.as_str(), "{still}");
    let unknown = revoke(json!({"handle": "task-2"}), Some("s3cret-admin-token")).await;
    assert_eq!(unknown.status, 404);
    let bad = revoke(json!({"nonsense": 1}), Some("s3cret-admin-token")).await;
    assert_eq!(bad.status, 400);

    let all = revoke(json!({"everything": true}), Some("s3cret-admin-token")).await;
    assert_eq!(all.json()["epoch"], 1);
    // The bump ends the session too; in a fresh one the task stays refused.
    let ended = alice.call("tasks/get", json!({"taskId": second})).await;
    assert_eq!(ended["error"]["code"], -32001, "{ended}");
    let alice = Legacy::start(&gateway, "alice", "acme").await;
    let refused = alice.call("tasks/get", json!({"taskId": second})).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
}
