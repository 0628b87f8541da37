//! `notifications/tasks` on a `subscriptions/listen` stream, through the
//! gateway. rmcp 3.9.0 does not emit these (its server refuses to send
//! `notifications/tasks`, its `SubscriptionFilter` has no `taskIds`), so the
//! upstream here is scripted (`tests/support/upstream.rs`): it creates tasks
//! `up-task-N`, and answers a listen with an acknowledgement echoing more
//! task ids than were asked for (a careless upstream), a `notifications/tasks`
//! per id (also for another caller's task), then the final result.
//!
//! Checked: the listen's `taskIds` reach the upstream as raw ids; the
//! acknowledgement and the notifications reach the client with handles,
//! only for the caller's tasks, payload intact; another identity's handle
//! in a listen (alone or next to an own one) is dropped from the filter and
//! never forwarded, as a server acknowledges only the ids it agreed to. The
//! wire is checked with a
//! raw client; an rmcp client then shows the SDK's handler is given the
//! handle (it can send the listen only as a custom request, lacking
//! `taskIds` in its typed filter).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use rmcp::model::{ClientRequest, CustomRequest};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::rmcp_peers::client::connect;
use crate::support::client::{Answer, Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Reply, Seen, Upstream};

const V: &str = "2026-07-28";
const SUB: &str = "io.modelcontextprotocol/subscriptionId";

fn task(id: &str, status: &str) -> Value {
    json!({"taskId": id, "status": status, "createdAt": "2026-07-28T00:00:00Z",
        "lastUpdatedAt": "2026-07-28T00:00:01Z", "ttlMs": 60_000, "pollIntervalMs": 50})
}

fn sse(message: &Value) -> String {
    format!("event: message\ndata: {message}\n\n")
}

/// The scripted upstream's answer to one request.
fn script(seen: &Seen, created: &AtomicUsize) -> Reply {
    let body = seen.json();
    let id = body["id"].clone();
    let result = |r: Value| {
        Reply::Json(
            StatusCode::OK,
            json!({"jsonrpc": "2.0", "id": id, "result": r}),
        )
    };
    match body["method"].as_str().unwrap_or_default() {
        "server/discover" => result(json!({"resultType": "complete", "supportedVersions": [V],
            "capabilities": {"tools": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}},
            "ttlMs": 0, "cacheScope": "private",
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "scripted", "version": "1"}}})),
        "tools/call" => {
            let n = created.fetch_add(1, Ordering::SeqCst) + 1;
            let mut t = task(&format!("up-task-{n}"), "working");
            t["resultType"] = json!("task");
            result(t)
        }
        "subscriptions/listen" => {
            let (tx, rx) = mpsc::channel(8);
            let meta = json!({SUB: id});
            // The ack echoes every task the upstream knows: up-task-1 … up-task-N.
            let known: Vec<String> = (1..=created.load(Ordering::SeqCst))
                .map(|n| format!("up-task-{n}"))
                .collect();
            let mut events = vec![
                json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                "params": {"_meta": meta, "notifications": {"taskIds": known}}}),
            ];
            for raw in &known {
                let mut t = task(raw, "completed");
                let n = raw.trim_start_matches("up-task-");
                t["result"] = json!({"content": [{"type": "text", "text": format!("report #{n}")}], "isError": false});
                t["_meta"] = meta.clone();
                events
                    .push(json!({"jsonrpc": "2.0", "method": "notifications/tasks", "params": t}));
            }
            events.push(json!({"jsonrpc": "2.0", "id": id, "result": {"resultType": "complete", "_meta": meta}}));
            tokio::spawn(async move {
                for e in events {
                    if tx.send(sse(&e)).await.is_err() {
                        return;
                    }
                }
            });
            Reply::Sse(rx)
        }
        _ => Reply::Status(StatusCode::BAD_REQUEST),
    }
}

async fn scripted() -> Upstream {
    let created = Arc::new(AtomicUsize::new(0));
    Upstream::spawn(move |seen| script(seen, &created)).await
}

/// A raw current-era POST as `token`.
async fn post(gw: &TestGateway, token: &str, id: i64, method: &str, mut params: Value) -> Answer {
    params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}});
    let mut call = Call::post_json(&gw.url(), Some(token), &rpc(id, method, params))
        .header("mcp-protocol-version", V)
        .header("mcp-method", method);
    if method == "tools/call" {
        call = call.header("mcp-name", "report");
    }
    tokio::time::timeout(Duration::from_secs(10), call.send())
        .await
        .expect("answered in time")
}

async fn create(gw: &TestGateway, token: &str) -> String {
    let a = post(gw, token, 1, "tools/call", json!({"name": "report"})).await;
    let id = a.json()["result"]["taskId"].as_str().unwrap().to_string();
    assert!(id.starts_with("tg1."), "{id}");
    id
}

/// The JSON-RPC messages of an SSE body.
fn messages(a: &Answer) -> Vec<Value> {
    assert!(
        a.header("content-type")
            .unwrap()
            .starts_with("text/event-stream"),
        "{a:?}"
    );
    std::str::from_utf8(&a.body)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str(d.trim()).ok())
        .collect()
}

