//! One test per legacy §8.1 row (2025-11-25), with messages in the shapes of
//! `mcp-protocol.md` §2, in both directions.

use serde_json::{Value, json};

use super::Direction::{ToClient, ToUpstream};
use super::tests::{assert_untouched, tagged};
use crate::mcp::Era::{Current, Legacy};
use crate::mcp::meta::RELATED_TASK;

/// A legacy `Task` object.
fn task(id: &str) -> Value {
    json!({"taskId":id,"status":"working","statusMessage":"started","createdAt":"2025-11-25T10:30:00Z",
        "lastUpdatedAt":"2025-11-25T10:30:00Z","ttl":60000,"pollInterval":5000})
}

fn request(method: &str, params: Value) -> Value {
    json!({"jsonrpc":"2.0","id":9,"method":method,"params":params})
}

fn response(result: Value) -> Value {
    json!({"jsonrpc":"2.0","id":9,"result":result})
}

fn related(id: &str) -> Value {
    json!({(RELATED_TASK):{"taskId":id}})
}

#[test]
fn l1_create_task_result_is_rewritten() {
    let created = response(json!({"task":task("up-1"),"_meta":{
        "io.modelcontextprotocol/model-immediate-response":"Working on up-1"}}));
    for method in [Some("tools/call"), None] {
        let (out, count) = tagged(&created, Legacy, ToClient, method);
        assert_eq!(count, 1);
        assert_eq!(out["result"]["task"]["taskId"], "srv:up-1");
        assert_eq!(out["result"]["task"]["status"], "working");
        assert_eq!(
            out["result"]["_meta"]["io.modelcontextprotocol/model-immediate-response"],
            "Working on up-1",
            "free text is not rewritten"
        );
    }
    assert_untouched(&created, Current, ToClient, Some("tools/call"));
}

#[test]
fn l2_task_requests_resolve_server_ids() {
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let message = request(method, json!({"taskId":"h-1"}));
        let (out, count) = tagged(&message, Legacy, ToUpstream, None);
        assert_eq!(
            (count, &out["params"]["taskId"]),
            (1, &json!("srv:h-1")),
            "{method}"
        );
    }
    let tools = request(
        "tools/call",
        json!({"name":"t","arguments":{"taskId":"h-1"}}),
    );
    assert_untouched(&tools, Legacy, ToUpstream, None);
}

#[test]
fn l3_flat_task_results_are_rewritten() {
    for method in ["tasks/get", "tasks/cancel"] {
        let message = response(task("up-3"));
        let (out, count) = tagged(&message, Legacy, ToClient, Some(method));
        assert_eq!((count, &out["result"]["taskId"]), (1, &json!("srv:up-3")));
        assert_untouched(&message, Legacy, ToClient, None);
        assert_untouched(&message, Legacy, ToClient, Some("tools/call"));
    }
}

#[test]
fn l4_tasks_result_related_task_meta_is_rewritten() {
    let message = response(json!({"content":[{"type":"text","text":"done up-4"}],
        "isError":false,"_meta":related("up-4")}));
    let (out, count) = tagged(&message, Legacy, ToClient, Some("tasks/result"));
    assert_eq!(count, 1);
    assert_eq!(out["result"]["_meta"][RELATED_TASK]["taskId"], "srv:up-4");
    assert_eq!(out["result"]["content"][0]["text"], "done up-4");
    let error = json!({"jsonrpc":"2.0","id":9,"error":{"code":-32603,"message":"up-4 failed"}});
    assert_untouched(&error, Legacy, ToClient, Some("tasks/result"));
}

#[test]
fn l5_tasks_list_ids_and_cursors_are_rewritten() {
    let list = response(json!({"tasks":[task("up-a"),task("up-b"),{"taskId":5}],
        "nextCursor":"c-2"}));
    let (out, count) = tagged(&list, Legacy, ToClient, Some("tasks/list"));
    assert_eq!(count, 3);
    assert_eq!(out["result"]["tasks"][0]["taskId"], "srv:up-a");
    assert_eq!(out["result"]["tasks"][1]["taskId"], "srv:up-b");
    assert_eq!(out["result"]["tasks"][2]["taskId"], 5);
    assert_eq!(out["result"]["nextCursor"], "cur:c-2");
    let next = request("tasks/list", json!({"cursor":"h-c"}));
    let (out, count) = tagged(&next, Legacy, ToUpstream, None);
    assert_eq!((count, &out["params"]["cursor"]), (1, &json!("cur:h-c")));
    // A server-sent tasks/list carries the client's own cursor: passed through.
    assert_untouched(&next, Legacy, ToClient, None);
}

#[test]
fn l6_status_notification_is_rewritten() {
    let mut params = task("up-6");
    params["status"] = json!("completed");
    let message = json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params":params});
    let (out, count) = tagged(&message, Legacy, ToClient, None);
    assert_eq!((count, &out["params"]["taskId"]), (1, &json!("srv:up-6")));
}

#[test]
fn l7_server_requests_related_task_meta_is_rewritten() {
    for method in ["elicitation/create", "sampling/createMessage", "roots/list"] {
        let message = request(
            method,
            json!({"message":"Which region?","requestedSchema":{},
            "_meta":related("up-7")}),
        );
        let (out, count) = tagged(&message, Legacy, ToClient, None);
        assert_eq!(count, 1, "{method}");
        assert_eq!(out["params"]["_meta"][RELATED_TASK]["taskId"], "rel:up-7");
    }
}

