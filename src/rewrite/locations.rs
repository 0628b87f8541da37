//! The two location tables: `mcp-protocol.md` §8.1 as data.
//!
//! Each row's `id` names the §8.1 row it encodes; a row id may span several
//! entries (one per method). Table order matters only where two entries name
//! the same path for the same message: the first wins (see the parent module).

use super::Direction::{ToClient, ToUpstream};
use super::Role::{ClientTask, ListCursor, RelatedTask, ServerTask};
use super::Seg::{Each, Key};
use super::Selector::{
    Any, AnyNotification, AnyRequest, AnyResponse, Notification, Request, ResponseTo,
};
use super::{Location, Seg};
use crate::mcp::meta::{RELATED_TASK, RELATED_TASK_IDS};
use crate::mcp::method::{
    NOTIFY_SUBSCRIPTIONS_ACKNOWLEDGED as NOTIFY_ACKNOWLEDGED, NOTIFY_TASKS, NOTIFY_TASKS_STATUS,
    SUBSCRIPTIONS_LISTEN, TASKS_CANCEL, TASKS_GET, TASKS_LIST, TASKS_RESULT, TASKS_UPDATE,
};

// Paths shared by several rows.
const PARAMS_TASK_ID: &[Seg] = &[Key("params"), Key("taskId")];
const RESULT_TASK_ID: &[Seg] = &[Key("result"), Key("taskId")];
const RESULT_TASK_TASK_ID: &[Seg] = &[Key("result"), Key("task"), Key("taskId")];
const RESULT_TASKS_EACH_TASK_ID: &[Seg] = &[Key("result"), Key("tasks"), Each, Key("taskId")];
const PARAMS_RELATED: &[Seg] = &[
    Key("params"),
    Key("_meta"),
    Key(RELATED_TASK),
    Key("taskId"),
];
const RESULT_RELATED: &[Seg] = &[
    Key("result"),
    Key("_meta"),
    Key(RELATED_TASK),
    Key("taskId"),
];
const LISTEN_TASK_IDS: &[Seg] = &[Key("params"), Key("notifications"), Key("taskIds"), Each];
const RESULT_TYPE: &[Seg] = &[Key("result"), Key("resultType")];
const RESULT_NEXT_CURSOR: &[Seg] = &[Key("result"), Key("nextCursor")];
const PARAMS_CURSOR: &[Seg] = &[Key("params"), Key("cursor")];
const PARAMS_RELATED_TASK_IDS: &[Seg] = &[Key("params"), Key("_meta"), Key(RELATED_TASK_IDS), Each];

/// Shorthand for a row without a guard.
const fn at(
    id: &'static str,
    direction: super::Direction,
    on: super::Selector,
    path: &'static [Seg],
    role: super::Role,
) -> Location {
    Location {
        direction,
        on,
        path,
        role,
        when: None,
        id,
    }
}

/// Legacy experimental core tasks (2025-11-25): every row of L1–L14 that
/// carries an id in JSON. L10 (`params.task = {ttl}`, no id yet) and L15 (SSE
/// replay, session ids) have none.
#[rustfmt::skip] // one row per line reads as the table it is
pub static LEGACY: &[Location] = &[
    // L1: CreateTaskResult, wrapped. Only task creation has `result.task`
    // in an S→C response, so the shape decides, not the request method.
    at("L1", ToClient, AnyResponse, RESULT_TASK_TASK_ID, ServerTask),
    // L2: the client polls, fetches, cancels a server task.
    at("L2", ToUpstream, Request(TASKS_GET), PARAMS_TASK_ID, ServerTask),
    at("L2", ToUpstream, Request(TASKS_RESULT), PARAMS_TASK_ID, ServerTask),
    at("L2", ToUpstream, Request(TASKS_CANCEL), PARAMS_TASK_ID, ServerTask),
    // L3: the flat Task of a tasks/get or tasks/cancel result.
    at("L3", ToClient, ResponseTo(TASKS_GET), RESULT_TASK_ID, ServerTask),
    at("L3", ToClient, ResponseTo(TASKS_CANCEL), RESULT_TASK_ID, ServerTask),
    // L4: related-task on the tasks/result response, and (§2.6) on every
    // other response tied to a task; S→C responses answer client requests,
    // which only ever concern server tasks.
    at("L4", ToClient, AnyResponse, RESULT_RELATED, ServerTask),
    // L5: tasks/list against the server: ids and the opaque cursor.
    at("L5", ToClient, ResponseTo(TASKS_LIST), RESULT_TASKS_EACH_TASK_ID, ServerTask),
    at("L5", ToClient, ResponseTo(TASKS_LIST), RESULT_NEXT_CURSOR, ListCursor),
    at("L5", ToUpstream, Request(TASKS_LIST), PARAMS_CURSOR, ListCursor),
    // L6: the server's status notification.
    at("L6", ToClient, Notification(NOTIFY_TASKS_STATUS), PARAMS_TASK_ID, ServerTask),
    // L7: related-task on server requests: elicitation/sampling/roots during
    // input_required name a server task, a server-sent tasks/result may name
    // a client-hosted one.
    at("L7", ToClient, AnyRequest, PARAMS_RELATED, RelatedTask),
    // L8 (and L13): related-task on the client's POSTed responses, naming
    // the server task it answers for, or its own hosted task.
    at("L8", ToUpstream, AnyResponse, RESULT_RELATED, RelatedTask),
    // L9: related-task on the server's task notifications (progress, message).
    at("L9", ToClient, AnyNotification, PARAMS_RELATED, ServerTask),
    // §2.6: related-task on every other message tied to a task. Client
    // requests concern server tasks; client notifications may concern
    // either (cancelled for a server task, progress for a hosted one).
    at("§2.6", ToUpstream, AnyRequest, PARAMS_RELATED, ServerTask),
    at("§2.6", ToUpstream, AnyNotification, PARAMS_RELATED, RelatedTask),
    // L11: the client's CreateTaskResult for a task-augmented sampling or
    // elicitation request. Only it has `result.task` in a C→S response.
    at("L11", ToUpstream, AnyResponse, RESULT_TASK_TASK_ID, ClientTask),
    // L12: the server polls, fetches, cancels a client-hosted task. (The
    // cursor of a server-sent tasks/list is the client's own: passed through.)
    at("L12", ToClient, Request(TASKS_GET), PARAMS_TASK_ID, ClientTask),
    at("L12", ToClient, Request(TASKS_RESULT), PARAMS_TASK_ID, ClientTask),
    at("L12", ToClient, Request(TASKS_CANCEL), PARAMS_TASK_ID, ClientTask),
    // L13: the client's answers to L12 (its related-task `_meta` is L8).
    at("L13", ToUpstream, ResponseTo(TASKS_GET), RESULT_TASK_ID, ClientTask),
    at("L13", ToUpstream, ResponseTo(TASKS_CANCEL), RESULT_TASK_ID, ClientTask),
    at("L13", ToUpstream, ResponseTo(TASKS_LIST), RESULT_TASKS_EACH_TASK_ID, ClientTask),
    // L14: the client's status notification for a task it hosts.
    at("L14", ToUpstream, Notification(NOTIFY_TASKS_STATUS), PARAMS_TASK_ID, ClientTask),
];

