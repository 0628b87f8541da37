//! Purging: the bounded sweep over due purge items and the periodic
//! sweeper task.
//!
//! Every removal re-checks the entry's own deadline (`remove_if`), so a
//! stale purge item never removes something that was renewed or replaced,
//! and a revocation is never dropped while a handle it covers can live.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::MemoryStore;
use super::expiry::Purge;

/// Purge items one sweep batch handles before releasing locks (and, in the
/// sweeper, yielding to other tasks).
pub const SWEEP_BATCH: usize = 1024;
/// The shortest sweeper period accepted (a zero period would spin).
const MIN_SWEEP_PERIOD: Duration = Duration::from_millis(10);

impl MemoryStore {
    /// Purges everything due at `now`, in batches of [`SWEEP_BATCH`] so no
    /// lock is held long. Returns the number of purge items handled.
    pub fn sweep(&self, now: u64) -> usize {
        let mut total = 0;
        loop {
            let n = self.sweep_batch(now, SWEEP_BATCH);
            total += n;
            if n < SWEEP_BATCH {
                return total;
            }
        }
    }

    /// Handles at most `max` purge items due at `now`; returns how many.
    /// The cost is bounded by `max`, whatever the store holds.
    pub fn sweep_batch(&self, now: u64, max: usize) -> usize {
        let due = self.expiry.pop_due(now, max);
        let n = due.len();
        for item in due {
            self.purge(item, now);
        }
        n
    }

    /// Runs the sweep every `every` (at least 10 ms) on the system clock
    /// until `shutdown` is cancelled, yielding between batches. No lock is
    /// held across an await. Call it inside a Tokio runtime; await the
    /// handle after cancelling to know the sweeper has stopped.
    pub fn spawn_sweeper(
        self: Arc<Self>,
        every: Duration,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.max(MIN_SWEEP_PERIOD));
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = tick.tick() => {}
                }
                // A clock before 1970 is a broken host; sweeping with a
                // made-up time could drop revocations early, so skip.
                let Ok(since) = SystemTime::now().duration_since(UNIX_EPOCH) else {
                    tracing::warn!("system clock before 1970; store sweep skipped");
                    continue;
                };
                let now = since.as_secs();
                while self.sweep_batch(now, SWEEP_BATCH) == SWEEP_BATCH {
                    if shutdown.is_cancelled() {
                        return;
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
    }

    /// Re-checks one purge item; each map is locked on its own.
    fn purge(&self, item: Purge, now: u64) {
        let retention = self.retention();
        match item {
            Purge::Task { key, owner, tenant } => {
                self.tasks
                    .remove_if(&key, |_, r| retention.purge_at(r) <= now);
                if let Some(mut ix) = self.owners.get_mut(&owner) {
                    ix.purge(&key, now);
                }
                self.owners.remove_if(&owner, |_, ix| ix.is_empty());
                if let Some(t) = tenant {
                    if let Some(mut ix) = self.tenants.get_mut(&t) {
                        ix.prune(now);
                    }
                    self.tenants.remove_if(&t, |_, ix| ix.is_empty());
                }
            }
            Purge::TaskRevocation(key) => {
                self.revoked_tasks
                    .remove_if(&key, |_, at| retention.revocation_until(*at) <= now);
            }
            Purge::OwnerRevocation(owner) => {
                self.revoked_owners
                    .remove_if(&owner, |_, at| retention.revocation_until(*at) <= now);
            }
            Purge::TenantRevocation(tenant) => {
                self.revoked_tenants
                    .remove_if(&tenant, |_, at| retention.revocation_until(*at) <= now);
            }
            Purge::Failures(principal) => {
                self.failures.remove_if(&principal, |_, w| w.is_over(now));
            }
            Purge::Session { key, due } => self.purge_session(key, due, now),
        }
    }
}
