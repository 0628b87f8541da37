//! Attack suite, legacy era, part 2: `tasks/list` and its cursor, and handles
//! that were alice's but died — expired (`[tasks] max_ttl`) or revoked
//! (`[tasks] result_retention` after a terminal state). The upstream lists
//! every task of every session and never expires anything, so what alice
//! sees and what is refused is the gateway's doing. Refusals are checked by
//! [`assert_refused`]: the exact `-32602` answer and nothing forwarded.

use std::time::Duration;

use serde_json::{Value, json};
use taskgate::config::raw::RawTasks;

use super::attack_legacy::{assert_forwarded_raw, assert_still_working};
use crate::support::attack::{Fixture, KID, Peer, Who, assert_refused, forgeries, gateway};

const FOLLOW_UPS: [&str; 3] = ["tasks/get", "tasks/result", "tasks/cancel"];

/// Follows `peer`'s `tasks/list` pages (at most 5); returns the taskIds seen
/// and the cursors handed out.
async fn list_all(peer: &Peer) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut cursors) = (Vec::new(), Vec::new());
    let mut params = json!({});
    for page in 0..5 {
        let v = peer.call(json!(page), "tasks/list", params).await;
        let tasks = v["result"]["tasks"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"));
        ids.extend(
            tasks
                .iter()
                .map(|t| t["taskId"].as_str().unwrap().to_string()),
        );
        let Some(next) = v["result"]["nextCursor"].as_str() else {
            return (ids, cursors);
        };
        cursors.push(next.to_string());
        params = json!({"cursor": next});
    }
    panic!("tasks/list never ended: {ids:?}");
}

/// The first `nextCursor` `peer` gets from `tasks/list`.
async fn first_cursor(peer: &Peer) -> String {
    let v = peer.call(json!("list"), "tasks/list", json!({})).await;
    let cursor = v["result"]["nextCursor"].as_str();
    cursor
        .unwrap_or_else(|| panic!("no nextCursor: {v}"))
        .to_string()
}

#[tokio::test]
async fn tasks_list_shows_alice_only_her_tasks_and_seals_the_cursor() {
    let fx = Fixture::start().await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    let bob = fx.join(Who::Bob, "/mcp").await;
    let h1 = alice.start_task().await;
    let hb = bob.start_task().await;
    let h3 = alice.start_task().await;
    let h4 = alice.start_task().await;

    let before = fx.up().count();
    let (seen, cursors) = list_all(&alice).await;
    assert_eq!(
        seen,
        [h1, h3.clone(), h4.clone()],
        "alice's tasks, and only hers"
    );
    assert!(!seen.contains(&hb));
    assert!(
        !cursors.is_empty(),
        "the upstream paged, so alice got a cursor"
    );
    for c in &cursors {
        assert!(
            c.starts_with("tg1.") && !c.contains("page-"),
            "sealed cursor: {c}"
        );
    }
    let sent: Vec<Value> = fx.up().seen()[before..].iter().map(|s| s.json()).collect();
    assert!(sent.iter().all(|v| v["method"] == "tasks/list"), "{sent:?}");
    let upstream_cursors: Vec<&Value> = sent
        .iter()
        .filter_map(|v| v.pointer("/params/cursor"))
        .collect();
    assert!(!upstream_cursors.is_empty());
    for c in upstream_cursors {
        assert!(
            c.as_str().unwrap().starts_with("page-"),
            "raw cursor upstream: {c}"
        );
    }

    let (bobs, _) = list_all(&bob).await;
    assert_eq!(bobs, [hb], "bob sees his task only");

    let again = alice
        .call(json!(7), "tasks/list", json!({"cursor": cursors[0]}))
        .await;
    let ids: Vec<&str> = again["result"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| [h3.as_str(), h4.as_str()].contains(id)),
        "{again}"
    );
    assert_refused(
        fx.up(),
        &bob,
        "tasks/list",
        &json!(cursors[0]),
        "bob with alice's cursor",
    )
    .await;
}

