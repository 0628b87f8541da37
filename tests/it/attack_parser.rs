//! Attack suite, both eras: parser differentials around task ids. A
//! case-insensitive, last-wins decoder (Go's `encoding/json`, which also
//! reads `ſ` U+017F as `s` and `K` U+212A as `k`) reads `"TaskId"` where the
//! gateway checked `"taskId"`, and a server that matches methods loosely
//! dispatches `"Tasks/Get"` as `tasks/get` though the gateway's task rules
//! never saw a task method. Bob holds a valid handle of his own and smuggles
//! alice's raw upstream id (`task-1`) next to it under a key that folds to a
//! governed one, or alone under such a key, or names a task method in a
//! look-alike spelling. Every case must get `400` + `-32600` with a generic
//! message (no key, handle or id echoed), reach nothing upstream, and leave
//! the gateway (and alice's task) working. Positive control: tool
//! `arguments` with colliding keys are user data and reach the upstream
//! byte for byte.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::attack::{Fixture, Peer, VERSION, Who};
use crate::support::attack_current::{
    CPeer, CURRENT, CurrentFixture, assert_nothing_forwarded, mcp_name,
};
use crate::support::client::{Answer, Call};
use crate::support::current_upstream::TASKS_EXT;
use crate::support::upstream::Upstream;

/// Alice's raw upstream id: what the attacker wants the upstream to act on.
const RAW: &str = "task-1";

/// A request or notification body.
fn body(id: Option<i64>, method: &str, params: Value) -> Value {
    let mut v = json!({"jsonrpc": "2.0", "method": method, "params": params});
    if let Some(id) = id {
        v["id"] = json!(id);
    }
    v
}

/// The key/value collisions and imitations, for a caller holding handle
/// `h`: (name, message). The current era adds its `_meta` to `params`.
fn key_attacks(h: &str) -> Vec<(&'static str, Value)> {
    let cases = [
        (
            "taskId + TaskId",
            body(Some(1), "tasks/get", json!({"taskId": h, "TaskId": RAW})),
        ),
        (
            "taskId + taſkId (long s)",
            body(
                Some(2),
                "tasks/cancel",
                json!({"taskId": h, "ta\u{17F}kId": RAW}),
            ),
        ),
        (
            "taskId + tasKId (Kelvin sign)",
            body(
                Some(3),
                "tasks/get",
                json!({"taskId": h, "tas\u{212A}Id": RAW}),
            ),
        ),
        (
            "TaskId alone",
            body(Some(4), "tasks/get", json!({"TaskId": RAW})),
        ),
        (
            "taskId + NUL-terminated taskId",
            body(
                Some(4),
                "tasks/get",
                json!({"taskId": h, "taskId\u{0}x": RAW}),
            ),
        ),
        (
            "taskid alone",
            body(Some(5), "tasks/cancel", json!({"taskid": RAW})),
        ),
        (
            "method + Method",
            json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                   "Method": "tasks/cancel", "params": {"name": "slow", "taskId": RAW}}),
        ),
        (
            "params + Params",
            json!({"jsonrpc": "2.0", "id": 7, "method": "tasks/get",
                   "params": {"taskId": h}, "Params": {"taskId": RAW}}),
        ),
        (
            "paramſ alone",
            json!({"jsonrpc": "2.0", "id": 8, "method": "tasks/get",
                   "param\u{17F}": {"taskId": RAW}}),
        ),
        (
            "ID next to id",
            json!({"jsonrpc": "2.0", "id": 9, "ID": 10, "method": "tasks/get",
                   "params": {"taskId": h}}),
        ),
        (
            "_meta + _Meta",
            body(
                Some(11),
                "tools/call",
                json!({"name": "echo", "arguments": {},
                       "_Meta": {"io.modelcontextprotocol/related-task": {"taskId": RAW},
                                 "io.modelcontextprotocol/relatedTaskIds": [RAW]}}),
            ),
        ),
        (
            "related-task + Related-Task",
            body(
                Some(12),
                "tools/call",
                json!({"name": "echo", "arguments": {},
                       "_meta": {"io.modelcontextprotocol/related-task": {"taskId": h},
                                 "io.modelcontextprotocol/Related-Task": {"taskId": RAW}}}),
            ),
        ),
        (
            "related-task taskId + TASKID",
            body(
                None,
                "notifications/progress",
                json!({"progressToken": 1, "progress": 1,
                       "_meta": {"io.modelcontextprotocol/related-task":
                                 {"taskId": h, "TASKID": RAW}}}),
            ),
        ),
        (
            "task ttl + TTL",
            body(
                Some(13),
                "tools/call",
                json!({"name": "slow", "arguments": {},
                       "task": {"ttl": 1000, "TTL": 999_999_999}}),
            ),
        ),
        (
            "listen taskIds + TaskIds",
            body(
                Some(14),
                "subscriptions/listen",
                json!({"notifications": {"taskIds": [h], "TaskIds": [RAW]}}),
            ),
        ),
        (
            "listen taskIdſ alone",
            body(
                Some(15),
                "subscriptions/listen",
                json!({"notifications": {"taskId\u{17F}": [RAW]}}),
            ),
        ),
        (
            "relatedTaskIds + RelatedTaskIds",
            body(
                Some(16),
                "tools/call",
                json!({"name": "echo", "arguments": {},
                       "_meta": {"io.modelcontextprotocol/relatedTaskIds": [h],
                                 "io.modelcontextprotocol/RelatedTaskIds": [RAW]}}),
            ),
        ),
        (
            "cursor + Cursor",
            body(
                Some(17),
                "tasks/list",
                json!({"cursor": "x", "Cursor": "page-0"}),
            ),
        ),
        (
            "client result task + TaskId",
            json!({"jsonrpc": "2.0", "id": "srv-1", "result": {"task":
                   {"taskId": "mine", "TaskId": RAW, "status": "working"}}}),
        ),
    ];
    cases.into_iter().collect()
}

