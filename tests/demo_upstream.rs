//! End-to-end tests of the bundled demo MCP server (the `taskgate-demo`
//! crate) over real HTTP: legacy sessions, tools and streaming here; legacy
//! tasks and the GET stream in `demo_upstream/legacy_tasks.rs`; the current
//! era (2026-07-28) in `demo_upstream/current.rs`. The harness is
//! `demo_upstream/client.rs`. The request log a demo reads to prove what a
//! gateway did not forward is here too.
//!
//! They live with the gateway, not in the demo crate, on purpose: the demo
//! spells the MCP names itself, and these tests speak to it with the
//! gateway's spelling (`taskgate::mcp`), so the two cannot drift apart.

#[path = "demo_upstream/client.rs"]
mod client;
#[path = "demo_upstream/current.rs"]
mod current;
#[path = "demo_upstream/legacy_tasks.rs"]
mod legacy_tasks;

use client::{JSON_ONLY, SSE_AND_JSON, Upstream, call, request, task_call};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use taskgate::mcp::header;
use taskgate_demo::upstream::UpstreamOptions;

#[tokio::test]
async fn initialize_negotiates_version_and_mints_a_session() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let init = |v: &str| {
        request(
            1,
            "initialize",
            json!({"protocolVersion": v, "capabilities": {}}),
        )
    };
    let r = up.post(&[SSE_AND_JSON], &init("2025-06-18")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(
        r.body["result"]["serverInfo"]["name"],
        "taskgate-demo-upstream"
    );
    let caps = &r.body["result"]["capabilities"];
    assert_eq!(caps["tasks"]["requests"]["tools"]["call"], json!({}));
    assert_eq!(caps["tools"]["listChanged"], false);
    let sid = r.headers[header::SESSION_ID].to_str().unwrap();
    assert_eq!(sid.len(), 32);
    assert!(sid.chars().all(|c| c.is_ascii_hexdigit()));

    let r = up.post(&[SSE_AND_JSON], &init("1999-01-01")).await;
    assert_eq!(r.body["result"]["protocolVersion"], "2025-11-25");
    assert_ne!(r.headers[header::SESSION_ID].to_str().unwrap(), sid);
    up.stop().await;
}

#[tokio::test]
async fn basic_requests_and_errors() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let sid = up.initialize().await;
    let h = [SSE_AND_JSON, (header::SESSION_ID, sid.as_str())];

    let r = up.post(&h, &call(2, "echo", json!({"text": "hi"}))).await;
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.body["id"], 2);
    assert_eq!(r.body["result"]["content"][0]["text"], "hi");

    let r = up
        .post(&h, &call(3, "add", json!({"a": 2, "b": 3.5})))
        .await;
    assert_eq!(r.body["result"]["structuredContent"]["sum"], 5.5);

    let r = up.post(&h, &request(4, "ping", json!({}))).await;
    assert_eq!(r.body["result"], json!({}));

    let r = up.post(&h, &request(5, "tools/list", json!({}))).await;
    let tools = r.body["result"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 5);
    let slow = tools.iter().find(|t| t["name"] == "slow_report").unwrap();
    assert_eq!(slow["execution"]["taskSupport"], "optional");

    let r = up.post(&h, &call(6, "nope", json!({}))).await;
    assert_eq!(r.body["error"]["code"], -32602);
    let r = up.post(&h, &call(7, "echo", json!({"text": 1}))).await;
    assert_eq!(r.body["result"]["isError"], true);
    let r = up
        .post(&h, &call(8, "fail_report", json!({"topic": "t"})))
        .await;
    assert_eq!(r.body["result"]["isError"], true);
    let r = up.post(&h, &request(9, "resources/list", json!({}))).await;
    assert_eq!(r.body["error"]["code"], -32601);
    let r = up
        .post(&h, &task_call(10, "echo", json!({"text": "x"}), 1000))
        .await;
    assert_eq!(r.body["error"]["code"], -32601);

    let r = up.raw_post(&h, "{not json").await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!(-32700))
    );
    let r = up
        .raw_post(&h, r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!(-32600))
    );

    // Client responses and notifications are accepted with an empty body.
    let r = up
        .post(&h, &json!({"jsonrpc": "2.0", "id": 999, "result": {}}))
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::ACCEPTED, Value::Null)
    );

    // Stateless requests (no session header) are served.
    let r = up
        .post(&[JSON_ONLY], &call(11, "echo", json!({"text": "anon"})))
        .await;
    assert_eq!(r.body["result"]["content"][0]["text"], "anon");

    let res = up.send(Method::POST, "/other", &[], Some(&json!({}))).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    up.stop().await;
}

