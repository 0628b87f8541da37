//! The listen filter's subset semantics (`listen`): unusable entries are
//! dropped, the caller's own are resolved, store failures refuse.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::advance;

use super::tests::{guard_with, person};
use super::*;
use crate::config::TaskPolicy;
use crate::mcp::Era::Current;

fn policy() -> TaskPolicy {
    TaskPolicy {
        max_ttl: Duration::from_secs(10),
        ..TaskPolicy::default()
    }
}

/// Creates current-era upstream task `id` for `caller`; returns the handle.
async fn create(guard: &TaskGuard, caller: &Caller, id: &str) -> String {
    let mut created = json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"task","taskId": id,
        "status":"working","createdAt":"2026-11-21T00:00:00Z","lastUpdatedAt":"2026-11-21T00:00:00Z",
        "ttlMs": null}});
    let f = Follow::new(Some("tools/call".into()), Some("slow".into()));
    let verdict = guard
        .to_client(caller, Current, Some(&f), &mut created)
        .await;
    assert_eq!(verdict, Verdict::Forward);
    created["result"]["taskId"].as_str().unwrap().to_owned()
}

fn listen(ids: Value) -> Value {
    json!({"jsonrpc":"2.0","id":3,"method":"subscriptions/listen",
        "params":{"notifications":{"taskIds": ids, "toolsListChanged": true}}})
}

#[tokio::test(start_paused = true)]
async fn only_the_callers_usable_handles_stay_in_the_filter() {
    let g = guard_with(policy());
    let (alice, bob) = (person("alice", "t1", "s1"), person("bob", "t1", "s2"));
    let old = create(&g, &alice, "old").await;
    advance(Duration::from_secs(11)).await;
    let own = create(&g, &alice, "own").await;
    let bobs = create(&g, &bob, "bobs").await;
    let mut forged = own.clone();
    forged.replace_range(own.len() - 3.., "AAA");

    let mut msg = listen(json!([old, own, bobs, "own", forged, "", own]));
    let follow = g.to_upstream(&alice, Current, &mut msg).await.unwrap();
    assert_eq!(
        msg,
        listen(json!(["own", "own"])),
        "expired, foreign, raw, forged and empty entries leave; the rest of the listen stays"
    );
    assert!(follow.rewritten);
    assert_eq!(follow.resolved, vec![("own".to_owned(), own.clone())]);
    assert_eq!(follow.keys.len(), 1);
}

#[tokio::test]
async fn a_filter_of_unusable_handles_only_becomes_empty() {
    let g = guard_with(policy());
    let (alice, bob) = (person("alice", "t1", "s1"), person("bob", "t2", "s2"));
    let bobs = create(&g, &bob, "bobs").await;
    let mut foreign = listen(json!([bobs]));
    let mut unknown = listen(json!(["tg1.k1.AAAA"]));
    for msg in [&mut foreign, &mut unknown] {
        let follow = g.to_upstream(&alice, Current, msg).await.unwrap();
        assert!(follow.resolved.is_empty() && follow.rewritten);
    }
    assert_eq!(foreign, listen(json!([])));
    assert_eq!(
        foreign, unknown,
        "a foreign and an unknown id look the same"
    );
}

#[tokio::test]
async fn a_non_string_entry_still_refuses_the_whole_listen() {
    let g = guard_with(policy());
    let alice = person("alice", "t1", "s1");
    let own = create(&g, &alice, "own").await;
    let mut msg = listen(json!([own, 2]));
    let before = msg.clone();
    let refused = g.to_upstream(&alice, Current, &mut msg).await;
    assert!(matches!(refused, Err(Refusal::UnknownTask { .. })));
    assert_eq!(msg, before, "unchanged on refusal");
}

#[tokio::test]
async fn a_foreign_handle_elsewhere_in_a_listen_still_refuses_it() {
    let g = guard_with(policy());
    let (alice, bob) = (person("alice", "t1", "s1"), person("bob", "t2", "s2"));
    let own = create(&g, &alice, "own").await;
    let bobs = create(&g, &bob, "bobs").await;
    let mut msg = listen(json!([own]));
    msg["params"]["_meta"] = json!({"io.modelcontextprotocol/related-task": {"taskId": bobs}});
    let refused = g.to_upstream(&alice, Current, &mut msg).await;
    assert!(
        matches!(refused, Err(Refusal::UnknownTask { .. })),
        "only the filter is a subset; {refused:?}"
    );
}

#[tokio::test]
async fn a_store_failure_refuses_the_listen_rather_than_dropping_entries() {
    let codec = Arc::new(HandleCodec::new(crate::handle::KeyRing::ephemeral()));
    let memory = Arc::new(crate::store::memory::MemoryStore::new(
        TaskGuard::retention(&policy()),
    ));
    let clock = || Clock::starting_at(super::tests::START);
    let working = TaskGuard::new(codec.clone(), memory, policy(), clock());
    let failing = TaskGuard::new(
        codec,
        Arc::new(crate::store::FailingStore::new()),
        policy(),
        clock(),
    );
    let alice = person("alice", "t1", "s1");
    let own = create(&working, &alice, "own").await;
    let mut msg = listen(json!([own]));
    let refused = failing.to_upstream(&alice, Current, &mut msg).await;
    assert!(matches!(refused, Err(Refusal::Unavailable)), "{refused:?}");
    assert_eq!(msg, listen(json!([own])));
}

#[tokio::test]
async fn a_refused_listen_is_left_exactly_as_it_came() {
    let g = guard_with(policy());
    let (alice, bob) = (person("alice", "t1", "s1"), person("bob", "t2", "s2"));
    let own = create(&g, &alice, "own").await;
    let bobs = create(&g, &bob, "bobs").await;
    let mut msg = listen(json!([own, bobs]));
    msg["params"]["_meta"] = json!({"io.modelcontextprotocol/related-task": {"taskId": bobs}});
    let before = msg.clone();
    let refused = g.to_upstream(&alice, Current, &mut msg).await;
    assert!(
        matches!(refused, Err(Refusal::UnknownTask { .. })),
        "{refused:?}"
    );
    assert_eq!(msg, before, "no entry dropped, no handle replaced");
}
