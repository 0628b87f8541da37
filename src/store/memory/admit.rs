//! Task records: admission under caps, terminal state, the O(1) lookup and
//! the per-owner listing.

use std::sync::Arc;

use dashmap::mapref::entry::Entry;

use super::expiry::Purge;
use super::index::{Known, LiveSlot};
use super::{MemoryStore, SharedKey};
use crate::handle::Owner;
use crate::store::{Admission, Caps, TaskKey, TaskRecord};

impl MemoryStore {
    pub(super) fn admit_sync(
        &self,
        key: &TaskKey,
        record: TaskRecord,
        caps: &Caps,
        now: u64,
    ) -> Admission {
        let owner = record.owner;
        let tenant = record.tenant.clone();
        let outcome = self.admit_locked(key, record, caps, now);
        if matches!(
            outcome,
            Admission::PrincipalCapReached | Admission::TenantCapReached
        ) {
            // A refusal may have created empty index entries (a cap of 0, or
            // every slot pruned); drop them so a refused caller leaves no
            // state behind.
            self.owners.remove_if(&owner, |_, ix| ix.is_empty());
            if let Some(t) = &tenant {
                self.tenants.remove_if(t, |_, ix| ix.is_empty());
            }
        }
        outcome
    }

    /// Admission proper. Holds the tenant, owner and task entry guards
    /// together (in that order; see the module's lock-order invariant), so
    /// counting and inserting are one atomic step per owner and tenant.
    /// Counting costs what changed since the last admission, not the number
    /// of live tasks (see [`LiveSet`](super::index::LiveSet)).
    fn admit_locked(&self, key: &TaskKey, record: TaskRecord, caps: &Caps, now: u64) -> Admission {
        let live_until = self.retention().live_until(&record);
        let purge_at = self.retention().purge_at(&record);
        let (owner, created_at) = (record.owner, record.created_at);
        let tenant = record.tenant.clone();
        // A record that is not live at `now` occupies no slot.
        let is_live = record.terminal_at.is_none()
            && now < live_until
            && !self.is_revoked_sync(key, &owner, tenant.as_deref(), created_at);

        let mut tenant_ix = tenant
            .as_ref()
            .map(|t| self.tenants.entry(t.clone()).or_default());
        let mut owner_ix = self.owners.entry(owner).or_default();
        let shared: SharedKey = Arc::new(key.clone());
        let entry = self.tasks.entry(Arc::clone(&shared));
        if let Entry::Occupied(existing) = &entry {
            // A purged-but-unswept record is as good as absent.
            if now < self.retention().purge_at(existing.get()) {
                return if existing.get().owner == owner {
                    Admission::Admitted
                } else {
                    Admission::KeyConflict
                };
            }
        }
        if is_live {
            let tenant_through = tenant.as_deref().and_then(|t| self.tenant_revoked_at(t));
            let owner_through = self.owner_revoked_at(&owner).max(tenant_through);
            let owner_live = owner_ix.live.count(now, owner_through);
            if caps
                .per_principal
                .is_some_and(|cap| owner_live >= cap as usize)
            {
                return Admission::PrincipalCapReached;
            }
            if let Some(ix) = tenant_ix.as_mut() {
                let tenant_live = ix.count(now, tenant_through);
                if caps
                    .per_tenant
                    .is_some_and(|cap| tenant_live >= cap as usize)
                {
                    return Admission::TenantCapReached;
                }
            }
        }

        entry.insert(record);
        owner_ix.tenant.clone_from(&tenant);
        let known = Known {
            created_at,
            purge_at,
        };
        owner_ix.known.insert(Arc::clone(&shared), known);
        if is_live {
            let slot = LiveSlot {
                owner,
                created_at,
                live_until,
            };
            owner_ix.live.insert(Arc::clone(&shared), slot);
            if let Some(ix) = tenant_ix.as_mut() {
                ix.insert(Arc::clone(&shared), slot);
            }
        }
        drop(owner_ix);
        drop(tenant_ix);
        let item = Purge::Task {
            key: shared,
            owner,
            tenant,
        };
        self.expiry.push(purge_at, item);
        Admission::Admitted
    }

    /// One keyed lookup; a record past its purge time is removed on the way.
    pub(super) fn task_sync(&self, key: &TaskKey, now: u64) -> Option<TaskRecord> {
        let found = self.tasks.get(key).map(|record| {
            let alive = now < self.retention().purge_at(&record);
            (alive, record.clone())
        });
        // The read guard is gone here; purging takes the write lock.
        match found {
            Some((true, record)) => Some(record),
            Some((false, _)) => {
                self.tasks
                    .remove_if(key, |_, r| self.retention().purge_at(r) <= now);
                None
            }
            None => None,
        }
    }

    pub(super) fn mark_terminal_sync(&self, key: &TaskKey, at: u64) {
        // First call wins. Each map is locked on its own, one after the
        // other: between the steps the record is terminal while the indexes
        // still count it live, which errs toward refusing (fail closed).
        let (shared, owner, tenant, purge_at) = {
            let Some(mut record) = self.tasks.get_mut(key) else {
                return;
            };
            if record.terminal_at.is_some() {
                return;
            }
            record.terminal_at = Some(at);
            let purge_at = self.retention().purge_at(&record);
            let shared = Arc::clone(record.key());
            (shared, record.owner, record.tenant.clone(), purge_at)
        };
        if let Some(mut ix) = self.owners.get_mut(&owner) {
            ix.mark_terminal(key, purge_at);
        }
        if let Some(t) = &tenant
            && let Some(mut ix) = self.tenants.get_mut(t)
        {
            ix.remove(key);
        }
        let item = Purge::Task {
            key: shared,
            owner,
            tenant,
        };
        self.expiry.push(purge_at, item);
    }

    pub(super) fn owner_tasks_sync(&self, owner: &Owner, route: &str, now: u64) -> Vec<TaskKey> {
        let Some(ix) = self.owners.get(owner) else {
            return Vec::new();
        };
        // Owner and tenant revocations are looked up once for the whole list.
        let tenant_through = ix.tenant.as_deref().and_then(|t| self.tenant_revoked_at(t));
        let through = self.owner_revoked_at(owner).max(tenant_through);
        ix.on_route(route, now, |k, created| {
            through.is_some_and(|at| created <= at)
                || self.task_revoked_at(k).is_some_and(|at| created <= at)
        })
    }
}
