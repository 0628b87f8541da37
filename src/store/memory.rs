//! [`MemoryStore`]: the in-process [`Store`] backend (tests, demos, a single
//! node that may forget everything on restart).
//!
//! Layout: one `DashMap` per kind of state, keyed exactly as a Redis backend
//! would key it, plus a purge queue ordered by due time (`expiry`). The
//! operations live by concern: `admit` (admission, terminal state, lookups,
//! listing), `revoke` (revocations, epoch, failed-lookup windows), `session`
//! (legacy session records), `sweep` (purging); `index` holds the per-owner
//! and per-tenant sets.
//!
//! Invariants:
//! - **O(1) follow-ups.** [`Store::task`] and [`Store::is_revoked`] are one
//!   to three keyed map lookups; their cost does not depend on how many tasks
//!   are live. Admission is amortized O(log n) per live set; listing and
//!   owner revocation walk one owner's tasks; nothing walks the whole store.
//! - **Bounded memory.** Every entry is scheduled for purge when it is
//!   created (see [`RetentionPolicy`]); entries are purged lazily on access
//!   and by [`MemoryStore::sweep`], whose cost is the number of *due* items.
//! - **No lock across `.await`.** Every operation runs synchronously and
//!   returns a finished future, so no `DashMap` guard ever lives across an
//!   await point. The sweeper awaits only between batches, holding nothing.
//! - **Lock order.** Admission holds tenant → owner → task guards at once and
//!   reads revocations under them; every other path holds one guard at a
//!   time, and the purge queue's lock is a leaf. No cycle, no deadlock.
//! - **Exact caps.** Admission counts and inserts under the owner's (and
//!   tenant's) entry guard, so concurrent admissions never overshoot a cap.

mod admit;
mod expiry;
mod index;
mod revoke;
mod session;
mod sweep;

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use dashmap::DashMap;

use self::expiry::ExpiryQueue;
use self::index::{LiveSet, OwnerIndex};
use super::{
    Admission, Caps, RetentionPolicy, SessionGrant, SessionKey, SessionMint, SessionRecord,
    SessionUse, Store, StoreFuture, TaskKey, TaskRecord, ready,
};
use crate::handle::Owner;

pub use self::sweep::SWEEP_BATCH;

/// A task key allocated once per admission and shared by every map, set and
/// purge item that names the task (a million live tasks hold a million keys,
/// not seven million).
type SharedKey = Arc<TaskKey>;

/// The in-memory store. Share it as `Arc<MemoryStore>` (or `Arc<dyn Store>`).
#[derive(Debug)]
pub struct MemoryStore {
    retention: std::sync::RwLock<RetentionPolicy>,
    /// Task records: the O(1) follow-up lookup.
    tasks: DashMap<SharedKey, TaskRecord>,
    /// Every known task per owner, for caps and listing.
    owners: DashMap<Owner, OwnerIndex>,
    /// Live tasks per tenant, for tenant caps.
    tenants: DashMap<String, LiveSet>,
    /// Revocation time per scope; the latest revocation wins.
    revoked_tasks: DashMap<TaskKey, u64>,
    revoked_owners: DashMap<Owner, u64>,
    revoked_tenants: DashMap<String, u64>,
    /// The current failed-lookup window per principal.
    failures: DashMap<Owner, revoke::Window>,
    /// Legacy session records (idle deadlines).
    sessions: DashMap<SessionKey, session::SessionEntry>,
    epoch: AtomicU32,
    expiry: ExpiryQueue,
}

// === impl MemoryStore ===

impl MemoryStore {
    /// An empty store at epoch 0 keeping state as long as `retention` says.
    pub fn new(retention: RetentionPolicy) -> MemoryStore {
        MemoryStore {
            retention: std::sync::RwLock::new(retention),
            tasks: DashMap::new(),
            owners: DashMap::new(),
            tenants: DashMap::new(),
            revoked_tasks: DashMap::new(),
            revoked_owners: DashMap::new(),
            revoked_tenants: DashMap::new(),
            failures: DashMap::new(),
            sessions: DashMap::new(),
            epoch: AtomicU32::new(0),
            expiry: ExpiryQueue::default(),
        }
    }

