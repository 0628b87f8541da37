//! Legacy-era sessions: ids minted at `initialize`, the per-session log
//! level, and the session's standalone GET stream with its replay buffer.
//!
//! Invariants:
//! - a session id is 32 hex chars from the OS-seeded CSPRNG (the demo is weak
//!   about *tasks*, not sessions);
//! - the GET stream of a session has one stream number for its whole life;
//!   every event published to it gets the next sequence number, is kept in a
//!   ring of the last [`HISTORY`] events, and goes to at most one live
//!   stream (a new GET replaces the old one);
//! - the session lock is a std `Mutex` that is never held across `.await`:
//!   publishing uses `try_send`, and a live stream too slow to keep up is
//!   dropped (the client resumes with `Last-Event-ID` and loses nothing that
//!   is still in the ring).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use dashmap::DashMap;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::rpc;
use super::stream::{encode_event, encode_priming, event_id, parse_event_id};
use crate::protocol::method;

/// Events of the GET stream kept for `Last-Event-ID` replay.
pub(crate) const HISTORY: usize = 100;

/// Buffered events per live GET stream before it counts as too slow.
const LIVE_BUFFER: usize = 256;

/// Logger name on `notifications/message`.
const LOGGER: &str = "taskgate-demo-upstream";

/// Syslog severities as MCP names them, lowest first.
const LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// All live sessions.
#[derive(Default)]
pub(crate) struct Sessions {
    map: DashMap<String, Arc<Session>>,
}

/// One legacy session.
pub(crate) struct Session {
    /// The `Mcp-Session-Id`.
    pub(crate) id: String,
    /// Stream number of this session's GET stream.
    get_stream: u64,
    inner: Mutex<Inner>,
}

struct Inner {
    next_seq: u64,
    history: VecDeque<(u64, Bytes)>,
    live: Option<mpsc::Sender<Bytes>>,
    /// Index into [`LEVELS`]; log lines below it are not sent.
    min_level: usize,
    last_seen: Instant,
}

// === impl Sessions ===

impl Sessions {
    /// Creates a session; `get_stream` is a fresh server-wide stream number.
    pub(crate) fn create(&self, get_stream: u64) -> Arc<Session> {
        let id = hex(&rand::random::<[u8; 16]>());
        let session = Arc::new(Session {
            id: id.clone(),
            get_stream,
            inner: Mutex::new(Inner {
                next_seq: 0,
                history: VecDeque::with_capacity(HISTORY),
                live: None,
                min_level: 0,
                last_seen: Instant::now(),
            }),
        });
        self.map.insert(id, session.clone());
        session
    }

    /// Looks a session up and marks it as used.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self.map.get(id).map(|s| s.value().clone())?;
        session.lock().last_seen = Instant::now();
        Some(session)
    }

    /// Ends a session; its GET stream ends too. `false` if it was unknown.
    pub(crate) fn remove(&self, id: &str) -> bool {
        match self.map.remove(id) {
            Some((_, session)) => {
                session.lock().live = None;
                true
            }
            None => false,
        }
    }

    /// Publishes a message on a session's GET stream (no-op if it is gone).
    pub(crate) fn publish(&self, id: &str, msg: &Value) {
        if let Some(session) = self.map.get(id).map(|s| s.value().clone()) {
            session.publish(msg);
        }
    }

    /// Publishes a `notifications/message` log line at `level`.
    pub(crate) fn log(&self, id: &str, level: &str, text: &str) {
        if let Some(session) = self.map.get(id).map(|s| s.value().clone()) {
            session.log(level, text);
        }
    }

    /// Drops sessions idle for longer than `idle` that have no live stream.
    pub(crate) fn sweep(&self, idle: Duration) {
        let now = Instant::now();
        self.map.retain(|_, s| {
            let inner = s.lock();
            let streaming = inner.live.as_ref().is_some_and(|tx| !tx.is_closed());
            streaming || now.duration_since(inner.last_seen) < idle
        });
    }
}

// === impl Session ===

