//! Attack suite, current era (2026-07-28 tasks extension), part 1:
//! `tasks/get`, `tasks/update` and `tasks/cancel` with every wrong handle —
//! another tenant, client, subject or route, tampered, truncated, sealed
//! under another key, the raw upstream id, empty, huge, non-ASCII,
//! non-string — each sent as an honest current-era client would (`Mcp-Name`
//! mirroring the body). The upstream is stateless and isolates nothing (see
//! `support/current_upstream.rs`), so each refusal is the gateway's: the
//! exact `-32602` answer and no trace in the upstream's request log.
//! Positive controls: alice's own handle works and only raw ids travel
//! upstream, in the body and in `Mcp-Name`.
//! Listen streams are in `attack_current_listen.rs`; header/body
//! disagreement, expiry and revocation in `attack_current_headers.rs`.

use serde_json::{Value, json};

use crate::support::attack::{KID, Who, forgeries, handle_key};
use crate::support::attack_current::{
    CPeer, CurrentFixture, assert_forwarded_raw, assert_nothing_forwarded, assert_refused_current,
    current_gateway, params_naming,
};

/// The follow-ups that name one task.
pub(crate) const FOLLOW_UPS: [&str; 3] = ["tasks/get", "tasks/update", "tasks/cancel"];

/// Alice's task is untouched by the attacks: still `working` upstream, and
/// her handle still reads it.
pub(crate) async fn assert_still_working(fx: &CurrentFixture, alice: &CPeer, h: &str, raw: &str) {
    let task = fx.tasks.tasks().into_iter().find(|t| t.id == raw).unwrap();
    assert_eq!(task.status, "working", "an attack changed the task");
    assert!(
        task.updates.is_empty(),
        "an attack updated the task: {:?}",
        task.updates
    );
    let v = alice
        .call(json!("check"), "tasks/get", json!({"taskId": h}))
        .await;
    assert_eq!(v["result"]["taskId"], h, "{v}");
    assert_eq!(v["result"]["status"], "working", "{v}");
}

/// A fixture with one task of alice's on `/mcp` (`task-1`).
pub(crate) async fn alice_with_a_task() -> (CurrentFixture, CPeer, String) {
    let fx = CurrentFixture::start().await;
    let alice = fx.peer(Who::Alice, "/mcp");
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

    let responses = json!({"k": {"action": "accept", "content": {"ok": true}}});
    let before = fx.up().count();
    let update = alice
        .call(
            json!(2),
            "tasks/update",
            json!({"taskId": h, "inputResponses": responses}),
        )
        .await;
    let sent = assert_forwarded_raw(fx.up(), before, "tasks/update", "task-1");
    assert_eq!(sent["params"]["inputResponses"], responses);
    assert_eq!(update["result"]["resultType"], "complete", "{update}");

    let before = fx.up().count();
    let cancel = alice
        .call(json!(3), "tasks/cancel", json!({"taskId": h}))
        .await;
    assert_forwarded_raw(fx.up(), before, "tasks/cancel", "task-1");
    assert_eq!(cancel["result"]["resultType"], "complete", "{cancel}");
    assert_eq!(fx.tasks.tasks()[0].status, "cancelled");

    let after = alice
        .call(json!(4), "tasks/get", json!({"taskId": h}))
        .await;
    assert_eq!(after["result"]["taskId"], h, "{after}");
    assert_eq!(after["result"]["status"], "cancelled", "{after}");
    for answer in [&got, &update, &cancel, &after] {
        assert!(
            !answer.to_string().contains("task-1"),
            "raw id leaked: {answer}"
        );
    }
}

#[tokio::test]
async fn a_completed_task_reaches_its_owner_with_the_inline_result_under_the_handle() {
    let (fx, alice, h) = alice_with_a_task().await;
    fx.tasks.set_status("task-1", "completed");
    let got = alice
        .call(json!(1), "tasks/get", json!({"taskId": h}))
        .await;
    assert_eq!(got["result"]["taskId"], h, "{got}");
    assert_eq!(got["result"]["status"], "completed");
    assert_eq!(
        got["result"]["result"]["content"][0]["text"], "the finished report",
        "{got}"
    );
    let bob = fx.peer(Who::Bob, "/mcp");
    assert_refused_current(fx.up(), &bob, "tasks/get", &json!(h), "bob, completed task").await;
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
        let attacker = fx.peer(who, "/mcp");
        for method in FOLLOW_UPS {
            assert_refused_current(fx.up(), &attacker, method, &json!(h), what).await;
        }
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
}