    /// The policy this store applies now.
    pub fn retention(&self) -> RetentionPolicy {
        // A poisoned lock still holds a policy that only ever grew.
        *self
            .retention
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every entry held: records, index entries, revocations, failure
    /// windows, sessions and scheduled purges. Zero once everything has
    /// been swept.
    pub fn len(&self) -> usize {
        self.tasks.len()
            + self.owners.len()
            + self.tenants.len()
            + self.revoked_tasks.len()
            + self.revoked_owners.len()
            + self.revoked_tenants.len()
            + self.failures.len()
            + self.sessions.len()
            + self.expiry.len()
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// Every method answers synchronously (the `*_sync` methods in the child
// modules): see the "no lock across `.await`" invariant above.
impl Store for MemoryStore {
    fn admit_task(
        &self,
        key: &TaskKey,
        record: TaskRecord,
        caps: &Caps,
        now: u64,
    ) -> StoreFuture<'_, Admission> {
        ready(Ok(self.admit_sync(key, record, caps, now)))
    }

    fn task(&self, key: &TaskKey, now: u64) -> StoreFuture<'_, Option<TaskRecord>> {
        ready(Ok(self.task_sync(key, now)))
    }

    fn mark_terminal(&self, key: &TaskKey, at: u64) -> StoreFuture<'_, ()> {
        self.mark_terminal_sync(key, at);
        ready(Ok(()))
    }

    fn owner_tasks(&self, owner: &Owner, route: &str, now: u64) -> StoreFuture<'_, Vec<TaskKey>> {
        ready(Ok(self.owner_tasks_sync(owner, route, now)))
    }

    fn revoke_task(&self, key: &TaskKey, at: u64) -> StoreFuture<'_, ()> {
        self.revoke_task_sync(key, at);
        ready(Ok(()))
    }

    fn revoke_owner(&self, owner: &Owner, at: u64) -> StoreFuture<'_, ()> {
        self.revoke_owner_sync(owner, at);
        ready(Ok(()))
    }

    fn revoke_tenant(&self, tenant: &str, at: u64) -> StoreFuture<'_, ()> {
        self.revoke_tenant_sync(tenant, at);
        ready(Ok(()))
    }

    fn is_revoked(
        &self,
        key: &TaskKey,
        owner: &Owner,
        tenant: Option<&str>,
        issued_at: u64,
    ) -> StoreFuture<'_, bool> {
        ready(Ok(self.is_revoked_sync(key, owner, tenant, issued_at)))
    }

    fn epoch(&self) -> StoreFuture<'_, u32> {
        ready(Ok(self.epoch_sync()))
    }

    fn bump_epoch(&self) -> StoreFuture<'_, u32> {
        ready(self.bump_epoch_sync())
    }

    fn record_failure(
        &self,
        principal_key: &Owner,
        window_secs: u64,
        now: u64,
    ) -> StoreFuture<'_, u32> {
        ready(Ok(self.record_failure_sync(
            principal_key,
            window_secs,
            now,
        )))
    }

    fn failures(&self, principal_key: &Owner, window_secs: u64, now: u64) -> StoreFuture<'_, u32> {
        ready(Ok(self.failures_sync(principal_key, window_secs, now)))
    }

    fn open_session(
        &self,
        key: &SessionKey,
        tenant: Option<&str>,
        grant: SessionGrant,
        now: u64,
    ) -> StoreFuture<'_, SessionRecord> {
        ready(Ok(self.open_session_sync(key, tenant, grant, now)))
    }

    fn use_session(
        &self,
        key: &SessionKey,
        tenant: Option<&str>,
        mint: SessionMint,
        now: u64,
        idle_until: u64,
    ) -> StoreFuture<'_, SessionUse> {
        ready(Ok(self.use_session_sync(key, tenant, mint, now, idle_until)))
    }

    fn end_session(&self, key: &SessionKey, mint: SessionMint) -> StoreFuture<'_, ()> {
        self.end_session_sync(key, mint);
        ready(Ok(()))
    }

    fn widen_retention(&self, at_least: RetentionPolicy) {
        let mut policy = self
            .retention
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *policy = policy.widest(at_least);
    }
}

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