#[tokio::test]
async fn a_list_cursor_is_refused_for_anyone_else_and_when_forged() {
    let fx = Fixture::start().await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    for _ in 0..3 {
        alice.start_task().await;
    }
    let cursor = first_cursor(&alice).await;
    let c = json!(cursor);
    for (what, who) in [
        ("other tenant", Who::OtherTenant),
        ("other client", Who::OtherClient),
        ("other subject", Who::OtherSubject),
        ("bob", Who::Bob),
    ] {
        let attacker = fx.join(who, "/mcp").await;
        assert_refused(fx.up(), &attacker, "tasks/list", &c, what).await;
    }
    let alice_other = fx.join(Who::Alice, "/other").await;
    assert_refused(fx.up(), &alice_other, "tasks/list", &c, "other route").await;
    for (what, presented) in forgeries(&cursor, "page-2") {
        assert_refused(fx.up(), &alice, "tasks/list", &presented, &what).await;
    }
    // A cursor from a gateway with another key, for alice on the same
    // upstream session and route.
    let session = fx.tasks.tasks()[0].session.clone();
    let other = gateway(&fx.tasks, fx.dir.path(), KID, 2, |_| {}).await;
    let there = Peer::join(&other, Who::Alice, "/mcp", Some(&session)).await;
    there.start_task().await;
    let foreign = first_cursor(&there).await;
    assert_refused(fx.up(), &alice, "tasks/list", &json!(foreign), "other key").await;

    let own = alice
        .call(json!(1), "tasks/list", json!({"cursor": cursor}))
        .await;
    assert!(
        own["result"]["tasks"].is_array(),
        "alice's own cursor still works: {own}"
    );
}

#[tokio::test]
async fn expired_handles_are_refused_whatever_the_upstream_still_holds() {
    let fx = Fixture::start_with(|raw| {
        raw.tasks = RawTasks {
            max_ttl: Some("1s".into()),
            ..RawTasks::default()
        };
    })
    .await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    let params = json!({"name": "slow", "arguments": {}, "task": {"ttl": 60_000}});
    let created = alice.call(json!(1), "tools/call", params).await;
    assert_eq!(
        created["result"]["task"]["ttl"], 1000,
        "the capped ttl: {created}"
    );
    let asked = fx.up().seen().last().unwrap().json();
    assert_eq!(
        asked["params"]["task"]["ttl"], 1000,
        "capped upstream too: {asked}"
    );
    let h = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_string();
    let before = fx.up().count();
    let live = alice
        .call(json!(2), "tasks/get", json!({"taskId": h}))
        .await;
    assert_forwarded_raw(fx.up(), before, "tasks/get", "task-1");
    assert_eq!(live["result"]["taskId"], h, "works before expiry: {live}");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        fx.tasks.tasks()[0].status,
        "working",
        "the upstream still holds it"
    );
    for method in FOLLOW_UPS {
        assert_refused(fx.up(), &alice, method, &json!(h), "expired").await;
    }
}

#[tokio::test]
async fn handles_are_revoked_once_result_retention_passes_after_a_terminal_state() {
    let fx = Fixture::start_with(|raw| {
        raw.tasks = RawTasks {
            result_retention: Some("1s".into()),
            ..RawTasks::default()
        };
    })
    .await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    let completed = alice.start_task().await;
    let cancelled = alice.start_task().await;
    let live = alice.start_task().await;

    fx.tasks.set_status("task-1", "completed");
    let got = alice
        .call(json!(1), "tasks/get", json!({"taskId": completed}))
        .await;
    assert_eq!(got["result"]["status"], "completed", "{got}");
    let result = alice
        .call(json!(2), "tasks/result", json!({"taskId": completed}))
        .await;
    assert_eq!(
        result["result"]["content"][0]["text"], "the finished report",
        "{result}"
    );
    let cancel = alice
        .call(json!(3), "tasks/cancel", json!({"taskId": cancelled}))
        .await;
    assert_eq!(cancel["result"]["status"], "cancelled", "{cancel}");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    for (what, h) in [
        ("revoked: completed", &completed),
        ("revoked: cancelled", &cancelled),
    ] {
        for method in FOLLOW_UPS {
            assert_refused(fx.up(), &alice, method, &json!(h), what).await;
        }
    }
    assert_still_working(&alice, &live).await;
}
