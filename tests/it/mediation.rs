//! Capability mediation and era rules, against the bundled example server
//! (which advertises tasks in both eras): on a route where tasks are off,
//! neither side learns the other supports them and no task reaches a
//! client; on the current era, the legacy-only task methods are answered as
//! a current-era server must.

use serde_json::{Value, json};

use crate::support::client::{Call, rpc};
use crate::task_handles::{Legacy, answer_of, demo_with};

const CURRENT: &str = "2026-07-28";

fn current_call(url: &str, token: &str, method: &str, params: Value) -> Call {
    let mut params = params;
    params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": CURRENT,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}});
    let mut call = Call::post_json(url, Some(token), &rpc(5, method, params.clone()))
        .header("mcp-protocol-version", CURRENT)
        .header("mcp-method", method);
    if let Some(name) = params.get("name").and_then(Value::as_str) {
        call = call.header("mcp-name", name);
    }
    call
}

#[tokio::test]
async fn a_route_without_tasks_hides_them_from_both_sides_in_the_legacy_era() {
    let demo = demo_with(|raw| raw.routes[0].tasks = Some(false)).await;
    let alice = Legacy::start(&demo.gateway, "alice", "acme").await;
    let init = alice
        .call(
            "initialize",
            json!({"protocolVersion": "2025-11-25",
            "capabilities": {"tasks": {"list": {}}}, "clientInfo": {"name": "it", "version": "1"}}),
        )
        .await;
    let caps = &init["result"]["capabilities"];
    assert!(caps.get("tasks").is_none(), "{init}");
    assert!(
        caps.get("tools").is_some(),
        "other capabilities are kept: {init}"
    );

    let tools = alice.call("tools/list", json!({})).await;
    for tool in tools["result"]["tools"].as_array().unwrap() {
        assert!(tool.pointer("/execution/taskSupport").is_none(), "{tool}");
    }
    // Asking for a task anyway runs the tool plainly: no task is handed out.
    let call = alice
        .call(
            "tools/call",
            json!({"name": "slow_report", "arguments": {"topic": "t", "seconds": 0},
                                   "task": {"ttl": 1000}}),
        )
        .await;
    assert!(call["result"].get("task").is_none(), "{call}");
    assert!(
        call["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("t")
    );
}

#[tokio::test]
async fn a_route_without_tasks_hides_the_extension_in_the_current_era() {
    let demo = demo_with(|raw| raw.routes[0].tasks = Some(false)).await;
    let token = demo.gateway.token("alice", "acme");
    let url = demo.gateway.url();
    let discover = answer_of(
        &current_call(&url, &token, "server/discover", json!({}))
            .send()
            .await,
    );
    let extensions = &discover["result"]["capabilities"]["extensions"];
    assert!(
        extensions.get("io.modelcontextprotocol/tasks").is_none(),
        "{discover}"
    );
    // The client's declaration is removed, so the server runs the call plainly.
    let params = json!({"name": "slow_report", "arguments": {"topic": "t", "seconds": 0}});
    let call = answer_of(
        &current_call(&url, &token, "tools/call", params)
            .send()
            .await,
    );
    assert_ne!(call["result"]["resultType"], "task", "{call}");
}

#[tokio::test]
async fn legacy_only_task_methods_are_method_not_found_in_the_current_era() {
    let demo = demo_with(|_| {}).await;
    let token = demo.gateway.token("alice", "acme");
    for method in ["tasks/result", "tasks/list"] {
        let answer = current_call(&demo.gateway.url(), &token, method, json!({"taskId": "x"}))
            .send()
            .await;
        assert_eq!(answer.status, 404, "{method}");
        assert_eq!(answer.error_code(), Some(-32601), "{method}");
        assert_eq!(answer.json()["id"], 5);
    }
    // With tasks on, the extension stays advertised.
    let discover = answer_of(
        &current_call(&demo.gateway.url(), &token, "server/discover", json!({}))
            .send()
            .await,
    );
    assert!(
        discover
            .pointer("/result/capabilities/extensions/io.modelcontextprotocol~1tasks")
            .is_some()
    );
}
