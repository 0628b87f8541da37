//! Task creations in flight, so messages about a new task that overtake its
//! creation result are not mistaken for someone else's.
//!
//! An upstream may start a task and talk about it (a status notification,
//! an `elicitation/create` during `input_required`, on the session's GET
//! stream) before the gateway has relayed — and so recorded — the result
//! that created it. While a request that may create a task is in flight in a
//! session, a message naming an unknown task in that session waits for it
//! (bounded by [`CREATION_WAIT`]) instead of being withheld at once.
//!
//! Waits are per caller (route, upstream session and owner): one caller's
//! creation never holds up another caller's messages.
//!
//! Invariants: a waiter never sees anything the store would not show it
//! (ownership is checked on the record, as always); waits are bounded; an
//! entry exists only while a creation is in flight, so the map is bounded
//! by the number of concurrent task-creating requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use tokio::sync::Notify;

use super::{Caller, TaskGuard};
use crate::handle::Owner;
use crate::store::{self, TaskKey, TaskRecord};

/// The longest a message waits for a creation in flight.
pub const CREATION_WAIT: Duration = Duration::from_secs(5);

/// Route, upstream session and owner: the current era has no sessions, so
/// the owner keeps one caller's creations from holding up another's messages.
type SessionKey = (Arc<str>, Option<String>, Owner);

/// Creations in flight, per route and upstream session. Runtime state: it
/// outlives any one set of settings (clones share the map), so a reload
/// does not forget a creation still in flight.
#[derive(Default, Clone)]
pub struct Creations {
    map: Arc<DashMap<SessionKey, Arc<Pending>>>,
}

#[derive(Default)]
struct Pending {
    inflight: AtomicUsize,
    changed: Notify,
}

/// Held while a request that may create a task is in flight; dropping it
/// says the creation result has been handled (or never will be).
pub struct CreationTicket {
    key: SessionKey,
    pending: Arc<Pending>,
    map: Arc<DashMap<SessionKey, Arc<Pending>>>,
}

impl std::fmt::Debug for CreationTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreationTicket")
    }
}

impl Drop for CreationTicket {
    fn drop(&mut self) {
        if self.pending.inflight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.map
                .remove_if(&self.key, |_, p| p.inflight.load(Ordering::Acquire) == 0);
        }
        self.pending.changed.notify_waiters();
    }
}

impl TaskGuard {
    /// Announces that `caller` has a request in flight that may create a task.
    pub fn expect_creation(&self, caller: &Caller) -> CreationTicket {
        let key = (caller.route.clone(), caller.session.clone(), caller.owner());
        let pending = self.creations.map.entry(key.clone()).or_default().clone();
        pending.inflight.fetch_add(1, Ordering::AcqRel);
        CreationTicket {
            key,
            pending,
            map: self.creations.map.clone(),
        }
    }

    /// Wakes messages waiting in `caller`'s session: a task was recorded.
    pub(super) fn creation_recorded(&self, caller: &Caller) {
        let key = (caller.route.clone(), caller.session.clone(), caller.owner());
        if let Some(pending) = self.creations.map.get(&key) {
            pending.changed.notify_waiters();
        }
    }

