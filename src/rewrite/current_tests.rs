//! One test per current-era §8.1 row (2026-07-28 tasks extension), with
//! messages in the shapes of `mcp-protocol.md` §1, in both directions.

use serde_json::{Value, json};

use super::Direction::{ToClient, ToUpstream};
use super::tests::{assert_untouched, tagged};
use crate::mcp::Era::{Current, Legacy};
use crate::mcp::meta::{PROTOCOL_VERSION, RELATED_TASK, RELATED_TASK_IDS, SUBSCRIPTION_ID};

/// The `_meta` every current-era request carries.
fn meta() -> Value {
    json!({(PROTOCOL_VERSION):"2026-07-28","io.modelcontextprotocol/clientCapabilities":
        {"extensions":{"io.modelcontextprotocol/tasks":{}}}})
}

fn request(method: &str, mut params: Value) -> Value {
    params["_meta"] = meta();
    json!({"jsonrpc":"2.0","id":2,"method":method,"params":params})
}

fn response(result: Value) -> Value {
    json!({"jsonrpc":"2.0","id":2,"result":result})
}

fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc":"2.0","method":method,"params":params})
}

/// A completed `DetailedTask` whose inline result mentions its own id.
fn completed(id: &str) -> Value {
    json!({"taskId":id,"status":"completed","createdAt":"2026-08-01T10:30:00Z",
        "lastUpdatedAt":"2026-08-01T10:31:00Z","ttlMs":3600000,"statusMessage":format!("{id} done"),
        "result":{"content":[{"type":"text","text":format!("task {id}")}],
            "structuredContent":{"taskId":id},"isError":false}})
}

#[test]
fn m1_flat_create_task_result_is_rewritten_when_result_type_is_task() {
    let created = response(
        json!({"resultType":"task","taskId":"786512e2","status":"working",
        "createdAt":"2025-11-25T10:30:00Z","lastUpdatedAt":"2025-11-25T10:30:00Z",
        "ttlMs":3600000,"pollIntervalMs":5000}),
    );
    for method in [Some("tools/call"), None] {
        let (out, count) = tagged(&created, Current, ToClient, method);
        assert_eq!(
            (count, &out["result"]["taskId"]),
            (1, &json!("srv:786512e2"))
        );
    }
    assert_untouched(&created, Current, ToUpstream, None);
    assert_untouched(&created, Legacy, ToClient, Some("tools/call"));
}

#[test]
fn m1_without_result_type_task_is_not_rewritten() {
    for result_type in [
        json!("complete"),
        json!("input_required"),
        json!(null),
        json!(["task"]),
    ] {
        let result = json!({"resultType":result_type,"taskId":"x","content":[]});
        assert_untouched(&response(result), Current, ToClient, Some("tools/call"));
    }
    let missing = response(json!({"taskId":"x","content":[]}));
    assert_untouched(&missing, Current, ToClient, Some("tools/call"));
}

#[test]
fn m2_task_operations_resolve_their_task_id() {
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let message = request(method, json!({"taskId":"h-2"}));
        let (out, count) = tagged(&message, Current, ToUpstream, None);
        assert_eq!(
            (count, &out["params"]["taskId"]),
            (1, &json!("srv:h-2")),
            "{method}"
        );
        assert_eq!(out["params"]["_meta"], meta());
        // The server never sends requests in this era.
        assert_untouched(&message, Current, ToClient, None);
    }
    for method in ["tasks/result", "tasks/list"] {
        let message = request(method, json!({"taskId":"h-2","cursor":"c"}));
        assert_untouched(&message, Current, ToUpstream, None);
    }
}

#[test]
fn m3_tasks_get_result_is_rewritten_but_not_its_payload() {
    let message = response({
        let mut task = completed("up-3");
        task["resultType"] = json!("complete");
        task
    });
    let (out, count) = tagged(&message, Current, ToClient, Some("tasks/get"));
    assert_eq!(count, 1);
    assert_eq!(out["result"]["taskId"], "srv:up-3");
    assert_eq!(out["result"]["result"], message["result"]["result"]);
    assert_eq!(out["result"]["statusMessage"], "up-3 done");
    let ack = response(json!({"resultType":"complete"}));
    assert_untouched(&ack, Current, ToClient, Some("tasks/cancel"));
}

#[test]
fn m4_listen_task_ids_are_resolved() {
    let listen = request(
        "subscriptions/listen",
        json!({"notifications":{"toolsListChanged":true,"taskIds":["h-a","h-b"]}}),
    );
    let (out, count) = tagged(&listen, Current, ToUpstream, None);
    assert_eq!(count, 2);
    assert_eq!(
        out["params"]["notifications"]["taskIds"],
        json!(["srv:h-a", "srv:h-b"])
    );
    assert_eq!(out["params"]["notifications"]["toolsListChanged"], true);
}

