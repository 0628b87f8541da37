//! [`TaskGuard`] unit tests: both directions, both eras, ownership, list
//! filtering, client-hosted ids, store failure. Time-dependent behaviour
//! (TTL caps, expiry, retention) is in `ttl_tests`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::auth::Principal;
use crate::config::TaskPolicy;
use crate::handle::KeyRing;
use crate::mcp::Era::{Current, Legacy};
use crate::store::FailingStore;
use crate::store::memory::MemoryStore;

pub(super) const START: Duration = Duration::from_secs(1_800_000_000);

pub(super) fn guard_with(policy: TaskPolicy) -> TaskGuard {
    let codec = Arc::new(HandleCodec::new(KeyRing::ephemeral()));
    let store = Arc::new(MemoryStore::new(TaskGuard::retention(&policy)));
    TaskGuard::new(codec, store, policy, Clock::starting_at(START))
}

pub(super) fn guard() -> TaskGuard {
    guard_with(TaskPolicy::default())
}

pub(super) fn person(sub: &str, tenant: &str, session: &str) -> Caller {
    let principal = Principal::for_tests("https://issuer.test", sub, Some(tenant), Some("app"));
    Caller::new("mcp".into(), Arc::new(principal), Some(session.into()))
}

pub(super) fn follow(method: &str) -> Follow {
    Follow {
        method: Some(method.into()),
        name: Some("slow_report".into()),
        ..Follow::default()
    }
}

/// Creates upstream task `id` for `caller` (legacy) and returns the handle.
pub(super) async fn create(guard: &TaskGuard, caller: &Caller, id: &str, ttl: Value) -> String {
    let mut msg = json!({"jsonrpc":"2.0","id":1,"result":{"task":{
        "taskId": id, "status":"working", "createdAt":"2026-11-21T00:00:00Z",
        "lastUpdatedAt":"2026-11-21T00:00:00Z", "ttl": ttl, "pollInterval": 100}}});
    let verdict = guard
        .to_client(caller, Legacy, Some(&follow("tools/call")), &mut msg)
        .await;
    assert_eq!(verdict, Verdict::Forward);
    msg["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(super) async fn get(
    guard: &TaskGuard,
    caller: &Caller,
    handle: &str,
) -> Result<Value, Refusal> {
    let mut msg = json!({"jsonrpc":"2.0","id":2,"method":"tasks/get","params":{"taskId": handle}});
    guard
        .to_upstream(caller, Legacy, &mut msg)
        .await
        .map(|_| msg)
}

#[tokio::test]
async fn the_client_sees_a_stable_handle_and_the_upstream_its_own_id() {
    let g = guard();
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(60_000)).await;
    assert!(handle.starts_with("tg1."), "{handle}");
    assert!(!handle.contains("task-1"));
    assert_eq!(
        create(&g, &alice, "task-1", json!(60_000)).await,
        handle,
        "deterministic"
    );

    let forwarded = get(&g, &alice, &handle).await.unwrap();
    assert_eq!(forwarded["params"]["taskId"], "task-1");

    // The flat tasks/get result carries the same handle back.
    let mut result =
        json!({"jsonrpc":"2.0","id":2,"result":{"taskId":"task-1","status":"working","ttl":null}});
    let mut f = follow("tasks/get");
    f.resolved.push(("task-1".into(), handle.clone()));
    assert_eq!(
        g.to_client(&alice, Legacy, Some(&f), &mut result).await,
        Verdict::Forward
    );
    assert_eq!(result["result"]["taskId"], handle.as_str());
    assert_eq!(
        result["result"]["ttl"], 3_600_000,
        "null TTL becomes the cap"
    );
}

