//! The one place that sees every request's outcome.
//!
//! Each request gets a [`RequestId`] and a `tracing` span (`request`, at
//! `debug` level: free when not enabled) carrying its route, MCP method,
//! era and outcome as the phases learn them. [`Progress`] collects what the
//! phases learned; [`Progress::finish`] is called exactly once per request:
//! at once for an answer the gateway made (a refusal, the metadata
//! document), or — for an answer relayed from the upstream — when its body
//! ended for the client (the completion hook on the response body,
//! [`crate::body::EndObserver`]), so a stream's outcome is what the client
//! really received.
//!
//! Finished requests go to the runtime's [`OutcomeSink`]: the audit trail,
//! metrics and trace export plug in there. The default, [`TracingSink`],
//! records the outcome on the span and emits one `debug` event.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::StatusCode;
use tracing::Span;
use tracing::field::Empty;

use crate::body::BodyEnd;
use crate::mcp::{Era, MethodKind};

/// A request's id: unique within the process. The high 16 bits name the
/// thread that took the request, the rest count that thread's requests,
/// so taking one touches no memory another thread writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

/// Thread prefixes handed out so far.
static THREADS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's next id (prefix in the high 16 bits).
    static NEXT_ID: std::cell::Cell<u64> = std::cell::Cell::new(
        (THREADS.fetch_add(1, Ordering::Relaxed) << 48) | 1
    );
}

impl RequestId {
    fn next() -> RequestId {
        NEXT_ID.with(|next| {
            let id = next.get();
            // The count wraps within the thread's prefix (after 2^48 requests).
            let count = (id.wrapping_add(1)) & ((1 << 48) - 1);
            next.set((id & !((1 << 48) - 1)) | count);
            RequestId(id)
        })
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// How a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The gateway refused it; the upstream never saw it. The reason is
    /// the error's stable kind.
    Refused(&'static str),
    /// The gateway answered it itself (e.g. protected-resource metadata).
    Answered,
    /// Relayed from the upstream.
    Relayed,
    /// Forwarded, but the upstream's answer was not relayed (no answer,
    /// timeout, or an answer the task rules withheld); the reason as above.
    Failed(&'static str),
}

impl Disposition {
    /// A stable name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Refused(_) => "refused",
            Disposition::Answered => "answered",
            Disposition::Relayed => "relayed",
            Disposition::Failed(_) => "failed",
        }
    }
}

/// Where finished requests go. Called once per request, on the thread that
/// finished it (a serving thread): must not block.
pub trait OutcomeSink: Send + Sync + 'static {
    /// `outcome` ended; `span` is the request's.
    fn finished(&self, outcome: &Outcome, span: &Span);
}

/// The default sink: the outcome on the request's span, and one `debug`
/// event (`request finished`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingSink;

impl OutcomeSink for TracingSink {
    fn finished(&self, outcome: &Outcome, span: &Span) {
        emit(span, outcome);
    }
}

/// Everything known about a request when it ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Its id.
    pub id: RequestId,
    /// The route, once one matched.
    pub route: Option<Arc<str>>,
    /// The MCP method, once the body was read (POST).
    pub method: Option<MethodKind>,
    /// The protocol era, once known.
    pub era: Option<Era>,
    /// How it was answered.
    pub disposition: Disposition,
    /// The status the client got.
    pub status: StatusCode,
    /// How the answer's body ended for the client.
    pub body: BodyEnd,
    /// Upstream messages the task rules dropped or replaced in the answer.
    pub withheld: u32,
    /// From arrival to the end of the answer's body.
    pub elapsed: Duration,
}

/// What the phases learned about a request so far.
#[derive(Debug)]
pub(super) struct Progress {
    id: RequestId,
    span: Span,
    started: Instant,
    route: Option<Arc<str>>,
    method: Option<MethodKind>,
    era: Option<Era>,
}

impl Progress {
    /// A request arriving now.
    pub(super) fn start() -> Progress {
        let id = RequestId::next();
        let span = tracing::debug_span!(
            "request",
            id = %id,
            route = Empty,
            method = Empty,
            era = Empty,
            outcome = Empty,
            status = Empty,
        );
        Progress {
            id,
            span,
            started: Instant::now(),
            route: None,
            method: None,
            era: None,
        }
    }

    /// The request's span.
    pub(super) fn span(&self) -> &Span {
        &self.span
    }

    /// The route matched.
    pub(super) fn set_route(&mut self, route: &Arc<str>) {
        self.span.record("route", &**route);
        self.route = Some(route.clone());
    }

    /// The message was read (POST) or the stream's era known (GET/DELETE).
    pub(super) fn set_message(&mut self, method: Option<MethodKind>, era: Era) {
        if let Some(m) = method {
            self.span.record("method", m.as_str());
        }
        self.span.record("era", era.as_str());
        self.method = method;
        self.era = Some(era);
    }

    /// The request is over: the one place its outcome is seen.
    pub(super) fn finish(
        self,
        sink: &dyn OutcomeSink,
        (disposition, status): (Disposition, StatusCode),
        body: BodyEnd,
        withheld: u32,
    ) {
        let outcome = Outcome {
            id: self.id,
            route: self.route,
            method: self.method,
            era: self.era,
            disposition,
            status,
            body,
            withheld,
            elapsed: self.started.elapsed(),
        };
        sink.finished(&outcome, &self.span);
    }
}

/// Emits one finished request (span fields and a `debug` event; the audit
/// record and metrics plug in here).
fn emit(span: &Span, outcome: &Outcome) {
    span.record("outcome", outcome.disposition.as_str());
    span.record("status", outcome.status.as_u16());
    let reason = match outcome.disposition {
        Disposition::Refused(r) | Disposition::Failed(r) => r,
        Disposition::Answered | Disposition::Relayed => "",
    };
    tracing::debug!(
        parent: span,
        id = %outcome.id,
        route = outcome.route.as_deref().unwrap_or(""),
        method = outcome.method.map_or("", MethodKind::as_str),
        era = outcome.era.map_or("", Era::as_str),
        outcome = outcome.disposition.as_str(),
        reason,
        status = outcome.status.as_u16(),
        body = outcome.body.as_str(),
        withheld = outcome.withheld,
        elapsed_us = u64::try_from(outcome.elapsed.as_micros()).unwrap_or(u64::MAX),
        "request finished"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_across_threads() {
        let a = RequestId::next();
        let b = RequestId::next();
        assert!(b > a, "in order within a thread");
        assert_eq!(a.to_string().len(), 16);
        let others: Vec<RequestId> = (0..4)
            .map(|_| std::thread::spawn(RequestId::next).join().unwrap())
            .collect();
        let mut all = [vec![a, b], others].concat();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 6);
    }
}
