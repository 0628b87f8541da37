//! Current-era (2026-07-28) behaviour of the demo upstream: stateless
//! requests, header checks, discovery and the tasks extension.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::{Method, StatusCode};
use serde_json::{Value, json};
use taskgate::mcp::{header, meta};
use taskgate_demo::upstream::UpstreamOptions;

use super::client::{Reply, SSE_AND_JSON, Upstream, request};

const V: &str = "2026-07-28";

/// A current-era request body with the required `_meta`.
fn body(id: u64, method: &str, mut params: Value, with_tasks: bool) -> Value {
    let extensions = if with_tasks {
        json!({ (meta::TASKS_EXTENSION): {} })
    } else {
        json!({})
    };
    params["_meta"] = json!({
        (meta::PROTOCOL_VERSION): V,
        (meta::CLIENT_CAPABILITIES): {"extensions": extensions},
    });
    request(id, method, params)
}

/// The mirrored headers for a body: version, `Mcp-Method`, `Mcp-Name`.
fn mirrored(body: &Value) -> Vec<(&'static str, String)> {
    let mut h = vec![
        (header::PROTOCOL_VERSION, V.to_owned()),
        (header::METHOD, body["method"].as_str().unwrap().to_owned()),
    ];
    let params = &body["params"];
    if let Some(name) = params["name"].as_str().or(params["taskId"].as_str()) {
        h.push((header::NAME, name.to_owned()));
    }
    h
}

/// POSTs with the mirrored headers, accepting JSON or SSE.
async fn send(up: &Upstream, body: &Value) -> Reply {
    let owned = mirrored(body);
    let mut h: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    h.push(SSE_AND_JSON);
    up.post(&h, body).await
}

fn call(id: u64, tool: &str, args: Value, with_tasks: bool) -> Value {
    body(
        id,
        "tools/call",
        json!({"name": tool, "arguments": args}),
        with_tasks,
    )
}

fn task(id: u64, method: &str, task: &str, with_tasks: bool) -> Value {
    body(id, method, json!({"taskId": task}), with_tasks)
}

#[tokio::test]
async fn discover_and_plain_calls() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let r = send(&up, &body(1, "server/discover", json!({}), false)).await;
    assert_eq!(r.status, StatusCode::OK);
    let d = &r.body["result"];
    assert_eq!(d["resultType"], "complete");
    assert_eq!(d["supportedVersions"], json!(["2025-11-25", V]));
    assert_eq!(
        d["capabilities"]["extensions"][meta::TASKS_EXTENSION],
        json!({})
    );
    assert_eq!(
        d["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "taskgate-demo-upstream"
    );
    assert!(r.headers.get(header::SESSION_ID).is_none());

    let r = send(&up, &body(2, "tools/list", json!({}), false)).await;
    let tools = r.body["result"]["tools"].as_array().unwrap();
    assert!(tools.iter().all(|t| t.get("execution").is_none()));

    let r = send(&up, &call(3, "echo", json!({"text": "now"}), true)).await;
    assert_eq!(r.body["result"]["resultType"], "complete");
    assert_eq!(r.body["result"]["content"][0]["text"], "now");

    // Without the extension a task-capable tool simply runs (streamed, as
    // the client accepts SSE).
    let slow = call(4, "slow_report", json!({"topic": "x", "seconds": 0}), false);
    let owned = mirrored(&slow);
    let mut h: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    h.push(SSE_AND_JSON);
    let mut sse = up.post_sse(&h, &slow).await;
    assert_eq!(sse.content_type(), "text/event-stream");
    let done = sse.next().await.unwrap().json();
    assert_eq!(done["result"]["resultType"], "complete");
    assert!(sse.next().await.is_none());

    // confirm_action without the extension: multi round-trip input.
    let r = send(
        &up,
        &call(5, "confirm_action", json!({"action": "ship"}), false),
    )
    .await;
    assert_eq!(r.body["result"]["resultType"], "input_required");
    let ask = &r.body["result"]["inputRequests"]["confirm"];
    assert_eq!(ask["method"], "elicitation/create");
    let mut retry = call(6, "confirm_action", json!({"action": "ship"}), false);
    retry["params"]["inputResponses"] =
        json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
    let r = send(&up, &retry).await;
    assert_eq!(r.body["result"]["content"][0]["text"], "confirmed: ship");

    let r = send(&up, &task(7, "tasks/result", "task-1", true)).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!(-32601))
    );
    let r = send(&up, &body(8, "tasks/list", json!({}), true)).await;
    assert_eq!(r.body["error"]["code"], -32601);

    for m in [Method::GET, Method::DELETE] {
        let res = up
            .send(
                m,
                "/mcp",
                &[
                    (header::PROTOCOL_VERSION, V),
                    ("accept", "text/event-stream"),
                ],
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let r = up
        .post(&[(header::PROTOCOL_VERSION, "2099-01-01")], &json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!(-32022))
    );
    up.stop().await;
}

