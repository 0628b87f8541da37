//! Revocations (task, owner, tenant), the policy epoch and failed-lookup
//! windows.
//!
//! A revocation is one timestamp per scope; the latest wins. A handle is
//! covered when it was issued at or before the revocation, so a task created
//! after its owner was revoked works. Revocations are purged once no handle
//! they cover can still be unexpired ([`RetentionPolicy::revocation_until`]).
//!
//! Failed lookups count in fixed windows aligned to multiples of the window
//! length (one counter per principal, like Redis `INCR` + `EXPIRE`); a burst
//! across a window boundary can reach twice the budget, which the lockout
//! policy accounts for.
//!
//! [`RetentionPolicy::revocation_until`]: crate::store::RetentionPolicy::revocation_until

use std::hash::Hash;
use std::sync::atomic::Ordering;

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;

use super::MemoryStore;
use super::expiry::Purge;
use crate::handle::Owner;
use crate::store::{Error, TaskKey};

/// One fixed failed-lookup window, `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    start: u64,
    end: u64,
    count: u32,
}

impl Window {
    /// Whether the window is over at `now` (its entry may be purged).
    pub(super) fn is_over(&self, now: u64) -> bool {
        self.end <= now
    }
}

/// The window of `window_secs` (at least 1) containing `now`.
fn window_bounds(window_secs: u64, now: u64) -> (u64, u64) {
    let len = window_secs.max(1);
    let start = now - now % len;
    (start, start.saturating_add(len))
}

/// Records a revocation at `at` unless a later one exists; returns whether
/// the stored time changed (and so needs a new purge item).
fn raise<K: Eq + Hash>(map: &DashMap<K, u64>, key: K, at: u64) -> bool {
    match map.entry(key) {
        Entry::Vacant(vacant) => {
            vacant.insert(at);
            true
        }
        Entry::Occupied(mut occupied) if *occupied.get() < at => {
            occupied.insert(at);
            true
        }
        Entry::Occupied(_) => false,
    }
}

impl MemoryStore {
    pub(super) fn revoke_task_sync(&self, key: &TaskKey, at: u64) {
        if raise(&self.revoked_tasks, key.clone(), at) {
            let until = self.retention().revocation_until(at);
            self.expiry.push(until, Purge::TaskRevocation(key.clone()));
        }
        // Free the task's cap slots now. One guard at a time: a concurrent
        // admission may still count the task once, which errs toward refusal.
        let covered = self
            .tasks
            .get(key)
            .filter(|r| r.created_at <= at)
            .map(|r| (r.owner, r.tenant.clone()));
        let Some((owner, tenant)) = covered else {
            return;
        };
        if let Some(mut ix) = self.owners.get_mut(&owner) {
            ix.live.remove(key);
        }
        if let Some(t) = tenant
            && let Some(mut ix) = self.tenants.get_mut(&t)
        {
            ix.remove(key);
        }
    }

    pub(super) fn revoke_owner_sync(&self, owner: &Owner, at: u64) {
        if raise(&self.revoked_owners, *owner, at) {
            let until = self.retention().revocation_until(at);
            self.expiry.push(until, Purge::OwnerRevocation(*owner));
        }
        // Free the owner's slots in its tenant's set now; the owner's own set
        // is emptied here too (and would be by its watermark anyway).
        let taken = self.owners.get_mut(owner).map(|mut ix| {
            let keys = ix.live.take_created_through(at);
            (ix.tenant.clone(), keys)
        });
        if let Some((Some(t), keys)) = taken
            && let Some(mut ix) = self.tenants.get_mut(&t)
        {
            ix.remove_owned(owner, at, &keys);
        }
    }

    pub(super) fn revoke_tenant_sync(&self, tenant: &str, at: u64) {
        if raise(&self.revoked_tenants, tenant.to_owned(), at) {
            let until = self.retention().revocation_until(at);
            self.expiry
                .push(until, Purge::TenantRevocation(tenant.to_owned()));
        }
        // Owners' sets apply it as a watermark at their next admission.
        if let Some(mut ix) = self.tenants.get_mut(tenant) {
            ix.revoke_through(at);
        }
    }

    /// At most three keyed lookups, one guard at a time.
    pub(super) fn is_revoked_sync(
        &self,
        key: &TaskKey,
        owner: &Owner,
        tenant: Option<&str>,
        issued_at: u64,
    ) -> bool {
        let covers = |at: Option<u64>| at.is_some_and(|at| at >= issued_at);
        covers(self.task_revoked_at(key))
            || covers(self.owner_revoked_at(owner))
            || covers(tenant.and_then(|t| self.tenant_revoked_at(t)))
    }

    pub(super) fn task_revoked_at(&self, key: &TaskKey) -> Option<u64> {
        self.revoked_tasks.get(key).map(|at| *at)
    }

    pub(super) fn owner_revoked_at(&self, owner: &Owner) -> Option<u64> {
        self.revoked_owners.get(owner).map(|at| *at)
    }

    pub(super) fn tenant_revoked_at(&self, tenant: &str) -> Option<u64> {
        self.revoked_tenants.get(tenant).map(|at| *at)
    }

    pub(super) fn epoch_sync(&self) -> u32 {
        self.epoch.load(Ordering::Acquire)
    }

    pub(super) fn bump_epoch_sync(&self) -> Result<u32, Error> {
        self.epoch
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |e| e.checked_add(1))
            .map(|previous| previous + 1)
            // Four billion bumps: refuse rather than wrap to 0, which would
            // resurrect every handle.
            .map_err(|_| Error::Corrupt("policy epoch exhausted".into()))
    }

    pub(super) fn record_failure_sync(&self, principal: &Owner, window_secs: u64, now: u64) -> u32 {
        let (start, end) = window_bounds(window_secs, now);
        let (count, opened) = {
            let mut w = self.failures.entry(*principal).or_insert(Window {
                start,
                end,
                count: 0,
            });
            if w.start != start || w.end != end {
                *w = Window {
                    start,
                    end,
                    count: 0,
                };
            }
            w.count = w.count.saturating_add(1);
            (w.count, w.count == 1)
        };
        // One purge item per window, not per failure: an enumeration burst
        // must not grow the queue.
        if opened {
            self.expiry.push(end, Purge::Failures(*principal));
        }
        count
    }

    pub(super) fn failures_sync(&self, principal: &Owner, window_secs: u64, now: u64) -> u32 {
        let (start, end) = window_bounds(window_secs, now);
        self.failures
            .get(principal)
            .filter(|w| w.start == start && w.end == end)
            .map_or(0, |w| w.count)
    }
}