#[tokio::test]
async fn sessions_end_with_delete_and_unknown_ones_are_404() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let sid = up.initialize().await;
    let ping = request(1, "ping", json!({}));
    let r = up
        .post(
            &[
                SSE_AND_JSON,
                (header::SESSION_ID, "0123456789abcdef0123456789abcdef"),
            ],
            &ping,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["id"], 1);

    let res = up
        .send(
            Method::GET,
            "/mcp",
            &[("accept", "text/event-stream")],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);

    let del = [(header::SESSION_ID, sid.as_str())];
    let res = up.send(Method::DELETE, "/mcp", &del, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = up.send(Method::DELETE, "/mcp", &del, None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let r = up
        .post(&[SSE_AND_JSON, (header::SESSION_ID, &sid)], &ping)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    up.stop().await;
}

#[tokio::test]
async fn required_authorization_is_enforced() {
    let options = UpstreamOptions {
        required_authorization: Some("Bearer upstream-secret".into()),
        ..UpstreamOptions::default()
    };
    let up = Upstream::start(options).await;
    let ping = request(1, "ping", json!({}));
    let r = up.post(&[JSON_ONLY], &ping).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = up
        .post(&[JSON_ONLY, ("authorization", "Bearer wrong")], &ping)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = up
        .post(
            &[JSON_ONLY, ("authorization", "Bearer upstream-secret")],
            &ping,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    up.stop().await;
}

#[tokio::test]
async fn plain_slow_report_streams_progress_then_the_result() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let body = request(
        7,
        "tools/call",
        json!({"name": "slow_report", "arguments": {"topic": "tides", "seconds": 1},
               "_meta": {"progressToken": "p-1"}}),
    );
    let mut sse = up.post_sse(&[SSE_AND_JSON], &body).await;
    assert_eq!(sse.status, StatusCode::OK);
    assert_eq!(sse.content_type(), "text/event-stream");
    assert_eq!(sse.headers["x-accel-buffering"], "no");
    let progress = sse.next().await.unwrap();
    assert!(progress.id.is_some());
    let p = progress.json();
    assert_eq!(p["method"], "notifications/progress");
    assert_eq!(p["params"]["progressToken"], "p-1");
    assert_eq!(p["params"]["progress"], 1.0);
    let done = sse.next().await.unwrap();
    assert_ne!(done.id, progress.id);
    assert_eq!(done.json()["id"], 7);
    assert!(
        done.json()["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("tides")
    );
    assert!(
        sse.next().await.is_none(),
        "the stream ends after the response"
    );

    // Without SSE in Accept the same call is one JSON body.
    let body = call(8, "slow_report", json!({"topic": "t", "seconds": 0}));
    let r = up.post(&[JSON_ONLY], &body).await;
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.body["id"], 8);
    up.stop().await;
}

#[tokio::test]
async fn plain_confirm_action_elicits_on_the_response_stream() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let sid = up.initialize().await;
    let h = [SSE_AND_JSON, (header::SESSION_ID, sid.as_str())];
    let mut sse = up
        .post_sse(&h, &call(3, "confirm_action", json!({"action": "deploy"})))
        .await;
    let ask = sse.next().await.unwrap().json();
    assert_eq!(ask["method"], "elicitation/create");
    let schema = &ask["params"]["requestedSchema"];
    assert_eq!(schema["properties"]["confirm"]["type"], "boolean");
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
                        "result": {"action": "accept", "content": {"confirm": true}}});
    let r = up.post(&h, &answer).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let done = sse.next().await.unwrap().json();
    assert_eq!(done["id"], 3);
    assert_eq!(done["result"]["content"][0]["text"], "confirmed: deploy");
    up.stop().await;
}

#[tokio::test]
async fn the_request_log_counts_everything_that_arrives() {
    let options = UpstreamOptions {
        required_authorization: Some("Bearer k".into()),
        ..UpstreamOptions::default()
    };
    let log = options.requests.clone();
    let up = Upstream::start(options).await;
    let auth = ("authorization", "Bearer k");
    let init = request(1, "initialize", json!({"protocolVersion": "2025-11-25"}));
    let r = up.post(&[SSE_AND_JSON, auth], &init).await;
    assert_eq!(r.status, StatusCode::OK);
    // Refused requests count too: an unknown session, a header mismatch.
    let get = request(2, "tasks/get", json!({"taskId": "task-1"}));
    let r = up
        .post(&[SSE_AND_JSON, auth, (header::SESSION_ID, "nope")], &get)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let discover = request(3, "server/discover", json!({}));
    let r = up
        .post(
            &[SSE_AND_JSON, auth, (header::PROTOCOL_VERSION, "2026-07-28")],
            &discover,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Unauthorized: an HTTP request, but no method was read.
    let r = up.post(&[SSE_AND_JSON], &get).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Notifications are not requests.
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let r = up.post(&[SSE_AND_JSON, auth], &note).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);

    assert_eq!(log.http(), 5);
    assert_eq!(log.method("initialize"), 1);
    assert_eq!(log.method("tasks/get"), 1);
    assert_eq!(log.method("server/discover"), 1);
    assert_eq!(log.method("notifications/initialized"), 0);
    up.stop().await;
}
