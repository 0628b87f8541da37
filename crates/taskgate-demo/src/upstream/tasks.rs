//! The demo's task table: one global map shared by every caller, with
//! sequential ids (`task-1`, `task-2`, …) and no owner. This is the weakness
//! the demo exists to show; do not copy it.
//!
//! Invariants:
//! - status moves `working ⇄ input_required → completed | failed | cancelled`
//!   and terminal states never change;
//! - a task past its TTL (measured from creation) is gone: every lookup
//!   treats it as unknown, and the sweeper removes it;
//! - every change bumps the task's watch channel, so waiters (`tasks/result`)
//!   re-read; removing the task closes the channel;
//! - the table lock is a std `Mutex` never held across `.await`.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::rpc::RpcError;

mod snapshot;

pub(crate) use snapshot::{InputRequest, Outcome, Snapshot, Status};

/// Suggested poll interval handed to clients (ms).
pub(crate) const POLL_INTERVAL_MS: u64 = 500;

/// A client's answer to an input request: `Ok(result)` or `Err(error)`.
pub(crate) type Reply = Result<Value, Value>;

/// Why `tasks/cancel` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelError {
    /// Unknown or expired id.
    NotFound,
    /// The task already reached a terminal state.
    Terminal,
}

/// The shared task table.
pub(crate) struct TaskStore {
    inner: Mutex<Inner>,
    page_size: usize,
}

#[derive(Default)]
struct Inner {
    /// The last number handed out; ids are `task-{n}`.
    last: u64,
    tasks: BTreeMap<u64, Entry>,
}

struct Entry {
    snap: Snapshot,
    expires: Instant,
    changed: watch::Sender<u64>,
    cancel: CancellationToken,
    /// Where the answer to the outstanding input request goes.
    answer: Option<oneshot::Sender<Reply>>,
}

// === impl TaskStore ===

