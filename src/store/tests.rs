//! Store contract tests against [`MemoryStore`] (admission, caps, terminal
//! state, retention, listing) and the fail-closed [`FailingStore`].
//! Revocation, lockout, sweeping and concurrency live in `memory/tests.rs`.

use std::sync::Arc;

use super::memory::MemoryStore;
use super::*;

pub(super) const RETENTION: RetentionPolicy = RetentionPolicy {
    result_retention_secs: 60,
    max_task_lifetime_secs: 3_600,
    max_session_lifetime_secs: 0,
    max_request_state_lifetime_secs: 0,
};

pub(super) fn store() -> MemoryStore {
    MemoryStore::new(RETENTION)
}

pub(super) fn owner(n: u8) -> Owner {
    Owner([n; 16])
}

pub(super) fn key(n: u32) -> TaskKey {
    key_on("r1", n)
}

pub(super) fn key_on(route: &str, n: u32) -> TaskKey {
    TaskKey {
        route: route.into(),
        session: None,
        upstream: format!("task-{n}"),
    }
}

/// A live task created at `created` that expires 600 s later.
pub(super) fn record(owner_n: u8, tenant: Option<&str>, created: u64) -> TaskRecord {
    TaskRecord {
        owner: owner(owner_n),
        tenant: tenant.map(Into::into),
        tool: Some("slow_report".into()),
        created_at: created,
        expires_at: Some(created + 600),
        terminal_at: None,
    }
}

pub(super) fn caps(per_principal: Option<u32>, per_tenant: Option<u32>) -> Caps {
    Caps {
        per_principal,
        per_tenant,
    }
}

#[tokio::test]
async fn admitted_task_is_found_by_key() {
    let s = store();
    let got = s.admit_task(&key(1), record(1, None, 1_000), &Caps::default(), 1_000);
    assert_eq!(got.await.unwrap(), Admission::Admitted);
    assert_eq!(
        s.task(&key(1), 1_001).await.unwrap(),
        Some(record(1, None, 1_000))
    );
    assert_eq!(s.task(&key(2), 1_001).await.unwrap(), None);
}

#[tokio::test]
async fn admit_is_idempotent_for_the_same_key_even_at_the_cap() {
    let s = store();
    let cap = caps(Some(1), None);
    for _ in 0..3 {
        let got = s
            .admit_task(&key(1), record(1, None, 1_000), &cap, 1_000)
            .await;
        assert_eq!(got.unwrap(), Admission::Admitted);
    }
    assert_eq!(
        s.owner_tasks(&owner(1), "r1", 1_000).await.unwrap(),
        vec![key(1)]
    );
    let other = s
        .admit_task(&key(2), record(1, None, 1_000), &cap, 1_000)
        .await;
    assert_eq!(other.unwrap(), Admission::PrincipalCapReached);
}

