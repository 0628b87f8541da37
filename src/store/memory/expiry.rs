//! The purge queue of [`super::MemoryStore`]: every entry the store
//! creates is scheduled here with the time it may be purged, so a sweep
//! costs what is due, not what is stored (the Redis analogue is `EXPIRE`).
//!
//! Queue items are hints: the sweep re-checks the entry's own deadline
//! before removing anything, so a stale item (the entry was renewed,
//! shortened or replaced) is harmless. The queue's mutex is a leaf lock:
//! nothing else is locked while it is held.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::SharedKey;
use crate::handle::Owner;
use crate::store::{SessionKey, TaskKey};

/// What to re-check and possibly purge.
#[derive(Debug, Clone)]
pub(super) enum Purge {
    /// A task record and its index slots.
    Task {
        key: SharedKey,
        owner: Owner,
        tenant: Option<String>,
    },
    /// A per-task revocation.
    TaskRevocation(TaskKey),
    /// A per-owner revocation.
    OwnerRevocation(Owner),
    /// A per-tenant revocation.
    TenantRevocation(String),
    /// A failed-lookup window.
    Failures(Owner),
    /// A legacy session record, by the due time of this item (a record
    /// has one current item; see `session`).
    Session { key: SessionKey, due: u64 },
}

/// Items ordered by due time; the sequence number keeps equal times apart.
#[derive(Debug, Default)]
pub(super) struct ExpiryQueue {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    seq: u64,
    due: BTreeMap<(u64, u64), Purge>,
}

// === impl ExpiryQueue ===

impl ExpiryQueue {
    /// Schedules `purge` to be re-checked once `at` is reached.
    pub(super) fn push(&self, at: u64, purge: Purge) {
        let mut inner = self.lock();
        inner.seq = inner.seq.wrapping_add(1);
        let seq = inner.seq;
        inner.due.insert((at, seq), purge);
    }

    /// Removes and returns up to `max` items due at `now` (`at <= now`).
    pub(super) fn pop_due(&self, now: u64, max: usize) -> Vec<Purge> {
        let mut inner = self.lock();
        let mut out = Vec::new();
        while out.len() < max {
            match inner.due.first_key_value() {
                Some((&(at, _), _)) if at <= now => {}
                _ => break,
            }
            if let Some((_, purge)) = inner.due.pop_first() {
                out.push(purge);
            }
        }
        out
    }

    /// Items scheduled.
    pub(super) fn len(&self) -> usize {
        self.lock().due.len()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock; if something ever did, the
        // map is still structurally sound, so keep using it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
