//! [`MemoryStore`] legacy session records: opening, idle and absolute
//! expiry, revocation and the epoch, ending, and purging.

use super::*;
use crate::store::tests::owner;

/// Tasks live at most an hour; sessions a day.
const RETENTION: RetentionPolicy = RetentionPolicy {
    result_retention_secs: 60,
    max_task_lifetime_secs: 3_600,
    max_session_lifetime_secs: 86_400,
    max_request_state_lifetime_secs: 0,
};

fn store() -> MemoryStore {
    MemoryStore::new(RETENTION)
}

fn key(owner_n: u8, upstream: &str) -> SessionKey {
    SessionKey {
        route: "r1".into(),
        owner: owner(owner_n),
        upstream: upstream.into(),
    }
}

/// A session opened at `at`: 1000 s absolute, 100 s idle.
fn grant(at: u64) -> SessionGrant {
    SessionGrant {
        issued_at: at,
        expires_at: at + 1_000,
        idle_until: at + 100,
    }
}

#[tokio::test]
async fn a_use_within_the_idle_timeout_keeps_the_session_until_its_expiry() {
    let s = store();
    let k = key(1, "s-1");
    let r = s.open_session(&k, None, grant(10), 10).await.unwrap();
    assert_eq!((r.issued_at, r.expires_at, r.epoch), (10, 1_010, 0));
    let mint = r.mint();
    // Used every 90 s (idle 100 s) it lives to its absolute expiry.
    let mut now = 10;
    while now + 90 < 1_010 {
        now += 90;
        let used = s.use_session(&k, None, mint, now, now + 100).await;
        assert_eq!(used.unwrap(), SessionUse::Live, "at {now}");
    }
    let late = s.use_session(&k, None, mint, 1_010, 1_110).await.unwrap();
    assert_eq!(late, SessionUse::Expired);
    // Ended is final: the record is gone.
    let again = s.use_session(&k, None, mint, 1_010, 1_110).await.unwrap();
    assert_eq!(again, SessionUse::Unknown);
}

#[tokio::test]
async fn an_unused_session_ends_at_its_idle_deadline() {
    let s = store();
    let k = key(1, "s-1");
    let mint = s
        .open_session(&k, None, grant(10), 10)
        .await
        .unwrap()
        .mint();
    let used = s.use_session(&k, None, mint, 109, 209).await.unwrap();
    assert_eq!(used, SessionUse::Live);
    let idle = s.use_session(&k, None, mint, 209, 309).await.unwrap();
    assert_eq!(idle, SessionUse::Idle);
    assert!(s.sessions.is_empty(), "an ended record is forgotten");
}

#[tokio::test]
async fn reopening_a_live_session_keeps_its_record_and_an_ended_one_is_replaced() {
    let s = store();
    let k = key(1, "s-1");
    let first = s.open_session(&k, None, grant(10), 10).await.unwrap();
    // The same upstream session re-opened while live: same handle contents.
    let same = s.open_session(&k, None, grant(50), 50).await.unwrap();
    assert_eq!(same.mint(), first.mint());
    assert_eq!(same.idle_until, 150, "re-opening is a use");
    // Once it idled out, re-opening starts a new session; the old handle
    // stays dead.
    let fresh = s.open_session(&k, None, grant(400), 400).await.unwrap();
    assert_eq!(fresh.issued_at, 400);
    let old = s
        .use_session(&k, None, first.mint(), 401, 501)
        .await
        .unwrap();
    assert_eq!(old, SessionUse::Unknown);
    let new = s
        .use_session(&k, None, fresh.mint(), 401, 501)
        .await
        .unwrap();
    assert_eq!(new, SessionUse::Live);
}

#[tokio::test]
async fn owner_revocation_ends_that_owners_sessions_opened_before_it() {
    let s = store();
    let (alice, bob) = (key(1, "s-1"), key(2, "s-2"));
    let a = s.open_session(&alice, Some("acme"), grant(10), 10).await;
    let b = s.open_session(&bob, Some("acme"), grant(10), 10).await;
    let (a, b) = (a.unwrap().mint(), b.unwrap().mint());
    s.revoke_owner(&owner(1), 20).await.unwrap();
    let used = s.use_session(&alice, Some("acme"), a, 21, 121).await;
    assert_eq!(used.unwrap(), SessionUse::Revoked);
    let other = s.use_session(&bob, Some("acme"), b, 21, 121).await;
    assert_eq!(other.unwrap(), SessionUse::Live);
    // A session opened after the revocation works.
    let later = s.open_session(&alice, Some("acme"), grant(21), 21).await;
    let later = later.unwrap().mint();
    let used = s.use_session(&alice, Some("acme"), later, 22, 122).await;
    assert_eq!(used.unwrap(), SessionUse::Live);
}