#[tokio::test]
async fn every_other_identity_and_every_malformed_value_is_refused_alike() {
    let g = guard();
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(60_000)).await;
    let others = [
        person("bob", "t2", "s2"),
        person("alice", "t2", "s1"),
        person("mallory", "t1", "s1"),
        Caller {
            route: "other".into(),
            ..alice.clone()
        },
    ];
    for other in &others {
        match get(&g, other, &handle).await {
            Err(Refusal::UnknownTask { method, presented }) => {
                assert_eq!(method, "tasks/get");
                assert_eq!(presented, handle);
            }
            other => panic!("expected refusal, got {other:?}"),
        }
    }
    let mut tampered = handle.clone().into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        "task-1",
        "",
        &tampered,
        &handle[..handle.len() - 4],
        "tg1.zz.AAAA",
        "ünïcode",
    ] {
        assert!(
            matches!(get(&g, &alice, bad).await, Err(Refusal::UnknownTask { .. })),
            "{bad:?}"
        );
    }
    for bad in [json!(7), json!(null), json!({"taskId":"x"})] {
        let mut msg =
            json!({"jsonrpc":"2.0","id":2,"method":"tasks/cancel","params":{"taskId": bad}});
        match g.to_upstream(&alice, Legacy, &mut msg).await {
            Err(Refusal::UnknownTask { presented, .. }) => assert_eq!(presented, bad.to_string()),
            other => panic!("expected refusal, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn messages_about_tasks_the_caller_does_not_own_never_reach_it() {
    let g = guard();
    let alice = person("alice", "t1", "s1");
    let bob = person("bob", "t2", "s2");
    create(&g, &alice, "task-1", json!(60_000)).await;
    let status = json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params":{"taskId":"task-1","status":"working"}});
    assert_eq!(
        g.to_client(&bob, Legacy, None, &mut status.clone()).await,
        Verdict::Drop
    );
    let mut mine = status.clone();
    assert_eq!(
        g.to_client(&alice, Legacy, None, &mut mine).await,
        Verdict::Forward
    );
    assert!(
        mine["params"]["taskId"]
            .as_str()
            .unwrap()
            .starts_with("tg1.")
    );

    // A response naming someone else's task becomes an internal error.
    let mut leak = json!({"jsonrpc":"2.0","id":5,"result":{"content":[],"_meta":{
        "io.modelcontextprotocol/related-task":{"taskId":"task-1"}}}});
    match g
        .to_client(&bob, Legacy, Some(&follow("tasks/result")), &mut leak)
        .await
    {
        Verdict::Replace(err) => {
            assert_eq!(err["id"], 5);
            assert_eq!(err["error"]["code"], -32603);
        }
        other => panic!("expected replacement, got {other:?}"),
    }
}

#[tokio::test]
async fn legacy_task_lists_are_filtered_and_cursors_sealed() {
    let g = guard();
    let alice = person("alice", "t1", "s1");
    let bob = person("bob", "t2", "s2");
    let a1 = create(&g, &alice, "task-1", json!(60_000)).await;
    create(&g, &bob, "task-2", json!(60_000)).await;
    let mut list = json!({"jsonrpc":"2.0","id":3,"result":{"tasks":[
        {"taskId":"task-1","status":"working","ttl":60000},
        {"taskId":"task-2","status":"working","ttl":60000},
        {"taskId":"task-3","status":"working","ttl":60000}],
        "nextCursor":"raw-cursor-2"}});
    assert_eq!(
        g.to_client(&alice, Legacy, Some(&follow("tasks/list")), &mut list)
            .await,
        Verdict::Forward
    );
    let tasks = list["result"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["taskId"], a1.as_str());
    let cursor = list["result"]["nextCursor"].as_str().unwrap().to_string();
    assert!(cursor.starts_with("tg1.") && !cursor.contains("raw-cursor"));

    let next = json!({"jsonrpc":"2.0","id":4,"method":"tasks/list","params":{"cursor": cursor}});
    let mut mine = next.clone();
    g.to_upstream(&alice, Legacy, &mut mine).await.unwrap();
    assert_eq!(mine["params"]["cursor"], "raw-cursor-2");
    match g.to_upstream(&bob, Legacy, &mut next.clone()).await {
        Err(Refusal::UnknownTask { method, .. }) => assert_eq!(method, "tasks/list"),
        other => panic!("expected refusal, got {other:?}"),
    }
    let raw =
        json!({"jsonrpc":"2.0","id":4,"method":"tasks/list","params":{"cursor":"raw-cursor-2"}});
    assert!(
        g.to_upstream(&alice, Legacy, &mut raw.clone())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn input_requests_and_client_hosted_tasks() {
    let g = guard();
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(60_000)).await;
    // L7: an elicitation during input_required names alice's task.
    let mut ask = json!({"jsonrpc":"2.0","id":"e1","method":"elicitation/create","params":{"message":"ok?",
        "_meta":{"io.modelcontextprotocol/related-task":{"taskId":"task-1"}}}});
    assert_eq!(
        g.to_client(&alice, Legacy, None, &mut ask).await,
        Verdict::Forward
    );
    assert_eq!(
        ask["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        handle.as_str()
    );
    // L8: her answer names it by handle; the upstream gets its own id.
    let mut answer = json!({"jsonrpc":"2.0","id":"e1","result":{"action":"accept",
        "_meta":{"io.modelcontextprotocol/related-task":{"taskId": handle}}}});
    g.to_upstream(&alice, Legacy, &mut answer).await.unwrap();
    assert_eq!(
        answer["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        "task-1"
    );
    // L11–L13: a client-hosted task id passes unchanged both ways.
    let mut hosted = json!({"jsonrpc":"2.0","id":"s1","result":{"task":{"taskId":"client-7","status":"working"}}});
    g.to_upstream(&alice, Legacy, &mut hosted).await.unwrap();
    assert_eq!(hosted["result"]["task"]["taskId"], "client-7");
    let mut poll = json!({"jsonrpc":"2.0","id":"s2","method":"tasks/get","params":{"taskId":"client-7",
        "_meta":{"io.modelcontextprotocol/related-task":{"taskId":"client-7"}}}});
    assert_eq!(
        g.to_client(&alice, Legacy, None, &mut poll).await,
        Verdict::Forward
    );
    assert_eq!(poll["params"]["taskId"], "client-7");
}

#[tokio::test]
async fn current_era_shapes() {
    let g = guard();
    let alice = person("alice", "t1", "s1");
    let alice = Caller {
        session: None,
        ..alice
    };
    let bob = Caller {
        session: None,
        ..person("bob", "t2", "s2")
    };
    let mut created = json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"task","taskId":"786512e2",
        "status":"working","createdAt":"x","lastUpdatedAt":"x","ttlMs":null,"pollIntervalMs":5000}});
    assert_eq!(
        g.to_client(&alice, Current, Some(&follow("tools/call")), &mut created)
            .await,
        Verdict::Forward
    );
    let handle = created["result"]["taskId"].as_str().unwrap().to_string();
    assert!(handle.starts_with("tg1."));
    assert_eq!(created["result"]["ttlMs"], 3_600_000);

    let mut update = json!({"jsonrpc":"2.0","id":2,"method":"tasks/update","params":{"taskId": handle,
        "inputResponses":{"k":{"action":"accept"}}}});
    let f = g.to_upstream(&alice, Current, &mut update).await.unwrap();
    assert_eq!(f.task_id.as_deref(), Some("786512e2"));
    assert!(f.rewritten);
    assert_eq!(
        update["params"]["inputResponses"],
        json!({"k":{"action":"accept"}})
    );
    assert!(
        g.to_upstream(&bob, Current, &mut update.clone())
            .await
            .is_err()
    );

    let mut listen = json!({"jsonrpc":"2.0","id":3,"method":"subscriptions/listen","params":{"notifications":{"taskIds":[handle]}}});
    g.to_upstream(&alice, Current, &mut listen).await.unwrap();
    assert_eq!(listen["params"]["notifications"]["taskIds"][0], "786512e2");
    let mut ack = json!({"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged",
        "params":{"notifications":{"taskIds":["786512e2","someone-elses"]}}});
    assert_eq!(
        g.to_client(&alice, Current, None, &mut ack).await,
        Verdict::Forward
    );
    assert_eq!(ack["params"]["notifications"]["taskIds"], json!([handle]));
}

#[tokio::test]
async fn upstream_error_text_quotes_the_handle_not_the_upstream_id() {
    let g = guard();
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(60_000)).await;
    let mut f = follow("tasks/result");
    f.resolved.push(("task-1".into(), handle.clone()));
    let mut err =
        json!({"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Task not found: task-1"}});
    assert_eq!(
        g.to_client(&alice, Legacy, Some(&f), &mut err).await,
        Verdict::Forward
    );
    assert_eq!(err["error"]["message"], format!("Task not found: {handle}"));
}