#[test]
fn m5_acknowledgement_echo_is_rewritten() {
    let ack = notification(
        "notifications/subscriptions/acknowledged",
        json!({"notifications":{"taskIds":["up-a"]},"_meta":{(SUBSCRIPTION_ID):7}}),
    );
    let (out, count) = tagged(&ack, Current, ToClient, None);
    assert_eq!(count, 1);
    assert_eq!(
        out["params"]["notifications"]["taskIds"],
        json!(["srv:up-a"])
    );
    assert_eq!(out["params"]["_meta"][SUBSCRIPTION_ID], 7);
}

#[test]
fn m6_tasks_notification_is_rewritten_but_not_its_payload() {
    let mut params = completed("up-6");
    params["_meta"] = json!({(SUBSCRIPTION_ID):"listen-1"});
    let message = notification("notifications/tasks", params);
    let (out, count) = tagged(&message, Current, ToClient, None);
    assert_eq!(count, 1);
    assert_eq!(out["params"]["taskId"], "srv:up-6");
    assert_eq!(out["params"]["result"], message["params"]["result"]);
    assert_eq!(out["params"]["_meta"][SUBSCRIPTION_ID], "listen-1");
}

#[test]
fn m7_related_task_ids_are_resolved() {
    let mut call = request("tools/call", json!({"name":"summarize","arguments":{}}));
    call["params"]["_meta"][RELATED_TASK_IDS] = json!(["h-1", "h-2"]);
    let (out, count) = tagged(&call, Current, ToUpstream, None);
    assert_eq!(count, 2);
    assert_eq!(
        out["params"]["_meta"][RELATED_TASK_IDS],
        json!(["srv:h-1", "srv:h-2"])
    );
    assert_eq!(out["params"]["_meta"][PROTOCOL_VERSION], "2026-07-28");
}

#[test]
fn m8_error_text_is_not_rewritten() {
    let error = json!({"jsonrpc":"2.0","id":2,"error":{"code":-32602,
        "message":"Task up-8 not found","data":{"taskId":"up-8"}}});
    assert_untouched(&error, Current, ToClient, Some("tasks/get"));
}

#[test]
fn m9_free_form_content_is_not_rewritten() {
    let result = response(json!({"resultType":"complete","content":[{"type":"text",
        "text":"poll task up-9 later"}],"structuredContent":{"taskId":"up-9","taskIds":["up-9"]}}));
    assert_untouched(&result, Current, ToClient, Some("tools/call"));
    let call = request(
        "tools/call",
        json!({"name":"check","arguments":{"taskId":"h-9"}}),
    );
    assert_untouched(&call, Current, ToUpstream, None);
}

#[test]
fn m10_input_responses_are_not_rewritten() {
    let update = request(
        "tasks/update",
        json!({"taskId":"h-10","inputResponses":{
        "taskId":{"action":"accept","content":{"taskId":"h-10"}}}}),
    );
    let (out, count) = tagged(&update, Current, ToUpstream, None);
    assert_eq!(count, 1);
    assert_eq!(
        out["params"]["inputResponses"],
        update["params"]["inputResponses"]
    );
}

#[test]
fn m11_legacy_tolerant_spellings_are_rewritten() {
    let status = notification("notifications/tasks/status", completed("up-11"));
    let (out, count) = tagged(&status, Current, ToClient, None);
    assert_eq!((count, &out["params"]["taskId"]), (1, &json!("srv:up-11")));
    let related = json!({(RELATED_TASK):{"taskId":"x"}});
    let mut call = request("tools/call", json!({"name":"t"}));
    call["params"]["_meta"][RELATED_TASK] = related[RELATED_TASK].clone();
    let answer = response(json!({"resultType":"complete","content":[],"_meta":related}));
    let progress = notification("notifications/progress", json!({"_meta":related}));
    for direction in [ToClient, ToUpstream] {
        for message in [&call, &answer, &progress] {
            let (out, count) = tagged(message, Current, direction, Some("tools/call"));
            assert_eq!(count, 1, "{message}");
            let meta = out.get("params").unwrap_or_else(|| &out["result"]);
            assert_eq!(meta["_meta"][RELATED_TASK]["taskId"], "srv:x");
        }
    }
}

#[test]
fn legacy_shapes_are_not_touched_in_current() {
    let wrapped = response(json!({"task":{"taskId":"up","status":"working"}}));
    assert_untouched(&wrapped, Current, ToClient, Some("tools/call"));
    assert_untouched(&wrapped, Current, ToUpstream, None);
    let list = response(json!({"tasks":[{"taskId":"up"}],"nextCursor":"c"}));
    assert_untouched(&list, Current, ToClient, Some("tasks/list"));
    let flat = response(json!({"taskId":"up","status":"working"}));
    assert_untouched(&flat, Current, ToClient, Some("tasks/cancel"));
    let status = notification("notifications/tasks/status", json!({"taskId":"cl"}));
    assert_untouched(&status, Current, ToUpstream, None);
    let server_get = request("tasks/get", json!({"taskId":"h"}));
    assert_untouched(&server_get, Current, ToClient, None);
}