#[tokio::test]
async fn tenant_revocation_ends_every_session_of_the_tenant_only() {
    let s = store();
    let (a1, a2, g) = (key(1, "s-1"), key(2, "s-2"), key(3, "s-3"));
    let mut mints = Vec::new();
    for (k, t) in [(&a1, "acme"), (&a2, "acme"), (&g, "globex")] {
        let r = s.open_session(k, Some(t), grant(10), 10).await.unwrap();
        mints.push(r.mint());
    }
    s.revoke_tenant("acme", 10).await.unwrap();
    for (k, m) in [(&a1, mints[0]), (&a2, mints[1])] {
        let used = s.use_session(k, Some("acme"), m, 11, 111).await.unwrap();
        assert_eq!(used, SessionUse::Revoked);
    }
    let used = s.use_session(&g, Some("globex"), mints[2], 11, 111).await;
    assert_eq!(used.unwrap(), SessionUse::Live);
}

#[tokio::test]
async fn an_epoch_bump_ends_every_session_and_new_ones_carry_the_new_epoch() {
    let s = store();
    let (a, b) = (key(1, "s-1"), key(2, "s-2"));
    let ma = s
        .open_session(&a, None, grant(10), 10)
        .await
        .unwrap()
        .mint();
    let mb = s
        .open_session(&b, None, grant(10), 10)
        .await
        .unwrap()
        .mint();
    assert_eq!(s.bump_epoch().await.unwrap(), 1);
    for (k, m) in [(&a, ma), (&b, mb)] {
        let used = s.use_session(k, None, m, 11, 111).await.unwrap();
        assert_eq!(used, SessionUse::StaleEpoch);
    }
    // Same second, same upstream session: a new record at the new epoch.
    let fresh = s.open_session(&a, None, grant(10), 11).await.unwrap();
    assert_eq!(fresh.epoch, 1);
    let used = s.use_session(&a, None, fresh.mint(), 11, 111).await;
    assert_eq!(used.unwrap(), SessionUse::Live);
}

#[tokio::test]
async fn ending_a_session_forgets_only_that_record() {
    let s = store();
    let k = key(1, "s-1");
    let r = s.open_session(&k, None, grant(10), 10).await.unwrap();
    let stranger = SessionMint {
        issued_at: 9,
        epoch: 0,
    };
    s.end_session(&k, stranger).await.unwrap();
    let used = s.use_session(&k, None, r.mint(), 11, 111).await.unwrap();
    assert_eq!(used, SessionUse::Live);
    s.end_session(&k, r.mint()).await.unwrap();
    let used = s.use_session(&k, None, r.mint(), 12, 112).await.unwrap();
    assert_eq!(used, SessionUse::Unknown);
}

#[tokio::test]
async fn a_busy_session_holds_one_purge_item_and_an_idle_one_is_swept() {
    let s = store();
    let k = key(1, "s-1");
    let mint = s
        .open_session(&k, None, grant(10), 10)
        .await
        .unwrap()
        .mint();
    for now in 11..=60 {
        let used = s.use_session(&k, None, mint, now, now + 100).await;
        assert!(used.unwrap().is_live());
    }
    assert_eq!(s.len(), 2, "one record, one purge item: {s:?}");
    // Due at 110 but used until 60: re-scheduled at 160, not purged.
    assert_eq!(s.sweep(110), 1);
    assert_eq!(s.len(), 2);
    let used = s.use_session(&k, None, mint, 111, 211).await.unwrap();
    assert_eq!(used, SessionUse::Live);
    assert_eq!(s.sweep(160), 1, "the old deadline's item moved on");
    assert_eq!(s.sweep(211), 1);
    assert!(s.is_empty(), "{s:?}");
    let gone = s.use_session(&k, None, mint, 150, 250).await.unwrap();
    assert_eq!(gone, SessionUse::Unknown, "forgotten means dead");
}

#[tokio::test]
async fn replaced_records_leave_no_second_purge_chain() {
    let s = store();
    let k = key(1, "s-1");
    s.open_session(&k, None, grant(10), 10).await.unwrap();
    s.bump_epoch().await.unwrap();
    s.open_session(&k, None, grant(20), 20).await.unwrap();
    assert_eq!(s.sweep(110), 1, "the first record's item is stale");
    assert_eq!(s.sweep(120), 1);
    assert!(s.is_empty(), "{s:?}");
}

#[tokio::test]
async fn revocations_are_kept_as_long_as_a_session_they_cover_can_live() {
    let s = store();
    let k = key(1, "s-1");
    let day = SessionGrant {
        issued_at: 10,
        expires_at: 10 + 86_400,
        idle_until: 10 + 80_000,
    };
    let r = s.open_session(&k, None, day, 10).await.unwrap();
    s.revoke_owner(&owner(1), 10).await.unwrap();
    // Past the task lifetime, within the session lifetime: still revoked.
    s.sweep(10 + RETENTION.max_task_lifetime_secs);
    let used = s.use_session(&k, None, r.mint(), 3_700, 3_800).await;
    assert_eq!(used.unwrap(), SessionUse::Revoked);
    assert_eq!(
        RETENTION.revocation_until(10),
        10 + RETENTION.max_session_lifetime_secs
    );
}
