//! [`MemoryStore`] revocation scopes, epoch, lockout windows, sweeping and
//! concurrent admission.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::*;
use crate::store::Error;
use crate::store::tests::{RETENTION, caps, key, owner, record, store};

#[tokio::test]
async fn task_revocation_covers_handles_issued_at_or_before_it() {
    let s = store();
    s.revoke_task(&key(1), 100).await.unwrap();
    let o = owner(1);
    assert!(s.is_revoked(&key(1), &o, None, 99).await.unwrap());
    assert!(s.is_revoked(&key(1), &o, None, 100).await.unwrap());
    assert!(!s.is_revoked(&key(1), &o, None, 101).await.unwrap());
    assert!(!s.is_revoked(&key(2), &o, None, 50).await.unwrap());
}

#[tokio::test]
async fn owner_revocation_spares_other_owners_and_later_tasks() {
    let s = store();
    s.revoke_owner(&owner(1), 100).await.unwrap();
    assert!(
        s.is_revoked(&key(1), &owner(1), Some("acme"), 90)
            .await
            .unwrap()
    );
    assert!(
        !s.is_revoked(&key(1), &owner(2), Some("acme"), 90)
            .await
            .unwrap()
    );
    // A task the owner creates after the revocation works.
    assert!(
        !s.is_revoked(&key(2), &owner(1), Some("acme"), 101)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn tenant_revocation_covers_every_owner_of_the_tenant() {
    let s = store();
    s.revoke_tenant("acme", 100).await.unwrap();
    for o in [owner(1), owner(2)] {
        assert!(s.is_revoked(&key(1), &o, Some("acme"), 100).await.unwrap());
        assert!(!s.is_revoked(&key(1), &o, Some("acme"), 101).await.unwrap());
    }
    assert!(
        !s.is_revoked(&key(1), &owner(1), Some("globex"), 10)
            .await
            .unwrap()
    );
    assert!(!s.is_revoked(&key(1), &owner(1), None, 10).await.unwrap());
}

#[tokio::test]
async fn the_latest_revocation_wins() {
    let s = store();
    s.revoke_owner(&owner(1), 200).await.unwrap();
    s.revoke_owner(&owner(1), 100).await.unwrap();
    assert!(s.is_revoked(&key(1), &owner(1), None, 150).await.unwrap());
    s.revoke_owner(&owner(1), 300).await.unwrap();
    assert!(s.is_revoked(&key(1), &owner(1), None, 250).await.unwrap());
}

#[tokio::test]
async fn revoked_tasks_free_slots_and_leave_the_listing() {
    let s = store();
    let cap = caps(Some(1), Some(5));
    s.admit_task(&key(1), record(1, Some("acme"), 10), &cap, 10)
        .await
        .unwrap();
    s.revoke_owner(&owner(1), 10).await.unwrap();
    assert!(s.owner_tasks(&owner(1), "r1", 11).await.unwrap().is_empty());
    let got = s
        .admit_task(&key(2), record(1, Some("acme"), 11), &cap, 11)
        .await;
    assert!(got.unwrap().is_admitted());
    assert_eq!(
        s.owner_tasks(&owner(1), "r1", 11).await.unwrap(),
        vec![key(2)]
    );
    s.revoke_tenant("acme", 11).await.unwrap();
    let got = s
        .admit_task(&key(3), record(2, Some("acme"), 12), &cap, 12)
        .await;
    assert!(got.unwrap().is_admitted());
    s.revoke_task(&key(3), 12).await.unwrap();
    assert!(s.owner_tasks(&owner(2), "r1", 12).await.unwrap().is_empty());
    // The revoked task no longer holds owner 2's only slot.
    let got = s
        .admit_task(&key(4), record(2, Some("acme"), 12), &cap, 12)
        .await;
    assert!(got.unwrap().is_admitted());
}

#[tokio::test]
async fn owner_revocation_frees_tenant_slots_at_once() {
    let s = store();
    let cap = caps(None, Some(2));
    for (n, o) in [(1, 1), (2, 2)] {
        let got = s
            .admit_task(&key(n), record(o, Some("acme"), 10), &cap, 10)
            .await;
        assert!(got.unwrap().is_admitted());
    }
    let full = s
        .admit_task(&key(3), record(3, Some("acme"), 11), &cap, 11)
        .await;
    assert_eq!(full.unwrap(), Admission::TenantCapReached);
    s.revoke_owner(&owner(1), 10).await.unwrap();
    let got = s
        .admit_task(&key(3), record(3, Some("acme"), 11), &cap, 11)
        .await;
    assert!(got.unwrap().is_admitted());
    // Owner 2's task is untouched and still counts.
    let full = s
        .admit_task(&key(4), record(4, Some("acme"), 11), &cap, 11)
        .await;
    assert_eq!(full.unwrap(), Admission::TenantCapReached);
}

#[tokio::test]
async fn revocations_are_kept_for_the_max_lifetime_then_purged() {
    let s = store();
    s.revoke_task(&key(1), 100).await.unwrap();
    s.revoke_owner(&owner(1), 100).await.unwrap();
    s.revoke_tenant("acme", 100).await.unwrap();
    s.sweep(100 + RETENTION.max_task_lifetime_secs - 1);
    assert!(s.is_revoked(&key(1), &owner(9), None, 100).await.unwrap());
    assert!(s.is_revoked(&key(9), &owner(1), None, 100).await.unwrap());
    assert!(
        s.is_revoked(&key(9), &owner(9), Some("acme"), 100)
            .await
            .unwrap()
    );
    s.sweep(100 + RETENTION.max_task_lifetime_secs);
    assert!(s.is_empty(), "{s:?}");
}

#[tokio::test]
async fn epoch_starts_at_zero_and_bumps() {
    let s = store();
    assert_eq!(s.epoch().await.unwrap(), 0);
    assert_eq!(s.bump_epoch().await.unwrap(), 1);
    assert_eq!(s.bump_epoch().await.unwrap(), 2);
    assert_eq!(s.epoch().await.unwrap(), 2);
}

#[tokio::test]
async fn an_exhausted_epoch_is_an_error_not_a_wrap() {
    let s = store();
    s.epoch.store(u32::MAX, std::sync::atomic::Ordering::SeqCst);
    assert!(matches!(s.bump_epoch().await, Err(Error::Corrupt(_))));
    assert_eq!(s.epoch().await.unwrap(), u32::MAX);
}

#[tokio::test]
async fn failures_count_within_a_fixed_window() {
    let s = store();
    let p = owner(1);
    assert_eq!(s.failures(&p, 60, 120).await.unwrap(), 0);
    for expected in 1..=3 {
        assert_eq!(
            s.record_failure(&p, 60, 120 + expected).await.unwrap(),
            expected as u32
        );
    }
    assert_eq!(s.failures(&p, 60, 179).await.unwrap(), 3);
    assert_eq!(s.failures(&owner(2), 60, 179).await.unwrap(), 0);
    // The next window starts from zero.
    assert_eq!(s.failures(&p, 60, 180).await.unwrap(), 0);
    assert_eq!(s.record_failure(&p, 60, 180).await.unwrap(), 1);
    // A zero-length window is treated as one second, not a division by zero.
    assert_eq!(s.record_failure(&owner(3), 0, 5).await.unwrap(), 1);
    s.sweep(240);
    assert!(s.is_empty(), "{s:?}");
}

#[tokio::test]
async fn sweep_bounds_memory() {
    let s = store();
    let cap = caps(Some(1_000), Some(10_000));
    for n in 0..10_000u32 {
        let tenant = ["acme", "globex"][(n % 2) as usize];
        let rec = record((n % 50) as u8, Some(tenant), 1_000);
        assert!(
            s.admit_task(&key(n), rec, &cap, 1_000)
                .await
                .unwrap()
                .is_admitted()
        );
        if n % 3 == 0 {
            s.mark_terminal(&key(n), 1_100).await.unwrap();
        }
        if n % 100 == 0 {
            s.revoke_task(&key(n), 1_100).await.unwrap();
            s.record_failure(&owner((n % 50) as u8), 60, 1_100)
                .await
                .unwrap();
        }
    }
    s.revoke_owner(&owner(1), 1_100).await.unwrap();
    s.revoke_tenant("acme", 1_100).await.unwrap();
    // Nothing is due yet: a sweep keeps live state.
    s.sweep(1_100);
    assert!(s.task(&key(1), 1_100).await.unwrap().is_some());
    // Terminal tasks go first (1_160), the rest at expiry (1_600).
    s.sweep(1_160);
    assert!(s.task(&key(0), 1_160).await.unwrap().is_none());
    assert!(s.task(&key(1), 1_160).await.unwrap().is_some());
    // Everything is gone once the longest policy deadline has passed.
    s.sweep(1_100 + RETENTION.max_task_lifetime_secs);
    assert_eq!(s.len(), 0, "{s:?}");
}

#[tokio::test]
async fn sweep_batch_is_bounded() {
    let s = store();
    for n in 0..100 {
        s.admit_task(&key(n), record(1, None, 0), &caps(None, None), 0)
            .await
            .unwrap();
    }
    assert_eq!(s.sweep_batch(10_000, 30), 30);
    assert_eq!(s.sweep(10_000), 70);
    assert!(s.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_admissions_respect_caps_exactly() {
    let s = Arc::new(store());
    let cap = caps(Some(10), Some(25));
    let mut joins = Vec::new();
    for n in 0..400u32 {
        let s = Arc::clone(&s);
        joins.push(tokio::spawn(async move {
            // 400 attempts by 8 owners of one tenant: 10 per owner would be
            // 80, the tenant cap allows 25.
            let rec = record((n % 8) as u8, Some("acme"), 0);
            s.admit_task(&key(n), rec, &cap, 0).await.unwrap()
        }));
    }
    let mut admitted = 0;
    for join in joins {
        admitted += join.await.unwrap().is_admitted() as u32;
    }
    assert_eq!(admitted, 25);
    let per_owner_max = (0..8)
        .map(|o| s.owners.get(&owner(o)).map_or(0, |ix| ix.known.len()))
        .max();
    assert!(per_owner_max.unwrap_or(0) <= 10);

    // Per-principal only: one owner, 200 racing admissions, cap 10.
    let s = Arc::new(store());
    let cap = caps(Some(10), None);
    let mut joins = Vec::new();
    for n in 0..200u32 {
        let s = Arc::clone(&s);
        joins.push(tokio::spawn(async move {
            s.admit_task(&key(n), record(7, None, 0), &cap, 0)
                .await
                .unwrap()
        }));
    }
    let mut admitted = 0;
    for join in joins {
        admitted += join.await.unwrap().is_admitted() as u32;
    }
    assert_eq!(admitted, 10);
}

#[tokio::test]
async fn sweeper_purges_and_stops_on_shutdown() {
    let s = Arc::new(store());
    // Created at the epoch: long past due on the system clock.
    s.admit_task(&key(1), record(1, None, 0), &caps(None, None), 0)
        .await
        .unwrap();
    let shutdown = CancellationToken::new();
    let sweeper = Arc::clone(&s).spawn_sweeper(Duration::ZERO, shutdown.clone());
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        while !s.is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    assert!(drained.await.is_ok(), "sweeper did not purge");
    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(5), sweeper).await;
    assert!(matches!(stopped, Ok(Ok(()))));
}

#[test]
fn retention_only_ever_grows() {
    let store = MemoryStore::new(RETENTION);
    let shorter = RetentionPolicy {
        result_retention_secs: 1,
        max_task_lifetime_secs: 1,
        max_session_lifetime_secs: 0,
        max_request_state_lifetime_secs: 0,
    };
    store.widen_retention(shorter);
    assert_eq!(
        store.retention(),
        RETENTION,
        "a shorter policy changes nothing"
    );
    let longer = RetentionPolicy {
        result_retention_secs: RETENTION.result_retention_secs + 10,
        max_task_lifetime_secs: 1,
        max_session_lifetime_secs: RETENTION.max_session_lifetime_secs + 20,
        max_request_state_lifetime_secs: 0,
    };
    store.widen_retention(longer);
    assert_eq!(
        store.retention(),
        RetentionPolicy {
            result_retention_secs: RETENTION.result_retention_secs + 10,
            max_task_lifetime_secs: RETENTION.max_task_lifetime_secs,
            max_session_lifetime_secs: RETENTION.max_session_lifetime_secs + 20,
            max_request_state_lifetime_secs: 0,
        }
    );
}

#[tokio::test]
async fn a_widened_retention_keeps_a_record_the_old_one_would_purge() {
    let store = MemoryStore::new(RETENTION);
    store.widen_retention(RetentionPolicy {
        max_task_lifetime_secs: RETENTION.max_task_lifetime_secs * 10,
        ..RETENTION
    });
    let mut rec = record(1, None, 1_000);
    rec.expires_at = None;
    store
        .admit_task(&key(1), rec, &caps(None, None), 1_000)
        .await
        .unwrap();
    let later = 1_000 + RETENTION.max_task_lifetime_secs + 1;
    assert!(store.task(&key(1), later).await.unwrap().is_some());
}