#[tokio::test]
async fn a_store_failure_fails_closed_both_ways() {
    let codec = Arc::new(HandleCodec::new(KeyRing::ephemeral()));
    let g = TaskGuard::new(
        codec,
        Arc::new(FailingStore::new()),
        TaskPolicy::default(),
        Clock::system(),
    );
    let alice = person("alice", "t1", "s1");
    let mut created = json!({"jsonrpc":"2.0","id":1,"result":{"task":{"taskId":"task-1","status":"working","ttl":1}}});
    assert!(matches!(
        g.to_client(&alice, Legacy, Some(&follow("tools/call")), &mut created)
            .await,
        Verdict::Replace(_)
    ));
    let status =
        json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params":{"taskId":"task-1"}});
    assert_eq!(
        g.to_client(&alice, Legacy, None, &mut status.clone()).await,
        Verdict::Drop
    );
    // A handle that verifies cryptographically still needs the store.
    let sealed = crate::handle::Sealed {
        owner: alice.owner(),
        issued_at: 0,
        expires_at: None,
        epoch: 0,
        upstream: "task-1".into(),
        session: alice.session.clone(),
        tool: None,
    };
    let handle = g
        .codec()
        .seal(crate::handle::Kind::Task, "mcp", &sealed)
        .unwrap();
    assert!(matches!(
        get(&g, &alice, &handle).await,
        Err(Refusal::Unavailable)
    ));
}

#[test]
fn a_withheld_answer_becomes_error_rs_internal_error_with_the_same_id() {
    let answer = json!({"jsonrpc":"2.0","id":"r-7","result":{"content":[]}});
    let expected =
        json!({"jsonrpc":"2.0","id":"r-7","error":{"code":-32603,"message":"Internal error"}});
    assert_eq!(internal_error(&answer), expected);
    let id = crate::jsonrpc::Id::try_from(json!("r-7")).unwrap();
    assert_eq!(
        internal_error(&answer),
        crate::error::internal_error_body(Some(&id))
    );
    let no_id = internal_error(&json!({"jsonrpc":"2.0","result":{}}));
    assert_eq!(no_id, crate::error::internal_error_body(None));
}
