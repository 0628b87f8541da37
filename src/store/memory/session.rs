//! Legacy session records of [`MemoryStore`]: open, use, end, and the purge
//! of idle ones (rules in [`crate::store::session`]).
//!
//! Each record has at most one purge item in the queue at a time: the item
//! is pushed when the record is created, and when it comes due while a use
//! has moved the idle deadline, the sweep re-schedules it at the new
//! deadline ([`SessionEntry::scheduled`] names the one current item; any
//! other is stale and dropped). So a busy session costs one queue item, not
//! one per request, and an idle one is gone within a sweep period of its
//! deadline.
//!
//! Locking: the epoch and revocations are read first, one guard at a time;
//! then the session's own entry is locked alone, and the purge queue (a
//! leaf) only after its guard is dropped.

use dashmap::mapref::entry::Entry;

use super::MemoryStore;
use super::expiry::Purge;
use crate::handle::Owner;
use crate::store::{SessionGrant, SessionKey, SessionMint, SessionRecord, SessionUse};

/// A record and the due time of its one current purge item.
#[derive(Debug, Clone, Copy)]
pub(super) struct SessionEntry {
    record: SessionRecord,
    scheduled: u64,
}

impl MemoryStore {
    /// The latest owner or tenant revocation that could cover a session.
    fn session_revoked_through(&self, owner: &Owner, tenant: Option<&str>) -> Option<u64> {
        let tenant_at = tenant.and_then(|t| self.tenant_revoked_at(t));
        self.owner_revoked_at(owner).max(tenant_at)
    }

    pub(super) fn open_session_sync(
        &self,
        key: &SessionKey,
        tenant: Option<&str>,
        grant: SessionGrant,
        now: u64,
    ) -> SessionRecord {
        let epoch = self.epoch_sync();
        let through = self.session_revoked_through(&key.owner, tenant);
        let fresh = grant.record(epoch);
        let new_entry = SessionEntry {
            record: fresh,
            scheduled: fresh.idle_until,
        };
        let (record, schedule) = match self.sessions.entry(key.clone()) {
            Entry::Occupied(mut live)
                if live.get().record.end_at(now, epoch, through).is_none() =>
            {
                let entry = live.get_mut();
                entry.record.renew(grant.idle_until);
                (entry.record, None)
            }
            Entry::Occupied(mut ended) => {
                ended.insert(new_entry);
                (fresh, Some(fresh.idle_until))
            }
            Entry::Vacant(vacant) => {
                vacant.insert(new_entry);
                (fresh, Some(fresh.idle_until))
            }
        };
        if let Some(due) = schedule {
            let item = Purge::Session {
                key: key.clone(),
                due,
            };
            self.expiry.push(due, item);
        }
        record
    }

    pub(super) fn use_session_sync(
        &self,
        key: &SessionKey,
        tenant: Option<&str>,
        mint: SessionMint,
        now: u64,
        idle_until: u64,
    ) -> SessionUse {
        let epoch = self.epoch_sync();
        let through = self.session_revoked_through(&key.owner, tenant);
        let ended = {
            let Some(mut entry) = self.sessions.get_mut(key) else {
                return SessionUse::Unknown;
            };
            if entry.record.mint() != mint {
                // Another (newer) session of the same key: not this handle's.
                return SessionUse::Unknown;
            }
            match entry.record.end_at(now, epoch, through) {
                None => {
                    entry.record.renew(idle_until);
                    return SessionUse::Live;
                }
                Some(why) => why,
            }
        };
        // The guard is gone; forgetting takes the write lock again.
        self.sessions.remove_if(key, |_, e| e.record.mint() == mint);
        ended
    }

    pub(super) fn end_session_sync(&self, key: &SessionKey, mint: SessionMint) {
        self.sessions.remove_if(key, |_, e| e.record.mint() == mint);
    }

    /// The sweep's half: forgets the session if it is over at `now`, or
    /// re-schedules its purge at its moved idle deadline when `due` is its
    /// current item.
    pub(super) fn purge_session(&self, key: SessionKey, due: u64, now: u64) {
        let epoch = self.epoch_sync();
        let removed = self
            .sessions
            .remove_if(&key, |_, e| e.record.end_at(now, epoch, None).is_some());
        if removed.is_some() {
            return;
        }
        let next = self.sessions.get_mut(&key).and_then(|mut e| {
            (e.scheduled == due).then(|| {
                e.scheduled = e.record.idle_until;
                e.scheduled
            })
        });
        if let Some(at) = next {
            self.expiry.push(at, Purge::Session { key, due: at });
        }
    }
}