#[tokio::test]
async fn same_key_for_another_owner_is_a_conflict_and_keeps_the_first() {
    let s = store();
    let none = Caps::default();
    s.admit_task(&key(1), record(1, None, 1_000), &none, 1_000)
        .await
        .unwrap();
    let got = s
        .admit_task(&key(1), record(2, None, 1_000), &none, 1_000)
        .await;
    assert_eq!(got.unwrap(), Admission::KeyConflict);
    let kept = s.task(&key(1), 1_000).await.unwrap().unwrap();
    assert_eq!(kept.owner, owner(1));
    assert!(
        s.owner_tasks(&owner(2), "r1", 1_000)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn principal_cap_counts_only_live_tasks() {
    let s = store();
    let cap = caps(Some(2), None);
    for n in 1..=2 {
        let got = s
            .admit_task(&key(n), record(1, None, 1_000), &cap, 1_000)
            .await;
        assert_eq!(got.unwrap(), Admission::Admitted);
    }
    let full = s
        .admit_task(&key(3), record(1, None, 1_000), &cap, 1_001)
        .await;
    assert_eq!(full.unwrap(), Admission::PrincipalCapReached);
    // Another principal is unaffected.
    let other = s
        .admit_task(&key(9), record(2, None, 1_000), &cap, 1_001)
        .await;
    assert_eq!(other.unwrap(), Admission::Admitted);

    // A terminal task frees its slot.
    s.mark_terminal(&key(1), 1_002).await.unwrap();
    let got = s
        .admit_task(&key(3), record(1, None, 1_002), &cap, 1_002)
        .await;
    assert_eq!(got.unwrap(), Admission::Admitted);
    let full = s
        .admit_task(&key(4), record(1, None, 1_002), &cap, 1_002)
        .await;
    assert_eq!(full.unwrap(), Admission::PrincipalCapReached);

    // An expired task frees its slot: key(2) expires at 1_600.
    let got = s
        .admit_task(&key(4), record(1, None, 1_600), &cap, 1_600)
        .await;
    assert_eq!(got.unwrap(), Admission::Admitted);
}

#[tokio::test]
async fn tenant_cap_spans_owners_of_the_tenant_only() {
    let s = store();
    let cap = caps(None, Some(2));
    let acme = Some("acme");
    assert!(
        s.admit_task(&key(1), record(1, acme, 10), &cap, 10)
            .await
            .unwrap()
            .is_admitted()
    );
    assert!(
        s.admit_task(&key(2), record(2, acme, 10), &cap, 10)
            .await
            .unwrap()
            .is_admitted()
    );
    let full = s.admit_task(&key(3), record(3, acme, 10), &cap, 10).await;
    assert_eq!(full.unwrap(), Admission::TenantCapReached);
    // Another tenant, and tasks without a tenant, are not counted.
    let other = s
        .admit_task(&key(4), record(4, Some("globex"), 10), &cap, 10)
        .await;
    assert!(other.unwrap().is_admitted());
    let untenanted = s.admit_task(&key(5), record(5, None, 10), &cap, 10).await;
    assert!(untenanted.unwrap().is_admitted());
    // Terminal frees a tenant slot too.
    s.mark_terminal(&key(1), 11).await.unwrap();
    let got = s.admit_task(&key(3), record(3, acme, 11), &cap, 11).await;
    assert!(got.unwrap().is_admitted());
}

#[tokio::test]
async fn principal_cap_is_reported_before_tenant_cap() {
    let s = store();
    let cap = caps(Some(1), Some(1));
    s.admit_task(&key(1), record(1, Some("acme"), 0), &cap, 0)
        .await
        .unwrap();
    let got = s
        .admit_task(&key(2), record(1, Some("acme"), 0), &cap, 0)
        .await;
    assert_eq!(got.unwrap(), Admission::PrincipalCapReached);
}

#[tokio::test]
async fn refused_admission_leaves_no_state() {
    let s = store();
    let got = s
        .admit_task(&key(1), record(1, Some("acme"), 0), &caps(Some(0), None), 0)
        .await;
    assert_eq!(got.unwrap(), Admission::PrincipalCapReached);
    let got = s
        .admit_task(&key(1), record(1, Some("acme"), 0), &caps(None, Some(0)), 0)
        .await;
    assert_eq!(got.unwrap(), Admission::TenantCapReached);
    assert!(s.is_empty(), "{s:?}");
}

#[tokio::test]
async fn a_record_that_is_not_live_needs_no_slot() {
    let s = store();
    let cap = caps(Some(1), Some(1));
    s.admit_task(&key(1), record(1, Some("t"), 0), &cap, 0)
        .await
        .unwrap();
    let done = TaskRecord {
        terminal_at: Some(0),
        ..record(1, Some("t"), 0)
    };
    assert!(
        s.admit_task(&key(2), done, &cap, 0)
            .await
            .unwrap()
            .is_admitted()
    );
}

#[tokio::test]
async fn terminal_state_first_call_wins() {
    let s = store();
    s.admit_task(&key(1), record(1, None, 1_000), &Caps::default(), 1_000)
        .await
        .unwrap();
    s.mark_terminal(&key(1), 1_010).await.unwrap();
    s.mark_terminal(&key(1), 1_020).await.unwrap();
    let got = s.task(&key(1), 1_030).await.unwrap().unwrap();
    assert_eq!(got.terminal_at, Some(1_010));
    // Retention runs from the first terminal time: purged at 1_070.
    assert!(s.task(&key(1), 1_069).await.unwrap().is_some());
    assert!(s.task(&key(1), 1_070).await.unwrap().is_none());
    // Unknown keys are ignored.
    s.mark_terminal(&key(99), 1_000).await.unwrap();
}

#[tokio::test]
async fn records_are_purged_at_the_earliest_deadline() {
    let s = store();
    let none = Caps::default();
    // Non-terminal: purged at expires_at (1_600).
    s.admit_task(&key(1), record(1, None, 1_000), &none, 1_000)
        .await
        .unwrap();
    assert!(s.task(&key(1), 1_599).await.unwrap().is_some());
    assert!(s.task(&key(1), 1_600).await.unwrap().is_none());
    // Terminal close to expiry: expires_at (1_600) beats retention (1_650).
    s.admit_task(&key(2), record(1, None, 1_000), &none, 1_000)
        .await
        .unwrap();
    s.mark_terminal(&key(2), 1_590).await.unwrap();
    assert!(s.task(&key(2), 1_600).await.unwrap().is_none());
    // No expiry from upstream: the maximum lifetime applies (4_600).
    let forever = TaskRecord {
        expires_at: None,
        ..record(1, None, 1_000)
    };
    s.admit_task(&key(3), forever, &none, 1_000).await.unwrap();
    assert!(s.task(&key(3), 4_599).await.unwrap().is_some());
    assert!(s.task(&key(3), 4_600).await.unwrap().is_none());
    // An upstream expiry beyond the lifetime is capped too.
    let far = TaskRecord {
        expires_at: Some(u64::MAX),
        ..record(1, None, 1_000)
    };
    assert_eq!(RETENTION.purge_at(&far), 4_600);
}

#[tokio::test]
async fn a_purged_key_can_be_admitted_again() {
    let s = store();
    let none = Caps::default();
    s.admit_task(&key(1), record(1, None, 0), &none, 0)
        .await
        .unwrap();
    let got = s
        .admit_task(&key(1), record(2, None, 700), &none, 700)
        .await;
    assert!(got.unwrap().is_admitted());
    assert_eq!(s.task(&key(1), 700).await.unwrap().unwrap().owner, owner(2));
}

#[tokio::test]
async fn owner_index_is_per_owner_and_route_oldest_first() {
    let s = store();
    let none = Caps::default();
    s.admit_task(&key_on("r1", 1), record(1, None, 30), &none, 30)
        .await
        .unwrap();
    s.admit_task(&key_on("r1", 2), record(1, None, 10), &none, 30)
        .await
        .unwrap();
    s.admit_task(&key_on("r2", 3), record(1, None, 20), &none, 30)
        .await
        .unwrap();
    s.admit_task(&key_on("r1", 4), record(2, None, 20), &none, 30)
        .await
        .unwrap();
    let mine = s.owner_tasks(&owner(1), "r1", 30).await.unwrap();
    assert_eq!(mine, vec![key_on("r1", 2), key_on("r1", 1)]);
    let r2 = s.owner_tasks(&owner(1), "r2", 30).await.unwrap();
    assert_eq!(r2, vec![key_on("r2", 3)]);
    assert_eq!(
        s.owner_tasks(&owner(2), "r1", 30).await.unwrap(),
        vec![key_on("r1", 4)]
    );
    assert!(s.owner_tasks(&owner(3), "r1", 30).await.unwrap().is_empty());
    // Purged tasks drop out of the listing: key 2 expires at 610.
    let later = s.owner_tasks(&owner(1), "r1", 615).await.unwrap();
    assert_eq!(later, vec![key_on("r1", 1)]);
}

#[tokio::test]
async fn store_is_object_safe() {
    let s: Arc<dyn Store> = Arc::new(store());
    let got = s
        .admit_task(&key(1), record(1, None, 0), &Caps::default(), 0)
        .await;
    assert!(got.unwrap().is_admitted());
    assert_eq!(s.epoch().await.unwrap(), 0);
}

#[tokio::test]
async fn failing_store_fails_every_operation() {
    let s: Arc<dyn Store> = Arc::new(FailingStore::new());
    let (k, o) = (key(1), owner(1));
    let down = |e: Error| matches!(e, Error::Unavailable(_));
    assert!(down(
        s.admit_task(&k, record(1, None, 0), &Caps::default(), 0)
            .await
            .unwrap_err()
    ));
    assert!(down(s.task(&k, 0).await.unwrap_err()));
    assert!(down(s.mark_terminal(&k, 0).await.unwrap_err()));
    assert!(down(s.owner_tasks(&o, "r1", 0).await.unwrap_err()));
    assert!(down(s.revoke_task(&k, 0).await.unwrap_err()));
    assert!(down(s.revoke_owner(&o, 0).await.unwrap_err()));
    assert!(down(s.revoke_tenant("t", 0).await.unwrap_err()));
    assert!(down(s.is_revoked(&k, &o, None, 0).await.unwrap_err()));
    assert!(down(s.epoch().await.unwrap_err()));
    assert!(down(s.bump_epoch().await.unwrap_err()));
    assert!(down(s.record_failure(&o, 60, 0).await.unwrap_err()));
    assert!(down(s.failures(&o, 60, 0).await.unwrap_err()));
    let session = SessionKey {
        route: "r1".into(),
        owner: o,
        upstream: "s-1".into(),
    };
    let grant = SessionGrant {
        issued_at: 0,
        expires_at: 10,
        idle_until: 5,
    };
    let mint = grant.record(0).mint();
    assert!(down(
        s.open_session(&session, None, grant, 0).await.unwrap_err()
    ));
    assert!(down(
        s.use_session(&session, None, mint, 0, 5).await.unwrap_err()
    ));
    assert!(down(s.end_session(&session, mint).await.unwrap_err()));
}

#[test]
fn revocations_outlive_every_kind_of_handle_they_can_catch() {
    let policy = |task, session, state| RetentionPolicy {
        result_retention_secs: 1,
        max_task_lifetime_secs: task,
        max_session_lifetime_secs: session,
        max_request_state_lifetime_secs: state,
    };
    assert_eq!(policy(60, 0, 0).revocation_until(100), 160);
    assert_eq!(policy(60, 90, 0).revocation_until(100), 190);
    assert_eq!(policy(60, 90, 301).revocation_until(100), 401);
    assert_eq!(
        policy(60, 0, 301).widest(policy(10, 90, 0)),
        policy(60, 90, 301)
    );
}
