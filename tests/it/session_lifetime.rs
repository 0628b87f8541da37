//! Legacy sessions expire and obey revocation like task handles (design
//! §2): an idle session, a session past its absolute lifetime, a session of
//! a revoked principal or tenant, every session after an epoch bump, and a
//! session its client deleted are answered like an unknown session (`404`,
//! `-32001`) and nothing reaches the upstream; other identities' sessions
//! keep working, and a fresh `initialize` afterwards opens a working one.
//!
//! Times are whole seconds: a session opened at `t` lives at least its
//! lifetime and at most a second more; a revocation at `t` covers sessions
//! opened up to the next whole second. The waits below are those bounds
//! plus margin, and the uses in between stay well inside them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use taskgate::body::full;
use taskgate::config::raw::{RawAdmin, RawSessions};
use taskgate::config::secret::SecretSource;

use crate::support::client::{Answer, Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::{Reply, Seen, Upstream};

const ADMIN_TOKEN: &str = "admin-token-for-session-tests";

/// A legacy upstream that opens `upstream-session-<n>` on every
/// `initialize`, names the request's session on every answer (as the
/// official TypeScript SDK does), and accepts `DELETE`.
async fn legacy_upstream() -> Upstream {
    let opened = AtomicUsize::new(0);
    Upstream::spawn(move |seen: &Seen| {
        if seen.method == Method::DELETE {
            return Reply::Status(StatusCode::OK);
        }
        let msg = seen.json();
        let session = if msg["method"] == "initialize" {
            format!(
                "upstream-session-{}",
                opened.fetch_add(1, Ordering::SeqCst) + 1
            )
        } else {
            seen.headers
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let body = json!({"jsonrpc": "2.0", "id": msg.get("id").cloned().unwrap_or(Value::Null),
                          "result": {}});
        Reply::Raw(
            http::Response::builder()
                .header("content-type", "application/json")
                .header("mcp-session-id", session)
                .body(full(serde_json::to_vec(&body).unwrap()))
                .unwrap(),
        )
    })
    .await
}

/// The upstream and a gateway in front of it with `[sessions]` as given and
/// the admin revocation endpoint on.
async fn setup(
    max_lifetime: &str,
    idle_timeout: &str,
) -> (Upstream, TestGateway, tempfile::TempDir) {
    let up = legacy_upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("admin-token");
    std::fs::write(&secret, ADMIN_TOKEN).unwrap();
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.sessions = RawSessions {
            max_lifetime: Some(max_lifetime.into()),
            idle_timeout: Some(idle_timeout.into()),
        };
        raw.admin = Some(RawAdmin {
            address: "127.0.0.1:0".into(),
            token: Some(SecretSource::File(secret.clone())),
        });
    })
    .await;
    (up, gw, dir)
}

/// One legacy client: its token and the session handle it holds.
struct Client {
    token: String,
    handle: String,
}

impl Client {
    /// `initialize` as `sub` in `tenant`.
    async fn open(gw: &TestGateway, sub: &str, tenant: &str) -> Client {
        let token = gw.token(sub, tenant);
        let handle = gw.initialize(&token).await;
        Client { token, handle }
    }

    /// A request in the client's session.
    async fn send(&self, gw: &TestGateway, method: Method) -> Answer {
        let call = match method {
            Method::POST => Call::post_json(
                &gw.url(),
                Some(&self.token),
                &rpc(2, "tools/list", json!({})),
            ),
            m => Call::new(m, &gw.url(), Some(&self.token)).header("accept", "text/event-stream"),
        };
        call.header("mcp-session-id", &self.handle).send().await
    }

    /// A request that must be answered by the upstream, in the same session
    /// under the same handle.
    async fn works(&self, gw: &TestGateway, what: &str) {
        let a = self.send(gw, Method::POST).await;
        assert_eq!(a.status, StatusCode::OK, "{what}: {:?}", a.body);
        assert_eq!(
            a.header("mcp-session-id"),
            Some(self.handle.as_str()),
            "{what}: the client's own handle comes back, never a new one"
        );
    }

    /// Every request in the session is refused as an unknown session and
    /// none reaches the upstream.
    async fn is_gone(&self, gw: &TestGateway, up: &Upstream, what: &str) {
        let before = up.count();
        for method in [Method::POST, Method::GET, Method::DELETE] {
            let a = self.send(gw, method.clone()).await;
            assert_eq!(
                a.status,
                StatusCode::NOT_FOUND,
                "{what} {method}: {:?}",
                a.body
            );
            assert_eq!(a.error_code(), Some(-32001), "{what} {method}");
            assert_eq!(
                a.json()["error"]["message"],
                "Session not found",
                "{what} {method}"
            );
        }
        assert_eq!(up.count(), before, "{what}: nothing reached the upstream");
    }
}

async fn revoke(gw: &TestGateway, body: Value) {
    let url = format!("http://{}/revoke", gw.running.admin_addr.unwrap());
    let a = Call::post_json(&url, None, &body)
        .header("authorization", &format!("Bearer {ADMIN_TOKEN}"))
        .send()
        .await;
    assert_eq!(a.status, StatusCode::OK, "revoke {body}: {:?}", a.body);
}

fn principal(gw: &TestGateway, sub: &str, tenant: &str) -> Value {
    json!({"principal": {"issuer": gw.issuer.issuer(), "subject": sub, "tenant": tenant,
                         "client": "test-client"}})
}

