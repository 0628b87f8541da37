//! The `requestState` rules of [`TaskGuard`], both directions, on tokio's
//! paused clock.

use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::config::RequestStatePolicy;
use crate::handle::MAX_REQUEST_STATE_LEN;
use crate::mcp::Era::{Current, Legacy};
use crate::tasks::tests::{guard, person};

const STATE: &str = "{\"data\":\"{\\\"round\\\":1}\",\"hmac\":\"00ff\"}";

fn call(name: &str) -> Follow {
    Follow::new(Some("tools/call".into()), Some(name.into()))
}

fn input_required(state: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "input_required",
        "inputRequests": {"confirm": {"method": "elicitation/create", "params": {}}},
        "requestState": state}})
}

fn retry(method: &str, member: &str, name: &str, state: &Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": method, "params": {member: name,
        "inputResponses": {"confirm": {"action": "accept"}}, "requestState": state}})
}

/// Seals `STATE` in an answer to `follow` for `caller`; the handle.
async fn seal(guard: &TaskGuard, caller: &Caller, follow: &Follow) -> String {
    let mut answer = input_required(json!(STATE));
    let verdict = guard
        .request_state_to_client(caller, Current, Some(follow), &mut answer)
        .await;
    assert_eq!(verdict, Verdict::Forward);
    let handle = answer["result"]["requestState"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(handle.starts_with("tg1."), "{handle}");
    assert!(!answer.to_string().contains("round"), "{answer}");
    handle
}

#[tokio::test(start_paused = true)]
async fn a_sealed_state_opens_only_on_the_same_request_of_the_same_caller() {
    let g = guard();
    let alice = person("alice", "t1", "s");
    let handle = seal(&g, &alice, &call("book")).await;

    let mut ok = retry("tools/call", "name", "book", &json!(handle));
    assert_eq!(
        g.request_state_to_upstream(&alice, Current, &mut ok)
            .await
            .ok(),
        Some(true)
    );
    assert_eq!(ok["params"]["requestState"], STATE);

    let bob = person("bob", "t2", "s");
    let cases = [
        (
            "foreign",
            &bob,
            retry("tools/call", "name", "book", &json!(handle)),
        ),
        (
            "other tool",
            &alice,
            retry("tools/call", "name", "cancel", &json!(handle)),
        ),
        (
            "other method",
            &alice,
            retry("prompts/get", "name", "book", &json!(handle)),
        ),
        (
            "tampered",
            &alice,
            retry(
                "tools/call",
                "name",
                "book",
                &json!(format!("{handle}-TAMPERED")),
            ),
        ),
        (
            "raw",
            &alice,
            retry("tools/call", "name", "book", &json!(STATE)),
        ),
        (
            "not a string",
            &alice,
            retry("tools/call", "name", "book", &json!({"x": 1})),
        ),
    ];
    for (what, who, mut message) in cases {
        let before = message.clone();
        let got = g
            .request_state_to_upstream(who, Current, &mut message)
            .await;
        assert!(
            matches!(got, Err(Refusal::InvalidRequestState)),
            "{what}: {got:?}"
        );
        assert_eq!(message, before, "{what}: unchanged on refusal");
    }
    let other_route = Caller::new("other".into(), alice_principal(), None);
    let mut message = retry("tools/call", "name", "book", &json!(handle));
    assert!(
        g.request_state_to_upstream(&other_route, Current, &mut message)
            .await
            .is_err()
    );
}

fn alice_principal() -> std::sync::Arc<crate::auth::Principal> {
    std::sync::Arc::new(crate::auth::Principal::for_tests(
        "https://issuer.test",
        "alice",
        Some("t1"),
        Some("app"),
    ))
}

#[tokio::test(start_paused = true)]
async fn a_state_expires_after_the_policy_ttl() {
    let g = guard().with_request_state(RequestStatePolicy {
        ttl: Duration::from_secs(60),
    });
    let alice = person("alice", "t1", "s");
    let handle = seal(&g, &alice, &call("book")).await;
    tokio::time::advance(Duration::from_secs(59)).await;
    let mut live = retry("tools/call", "name", "book", &json!(handle));
    assert!(
        g.request_state_to_upstream(&alice, Current, &mut live)
            .await
            .is_ok()
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    let mut late = retry("tools/call", "name", "book", &json!(handle));
    assert!(matches!(
        g.request_state_to_upstream(&alice, Current, &mut late)
            .await,
        Err(Refusal::InvalidRequestState)
    ));
}

#[tokio::test(start_paused = true)]
async fn resources_are_bound_by_uri_and_an_epoch_bump_kills_states() {
    let g = guard();
    let alice = person("alice", "t1", "s");
    let read = Follow::new(Some("resources/read".into()), Some("file:///a".into()));
    let handle = seal(&g, &alice, &read).await;
    let mut other = retry("resources/read", "uri", "file:///b", &json!(handle));
    assert!(
        g.request_state_to_upstream(&alice, Current, &mut other)
            .await
            .is_err()
    );
    let mut same = retry("resources/read", "uri", "file:///a", &json!(handle));
    assert!(
        g.request_state_to_upstream(&alice, Current, &mut same)
            .await
            .is_ok()
    );
    g.store.bump_epoch().await.unwrap();
    let mut again = retry("resources/read", "uri", "file:///a", &json!(handle));
    assert!(
        g.request_state_to_upstream(&alice, Current, &mut again)
            .await
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn task_objects_never_carry_a_state_and_legacy_is_untouched() {
    let g = guard();
    let alice = person("alice", "t1", "s");
    let mut created = json!({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "task",
        "taskId": "task-1", "status": "working", "requestState": STATE}});
    let verdict = g
        .request_state_to_client(&alice, Current, Some(&call("book")), &mut created)
        .await;
    assert_eq!(verdict, Verdict::Forward);
    assert!(created["result"].get("requestState").is_none(), "{created}");

    let get = Follow::new(Some("tasks/get".into()), None);
    let mut detailed = json!({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete",
        "taskId": "task-1", "status": "input_required", "requestState": STATE}});
    g.request_state_to_client(&alice, Current, Some(&get), &mut detailed)
        .await;
    assert!(
        detailed["result"].get("requestState").is_none(),
        "{detailed}"
    );

    let mut note = json!({"jsonrpc": "2.0", "method": "notifications/tasks",
        "params": {"taskId": "task-1", "status": "working", "requestState": STATE}});
    g.request_state_to_client(&alice, Current, None, &mut note)
        .await;
    assert!(note["params"].get("requestState").is_none(), "{note}");

    let mut legacy = input_required(json!(STATE));
    let before = legacy.clone();
    g.request_state_to_client(&alice, Legacy, Some(&call("book")), &mut legacy)
        .await;
    assert_eq!(legacy, before);
    let mut legacy_retry = retry("tools/call", "name", "book", &json!(STATE));
    assert_eq!(
        g.request_state_to_upstream(&alice, Legacy, &mut legacy_retry)
            .await
            .ok(),
        Some(false)
    );
    assert_eq!(legacy_retry["params"]["requestState"], STATE);
}

#[tokio::test(start_paused = true)]
async fn a_state_that_cannot_be_bound_withholds_the_answer() {
    let g = guard();
    let alice = person("alice", "t1", "s");
    let too_long = "x".repeat(MAX_REQUEST_STATE_LEN + 1);
    for (what, state, follow) in [
        ("too long", json!(too_long), Some(call("book"))),
        ("not a string", json!({"round": 1}), Some(call("book"))),
        ("no request", json!(STATE), None),
    ] {
        let mut answer = input_required(state);
        let verdict = g
            .request_state_to_client(&alice, Current, follow.as_ref(), &mut answer)
            .await;
        let Verdict::Replace(error) = verdict else {
            panic!("{what}: {verdict:?}");
        };
        assert_eq!(error["error"]["code"], -32603, "{what}");
        assert!(!error.to_string().contains("round"), "{what}");
    }
    // An empty state carries nothing: it passes both ways.
    let mut empty = input_required(json!(""));
    let verdict = g
        .request_state_to_client(&alice, Current, Some(&call("book")), &mut empty)
        .await;
    assert_eq!(verdict, Verdict::Forward);
    assert_eq!(empty["result"]["requestState"], "");
    let mut message = retry("tools/call", "name", "book", &json!(""));
    assert_eq!(
        g.request_state_to_upstream(&alice, Current, &mut message)
            .await
            .ok(),
        Some(false)
    );
}

#[tokio::test(start_paused = true)]
async fn revoking_the_principal_or_the_tenant_kills_its_states_only() {
    let g = guard();
    let (alice, bob, carol) = (
        person("alice", "t1", "s"),
        person("bob", "t2", "s"),
        person("carol", "t3", "s"),
    );
    let (ha, hb, hc) = (
        seal(&g, &alice, &call("book")).await,
        seal(&g, &bob, &call("book")).await,
        seal(&g, &carol, &call("book")).await,
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    let now = g.clock.now_secs();
    g.store.revoke_owner(&alice.owner(), now).await.unwrap();
    g.store.revoke_tenant("t2", now).await.unwrap();
    for (who, handle) in [(&alice, &ha), (&bob, &hb)] {
        let mut msg = retry("tools/call", "name", "book", &json!(handle));
        let before = msg.clone();
        let refused = g.request_state_to_upstream(who, Current, &mut msg).await;
        assert!(
            matches!(refused, Err(Refusal::InvalidRequestState)),
            "{refused:?}"
        );
        assert_eq!(msg, before, "unchanged on refusal");
    }
    let mut msg = retry("tools/call", "name", "book", &json!(hc));
    assert_eq!(
        g.request_state_to_upstream(&carol, Current, &mut msg)
            .await
            .ok(),
        Some(true),
        "carol was not revoked"
    );
    // A state sealed after the revocation works again.
    tokio::time::advance(Duration::from_secs(1)).await;
    let fresh = seal(&g, &alice, &call("book")).await;
    let mut msg = retry("tools/call", "name", "book", &json!(fresh));
    assert!(
        g.request_state_to_upstream(&alice, Current, &mut msg)
            .await
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn a_request_refused_for_another_reason_never_holds_the_upstream_state() {
    let g = guard();
    let alice = person("alice", "t1", "s");
    let handle = seal(&g, &alice, &call("book")).await;
    let mut msg = retry("tools/call", "name", "book", &json!(handle));
    msg["params"]["_meta"] =
        json!({"io.modelcontextprotocol/related-task": {"taskId": "tg1.k1.AAAA"}});
    let before = msg.clone();
    let refused = g.to_upstream(&alice, Current, &mut msg).await;
    assert!(
        matches!(refused, Err(Refusal::UnknownTask { .. })),
        "{refused:?}"
    );
    assert_eq!(msg, before, "the handle stays; the state was not put in");
}