/// Current-era tasks extension (2026-07-28): every row of M1–M7 and M11.
/// M8–M10 are not rewritten (see the parent module). There are no
/// client-hosted tasks, so every id is a [`ServerTask`].
#[rustfmt::skip] // one row per line reads as the table it is
pub static CURRENT: &[Location] = &[
    // M1: CreateTaskResult, flat, recognised by its reserved resultType on
    // any response (tools/call today; more methods may become augmentable).
    Location { when: Some((RESULT_TYPE, "task")), ..at("M1", ToClient, AnyResponse, RESULT_TASK_ID, ServerTask) },
    // M2: the task operations (the `Mcp-Name` header is the caller's).
    at("M2", ToUpstream, Request(TASKS_GET), PARAMS_TASK_ID, ServerTask),
    at("M2", ToUpstream, Request(TASKS_UPDATE), PARAMS_TASK_ID, ServerTask),
    at("M2", ToUpstream, Request(TASKS_CANCEL), PARAMS_TASK_ID, ServerTask),
    // M3: the DetailedTask of a tasks/get result (its inline result, error
    // and inputRequests are payload).
    at("M3", ToClient, ResponseTo(TASKS_GET), RESULT_TASK_ID, ServerTask),
    // M4, M5: the listen filter and the acknowledgement echo.
    at("M4", ToUpstream, Request(SUBSCRIPTIONS_LISTEN), LISTEN_TASK_IDS, ServerTask),
    at("M5", ToClient, Notification(NOTIFY_ACKNOWLEDGED), LISTEN_TASK_IDS, ServerTask),
    // M6: the status notification on the listen stream.
    at("M6", ToClient, Notification(NOTIFY_TASKS), PARAMS_TASK_ID, ServerTask),
    // M7: advisory related task ids on any client request (§1.10).
    at("M7", ToUpstream, AnyRequest, PARAMS_RELATED_TASK_IDS, ServerTask),
    // M11: legacy-tolerant SDK drift: the old notification name and the
    // related-task `_meta`, on any message in either direction.
    at("M11", ToClient, Notification(NOTIFY_TASKS_STATUS), PARAMS_TASK_ID, ServerTask),
    at("M11", ToClient, Any, PARAMS_RELATED, ServerTask),
    at("M11", ToClient, Any, RESULT_RELATED, ServerTask),
    at("M11", ToUpstream, Any, PARAMS_RELATED, ServerTask),
    at("M11", ToUpstream, Any, RESULT_RELATED, ServerTask),
];

/// Rows in both tables together.
const BOTH: usize = LEGACY.len() + CURRENT.len();

/// What the gateway governs on a request that declares the legacy era: every
/// row of both generations, the legacy rows first (so where two rows name
/// the same path for the same message, the declared era's role wins).
pub static GOVERNED_LEGACY: [Location; BOTH] = union(LEGACY, CURRENT);
/// As [`GOVERNED_LEGACY`], for a request that declares the current era.
pub static GOVERNED_CURRENT: [Location; BOTH] = union(CURRENT, LEGACY);

/// `first` followed by `second`, as one array of `N` rows.
const fn union<const N: usize>(first: &[Location], second: &[Location]) -> [Location; N] {
    assert!(first.len() + second.len() == N);
    let mut rows = [first[0]; N];
    let mut i = 0;
    while i < first.len() {
        rows[i] = first[i];
        i += 1;
    }
    let mut j = 0;
    while j < second.len() {
        rows[i + j] = second[j];
        j += 1;
    }
    rows
}