/// A fresh `initialize` opens a new, working session.
async fn reopens(gw: &TestGateway, up: &Upstream, old: &Client, sub: &str, tenant: &str) {
    let fresh = Client::open(gw, sub, tenant).await;
    assert_ne!(fresh.handle, old.handle, "a new session, a new handle");
    fresh.works(gw, "the fresh session").await;
    let seen = up.seen();
    let last = seen.last().unwrap();
    assert_eq!(last.rpc_method().as_deref(), Some("tools/list"));
    assert!(
        last.headers["mcp-session-id"]
            .to_str()
            .unwrap()
            .starts_with("upstream-session-"),
        "the upstream got its own session id"
    );
}

/// A revocation at `t` covers sessions opened up to the next whole second
/// (it is rounded up, creation down): wait past that before re-opening.
async fn past_the_revocation_second() {
    tokio::time::sleep(Duration::from_millis(2_200)).await;
}

#[tokio::test]
async fn an_unused_session_ends_after_the_idle_timeout_and_use_keeps_it_alive() {
    let (up, gw, _dir) = setup("1h", "2s").await;
    let alice = Client::open(&gw, "alice", "acme").await;
    // Used every 0.5 s (idle 2 s, so 1.5 s of slack for a slow machine), it
    // outlives the 3 s an unused one could.
    for n in 0..8 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        alice.works(&gw, &format!("use {n}")).await;
    }
    // Unused for idle + rounding (at most 3 s after the last use).
    tokio::time::sleep(Duration::from_millis(3_300)).await;
    alice.is_gone(&gw, &up, "idle").await;
    reopens(&gw, &up, &alice, "alice", "acme").await;
}

#[tokio::test]
async fn a_busy_session_ends_at_its_absolute_lifetime() {
    let (up, gw, _dir) = setup("2s", "1h").await;
    let alice = Client::open(&gw, "alice", "acme").await;
    // Within the lifetime every answer carries the same handle, so no later
    // response hands out a longer-lived one.
    for n in 0..3 {
        alice.works(&gw, &format!("use {n}")).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Past lifetime + rounding (at most 3 s after opening), however busy.
    tokio::time::sleep(Duration::from_millis(1_900)).await;
    alice.is_gone(&gw, &up, "expired").await;
    reopens(&gw, &up, &alice, "alice", "acme").await;
}

#[tokio::test]
async fn revoking_a_principal_ends_their_sessions_and_no_one_elses() {
    let (up, gw, _dir) = setup("1h", "1h").await;
    let alice = Client::open(&gw, "alice", "acme").await;
    let alice_again = Client::open(&gw, "alice", "acme").await;
    let mallory = Client::open(&gw, "mallory", "acme").await;
    let bob = Client::open(&gw, "bob", "globex").await;
    revoke(&gw, principal(&gw, "alice", "acme")).await;
    alice.is_gone(&gw, &up, "revoked principal").await;
    alice_again
        .is_gone(&gw, &up, "revoked principal, second session")
        .await;
    mallory.works(&gw, "same tenant, other subject").await;
    bob.works(&gw, "other tenant").await;
    past_the_revocation_second().await;
    reopens(&gw, &up, &alice, "alice", "acme").await;
}

#[tokio::test]
async fn revoking_a_tenant_ends_every_session_in_it() {
    let (up, gw, _dir) = setup("1h", "1h").await;
    let alice = Client::open(&gw, "alice", "acme").await;
    let mallory = Client::open(&gw, "mallory", "acme").await;
    let bob = Client::open(&gw, "bob", "globex").await;
    revoke(&gw, json!({"tenant": "acme"})).await;
    alice.is_gone(&gw, &up, "revoked tenant").await;
    mallory
        .is_gone(&gw, &up, "revoked tenant, other subject")
        .await;
    bob.works(&gw, "other tenant").await;
    past_the_revocation_second().await;
    reopens(&gw, &up, &mallory, "mallory", "acme").await;
}

#[tokio::test]
async fn an_epoch_bump_ends_every_session() {
    let (up, gw, _dir) = setup("1h", "1h").await;
    let alice = Client::open(&gw, "alice", "acme").await;
    let bob = Client::open(&gw, "bob", "globex").await;
    revoke(&gw, json!({"everything": true})).await;
    alice.is_gone(&gw, &up, "epoch bump").await;
    bob.is_gone(&gw, &up, "epoch bump, other tenant").await;
    // Sessions opened after the bump carry the new epoch: no wait needed.
    reopens(&gw, &up, &alice, "alice", "acme").await;
}

#[tokio::test]
async fn a_session_its_client_deleted_is_gone() {
    let (up, gw, _dir) = setup("1h", "1h").await;
    let alice = Client::open(&gw, "alice", "acme").await;
    let bob = Client::open(&gw, "bob", "globex").await;
    let deleted = alice.send(&gw, Method::DELETE).await;
    assert_eq!(deleted.status, StatusCode::OK);
    let last = up.seen().last().unwrap().clone();
    assert_eq!(last.method, Method::DELETE);
    assert_eq!(last.headers["mcp-session-id"], "upstream-session-1");
    alice.is_gone(&gw, &up, "deleted").await;
    bob.works(&gw, "another session").await;
    reopens(&gw, &up, &alice, "alice", "acme").await;
}
