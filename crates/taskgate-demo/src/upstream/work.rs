//! Task execution: turning a task-capable tool call into a task and running
//! it in the background until it ends.
//!
//! Invariants: every status change a worker makes is announced through
//! [`State::task_changed`]; a worker stops as soon as its task is cancelled
//! (or expires) or the server shuts down, and never touches a task that is
//! already terminal (the store refuses).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::rpc::RpcError;
use super::state::State;
use super::tasks::{InputRequest, Outcome, Reply, Snapshot};
use super::tools::{self, Call};
use crate::protocol::{code, method};

/// The key of `confirm_action`'s input request (extension `inputRequests`).
pub(crate) const CONFIRM_KEY: &str = "confirm";

/// Creates a task for `call` and starts it; returns the task as created
/// (`working`), which is what the `CreateTaskResult` reports.
///
/// `confirm_action` moves to `input_required` before this returns, so the
/// very next `tasks/get` already shows the question.
pub(crate) fn start(
    state: &Arc<State>,
    session: Option<String>,
    ttl_ms: u64,
    call: Call,
) -> Snapshot {
    let message = match &call {
        Call::SlowReport { topic, .. } | Call::FailReport(topic) => {
            format!("writing a report on {topic}")
        }
        Call::ConfirmAction(action) => format!("preparing to {action}"),
        Call::Echo(_) | Call::Add(..) => "working".to_owned(),
    };
    let (created, cancel) = state.tasks.create(session.clone(), ttl_ms, Some(message));
    state.task_changed(&created);
    if let Some(session) = &session {
        state
            .sessions
            .log(session, "info", &format!("{} created", created.id));
    }
    let id = created.id.clone();
    match call {
        Call::SlowReport { topic, seconds } => {
            tokio::spawn(slow_report(state.clone(), id, topic, seconds, cancel));
        }
        Call::FailReport(topic) => {
            let err = RpcError::new(code::INTERNAL_ERROR, tools::failure_text(&topic));
            finish(state, &id, Outcome::Error(err), "report generation failed");
        }
        Call::ConfirmAction(action) => {
            let input = InputRequest {
                key: CONFIRM_KEY.to_owned(),
                method: method::ELICITATION_CREATE.to_owned(),
                params: tools::confirm_elicitation(&action),
            };
            let waiting = format!("waiting for confirmation to {action}");
            if let Some((snap, answer)) = state.tasks.await_input(&id, input, Some(waiting)) {
                state.task_changed(&snap);
                tokio::spawn(confirm_action(state.clone(), id, action, answer, cancel));
            }
        }
        Call::Echo(text) => finish(
            state,
            &id,
            Outcome::Result(tools::text_result(text)),
            "done",
        ),
        Call::Add(a, b) => finish(state, &id, Outcome::Result(tools::add_result(a, b)), "done"),
    }
    created
}

fn finish(state: &State, id: &str, outcome: Outcome, message: &str) {
    if let Some(snap) = state.tasks.finish(id, outcome, Some(message.to_owned())) {
        state.task_changed(&snap);
    }
}

async fn slow_report(
    state: Arc<State>,
    id: String,
    topic: String,
    seconds: f64,
    cancel: CancellationToken,
) {
    tokio::select! {
        () = tokio::time::sleep(Duration::from_secs_f64(seconds)) => {
            let result = tools::report_result(&topic, seconds);
            finish(&state, &id, Outcome::Result(result), "report ready");
        }
        () = cancel.cancelled() => {}
        () = state.shutdown.cancelled() => {}
    }
}

async fn confirm_action(
    state: Arc<State>,
    id: String,
    action: String,
    answer: oneshot::Receiver<Reply>,
    cancel: CancellationToken,
) {
    let answer = tokio::select! {
        answer = answer => answer.ok(),
        () = cancel.cancelled() => None,
        () = state.shutdown.cancelled() => None,
    };
    // No answer: the task was cancelled or expired, or the server is stopping.
    let Some(answer) = answer else {
        return;
    };
    if let Some(snap) = state.tasks.resume(&id, Some("answer received".to_owned())) {
        state.task_changed(&snap);
    }
    let result = tools::confirm_result(&action, &answer);
    finish(&state, &id, Outcome::Result(result), "done");
}
