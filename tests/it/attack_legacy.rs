//! Attack suite, legacy era (2025-11-25 core tasks), part 1: `tasks/get`,
//! `tasks/result` and `tasks/cancel` with every wrong handle — another
//! tenant, client, subject or route, tampered, truncated, sealed under
//! another key, the raw upstream id, empty, huge, non-ASCII, non-string —
//! plus session replay. The upstream isolates nothing (see
//! `support/tasks_upstream.rs`), so each refusal is the gateway's: every
//! attack must get exactly the contract's `-32602` answer and leave no trace
//! in the upstream's request log. Positive controls show that alice's own
//! handle works and that only raw ids travel upstream.
//! `tasks/list`, cursors, expiry and revocation are in `attack_legacy_list.rs`.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::attack::{
    Fixture, KID, Peer, Who, assert_refused, forgeries, gateway, handle_key,
};
use crate::support::client::Call;
use crate::support::gateway::TestGateway;
use crate::support::tasks_upstream::RELATED_TASK;
use crate::support::upstream::Upstream;

/// The follow-ups that name one task.
const FOLLOW_UPS: [&str; 3] = ["tasks/get", "tasks/result", "tasks/cancel"];

/// Asserts that exactly one request reached the upstream since `before`:
/// `method` naming `raw`, never a gateway handle.
pub(crate) fn assert_forwarded_raw(up: &Upstream, before: usize, method: &str, raw: &str) {
    let arrived = &up.seen()[before..];
    assert_eq!(
        arrived.len(),
        1,
        "{method}: one request reaches the upstream"
    );
    let v = arrived[0].json();
    assert_eq!(v["method"], method);
    assert_eq!(
        v["params"]["taskId"], raw,
        "{method}: the upstream gets its own id"
    );
    assert!(!String::from_utf8_lossy(&arrived[0].body).contains("tg1."));
}

/// Alice's task is untouched by the attacks: still `working`, same handle.
pub(crate) async fn assert_still_working(alice: &Peer, handle: &str) {
    let v = alice
        .call(json!("check"), "tasks/get", json!({"taskId": handle}))
        .await;
    assert_eq!(v["result"]["taskId"], handle, "{v}");
    assert_eq!(
        v["result"]["status"], "working",
        "an attack changed the task: {v}"
    );
}

/// A fixture with alice's session on `/mcp` and one task of hers (`task-1`).
async fn alice_with_a_task() -> (Fixture, Peer, String) {
    let fx = Fixture::start().await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    let handle = alice.start_task().await;
    assert_eq!(fx.tasks.tasks()[0].id, "task-1");
    (fx, alice, handle)
}

#[tokio::test]
async fn alices_own_handle_works_and_only_the_raw_id_reaches_the_upstream() {
    let (fx, alice, h) = alice_with_a_task().await;
    assert!(
        h.starts_with(&format!("tg1.{KID}.")),
        "a gateway handle: {h}"
    );
    assert!(!h.contains("task-1"), "the raw id is not visible: {h}");

    let before = fx.up().count();
    let got = alice
        .call(json!(1), "tasks/get", json!({"taskId": h}))
        .await;
    assert_forwarded_raw(fx.up(), before, "tasks/get", "task-1");
    assert_eq!(got["result"]["taskId"], h, "same task, same handle: {got}");
    assert_eq!(got["result"]["status"], "working");

    let before = fx.up().count();
    let result = alice
        .call(json!(2), "tasks/result", json!({"taskId": h}))
        .await;
    assert_forwarded_raw(fx.up(), before, "tasks/result", "task-1");
    assert_eq!(
        result["result"]["content"][0]["text"],
        "the finished report"
    );
    assert_eq!(
        result["result"]["_meta"][RELATED_TASK]["taskId"], h,
        "{result}"
    );

    let before = fx.up().count();
    let cancel = alice
        .call(json!(3), "tasks/cancel", json!({"taskId": h}))
        .await;
    assert_forwarded_raw(fx.up(), before, "tasks/cancel", "task-1");
    assert_eq!(cancel["result"]["taskId"], h, "{cancel}");
    assert_eq!(cancel["result"]["status"], "cancelled");
    assert_eq!(fx.tasks.tasks()[0].status, "cancelled");

    for answer in [&got, &result, &cancel] {
        assert!(
            !answer.to_string().contains("task-1"),
            "raw id leaked: {answer}"
        );
    }
}

#[tokio::test]
async fn other_identities_presenting_alices_handle_are_refused() {
    let (fx, alice, h) = alice_with_a_task().await;
    for (what, who) in [
        ("other tenant", Who::OtherTenant),
        ("other client", Who::OtherClient),
        ("other subject", Who::OtherSubject),
        ("bob, other tenant and subject", Who::Bob),
    ] {
        let attacker = fx.join(who, "/mcp").await;
        for method in FOLLOW_UPS {
            assert_refused(fx.up(), &attacker, method, &json!(h), what).await;
        }
    }
    assert_still_working(&alice, &h).await;
}