fn listens(up: &Upstream) -> Vec<Value> {
    up.seen()
        .iter()
        .filter(|s| s.rpc_method().as_deref() == Some("subscriptions/listen"))
        .map(Seen::json)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_task_ids_ack_and_notifications_are_mapped_both_ways() {
    let up = scripted().await;
    let gw = TestGateway::start(&up.url()).await;
    let (alice, bob) = (gw.token("alice", "acme"), gw.token("bob", "acme"));
    let mine = [create(&gw, &alice).await, create(&gw, &alice).await];
    let theirs = create(&gw, &bob).await;

    let a = post(
        &gw,
        &alice,
        40,
        "subscriptions/listen",
        json!({"notifications": {"taskIds": mine}}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let forwarded = listens(&up);
    assert_eq!(forwarded.len(), 1);
    assert_eq!(
        forwarded[0]["params"]["notifications"]["taskIds"],
        json!(["up-task-1", "up-task-2"])
    );

    let got = messages(&a);
    let text = serde_json::to_string(&got).unwrap();
    assert!(
        !text.contains("up-task-"),
        "a raw id reached the client: {text}"
    );
    assert!(
        !text.contains(&theirs),
        "bob's handle reached alice: {text}"
    );
    let ack = &got[0];
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{text}"
    );
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!(mine),
        "ack: own tasks, as handles"
    );
    assert_eq!(ack["params"]["_meta"][SUB], 40);
    let notes: Vec<&Value> = got
        .iter()
        .filter(|m| m["method"] == "notifications/tasks")
        .collect();
    let ids: Vec<&Value> = notes.iter().map(|n| &n["params"]["taskId"]).collect();
    assert_eq!(
        ids,
        vec![&json!(mine[0]), &json!(mine[1])],
        "only alice's tasks, as handles: {text}"
    );
    assert_eq!(notes[0]["params"]["status"], "completed");
    assert_eq!(
        notes[0]["params"]["result"]["content"][0]["text"],
        "report #1"
    );
    assert_eq!(notes[0]["params"]["_meta"][SUB], 40);
    let last = got.last().unwrap();
    assert_eq!(
        (last["id"].clone(), last["result"]["resultType"].clone()),
        (json!(40), json!("complete"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_identitys_handle_is_dropped_from_a_listen_and_never_forwarded() {
    let up = scripted().await;
    let gw = TestGateway::start(&up.url()).await;
    let (alice, bob) = (gw.token("alice", "acme"), gw.token("bob", "acme"));
    let hers = create(&gw, &alice).await;
    let his = create(&gw, &bob).await;
    for (ids, forwarded) in [
        (json!([hers]), json!([])),
        (json!([his, hers]), json!(["up-task-2"])),
        (json!(["up-task-1"]), json!([])),
    ] {
        let before = listens(&up).len();
        let a = post(
            &gw,
            &bob,
            41,
            "subscriptions/listen",
            json!({"notifications": {"taskIds": ids}}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK);
        let sent = &listens(&up)[before];
        assert_eq!(
            sent["params"]["notifications"]["taskIds"], forwarded,
            "listen {ids}: only bob's own reaches the upstream"
        );
        let got = messages(&a);
        let text = serde_json::to_string(&got).unwrap();
        assert!(
            !text.contains(&hers) && !text.contains("up-task-"),
            "{text}"
        );
        // The careless upstream acknowledges every task it knows; bob sees his.
        assert_eq!(got[0]["params"]["notifications"]["taskIds"], json!([his]));
        let notes: Vec<&Value> = got
            .iter()
            .filter(|m| m["method"] == "notifications/tasks")
            .collect();
        assert!(
            notes.iter().all(|n| n["params"]["taskId"] == json!(his)),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rmcp_client_is_given_handles_in_listen_notifications() {
    let up = scripted().await;
    let gw = TestGateway::start(&up.url()).await;
    let client = connect(&gw.url(), Some(&gw.token("alice", "acme"))).await;
    let created = client
        .call_tool_once(rmcp::model::CallToolRequestParams::new("report"))
        .await
        .unwrap();
    let rmcp::model::CallToolResponse::Task(created) = created else {
        panic!("expected a task, got {created:?}");
    };
    let handle = created.task.task_id;
    assert!(handle.starts_with("tg1."), "{handle}");
    create(&gw, &gw.token("bob", "acme")).await; // up-task-2: not alice's

    // rmcp's typed `listen` cannot name tasks; send the request as a custom one.
    let listen = CustomRequest::new(
        "subscriptions/listen",
        Some(json!({"notifications": {"taskIds": [handle]}})),
    );
    let done = tokio::time::timeout(
        Duration::from_secs(10),
        client.send_request(ClientRequest::CustomRequest(listen)),
    )
    .await
    .expect("listen ended in time");
    done.unwrap();
    assert_eq!(
        listens(&up)[0]["params"]["notifications"]["taskIds"],
        json!(["up-task-1"])
    );

    let notes: Arc<Mutex<Vec<Value>>> = client.service().notes.clone();
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = notes.lock().unwrap().clone();
        if seen.iter().any(|n| n["method"] == "notifications/tasks") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let tasks: Vec<&Value> = seen
        .iter()
        .filter(|n| n["method"] == "notifications/tasks")
        .collect();
    assert_eq!(tasks.len(), 1, "{seen:?}");
    assert_eq!(tasks[0]["params"]["taskId"], handle.as_str());
    assert_eq!(
        tasks[0]["params"]["result"]["content"][0]["text"],
        "report #1"
    );
    assert!(
        !serde_json::to_string(&seen).unwrap().contains("up-task-"),
        "{seen:?}"
    );
    client.cancel().await.unwrap();
}