impl TaskStore {
    /// An empty table listing `page_size` tasks per `tasks/list` page.
    pub(crate) fn new(page_size: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            page_size: page_size.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates a `working` task. The token is cancelled when the task is
    /// cancelled, so its worker can stop.
    pub(crate) fn create(
        &self,
        session: Option<String>,
        ttl_ms: u64,
        message: Option<String>,
    ) -> (Snapshot, CancellationToken) {
        let now = SystemTime::now();
        let mut inner = self.lock();
        inner.last += 1;
        let n = inner.last;
        let snap = Snapshot {
            id: format!("task-{n}"),
            status: Status::Working,
            status_message: message,
            created_at: now,
            updated_at: now,
            ttl_ms,
            poll_interval_ms: POLL_INTERVAL_MS,
            session,
            outcome: None,
            input: None,
            input_generation: 0,
        };
        let cancel = CancellationToken::new();
        let (changed, _) = watch::channel(0);
        let entry = Entry {
            snap: snap.clone(),
            expires: Instant::now() + Duration::from_millis(ttl_ms),
            changed,
            cancel: cancel.clone(),
            answer: None,
        };
        inner.tasks.insert(n, entry);
        (snap, cancel)
    }

    /// The task, if it exists and has not expired.
    pub(crate) fn get(&self, id: &str) -> Option<Snapshot> {
        let mut inner = self.lock();
        live_entry(&mut inner, id).map(|e| e.snap.clone())
    }

    /// The task plus a receiver that fires on its next change (or when it is
    /// removed) and the instant it expires.
    pub(crate) fn watch(&self, id: &str) -> Option<(Snapshot, watch::Receiver<u64>, Instant)> {
        let mut inner = self.lock();
        let e = live_entry(&mut inner, id)?;
        Some((e.snap.clone(), e.changed.subscribe(), e.expires))
    }

    /// `input_required` with one outstanding request under `key`; the
    /// returned receiver gets the answer.
    pub(crate) fn await_input(
        &self,
        id: &str,
        input: InputRequest,
        message: Option<String>,
    ) -> Option<(Snapshot, oneshot::Receiver<Reply>)> {
        let (tx, rx) = oneshot::channel();
        let snap = self.update(id, |e| {
            e.snap.status = Status::InputRequired;
            e.snap.status_message = message;
            e.snap.input = Some(input);
            e.snap.input_generation += 1;
            e.answer = Some(tx);
        })?;
        Some((snap, rx))
    }

    /// Delivers the answer for `key`; `false` if the task is unknown or not
    /// waiting for that key (answers to superseded keys are ignored).
    pub(crate) fn answer(&self, id: &str, key: &str, reply: Reply) -> bool {
        let mut inner = self.lock();
        let Some(e) = live_entry(&mut inner, id) else {
            return false;
        };
        let waiting = e.snap.status == Status::InputRequired
            && e.snap.input.as_ref().is_some_and(|i| i.key == key);
        match e.answer.take() {
            Some(tx) if waiting => tx.send(reply).is_ok(),
            other => {
                e.answer = other;
                false
            }
        }
    }

    /// Back to `working` (after input arrived).
    pub(crate) fn resume(&self, id: &str, message: Option<String>) -> Option<Snapshot> {
        self.update(id, |e| {
            e.snap.status = Status::Working;
            e.snap.status_message = message;
            e.snap.input = None;
            e.answer = None;
        })
    }

    /// Terminal `completed` (result) or `failed` (JSON-RPC error).
    pub(crate) fn finish(
        &self,
        id: &str,
        outcome: Outcome,
        message: Option<String>,
    ) -> Option<Snapshot> {
        self.update(id, |e| {
            e.snap.status = match outcome {
                Outcome::Result(_) => Status::Completed,
                Outcome::Error(_) => Status::Failed,
            };
            e.snap.status_message = message;
            e.snap.outcome = Some(outcome);
            e.snap.input = None;
            e.answer = None;
        })
    }

    /// `cancelled`, and the worker is told to stop.
    ///
    /// # Errors
    /// [`CancelError::NotFound`] for unknown or expired ids,
    /// [`CancelError::Terminal`] if the task already ended.
    pub(crate) fn cancel(&self, id: &str) -> Result<Snapshot, CancelError> {
        let mut inner = self.lock();
        let e = live_entry(&mut inner, id).ok_or(CancelError::NotFound)?;
        if e.snap.status.is_terminal() {
            return Err(CancelError::Terminal);
        }
        e.snap.status = Status::Cancelled;
        e.snap.status_message = Some("cancelled by request".into());
        e.snap.input = None;
        e.answer = None;
        e.snap.updated_at = SystemTime::now();
        e.cancel.cancel();
        e.changed.send_modify(|v| *v += 1);
        Ok(e.snap.clone())
    }

    /// One page of *every* task in creation order, after `cursor`.
    ///
    /// # Errors
    /// A `-32602` for a cursor this store did not mint.
    pub(crate) fn list(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<Snapshot>, Option<String>), RpcError> {
        let after = match cursor {
            None => 0,
            Some(c) => {
                decode_cursor(c).ok_or_else(|| RpcError::invalid_params("Invalid cursor"))?
            }
        };
        let now = Instant::now();
        let inner = self.lock();
        let mut live = inner
            .tasks
            .range((Bound::Excluded(after), Bound::Unbounded))
            .filter(|(_, e)| e.expires > now);
        let page: Vec<(u64, Snapshot)> = live
            .by_ref()
            .take(self.page_size)
            .map(|(n, e)| (*n, e.snap.clone()))
            .collect();
        let next = match (live.next(), page.last()) {
            (Some(_), Some((last, _))) => Some(encode_cursor(*last)),
            _ => None,
        };
        Ok((page.into_iter().map(|(_, s)| s).collect(), next))
    }

    /// Removes expired tasks; returns how many went.
    pub(crate) fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut inner = self.lock();
        let before = inner.tasks.len();
        inner.tasks.retain(|_, e| {
            let keep = e.expires > now;
            if !keep {
                e.cancel.cancel();
            }
            keep
        });
        before - inner.tasks.len()
    }

    /// Applies a change to a live, non-terminal task and stamps it.
    fn update(&self, id: &str, change: impl FnOnce(&mut Entry)) -> Option<Snapshot> {
        let mut inner = self.lock();
        let e = live_entry(&mut inner, id)?;
        if e.snap.status.is_terminal() {
            return None;
        }
        change(e);
        e.snap.updated_at = SystemTime::now();
        e.changed.send_modify(|v| *v += 1);
        Some(e.snap.clone())
    }
}

/// The entry for `id` unless it is malformed, unknown or expired (an expired
/// one is removed on the spot).
fn live_entry<'a>(inner: &'a mut Inner, id: &str) -> Option<&'a mut Entry> {
    let n = parse_task_id(id)?;
    let expired = inner.tasks.get(&n)?.expires <= Instant::now();
    if expired {
        if let Some(e) = inner.tasks.remove(&n) {
            e.cancel.cancel();
        }
        return None;
    }
    inner.tasks.get_mut(&n)
}

/// `task-{n}` → `n`, accepting only the canonical spelling.
fn parse_task_id(id: &str) -> Option<u64> {
    let n: u64 = id.strip_prefix("task-")?.parse().ok()?;
    (format!("task-{n}") == id).then_some(n)
}

const CURSOR_PREFIX: &str = "after:";

fn encode_cursor(after: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{after}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.strip_prefix(CURSOR_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests;
