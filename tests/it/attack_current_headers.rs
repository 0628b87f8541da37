//! Attack suite, current era, part 3: the `Mcp-Name` routing header, and
//! handles that were alice's but died.
//!
//! - `Mcp-Name` (and `Mcp-Method`) disagreeing with the body — including a
//!   header naming the caller's own valid handle while the body names a
//!   foreign one, and vice versa, or the raw upstream id — is `400`/`-32020`
//!   and nothing is forwarded; the sentinel form of the caller's own handle
//!   is accepted and reaches the upstream as the raw id.
//! - Expired handles (`[tasks] max_ttl = "1s"`), handles revoked through the
//!   admin endpoint (one handle, a principal, a tenant, everything), and
//!   terminal tasks past `[tasks] result_retention` are refused on
//!   get/update/cancel with the exact `-32602` whatever the upstream still
//!   holds, and dropped from a listen's filter (never forwarded).

use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use taskgate::config::raw::{RawAdmin, RawTasks};
use taskgate::config::secret::SecretSource;

use super::attack_current::{FOLLOW_UPS, alice_with_a_task, assert_still_working};
use crate::support::attack::Who;
use crate::support::attack_current::{
    CPeer, CurrentFixture, assert_forwarded_raw, assert_listen_drops,
    assert_no_listen_named_a_task, assert_nothing_forwarded, assert_refused_current, params_naming,
    sentinel,
};
use crate::support::client::Answer;
use crate::support::upstream::Upstream;

/// Every follow-up is refused on a dead handle, and a listen naming it
/// subscribes to none of it (the filter keeps the spec's subset semantics).
async fn assert_dead(fx: &CurrentFixture, peer: &CPeer, handle: &str, what: &str) {
    for method in FOLLOW_UPS {
        assert_refused_current(fx.up(), peer, method, &json!(handle), what).await;
    }
    assert_listen_drops(fx, peer, &json!(handle), what).await;
}

/// A task that must keep working: caller, handle, upstream id.
type Live<'a> = (&'a CPeer, &'a str, &'a str);
/// One revocation step: label, `/revoke` body, the victim's peer and
/// handle, and the tasks that must survive it.
type Step<'a> = (&'a str, Value, &'a CPeer, &'a str, Vec<Live<'a>>);

/// Asserts a `400`/`-32020` answer keeping the request id.
fn assert_header_mismatch(a: &Answer, id: &Value, label: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{label}: {:?}", a.body);
    assert_eq!(a.error_code(), Some(-32020), "{label}: {:?}", a.body);
    assert_eq!(
        a.json()["id"],
        *id,
        "{label}: the error keeps the request id"
    );
}

/// Sends `method` naming `body_id` in the body, with `Mcp-Name` set to
/// `name` (`None`: left out) and `Mcp-Method` to `header_method`; asserts
/// 400/-32020 and nothing forwarded.
async fn assert_mismatch_refused(
    up: &Upstream,
    peer: &CPeer,
    method: &str,
    body_id: &str,
    name: Option<&str>,
    header_method: &str,
    what: &str,
) {
    let id = json!(format!("{what} / {method}"));
    let mut call = peer
        .request(&id, method, params_naming(method, &json!(body_id)))
        .header("mcp-method", header_method);
    call = match name {
        Some(n) => call.header("mcp-name", n),
        None => call.without("mcp-name"),
    };
    let before = up.count();
    let a = call.send().await;
    let label = format!("{what}: {method}");
    assert_nothing_forwarded(up, before, &label);
    assert_header_mismatch(&a, &id, &label);
}

#[tokio::test]
async fn mcp_name_disagreeing_with_the_body_is_400_32020_and_never_forwarded() {
    let (fx, alice, h) = alice_with_a_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    let up = fx.up();
    for method in FOLLOW_UPS {
        for (what, body, name) in [
            (
                "header: alice's own, body: bob's",
                hb.as_str(),
                Some(h.as_str()),
            ),
            (
                "header: bob's, body: alice's own",
                h.as_str(),
                Some(hb.as_str()),
            ),
            (
                "header: raw id, body: alice's own",
                h.as_str(),
                Some("task-1"),
            ),
            (
                "header: alice's own, body: raw id",
                "task-1",
                Some(h.as_str()),
            ),
            (
                "header: raw id of bob's, body: alice's",
                h.as_str(),
                Some("task-2"),
            ),
            (
                "header: sentinel of bob's, body: alice's",
                h.as_str(),
                Some(&sentinel(&hb)),
            ),
            (
                "header: truncated, body: alice's",
                h.as_str(),
                Some(&h[..h.len() - 1]),
            ),
            (
                "header: malformed sentinel",
                h.as_str(),
                Some("=?base64?!!?="),
            ),
            ("header missing", h.as_str(), None),
        ] {
            assert_mismatch_refused(up, &alice, method, body, name, method, what).await;
        }
        // Bob with alice's handle in the header and his own in the body.
        let what = "bob: header alice's, body his own";
        assert_mismatch_refused(up, &bob, method, &hb, Some(&h), method, what).await;
        let other = if method == "tasks/get" {
            "tasks/cancel"
        } else {
            "tasks/get"
        };
        let what = "Mcp-Method names another operation";
        assert_mismatch_refused(up, &alice, method, &h, Some(&h), other, what).await;
    }
    assert_still_working(&fx, &alice, &h, "task-1").await;
    assert_still_working(&fx, &bob, &hb, "task-2").await;
}