impl Session {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked mid-update; the
        // ring and counters are still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens (or re-opens) the GET stream.
    ///
    /// Without `last_event_id`, the stream starts with a priming event. With
    /// one from this stream, the events after it that are still in the ring
    /// are replayed first (a priming event is sent if there are none). Any
    /// previous live stream is replaced.
    pub(crate) fn open_stream(&self, last_event_id: Option<&str>) -> mpsc::Receiver<Bytes> {
        let (tx, rx) = mpsc::channel(LIVE_BUFFER);
        let mut inner = self.lock();
        let after = last_event_id
            .and_then(parse_event_id)
            .filter(|(stream, _)| *stream == self.get_stream)
            .map(|(_, seq)| seq);
        let mut replayed = 0;
        if let Some(after) = after {
            for (_, event) in inner.history.iter().filter(|(seq, _)| *seq > after) {
                // The channel is larger than the ring, so this cannot fill up.
                if tx.try_send(event.clone()).is_ok() {
                    replayed += 1;
                }
            }
        }
        if replayed == 0 {
            inner.next_seq += 1;
            let priming = encode_priming(&event_id(self.get_stream, inner.next_seq));
            // Fresh channel: there is room.
            let _sent = tx.try_send(priming);
        }
        inner.live = Some(tx);
        rx
    }

    /// Publishes a message on this session's GET stream.
    pub(crate) fn publish(&self, msg: &Value) {
        let mut inner = self.lock();
        inner.next_seq += 1;
        let seq = inner.next_seq;
        let event = encode_event(&event_id(self.get_stream, seq), msg);
        if inner.history.len() == HISTORY {
            inner.history.pop_front();
        }
        inner.history.push_back((seq, event.clone()));
        let dead = inner
            .live
            .as_ref()
            .is_some_and(|tx| tx.try_send(event).is_err());
        if dead {
            // Closed or too slow: end it; the client resumes from the ring.
            inner.live = None;
        }
    }

    /// Publishes a log line unless it is below the session's level.
    pub(crate) fn log(&self, level: &str, text: &str) {
        let rank = level_rank(level).unwrap_or(1);
        if rank < self.lock().min_level {
            return;
        }
        let params = json!({"level": level, "logger": LOGGER, "data": text});
        self.publish(&rpc::notification(method::MESSAGE, params));
    }

    /// Sets the minimum log level (`logging/setLevel`); `false` if unknown.
    pub(crate) fn set_log_level(&self, level: &str) -> bool {
        match level_rank(level) {
            Some(rank) => {
                self.lock().min_level = rank;
                true
            }
            None => false,
        }
    }
}

fn level_rank(level: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == level)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _infallible = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(rx: &mut mpsc::Receiver<Bytes>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(b) = rx.try_recv() {
            out.push(String::from_utf8_lossy(&b).into_owned());
        }
        out
    }

    #[test]
    fn session_ids_are_32_hex_chars_and_distinct() {
        let sessions = Sessions::default();
        let a = sessions.create(1);
        let b = sessions.create(2);
        assert_eq!(a.id.len(), 32);
        assert!(a.id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.id, b.id);
        assert!(sessions.get(&a.id).is_some());
        assert!(sessions.remove(&a.id));
        assert!(sessions.get(&a.id).is_none());
        assert!(!sessions.remove(&a.id));
    }

    #[test]
    fn fresh_stream_primes_then_gets_live_events() {
        let s = Sessions::default().create(9);
        let mut rx = s.open_stream(None);
        s.publish(&json!({"n": 1}));
        let got = drain(&mut rx);
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("id: 9-1\nretry:"));
        assert!(got[1].starts_with("id: 9-2\ndata: {\"n\":1}"));
    }

    #[test]
    fn last_event_id_replays_only_later_events_and_ring_is_bounded() {
        let s = Sessions::default().create(4);
        for n in 0..(HISTORY + 10) {
            s.publish(&json!({ "n": n }));
        }
        let mut rx = s.open_stream(Some("4-105"));
        let got = drain(&mut rx);
        assert_eq!(got.len(), 5);
        assert!(got[0].starts_with("id: 4-106\n"));
        // An id older than the ring replays what is left.
        let mut rx = s.open_stream(Some("4-1"));
        assert_eq!(drain(&mut rx).len(), HISTORY);
        // An id of another stream just primes.
        let mut rx = s.open_stream(Some("77-1"));
        let got = drain(&mut rx);
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("retry:"));
    }

    #[test]
    fn log_level_filters_lines() {
        let s = Sessions::default().create(1);
        let mut rx = s.open_stream(None);
        assert!(s.set_log_level("warning"));
        assert!(!s.set_log_level("loud"));
        s.log("info", "quiet");
        s.log("error", "loud");
        let got = drain(&mut rx);
        assert_eq!(got.len(), 2);
        assert!(got[1].contains("\"loud\""));
    }
}