/// Method names that only resemble a task method.
const METHOD_ATTACKS: &[&str] = &[
    "Tasks/Get",
    "TASKS/CANCEL",
    "tasks/get ",
    " tasks/cancel",
    "tasks\u{0}/get",
    "tasks/get\u{0}",
    "tasks\u{FF0F}get",
    "\u{FF54}asks/get",
    "ta\u{17F}ks/get",
    "tasks/\u{200B}get",
    "Tasks/Update",
    "tasks/Result",
    "Subscriptions/Listen",
];

/// Asserts the refusal: `400`, `-32600`, a generic message that echoes
/// nothing the attacker sent, nothing forwarded since `before`.
fn assert_refused_400(up: &Upstream, before: usize, a: &Answer, secrets: &[&str], label: &str) {
    assert_nothing_forwarded(up, before, label);
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{label}: {:?}", a.body);
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{label}"
    );
    let v = a.json();
    assert_eq!(v["error"]["code"], -32600, "{label}: {v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("Invalid Request"), "{label}: {v}");
    let text = String::from_utf8_lossy(&a.body);
    for secret in secrets {
        assert!(!text.contains(secret), "{label}: echoes {secret}: {text}");
    }
}

/// A legacy POST of `body` in `peer`'s session.
fn legacy_post(peer: &Peer, body: &Value) -> Call {
    Call::post_json(&peer.url, Some(&peer.token), body)
        .header("mcp-session-id", &peer.session)
        .header("mcp-protocol-version", VERSION)
}

/// A current-era POST of `body` as `peer`: `_meta` with the version and the
/// tasks extension merged into `params`, `Mcp-Method` mirroring the method
/// (in the base64 sentinel unless plain ASCII, as the gateway decodes it),
/// and `Mcp-Name` mirrored from `params.taskId` or `params.name` where the
/// method is one that has a name (an attacker passes the header checks).
fn current_post(peer: &CPeer, body: &Value) -> Call {
    let mut body = body.clone();
    if let Some(params) = body.get_mut("params").and_then(Value::as_object_mut) {
        let meta = params.entry("_meta").or_insert_with(|| json!({}));
        meta["io.modelcontextprotocol/protocolVersion"] = json!(CURRENT);
        meta["io.modelcontextprotocol/clientCapabilities"] = json!({"extensions": {TASKS_EXT: {}}});
    }
    let method = body["method"].as_str().unwrap_or("tools/call").to_owned();
    let name = match method.as_str() {
        "tasks/get" | "tasks/update" | "tasks/cancel" => body.pointer("/params/taskId"),
        "tools/call" => body.pointer("/params/name"),
        _ => None,
    };
    let name = name.map(mcp_name);
    let mut call = Call::post_json(&peer.url, Some(&peer.token), &body)
        .header("mcp-protocol-version", CURRENT)
        .header("mcp-method", &mcp_name(&json!(method)));
    if let Some(name) = name {
        call = call.header("mcp-name", &name);
    }
    call
}