#[tokio::test]
async fn a_handle_presented_on_another_route_is_refused_both_ways() {
    let (fx, alice, h) = alice_with_a_task().await;
    let alice_other = fx.join(Who::Alice, "/other").await;
    for method in FOLLOW_UPS {
        assert_refused(
            fx.up(),
            &alice_other,
            method,
            &json!(h),
            "/mcp handle on /other",
        )
        .await;
    }
    let h_other = alice_other.start_task().await;
    assert_ne!(h_other, h);
    for method in FOLLOW_UPS {
        let what = "/other handle on /mcp";
        assert_refused(fx.up(), &alice, method, &json!(h_other), what).await;
    }
    assert_still_working(&alice, &h).await;
    assert_still_working(&alice_other, &h_other).await;
}

#[tokio::test]
async fn forged_malformed_and_raw_task_ids_are_refused() {
    let (fx, alice, h) = alice_with_a_task().await;
    let mut attacks = forgeries(&h, "task-1");
    attacks.push(("null".into(), Value::Null));
    for (what, presented) in &attacks {
        for method in FOLLOW_UPS {
            assert_refused(fx.up(), &alice, method, presented, what).await;
        }
    }
    assert_still_working(&alice, &h).await;
}

#[tokio::test]
async fn handles_sealed_under_another_key_are_refused() {
    // This gateway's ring: k1 seals, k2 (another secret) only verifies.
    let keys = tempfile::tempdir().unwrap();
    let verify_only = handle_key(keys.path(), "k2", 2).keys;
    let fx = Fixture::start_with(|raw| {
        raw.handles.keys.extend(verify_only);
        raw.handles.signing_key = Some(KID.into());
    })
    .await;
    let alice = fx.join(Who::Alice, "/mcp").await;
    let h = alice.start_task().await;

    // Alice's own task, her identity and route, but labelled with the other
    // key of the ring: only the key is wrong.
    let body = &h[h.rfind('.').unwrap() + 1..];
    let relabelled = json!(format!("tg1.k2.{body}"));
    for method in FOLLOW_UPS {
        assert_refused(
            fx.up(),
            &alice,
            method,
            &relabelled,
            "k1 ciphertext under k2",
        )
        .await;
    }

    // Gateways with keys of their own in front of the same upstream and
    // route; alice resumes the same upstream session there.
    let session = fx.tasks.tasks()[0].session.clone();
    for (what, kid, fill) in [
        ("same kid, other secret", Some(KID), 9),
        ("ring kid, other secret", Some("k2"), 9),
        ("unknown kid", Some("k3"), 3),
        ("ephemeral key", None, 0),
    ] {
        let other = match kid {
            Some(kid) => gateway(&fx.tasks, fx.dir.path(), kid, fill, |_| {}).await,
            None => TestGateway::start(&fx.tasks.url()).await,
        };
        let there = Peer::join(&other, Who::Alice, "/mcp", Some(&session)).await;
        let foreign = there.start_task().await;
        let valid = there
            .call(json!(1), "tasks/get", json!({"taskId": foreign}))
            .await;
        assert_eq!(
            valid["result"]["status"], "working",
            "{what}: genuine where minted: {valid}"
        );
        for method in FOLLOW_UPS {
            assert_refused(fx.up(), &alice, method, &json!(foreign), what).await;
        }
    }
    assert_still_working(&alice, &h).await;
}

#[tokio::test]
async fn replaying_alices_session_is_an_unknown_session_on_post_get_and_delete() {
    let (fx, alice, h) = alice_with_a_task().await;
    let bob = crate::support::attack::token(&fx.gw, Who::Bob);
    let before = fx.up().count();
    let get = json!({"jsonrpc": "2.0", "id": 9, "method": "tasks/get", "params": {"taskId": h}});
    let post = Call::post_json(&alice.url, Some(&bob), &get);
    let get_stream =
        Call::new(Method::GET, &alice.url, Some(&bob)).header("accept", "text/event-stream");
    let delete = Call::new(Method::DELETE, &alice.url, Some(&bob));
    for (what, call) in [("POST", post), ("GET", get_stream), ("DELETE", delete)] {
        let a = call
            .header("mcp-session-id", &alice.session)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{what}: {:?}", a.body);
        assert_eq!(a.error_code(), Some(-32001), "{what}");
        assert_eq!(a.json()["error"]["message"], "Session not found", "{what}");
    }
    assert_eq!(fx.up().count(), before, "no replay reached the upstream");
    assert_still_working(&alice, &h).await;
}
