//! Attack suite, current era, part 2: `subscriptions/listen` and what
//! reaches a client on a listen stream. A listen keeps the spec's subset
//! semantics: a handle the caller may not use (other identity or route,
//! forged, raw …), alone or beside the caller's own, is dropped from the
//! filter before forwarding, so nothing of it reaches the upstream and the
//! acknowledgement lists only the caller's own tasks; a non-string entry is
//! a malformed request, refused as a whole. On a listen, the upstream gets raw
//! ids, and the client gets only handles: the acknowledgement is filtered to
//! its own tasks (even when the upstream acknowledges everything), and a
//! `notifications/tasks` for someone else's task — pushed onto the caller's
//! stream by the leaky upstream — is never delivered. `inputRequests` reach
//! only the owner, and `tasks/update` `inputResponses` reach the upstream
//! unchanged.

use serde_json::json;

use super::attack_current::{alice_with_a_task, assert_still_working};
use crate::support::attack::{Who, forgeries};
use crate::support::attack_current::{
    assert_listen_drops, assert_refused_current, assert_refused_params, listen_and_ack,
};
use crate::support::current_upstream::SUBSCRIPTION_ID;

const LISTEN: &str = "subscriptions/listen";

#[tokio::test]
async fn alices_listen_subscribes_upstream_with_raw_ids_and_shows_her_only_handles() {
    let (fx, alice, h) = alice_with_a_task().await;
    let before = fx.up().count();
    let mut stream = alice.listen(&json!("L1"), &[&h]).await;
    let ack = stream.next().await;

    let arrived = &fx.up().seen()[before..];
    assert_eq!(arrived.len(), 1, "one listen reaches the upstream");
    let sent = arrived[0].json();
    assert_eq!(sent["method"], LISTEN);
    assert_eq!(
        sent["params"]["notifications"]["taskIds"],
        json!(["task-1"]),
        "{sent}"
    );
    assert!(!String::from_utf8_lossy(&arrived[0].body).contains("tg1."));
    assert_eq!(fx.tasks.listen_asked(0), vec![json!("task-1")]);

    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([h]),
        "{ack}"
    );
    assert_eq!(ack["params"]["_meta"][SUBSCRIPTION_ID], "L1", "{ack}");

    fx.tasks.set_status("task-1", "completed");
    fx.tasks.push(0, "task-1").await;
    let note = stream.next().await;
    assert_eq!(note["method"], "notifications/tasks", "{note}");
    assert_eq!(note["params"]["taskId"], h, "{note}");
    assert_eq!(note["params"]["status"], "completed");
    assert_eq!(
        note["params"]["result"]["content"][0]["text"],
        "the finished report"
    );
    assert_eq!(note["params"]["_meta"][SUBSCRIPTION_ID], "L1", "{note}");
    for v in [&ack, &note] {
        assert!(!v.to_string().contains("task-1"), "raw id leaked: {v}");
    }
}

#[tokio::test]
async fn notifications_for_someone_elses_task_never_reach_the_listener() {
    let (fx, alice, h) = alice_with_a_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    let mut stream = alice.listen(&json!("L1"), &[&h]).await;
    let ack = stream.next().await;
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([h]),
        "{ack}"
    );

    // Bob's task, with an input request meant for bob, pushed onto alice's
    // stream; then alice's own. The first thing alice gets must be hers.
    let secret = json!({"bob-q": {"method": "elicitation/create",
        "params": {"message": "bob's secret question", "requestedSchema": {"type": "object"}}}});
    fx.tasks.ask("task-2", secret);
    fx.tasks.push(0, "task-2").await;
    fx.tasks.set_status("task-2", "completed");
    fx.tasks.push(0, "task-2").await;
    fx.tasks.push(0, "task-1").await;
    let next = stream.next().await;
    assert_eq!(
        next["params"]["taskId"], h,
        "alice got someone else's task: {next}"
    );
    assert_eq!(next["params"]["status"], "working");
    let text = next.to_string();
    assert!(!text.contains("task-2") && !text.contains(&hb), "{text}");
    assert!(!text.contains("bob's secret"), "{text}");
}

#[tokio::test]
async fn a_leaky_acknowledgement_is_filtered_to_the_callers_own_tasks() {
    let (fx, _alice, h) = alice_with_a_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    fx.tasks.set_leaky_ack(true);

    let mut stream = bob.listen(&json!("B1"), &[&hb]).await;
    let ack = stream.next().await;
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([hb]),
        "the upstream acknowledged task-1 and task-2; bob learns only his: {ack}"
    );
    let mut stream = bob.listen(&json!("B2"), &[]).await;
    let ack = stream.next().await;
    let ids = ack["params"]["notifications"]["taskIds"]
        .as_array()
        .unwrap();
    assert!(ids.iter().all(|id| *id == json!(hb)), "{ack}");
    let text = ack.to_string();
    assert!(!text.contains(&h) && !text.contains("task-"), "{text}");
    assert_eq!(fx.tasks.listens(), 2);
}