#[tokio::test]
async fn legacy_keys_and_methods_that_fold_to_governed_ones_are_refused() {
    let fx = Fixture::start().await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    let ha = alice.start_task().await;
    let bob = fx.join(Who::Bob, "/mcp").await;
    let hb = bob.start_task().await;
    assert_eq!(fx.tasks.tasks()[0].id, RAW);

    for (what, attack) in key_attacks(&hb) {
        let before = fx.up().count();
        let a = legacy_post(&bob, &attack).send().await;
        assert_refused_400(fx.up(), before, &a, &[&hb, RAW], &format!("legacy {what}"));
    }
    for method in METHOD_ATTACKS {
        let attack = body(Some(20), method, json!({"taskId": RAW}));
        let before = fx.up().count();
        let a = legacy_post(&bob, &attack).send().await;
        assert_refused_400(fx.up(), before, &a, &[RAW], &format!("legacy {method:?}"));
    }

    // Healthy: alice's task is untouched and both sessions still work.
    let v = alice
        .call(json!("check"), "tasks/get", json!({"taskId": ha}))
        .await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    let v = bob
        .call(json!("check"), "tasks/get", json!({"taskId": hb}))
        .await;
    assert_eq!(v["result"]["taskId"], hb, "{v}");
    assert!(fx.tasks.tasks().iter().all(|t| t.status == "working"));
}

#[tokio::test]
async fn current_keys_and_methods_that_fold_to_governed_ones_are_refused() {
    let fx = CurrentFixture::start().await;
    let alice = fx.peer(Who::Alice, "/mcp");
    let ha = alice.start_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    assert_eq!(fx.tasks.tasks()[0].id, RAW);

    let mut attacks = key_attacks(&hb);
    attacks.push((
        "protocolVersion + ProtocolVersion",
        body(
            Some(30),
            "tools/call",
            json!({"name": "echo", "arguments": {},
                   "_meta": {"io.modelcontextprotocol/ProtocolVersion": VERSION}}),
        ),
    ));
    for (what, attack) in attacks {
        let before = fx.up().count();
        let a = current_post(&bob, &attack).send().await;
        assert_refused_400(fx.up(), before, &a, &[&hb, RAW], &format!("current {what}"));
    }
    for method in METHOD_ATTACKS {
        let attack = body(Some(20), method, json!({"taskId": RAW}));
        let before = fx.up().count();
        let a = current_post(&bob, &attack).send().await;
        assert_refused_400(fx.up(), before, &a, &[RAW], &format!("current {method:?}"));
    }

    // Healthy: alice's task is untouched and both callers still work.
    let task = &fx.tasks.tasks()[0];
    assert_eq!(task.status, "working");
    assert!(task.updates.is_empty(), "{:?}", task.updates);
    let v = alice
        .call(json!("check"), "tasks/get", json!({"taskId": ha}))
        .await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    let v = bob
        .call(json!("check"), "tasks/get", json!({"taskId": hb}))
        .await;
    assert_eq!(v["result"]["taskId"], hb, "{v}");
}

/// Tool arguments whose keys collide and imitate governed names.
fn colliding_arguments() -> Value {
    json!({"taskId": "a", "TaskId": "b", "ta\u{17F}kId": "c", "tas\u{212A}Id": "d",
           "Method": "tasks/get", "params": {"x": 1, "X": 2}, "_Meta": {}})
}

#[tokio::test]
async fn tool_arguments_with_colliding_keys_reach_the_upstream_byte_for_byte() {
    let fx = Fixture::start().await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    let call = body(
        Some(1),
        "tools/call",
        json!({"name": "echo", "arguments": colliding_arguments()}),
    );
    let before = fx.up().count();
    let a = legacy_post(&alice, &call).send().await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let sent = serde_json::to_vec(&call).unwrap();
    let seen = &fx.up().seen()[before..];
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].body.as_ref(),
        sent.as_slice(),
        "legacy: forwarded as sent"
    );

    let fx = CurrentFixture::start().await;
    let alice = fx.peer(Who::Alice, "/mcp");
    let before = fx.up().count();
    let call = current_post(&alice, &call);
    let sent = call.body.clone();
    let a = call.send().await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let seen = &fx.up().seen()[before..];
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, sent, "current: forwarded as sent");
    assert_eq!(seen[0].json()["params"]["arguments"], colliding_arguments());
}
