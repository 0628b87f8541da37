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

mod scene;

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::attack::{Peer, VERSION, Who, short};
use crate::support::attack_current::{CPeer, assert_nothing_forwarded};
use crate::support::client::Call;
use scene::{
    CAPS, Declared, RELATED_TASK_IDS, Scene, TASKS_EXT, assert_refused, current_post, post_legacy,
    rpc,
};

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
async fn a_version_header_sent_twice_cannot_pick_the_legacy_rules() {
    let scene = Scene::start().await;
    let bob = Peer::join(&scene.gw, Who::Bob, "/mcp", None).await;
    let (_, raw) = &scene.current;
    let update = rpc(
        "twice",
        "tasks/update",
        json!({"taskId": raw, "inputResponses": {"k": {"action": "accept"}}}),
    );
    for second in ["2026-07-28", VERSION] {
        let before = scene.up().count();
        let a = Call::post_json(&bob.url, Some(&bob.token), &update)
            .header("mcp-session-id", &bob.session)
            .header("mcp-protocol-version", VERSION)
            .append("mcp-protocol-version", second)
            .send()
            .await;
        let label = format!("legacy first, then {second}");
        assert_nothing_forwarded(scene.up(), before, &label);
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{label}");
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