#[tokio::test]
async fn a_handle_presented_on_another_route_is_refused_both_ways() {
    let (fx, alice, h) = alice_with_a_task().await;
    let alice_other = fx.peer(Who::Alice, "/other");
    for method in FOLLOW_UPS {
        let what = "/mcp handle on /other";
        assert_refused_current(fx.up(), &alice_other, method, &json!(h), what).await;
    }
    let h_other = alice_other.start_task().await;
    assert_ne!(h_other, h);
    for method in FOLLOW_UPS {
        let what = "/other handle on /mcp";
        assert_refused_current(fx.up(), &alice, method, &json!(h_other), what).await;
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
    assert_still_working(&fx, &alice_other, &h_other, "task-2").await;
}

#[tokio::test]
async fn forged_malformed_and_raw_task_ids_are_refused() {
    let (fx, alice, h) = alice_with_a_task().await;
    // The shared "huge" forgery (100 KiB) cannot be mirrored into `Mcp-Name`
    // within the 64 KiB request head: see the test below. Here a 48 KiB one.
    let mut attacks: Vec<(String, Value)> = forgeries(&h, "task-1")
        .into_iter()
        .filter(|(what, v)| v.is_string() && what != "huge")
        .collect();
    let body = h.rfind('.').unwrap() + 1;
    let huge = format!("{}{}", &h[..body], "A".repeat(48 * 1024));
    attacks.push(("huge (48 KiB)".into(), json!(huge)));
    attacks.push(("raw id of another task".into(), json!("task-2")));
    attacks.push(("handle with spaces".into(), json!(format!(" {h} "))));
    for (what, presented) in &attacks {
        for method in FOLLOW_UPS {
            assert_refused_current(fx.up(), &alice, method, presented, what).await;
        }
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
}

#[tokio::test]
async fn a_handle_too_big_for_the_request_head_is_431_and_never_forwarded() {
    // An honest client mirrors the 100 KiB taskId into `Mcp-Name`, so the
    // request head exceeds the gateway's documented 64 KiB limit (README:
    // "request head over 64 KiB → 431"), answered before any JSON-RPC
    // processing. (In a listen filter, the same value is body-only and gets
    // the exact -32602: `attack_current_listen.rs`.)
    let (fx, alice, h) = alice_with_a_task().await;
    let body = h.rfind('.').unwrap() + 1;
    let huge = json!(format!("{}{}", &h[..body], "A".repeat(100 * 1024)));
    for method in FOLLOW_UPS {
        let before = fx.up().count();
        let a = alice
            .request(&json!(1), method, params_naming(method, &huge))
            .send()
            .await;
        assert_nothing_forwarded(fx.up(), before, method);
        assert_eq!(
            a.status,
            http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "{method}"
        );
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
}

#[tokio::test]
async fn non_string_task_ids_are_refused_as_header_mismatches() {
    // In the current era the mirrored-header rule comes first (a compliant
    // server answers the same): a non-string `params.taskId` can never equal
    // the `Mcp-Name` string, so it is a 400/-32020 header mismatch. Either
    // way it is refused before any handle logic and never forwarded.
    let (fx, alice, h) = alice_with_a_task().await;
    let attacks: Vec<(String, Value)> = forgeries(&h, "task-1")
        .into_iter()
        .filter(|(_, v)| !v.is_string())
        .chain([("null".to_string(), Value::Null)])
        .collect();
    assert_eq!(attacks.len(), 5, "number, object, array, boolean, null");
    for (what, presented) in &attacks {
        for method in FOLLOW_UPS {
            let id = json!(format!("{what} / {method}"));
            let before = fx.up().count();
            let a = alice
                .request(&id, method, params_naming(method, presented))
                .send()
                .await;
            assert_nothing_forwarded(fx.up(), before, &format!("{what}: {method}"));
            assert_eq!(a.status, http::StatusCode::BAD_REQUEST, "{what}: {method}");
            let got: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
            assert_eq!(got["id"], id, "{what}: {method}");
            assert_eq!(got["error"]["code"], -32020, "{what}: {method}: {got}");
        }
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
}

#[tokio::test]
async fn handles_sealed_under_another_key_are_refused() {
    // This gateway's ring: k1 seals, k2 (another secret) only verifies.
    let keys = tempfile::tempdir().unwrap();
    let verify_only = handle_key(keys.path(), "k2", 2).keys;
    let fx = CurrentFixture::start_with(|raw| {
        raw.handles.keys.extend(verify_only);
        raw.handles.signing_key = Some(KID.into());
    })
    .await;
    let alice = fx.peer(Who::Alice, "/mcp");
    let h = alice.start_task().await;

    // Alice's own task, identity and route, labelled with the ring's other key.
    let body = &h[h.rfind('.').unwrap() + 1..];
    let relabelled = json!(format!("tg1.k2.{body}"));
    for method in FOLLOW_UPS {
        let what = "k1 ciphertext under k2";
        assert_refused_current(fx.up(), &alice, method, &relabelled, what).await;
    }

    // Gateways with keys of their own in front of the same (stateless)
    // upstream and route: genuine there, foreign here.
    for (what, key) in [
        ("same kid, other secret", Some((KID, 9))),
        ("ring kid, other secret", Some(("k2", 9))),
        ("unknown kid", Some(("k3", 3))),
        ("ephemeral key", None),
    ] {
        let other = current_gateway(&fx.tasks.url(), fx.dir.path(), key, |_| {}).await;
        let there = CPeer::new(&other, Who::Alice, "/mcp");
        let foreign = there.start_task().await;
        let valid = there
            .call(json!(1), "tasks/get", json!({"taskId": foreign}))
            .await;
        assert_eq!(
            valid["result"]["status"], "working",
            "{what}: genuine where minted: {valid}"
        );
        for method in FOLLOW_UPS {
            assert_refused_current(fx.up(), &alice, method, &json!(foreign), what).await;
        }
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
}