#[test]
fn l8_client_response_related_task_meta_is_rewritten() {
    let answer = response(json!({"action":"accept","content":{"region":"eu"},
        "_meta":related("h-8")}));
    for method in [Some("elicitation/create"), None] {
        let (out, count) = tagged(&answer, Legacy, ToUpstream, method);
        assert_eq!(count, 1);
        assert_eq!(out["result"]["_meta"][RELATED_TASK]["taskId"], "rel:h-8");
    }
}

#[test]
fn l9_task_notifications_related_task_meta_is_rewritten() {
    let progress = json!({"jsonrpc":"2.0","method":"notifications/progress","params":{
        "progressToken":"up-9","progress":50,"total":100,"_meta":related("up-9")}});
    let (out, count) = tagged(&progress, Legacy, ToClient, None);
    assert_eq!(count, 1);
    assert_eq!(out["params"]["_meta"][RELATED_TASK]["taskId"], "srv:up-9");
    assert_eq!(out["params"]["progressToken"], "up-9", "not a task id");
}

#[test]
fn l10_task_augmented_server_request_carries_no_id() {
    let message = request(
        "sampling/createMessage",
        json!({"messages":[],"maxTokens":100,
        "task":{"ttl":60000}}),
    );
    assert_untouched(&message, Legacy, ToClient, None);
}

#[test]
fn l11_client_create_task_result_is_a_client_task() {
    let created = response(json!({"task":task("cl-11")}));
    for method in [
        Some("sampling/createMessage"),
        Some("elicitation/create"),
        None,
    ] {
        let (out, count) = tagged(&created, Legacy, ToUpstream, method);
        assert_eq!(
            (count, &out["result"]["task"]["taskId"]),
            (1, &json!("cli:cl-11"))
        );
    }
}

#[test]
fn l12_server_sent_task_requests_carry_client_ids() {
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let message = request(method, json!({"taskId":"h-12"}));
        let (out, count) = tagged(&message, Legacy, ToClient, None);
        assert_eq!(
            (count, &out["params"]["taskId"]),
            (1, &json!("cli:h-12")),
            "{method}"
        );
    }
}

#[test]
fn l13_client_answers_to_task_requests_carry_client_ids() {
    for method in ["tasks/get", "tasks/cancel"] {
        let (out, count) = tagged(&response(task("cl-13")), Legacy, ToUpstream, Some(method));
        assert_eq!((count, &out["result"]["taskId"]), (1, &json!("cli:cl-13")));
    }
    let list = response(json!({"tasks":[task("cl-a")],"nextCursor":"client-cursor"}));
    let (out, count) = tagged(&list, Legacy, ToUpstream, Some("tasks/list"));
    assert_eq!(count, 1);
    assert_eq!(out["result"]["tasks"][0]["taskId"], "cli:cl-a");
    assert_eq!(out["result"]["nextCursor"], "client-cursor");
    let payload = response(
        json!({"role":"assistant","content":{"type":"text","text":"hi"},
        "model":"m","_meta":related("cl-13")}),
    );
    let (out, count) = tagged(&payload, Legacy, ToUpstream, Some("tasks/result"));
    assert_eq!(count, 1);
    assert_eq!(out["result"]["_meta"][RELATED_TASK]["taskId"], "rel:cl-13");
}

#[test]
fn l14_client_status_notification_is_a_client_task() {
    let message = json!({"jsonrpc":"2.0","method":"notifications/tasks/status",
        "params":task("cl-14")});
    let (out, count) = tagged(&message, Legacy, ToUpstream, None);
    assert_eq!((count, &out["params"]["taskId"]), (1, &json!("cli:cl-14")));
    assert_untouched(&message, Current, ToUpstream, None);
}

#[test]
fn related_task_meta_on_any_other_message_is_rewritten() {
    let call = request(
        "tools/call",
        json!({"name":"follow_up","arguments":{},
        "_meta":related("h-x")}),
    );
    let (out, _) = tagged(&call, Legacy, ToUpstream, None);
    assert_eq!(out["params"]["_meta"][RELATED_TASK]["taskId"], "srv:h-x");
    let cancelled = json!({"jsonrpc":"2.0","method":"notifications/cancelled",
        "params":{"requestId":4,"_meta":related("h-x")}});
    let (out, _) = tagged(&cancelled, Legacy, ToUpstream, None);
    assert_eq!(out["params"]["_meta"][RELATED_TASK]["taskId"], "rel:h-x");
    let plain = response(json!({"content":[],"_meta":related("up-x")}));
    let (out, _) = tagged(&plain, Legacy, ToClient, Some("tools/call"));
    assert_eq!(out["result"]["_meta"][RELATED_TASK]["taskId"], "srv:up-x");
}

#[test]
fn current_era_shapes_are_not_touched_in_legacy() {
    let flat = response(json!({"resultType":"task","taskId":"up","status":"working"}));
    assert_untouched(&flat, Legacy, ToClient, Some("tools/call"));
    let listen = request(
        "subscriptions/listen",
        json!({"notifications":{"taskIds":["h"]}}),
    );
    assert_untouched(&listen, Legacy, ToUpstream, None);
    let ack = json!({"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged",
        "params":{"notifications":{"taskIds":["up"]}}});
    assert_untouched(&ack, Legacy, ToClient, None);
    let status = json!({"jsonrpc":"2.0","method":"notifications/tasks","params":task("up")});
    assert_untouched(&status, Legacy, ToClient, None);
    let related_ids = request(
        "tools/call",
        json!({"name":"t",
        "_meta":{"io.modelcontextprotocol/relatedTaskIds":["h"]}}),
    );
    assert_untouched(&related_ids, Legacy, ToUpstream, None);
    let update = request("tasks/update", json!({"taskId":"h","inputResponses":{}}));
    assert_untouched(&update, Legacy, ToUpstream, None);
}
