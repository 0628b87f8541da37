//! The per-owner and per-tenant task sets of [`super::MemoryStore`], used
//! only by admission (caps), listing and revocation, never by follow-up
//! lookups.
//!
//! A [`LiveSet`] answers "how many live tasks?" in time proportional to what
//! changed, not to its size (the Redis analogue is a sorted set scored by
//! expiry: `ZREMRANGEBYSCORE` then `ZCARD`): expired entries are popped from
//! an expiry-ordered set, terminal and task- or owner-revoked entries are
//! removed eagerly, and a tenant or owner revocation is applied once, as a
//! watermark, the first time the set is counted after it.

use std::collections::{BTreeSet, HashMap};

use super::SharedKey;
use crate::handle::Owner;
use crate::store::TaskKey;

/// One live task.
#[derive(Debug, Clone, Copy)]
pub(super) struct LiveSlot {
    pub(super) owner: Owner,
    /// Revocations at or after this time cover the task.
    pub(super) created_at: u64,
    /// When it stops being live.
    pub(super) live_until: u64,
}

/// Live (non-terminal, unexpired, unrevoked) tasks.
#[derive(Debug, Default)]
pub(super) struct LiveSet {
    live: HashMap<SharedKey, LiveSlot>,
    /// Expiry order. May hold stale pairs for tasks already removed; they
    /// are dropped when their time comes.
    by_expiry: BTreeSet<(u64, SharedKey)>,
    /// Tasks created at or before this were revoked and removed.
    revoked_through: Option<u64>,
}

// === impl LiveSet ===

impl LiveSet {
    pub(super) fn insert(&mut self, key: SharedKey, slot: LiveSlot) {
        self.by_expiry
            .insert((slot.live_until, SharedKey::clone(&key)));
        self.live.insert(key, slot);
    }

    pub(super) fn remove(&mut self, key: &TaskKey) -> Option<LiveSlot> {
        self.live.remove(key)
    }

    /// Removes `owner`'s tasks created at or before `at`.
    pub(super) fn remove_owned(&mut self, owner: &Owner, at: u64, keys: &[SharedKey]) {
        for key in keys {
            if self
                .live
                .get(key)
                .is_some_and(|s| s.owner == *owner && s.created_at <= at)
            {
                self.live.remove(key);
            }
        }
    }

    /// Keys created at or before `at`, removed from the set.
    pub(super) fn take_created_through(&mut self, at: u64) -> Vec<SharedKey> {
        let keys: Vec<SharedKey> = self
            .live
            .iter()
            .filter(|(_, s)| s.created_at <= at)
            .map(|(k, _)| SharedKey::clone(k))
            .collect();
        for key in &keys {
            self.live.remove(key);
        }
        keys
    }

    /// Drops entries expired at `now`: cost proportional to what expired.
    pub(super) fn prune(&mut self, now: u64) {
        while let Some((until, _)) = self.by_expiry.first() {
            if *until > now {
                break;
            }
            let Some((until, key)) = self.by_expiry.pop_first() else {
                break;
            };
            if self.live.get(&key).is_some_and(|s| s.live_until == until) {
                self.live.remove(&key);
            }
        }
    }

    /// The number of live tasks at `now`, once expired entries and entries
    /// covered by a revocation at `revoked_through` are gone. The
    /// revocation costs one pass over the set, the first time it is seen.
    pub(super) fn count(&mut self, now: u64, revoked_through: Option<u64>) -> usize {
        self.prune(now);
        if let Some(at) = revoked_through {
            self.revoke_through(at);
        }
        self.live.len()
    }

    /// Removes every task created at or before `at` (a tenant or owner
    /// revocation), once per new revocation time.
    pub(super) fn revoke_through(&mut self, at: u64) {
        if self.revoked_through.is_none_or(|seen| at > seen) {
            self.live.retain(|_, s| s.created_at > at);
            self.revoked_through = Some(at);
        }
    }

    /// Whether nothing (not even a stale expiry pair) is left.
    pub(super) fn is_empty(&self) -> bool {
        self.live.is_empty() && self.by_expiry.is_empty()
    }
}

/// One task in its owner's listing.
#[derive(Debug, Clone, Copy)]
pub(super) struct Known {
    pub(super) created_at: u64,
    pub(super) purge_at: u64,
}

/// An owner's tasks: every known one (listing) and the live ones (caps).
#[derive(Debug, Default)]
pub(super) struct OwnerIndex {
    /// The owner's tenant (fixed: the owner digest includes it).
    pub(super) tenant: Option<String>,
    pub(super) known: HashMap<SharedKey, Known>,
    pub(super) live: LiveSet,
}

// === impl OwnerIndex ===

impl OwnerIndex {
    /// Known, unpurged tasks on `route` that `revoked(key, created_at)`
    /// does not cover, oldest first.
    pub(super) fn on_route(
        &self,
        route: &str,
        now: u64,
        revoked: impl Fn(&TaskKey, u64) -> bool,
    ) -> Vec<TaskKey> {
        let mut found: Vec<(u64, &SharedKey)> = self
            .known
            .iter()
            .filter(|(key, k)| {
                key.route == route && now < k.purge_at && !revoked(key, k.created_at)
            })
            .map(|(key, k)| (k.created_at, key))
            .collect();
        // A stable order, so legacy pagination over the filtered list is
        // deterministic.
        found.sort_unstable();
        found
            .into_iter()
            .map(|(_, key)| TaskKey::clone(key))
            .collect()
    }

    /// The task is terminal: no longer live, purged by `purge_at`.
    pub(super) fn mark_terminal(&mut self, key: &TaskKey, purge_at: u64) {
        self.live.remove(key);
        if let Some(k) = self.known.get_mut(key) {
            k.purge_at = k.purge_at.min(purge_at);
        }
    }

    /// Drops `key` if it is purged at `now`, and expired live entries.
    pub(super) fn purge(&mut self, key: &TaskKey, now: u64) {
        if self.known.get(key).is_some_and(|k| k.purge_at <= now) {
            self.known.remove(key);
        }
        self.live.prune(now);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.known.is_empty() && self.live.is_empty()
    }
}