#[tokio::test]
async fn a_listen_naming_only_unusable_handles_subscribes_to_none_of_them() {
    let (fx, alice, h) = alice_with_a_task().await;
    let mut peers = vec![];
    for (what, who) in [
        ("other tenant", Who::OtherTenant),
        ("other client", Who::OtherClient),
        ("other subject", Who::OtherSubject),
        ("bob", Who::Bob),
    ] {
        peers.push((what.to_owned(), fx.peer(who, "/mcp"), json!(h)));
    }
    peers.push((
        "other route".into(),
        fx.peer(Who::Alice, "/other"),
        json!(h),
    ));
    let alice_again = fx.peer(Who::Alice, "/mcp");
    for (what, presented) in forgeries(&h, "task-1") {
        if presented.is_string() {
            peers.push((what, fx.peer(Who::Alice, "/mcp"), presented));
        } else {
            // Not an id at all: a malformed request, refused as a whole.
            let params = json!({"notifications": {"taskIds": [presented]}});
            let before = fx.tasks.listens();
            assert_refused_params(fx.up(), &alice_again, LISTEN, params, &presented, &what).await;
            assert_eq!(fx.tasks.listens(), before, "{what}: never subscribed");
        }
    }
    for (what, peer, presented) in &peers {
        assert_listen_drops(&fx, peer, presented, what).await;
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
}

#[tokio::test]
async fn a_listen_naming_own_and_unusable_handles_streams_the_own_task_only() {
    let (fx, alice, h) = alice_with_a_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    let forged = forgeries(&h, "task-1")[0].1.clone();
    for (what, ids) in [
        ("own then bob's", json!([h, hb])),
        ("bob's then own", json!([hb, h])),
        ("own then raw", json!([h, "task-2"])),
        ("own then forged", json!([h, forged])),
    ] {
        let n = fx.tasks.listens();
        let (asked, ack) = listen_and_ack(&fx, &alice, ids).await;
        assert_eq!(asked, vec![json!("task-1")], "{what}");
        assert_eq!(
            ack["params"]["notifications"]["taskIds"],
            json!([h]),
            "{what}: {ack}"
        );
        fx.tasks.push(n, "task-1").await;
    }
    // A non-string entry is a malformed request, not an unusable id.
    let params = json!({"notifications": {"taskIds": [h, 2]}});
    let before = fx.tasks.listens();
    assert_refused_params(
        fx.up(),
        &alice,
        LISTEN,
        params,
        &json!(2),
        "own then number",
    )
    .await;
    assert_eq!(fx.tasks.listens(), before, "never subscribed");
}

#[tokio::test]
async fn input_requests_reach_only_the_owner_and_input_responses_pass_unchanged() {
    let (fx, alice, h) = alice_with_a_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    let requests = json!({
        "ask-1": {"method": "elicitation/create", "params": {"message": "Which account (task-1)?",
            "requestedSchema": {"type": "object", "properties": {"account": {"type": "string"}}}}},
        "ask-2": {"method": "sampling/createMessage", "params": {"maxTokens": 5,
            "messages": [{"role": "user", "content": {"type": "text", "text": "ü tg1.k1.x"}}]}}
    });
    fx.tasks.ask("task-1", requests.clone());

    let got = alice
        .call(json!(1), "tasks/get", json!({"taskId": h}))
        .await;
    assert_eq!(got["result"]["taskId"], h, "{got}");
    assert_eq!(got["result"]["status"], "input_required");
    assert_eq!(
        got["result"]["inputRequests"], requests,
        "passed through unchanged"
    );
    assert_refused_current(fx.up(), &bob, "tasks/get", &json!(h), "bob reads").await;

    // On listen streams: alice's own stream carries them, bob's never does.
    let mut mine = alice.listen(&json!("A"), &[&h]).await;
    let mut his = bob.listen(&json!("B"), &[&hb]).await;
    let _ = (mine.next().await, his.next().await);
    fx.tasks.push(0, "task-1").await;
    let note = mine.next().await;
    assert_eq!(note["params"]["taskId"], h, "{note}");
    assert_eq!(note["params"]["inputRequests"], requests, "{note}");
    fx.tasks.push(1, "task-1").await;
    fx.tasks.push(1, "task-2").await;
    let next = his.next().await;
    assert_eq!(
        next["params"]["taskId"], hb,
        "bob got alice's input request: {next}"
    );
    assert!(!next.to_string().contains("ask-1"), "{next}");

    // Answers: bob's is refused, alice's reaches the upstream byte-for-byte.
    let responses = json!({
        "ask-1": {"action": "accept", "content": {"account": "tg1.k1.not-a-handle", "note": "task-2 é"}},
        "ask-2": {"role": "assistant", "model": "m", "content": {"type": "text", "text": "task-1"}}
    });
    let params = json!({"taskId": h, "inputResponses": responses});
    assert_refused_params(
        fx.up(),
        &bob,
        "tasks/update",
        params.clone(),
        &json!(h),
        "bob answers",
    )
    .await;
    let before = fx.up().count();
    let ack = alice.call(json!(2), "tasks/update", params).await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let seen = &fx.up().seen()[before..];
    assert_eq!(seen.len(), 1);
    let sent = seen[0].json();
    assert_eq!(sent["params"]["taskId"], "task-1");
    assert_eq!(seen[0].headers["mcp-name"], "task-1");
    assert_eq!(
        sent["params"]["inputResponses"], responses,
        "keys and payloads unchanged"
    );
    assert_eq!(
        fx.tasks.tasks()[0].updates,
        vec![responses],
        "only alice's answer arrived"
    );
    assert!(fx.tasks.tasks()[1].updates.is_empty());
}