#[tokio::test]
async fn extension_task_create_get_update_cancel() {
    let up = Upstream::start(UpstreamOptions {
        max_ttl_ms: 30_000,
        ..Default::default()
    })
    .await;
    let r = send(
        &up,
        &call(1, "slow_report", json!({"topic": "y", "seconds": 0}), true),
    )
    .await;
    let created = &r.body["result"];
    assert_eq!(created["resultType"], "task");
    assert_eq!(created["status"], "working");
    assert_eq!(created["ttlMs"], 30_000);
    assert_eq!(created["pollIntervalMs"], 500);
    assert!(created.get("task").is_none(), "the create result is flat");
    let id = created["taskId"].as_str().unwrap().to_owned();

    let completed = poll_until(&up, &id, "completed").await;
    assert_eq!(completed["resultType"], "complete");
    assert!(
        completed["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Report on y")
    );

    let r = send(&up, &call(2, "fail_report", json!({"topic": "f"}), true)).await;
    let failed = poll_until(&up, r.body["result"]["taskId"].as_str().unwrap(), "failed").await;
    assert_eq!(failed["error"]["code"], -32603);

    let r = send(
        &up,
        &call(3, "confirm_action", json!({"action": "launch"}), true),
    )
    .await;
    let cid = r.body["result"]["taskId"].as_str().unwrap().to_owned();
    let waiting = poll_until(&up, &cid, "input_required").await;
    assert_eq!(
        waiting["inputRequests"]["confirm"]["method"],
        "elicitation/create"
    );
    let mut update = task(4, "tasks/update", &cid, true);
    update["params"]["inputResponses"] =
        json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
    let r = send(&up, &update).await;
    assert_eq!(r.body["result"], json!({"resultType": "complete"}));
    let done = poll_until(&up, &cid, "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "confirmed: launch");

    let r = send(
        &up,
        &call(5, "slow_report", json!({"topic": "w", "seconds": 30}), true),
    )
    .await;
    let sid = r.body["result"]["taskId"].as_str().unwrap().to_owned();
    let r = send(&up, &task(6, "tasks/cancel", &sid, true)).await;
    assert_eq!(r.body["result"], json!({"resultType": "complete"}));
    poll_until(&up, &sid, "cancelled").await;
    // Cancelling a finished task is still an ack in this era.
    let r = send(&up, &task(7, "tasks/cancel", &id, true)).await;
    assert_eq!(r.body["result"]["resultType"], "complete");
    let r = send(&up, &task(8, "tasks/get", "task-999", true)).await;
    assert_eq!(r.body["error"]["code"], -32602);
    up.stop().await;
}

#[tokio::test]
async fn capability_and_header_checks() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let r = send(&up, &task(1, method, "task-1", false)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method}");
        assert_eq!(r.body["error"]["code"], -32021);
        let required = &r.body["error"]["data"]["requiredCapabilities"]["extensions"];
        assert!(required[meta::TASKS_EXTENSION].is_object());
    }

    let get = task(2, "tasks/get", "task-1", true);
    let cases: [&[(&str, &str)]; 4] = [
        &[
            (header::PROTOCOL_VERSION, V),
            (header::METHOD, "tasks/get"),
            (header::NAME, "task-2"),
        ],
        &[
            (header::PROTOCOL_VERSION, V),
            (header::METHOD, "tasks/cancel"),
            (header::NAME, "task-1"),
        ],
        &[(header::PROTOCOL_VERSION, V), (header::NAME, "task-1")],
        &[(header::PROTOCOL_VERSION, V), (header::METHOD, "tasks/get")],
    ];
    for h in cases {
        let r = up.post(h, &get).await;
        assert_eq!(
            (r.status, r.body["error"]["code"].clone()),
            (StatusCode::BAD_REQUEST, json!(-32020)),
            "{h:?}"
        );
    }
    // A current-era body under a legacy (or missing) header version.
    let r = up.post(&[SSE_AND_JSON], &get).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!(-32020))
    );
    let mut stale = get.clone();
    stale["params"]["_meta"][meta::PROTOCOL_VERSION] = json!("2025-11-25");
    let h = [
        (header::PROTOCOL_VERSION, V),
        (header::METHOD, "tasks/get"),
        (header::NAME, "task-1"),
    ];
    let r = up.post(&h, &stale).await;
    assert_eq!(r.body["error"]["code"], -32020);
    up.stop().await;
}

async fn poll_until(up: &Upstream, id: &str, status: &str) -> Value {
    for n in 0..100 {
        let r = send(up, &task(100 + n, "tasks/get", id, true)).await;
        let got = &r.body["result"];
        if got["status"] == status {
            return got.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("task {id} never reached {status}");
}