#[tokio::test]
async fn the_sentinel_form_of_the_own_handle_is_accepted_and_forwarded_raw() {
    let (fx, alice, h) = alice_with_a_task().await;
    let id = json!(1);
    let before = fx.up().count();
    let a = alice
        .request(&id, "tasks/get", json!({"taskId": h}))
        .header("mcp-name", &sentinel(&h))
        .send()
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_forwarded_raw(fx.up(), before, "tasks/get", "task-1");
    assert_eq!(a.json()["result"]["taskId"], h);
}

#[tokio::test]
async fn expired_handles_are_refused_whatever_the_upstream_still_holds() {
    let fx = CurrentFixture::start_with(|raw| {
        raw.tasks = RawTasks {
            max_ttl: Some("1s".into()),
            ..RawTasks::default()
        };
    })
    .await;
    let alice = fx.peer(Who::Alice, "/mcp");
    let created = alice
        .call(
            json!(1),
            "tools/call",
            json!({"name": "slow", "arguments": {}}),
        )
        .await;
    assert_eq!(
        created["result"]["ttlMs"], 1000,
        "the capped ttlMs: {created}"
    );
    let h = created["result"]["taskId"].as_str().unwrap().to_string();
    let before = fx.up().count();
    let live = alice
        .call(json!(2), "tasks/get", json!({"taskId": h}))
        .await;
    assert_forwarded_raw(fx.up(), before, "tasks/get", "task-1");
    assert_eq!(live["result"]["taskId"], h, "works before expiry: {live}");
    assert_eq!(live["result"]["ttlMs"], 1000, "capped on get too: {live}");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        fx.tasks.tasks()[0].status,
        "working",
        "the upstream still holds it"
    );
    assert_dead(&fx, &alice, &h, "expired").await;
    assert_no_listen_named_a_task(&fx);
}

#[tokio::test]
async fn handles_revoked_through_the_admin_endpoint_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("admin-token");
    std::fs::write(&secret, "admin-token-for-attacks\n").unwrap();
    let fx = CurrentFixture::start_with(|raw| {
        raw.admin = Some(RawAdmin {
            address: "127.0.0.1:0".into(),
            token: Some(SecretSource::File(secret.clone())),
        });
    })
    .await;
    let url = format!("http://{}/revoke", fx.gw.running.admin_addr.unwrap());
    let revoke = |body: Value| {
        let url = url.clone();
        async move {
            let a = crate::support::client::Call::post_json(&url, None, &body)
                .header("authorization", "Bearer admin-token-for-attacks")
                .send()
                .await;
            assert_eq!(a.status, StatusCode::OK, "revoke {body}: {:?}", a.body);
        }
    };
    let alice = fx.peer(Who::Alice, "/mcp");
    let mallory = fx.peer(Who::OtherSubject, "/mcp");
    let bob = fx.peer(Who::Bob, "/mcp");
    let (a1, a2) = (alice.start_task().await, alice.start_task().await);
    let hm = mallory.start_task().await;
    let hb = bob.start_task().await;

    // Each step revokes one more; the rest keep working.
    let steps: [Step<'_>; 4] = [
        (
            "revoked handle",
            json!({"handle": a1}),
            &alice,
            &a1,
            vec![
                (&alice, &a2, "task-2"),
                (&mallory, &hm, "task-3"),
                (&bob, &hb, "task-4"),
            ],
        ),
        (
            "revoked principal",
            json!({"principal": {"issuer": fx.gw.issuer.issuer(),
            "subject": "alice", "tenant": "t1", "client": "test-client"}}),
            &alice,
            &a2,
            vec![(&mallory, &hm, "task-3"), (&bob, &hb, "task-4")],
        ),
        (
            "revoked tenant",
            json!({"tenant": "t2"}),
            &bob,
            &hb,
            vec![(&mallory, &hm, "task-3")],
        ),
        (
            "revoked everything",
            json!({"everything": true}),
            &mallory,
            &hm,
            vec![],
        ),
    ];
    for (what, body, owner, handle, survivors) in steps {
        revoke(body).await;
        assert_dead(&fx, owner, handle, what).await;
        for (peer, h, raw) in survivors {
            assert_still_working(&fx, peer, h, raw).await;
        }
    }
    assert_no_listen_named_a_task(&fx);
}

#[tokio::test]
async fn terminal_tasks_are_refused_once_result_retention_passes() {
    let fx = CurrentFixture::start_with(|raw| {
        raw.tasks = RawTasks {
            result_retention: Some("1s".into()),
            ..RawTasks::default()
        };
    })
    .await;
    let alice = fx.peer(Who::Alice, "/mcp");
    let mut dead = Vec::new();
    for (n, status) in ["completed", "failed", "cancelled"].into_iter().enumerate() {
        let h = alice.start_task().await;
        let raw = format!("task-{}", n + 1);
        if status == "cancelled" {
            let ack = alice
                .call(json!(1), "tasks/cancel", json!({"taskId": h}))
                .await;
            assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
        } else {
            fx.tasks.set_status(&raw, status);
        }
        // The gateway sees the terminal state; within retention it still works.
        let got = alice
            .call(json!(2), "tasks/get", json!({"taskId": h}))
            .await;
        assert_eq!(got["result"]["status"], status, "{got}");
        assert_eq!(got["result"]["taskId"], h, "{got}");
        dead.push((format!("revoked: {status}"), h));
    }
    let live = alice.start_task().await;

    tokio::time::sleep(Duration::from_millis(2100)).await;
    for (what, h) in &dead {
        assert_dead(&fx, &alice, h, what).await;
    }
    assert_still_working(&fx, &alice, &live, "task-4").await;
}
