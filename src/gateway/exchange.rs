//! [`Exchange`]: one request and its answer, as the answer's side needs it.
//!
//! It outlives the pipeline's future (a streamed answer is mapped event by
//! event after the pipeline returned), so it owns what the task rules need
//! on the way back — the settings the request loaded, the caller, the era,
//! what the request resolved — and the request's [`Progress`], which it
//! hands to the one outcome place when the answer's body ends
//! ([`EndObserver`]).
//!
//! Invariant: the outcome is finished exactly once — by the body's end, by
//! a relay failure taking the progress back ([`Exchange::take_progress`]),
//! or, if neither happened, when the exchange is dropped.

use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use http::StatusCode;

use super::outcome::{Disposition, Progress};
use super::route::{Route, RouteIndex};
use super::settings::Settings;
use crate::body::{BodyEnd, EndObserver};
use crate::mcp::{Era, MethodKind};
use crate::tasks::{Caller, CreationTicket, Follow, TaskGuard};

/// The status recorded for a request whose client left before its answer's
/// head was made (nginx's 499).
fn client_closed() -> StatusCode {
    StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST)
}

/// Everything the response side needs about one exchange.
pub(super) struct Exchange {
    settings: Arc<Settings>,
    route: RouteIndex,
    pub(super) caller: Caller,
    pub(super) era: Era,
    /// The POSTed request this answers (`None` for GET streams and DELETE).
    pub(super) follow: Option<Follow>,
    /// The request's method, classified once (`None`: GET, DELETE, or a
    /// JSON-RPC response).
    pub(super) method: Option<MethodKind>,
    /// Whether the route allows tasks (else capabilities are mediated).
    pub(super) tasks_enabled: bool,
    /// Held while the answer to a possibly task-creating request is
    /// outstanding (see [`crate::tasks::CreationTicket`]).
    pub(super) creation: Mutex<Option<CreationTicket>>,
    progress: Mutex<Option<Progress>>,
    status: AtomicU16,
    withheld: AtomicU32,
}

/// The parts of an [`Exchange`] that the admission phase decides.
pub(super) struct Parts {
    pub(super) route: RouteIndex,
    pub(super) caller: Caller,
    pub(super) era: Era,
    pub(super) follow: Option<Follow>,
    pub(super) method: Option<MethodKind>,
    pub(super) tasks_enabled: bool,
    pub(super) creation: Option<CreationTicket>,
}

impl Exchange {
    /// The exchange of a request admitted under `settings`.
    pub(super) fn new(settings: Arc<Settings>, parts: Parts, progress: Progress) -> Exchange {
        Exchange {
            settings,
            route: parts.route,
            caller: parts.caller,
            era: parts.era,
            follow: parts.follow,
            method: parts.method,
            tasks_enabled: parts.tasks_enabled,
            creation: Mutex::new(parts.creation),
            progress: Mutex::new(Some(progress)),
            status: AtomicU16::new(0),
            withheld: AtomicU32::new(0),
        }
    }

    /// The task rules of the settings the request loaded.
    pub(super) fn guard(&self) -> &TaskGuard {
        &self.settings.tasks
    }

    /// The settings the request loaded.
    pub(super) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The route the request came in on.
    pub(super) fn route(&self) -> &Route {
        self.settings.routes.get(self.route)
    }

    /// Whether the request may still create a task (it holds its creation
    /// ticket; a poisoned lock counts as yes).
    pub(super) fn may_create(&self) -> bool {
        self.creation.lock().map_or(true, |c| c.is_some())
    }

    /// The request's answer has been handled: a task it created is
    /// recorded by now, so nothing needs to wait for it any more.
    pub(super) fn answered(&self) {
        if let Ok(mut creation) = self.creation.lock() {
            creation.take();
        }
    }

    /// One upstream message was dropped or replaced by the task rules.
    pub(super) fn count_withheld(&self) {
        self.withheld.fetch_add(1, Ordering::Relaxed);
    }

    /// The status the client gets, once the response head is made.
    pub(super) fn set_status(&self, status: StatusCode) {
        self.status.store(status.as_u16(), Ordering::Relaxed);
    }

    /// The request's progress, taken back when the answer is not relayed
    /// after all (the caller finishes it).
    pub(super) fn take_progress(&self) -> Option<Progress> {
        self.progress.lock().ok().and_then(|mut p| p.take())
    }

    fn finish(&self, disposition: Disposition, end: BodyEnd) {
        if let Some(progress) = self.take_progress() {
            let status = match self.status.load(Ordering::Relaxed) {
                0 => client_closed(),
                s => StatusCode::from_u16(s).unwrap_or_else(|_| client_closed()),
            };
            let withheld = self.withheld.load(Ordering::Relaxed);
            progress.finish(
                &*self.settings.outcomes,
                (disposition, status),
                end,
                withheld,
            );
        }
    }
}

impl EndObserver for Exchange {
    fn body_ended(&self, end: BodyEnd) {
        self.finish(Disposition::Relayed, end);
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        // Neither a body end nor a failure finished it (a future dropped
        // mid-flight: the client went away before the answer's head).
        self.finish(Disposition::Failed("abandoned"), BodyEnd::Abandoned);
    }
}