    /// The record of `key`, waiting for a creation in flight in the
    /// caller's session if there is one and the record is not there yet.
    ///
    /// `own` is how many of those creations the asking exchange holds itself
    /// (0 or 1): they are not waited for. A message on the stream of a
    /// creating request is handled before that request's own result, which
    /// comes later on the same stream, so waiting for it could only time out
    /// (stalling the stream for [`CREATION_WAIT`] per unknown id).
    pub(super) async fn record_or_wait(
        &self,
        caller: &Caller,
        key: &TaskKey,
        own: usize,
    ) -> Result<Option<TaskRecord>, store::Error> {
        let session = (caller.route.clone(), caller.session.clone(), caller.owner());
        let pending = self.creations.map.get(&session).map(|p| p.clone());
        let Some(pending) = pending else {
            return self.store.task(key, self.clock.now_secs()).await;
        };
        let deadline = tokio::time::Instant::now() + CREATION_WAIT;
        loop {
            let notified = pending.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(record) = self.store.task(key, self.clock.now_secs()).await? {
                return Ok(Some(record));
            }
            if pending.inflight.load(Ordering::Acquire) <= own {
                return Ok(None);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use crate::mcp::Era::Legacy;
    use crate::tasks::tests::{create, guard, person};
    use crate::tasks::{TaskGuard, Verdict};

    fn status(id: &str) -> serde_json::Value {
        json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params":{"taskId":id,"status":"working"}})
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_that_overtakes_its_creation_waits_for_it() {
        let g = Arc::new(guard());
        let alice = person("alice", "t1", "s1");
        let ticket = g.expect_creation(&alice);
        let early = {
            let (g, alice) = (g.clone(), alice.clone());
            tokio::spawn(async move {
                let mut message = status("task-1");
                let verdict = g.to_client(&alice, Legacy, None, &mut message).await;
                (verdict, message)
            })
        };
        tokio::task::yield_now().await;
        assert!(
            !early.is_finished(),
            "waits while the creation is in flight"
        );
        let handle = create(&g, &alice, "task-1", json!(60_000)).await;
        drop(ticket);
        let (verdict, message) = early.await.unwrap();
        assert_eq!(verdict, Verdict::Forward);
        assert_eq!(message["params"]["taskId"], handle.as_str());
    }

    #[tokio::test(start_paused = true)]
    async fn a_creation_in_flight_is_seen_by_the_guard_of_later_settings() {
        let old = guard();
        let reloaded = TaskGuard::new(old.codec.clone(), old.store.clone(), old.policy, old.clock)
            .with_creations(old.creations.clone());
        let alice = person("alice", "t1", "s1");
        let ticket = old.expect_creation(&alice);
        let reloaded = Arc::new(reloaded);
        let early = {
            let (g, alice) = (reloaded.clone(), alice.clone());
            tokio::spawn(async move {
                g.to_client(&alice, Legacy, None, &mut status("task-1"))
                    .await
            })
        };
        tokio::task::yield_now().await;
        assert!(
            !early.is_finished(),
            "the new guard waits for the old one's creation"
        );
        create(&old, &alice, "task-1", json!(60_000)).await;
        drop(ticket);
        assert_eq!(early.await.unwrap(), Verdict::Forward);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_creation_in_flight_nothing_waits_and_foreign_ids_are_withheld() {
        let g = guard();
        let alice = person("alice", "t1", "s1");
        let started = tokio::time::Instant::now();
        assert_eq!(
            g.to_client(&alice, Legacy, None, &mut status("task-9"))
                .await,
            Verdict::Drop
        );
        assert_eq!(started.elapsed(), std::time::Duration::ZERO);

        // A creation that ends without creating that task releases the wait.
        let ticket = g.expect_creation(&alice);
        let release = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            drop(ticket);
        });
        assert_eq!(
            g.to_client(&alice, Legacy, None, &mut status("task-9"))
                .await,
            Verdict::Drop
        );
        assert!(started.elapsed() < super::CREATION_WAIT);
        release.await.unwrap();
        assert!(
            g.creations.map.is_empty(),
            "entries live only while creations are in flight"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_creation_that_never_answers_bounds_the_wait() {
        let g = guard();
        let alice = person("alice", "t1", "s1");
        let _ticket = g.expect_creation(&alice);
        let started = tokio::time::Instant::now();
        assert_eq!(
            g.to_client(&alice, Legacy, None, &mut status("task-9"))
                .await,
            Verdict::Drop
        );
        assert_eq!(started.elapsed(), super::CREATION_WAIT);
        // Another session is never held up by alice's creation.
        let bob = person("bob", "t2", "s2");
        let started = tokio::time::Instant::now();
        assert_eq!(
            g.to_client(&bob, Legacy, None, &mut status("task-9")).await,
            Verdict::Drop
        );
        assert_eq!(started.elapsed(), std::time::Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_creating_requests_own_stream_waits_only_for_other_creations() {
        let g = guard();
        let alice = person("alice", "t1", "s1");
        let mut own = crate::tasks::Follow::new(Some("tools/call".into()), Some("slow".into()));
        own.creating = true;
        let _ticket = g.expect_creation(&alice);
        let started = tokio::time::Instant::now();
        let verdict = g
            .to_client(&alice, Legacy, Some(&own), &mut status("task-9"))
            .await;
        assert_eq!(verdict, Verdict::Drop);
        assert_eq!(
            started.elapsed(),
            std::time::Duration::ZERO,
            "its own creation comes later on the same stream: no wait"
        );
        // Another request of alice's creating at the same time is waited for.
        let _other = g.expect_creation(&alice);
        let verdict = g
            .to_client(&alice, Legacy, Some(&own), &mut status("task-9"))
            .await;
        assert_eq!(verdict, Verdict::Drop);
        assert_eq!(started.elapsed(), super::CREATION_WAIT);
    }
}
