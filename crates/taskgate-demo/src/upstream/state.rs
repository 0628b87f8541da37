//! The demo server's shared state: options, sessions, the task table, the
//! server→client requests still waiting for an answer, and the counters that
//! mint stream numbers and request ids.
//!
//! Invariants:
//! - every task status change goes through [`State::task_changed`], so a
//!   task created in a session produces a `notifications/tasks/status` on
//!   that session's GET stream for each change;
//! - a pending server→client request is answered at most once (the entry is
//!   removed on delivery); a direct waiter's entry is removed when it stops
//!   waiting ([`PendingGuard`]), and task entries are swept once their task
//!   no longer waits;
//! - pending ids are global, not per session, so stateless clients can
//!   answer too (and, like everything task-related here, nobody checks who).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::UpstreamOptions;
use super::rpc;
use super::session::Sessions;
use super::tasks::{Reply, Snapshot, Status, TaskStore};
use crate::protocol::method;

/// Idle time after which a session without a live stream is dropped.
const SESSION_IDLE: Duration = Duration::from_secs(3600);

/// Everything the handlers share.
pub(crate) struct State {
    /// The options `serve` was started with.
    pub(crate) options: UpstreamOptions,
    /// Fires at server shutdown; streams and workers stop on it.
    pub(crate) shutdown: CancellationToken,
    /// Legacy sessions.
    pub(crate) sessions: Sessions,
    /// The (deliberately global) task table.
    pub(crate) tasks: TaskStore,
    pending: DashMap<String, Pending>,
    next_stream: AtomicU64,
    next_request: AtomicU64,
}

/// Who waits for the answer to a server→client request.
enum Pending {
    /// A plain tool call blocked on it.
    Direct(oneshot::Sender<Reply>),
    /// A task's outstanding input request.
    Task { task_id: String, key: String },
}

/// Removes a direct waiter's pending entry when the waiter goes away.
pub(crate) struct PendingGuard<'a> {
    state: &'a State,
    key: String,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.state.pending.remove(&self.key);
    }
}

// === impl State ===

impl State {
    /// Fresh state for one `serve` call.
    pub(crate) fn new(options: UpstreamOptions, shutdown: CancellationToken) -> Self {
        let tasks = TaskStore::new(options.list_page_size);
        Self {
            options,
            shutdown,
            sessions: Sessions::default(),
            tasks,
            pending: DashMap::new(),
            next_stream: AtomicU64::new(0),
            next_request: AtomicU64::new(0),
        }
    }

    /// A server-wide unique SSE stream number.
    pub(crate) fn next_stream(&self) -> u64 {
        self.next_stream.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn next_request_id(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Registers a server→client request answered to the caller: returns its
    /// id, the receiver for the answer, and a guard that unregisters it.
    pub(crate) fn ask(&self) -> (u64, oneshot::Receiver<Reply>, PendingGuard<'_>) {
        let id = self.next_request_id();
        let key = rpc::id_key(&Value::from(id));
        let (tx, rx) = oneshot::channel();
        self.pending.insert(key.clone(), Pending::Direct(tx));
        (id, rx, PendingGuard { state: self, key })
    }

    /// Registers a server→client request whose answer goes to a task's
    /// input request `key`; returns its id.
    pub(crate) fn ask_for_task(&self, task_id: &str, key: &str) -> u64 {
        let id = self.next_request_id();
        let pending = Pending::Task {
            task_id: task_id.to_owned(),
            key: key.to_owned(),
        };
        self.pending.insert(rpc::id_key(&Value::from(id)), pending);
        id
    }

    /// Routes a client's JSON-RPC response to whoever waits for it; `false`
    /// if nobody does (unknown id, already answered, or given up).
    pub(crate) fn deliver(&self, id: &Value, reply: Reply) -> bool {
        match self.pending.remove(&rpc::id_key(id)) {
            Some((_, Pending::Direct(tx))) => tx.send(reply).is_ok(),
            Some((_, Pending::Task { task_id, key })) => self.tasks.answer(&task_id, &key, reply),
            None => false,
        }
    }

    /// Announces a task's new state on its session's GET stream: a
    /// `notifications/tasks/status`, plus a log line when it ended.
    pub(crate) fn task_changed(&self, snap: &Snapshot) {
        let Some(session) = &snap.session else {
            return;
        };
        let note = rpc::notification(method::TASK_STATUS, snap.legacy_json());
        self.sessions.publish(session, &note);
        if snap.status.is_terminal() {
            let level = match snap.status {
                Status::Failed => "warning",
                _ => "info",
            };
            let text = format!("{} {}", snap.id, snap.status.as_str());
            self.sessions.log(session, level, &text);
        }
    }

    /// Periodic cleanup: expired tasks, stale task answers, idle sessions.
    pub(crate) fn sweep(&self) {
        self.tasks.sweep();
        self.pending.retain(|_, p| match p {
            Pending::Direct(tx) => !tx.is_closed(),
            Pending::Task { task_id, .. } => self
                .tasks
                .get(task_id)
                .is_some_and(|t| t.status == Status::InputRequired),
        });
        self.sessions.sweep(SESSION_IDLE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> State {
        State::new(UpstreamOptions::default(), CancellationToken::new())
    }

    #[tokio::test]
    async fn direct_answers_arrive_once_and_guards_clean_up() {
        let state = state();
        let (id, rx, guard) = state.ask();
        assert!(state.deliver(&json!(id), Ok(json!({"action": "accept"}))));
        assert!(rx.await.unwrap().is_ok());
        assert!(!state.deliver(&json!(id), Ok(json!({}))));
        drop(guard);
        let (id2, _rx, guard) = state.ask();
        drop(guard);
        assert!(!state.deliver(&json!(id2), Ok(json!({}))));
        // A string id never matches a numeric one.
        assert!(!state.deliver(&json!(id.to_string()), Ok(json!({}))));
    }

    #[test]
    fn stream_numbers_are_unique() {
        let state = state();
        assert_ne!(state.next_stream(), state.next_stream());
    }
}
