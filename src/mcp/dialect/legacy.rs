//! The legacy dialect: experimental core tasks (2025-11-25), and the earlier
//! versions of the same generation (sessions, `initialize`).

use http::StatusCode;

use super::Direction::{ToClient, ToUpstream};
use super::Role::{ClientTask, ListCursor, RelatedTask, ServerTask};
use super::Selector::{
    AnyNotification, AnyRequest, AnyResponse, Notification, Request, ResponseTo,
};
use super::location::{at, governed};
use super::paths::*;
use super::{
    CURRENT_LOCATIONS, CapabilityRule, Dialect, GOVERNED_ROWS, Listing, Location, OptIn,
    TaskFields, TaskObjectAt, TaskObjectOn, Transport,
};
use crate::mcp::Era;
use crate::mcp::method::{
    INITIALIZE, NOTIFY_TASKS_STATUS, SUBSCRIPTIONS_LISTEN, TASKS_CANCEL, TASKS_GET, TASKS_LIST,
    TASKS_RESULT, TASKS_UPDATE, TOOLS_CALL,
};
use crate::mcp::version::{V2025_03_26, V2025_06_18, V2025_11_25};

/// L1: CreateTaskResult, wrapped. Only task creation has `result.task` in an
/// S→C response, so the shape decides, not the request method.
const CREATION: Location = at("L1", ToClient, AnyResponse, RESULT_TASK_TASK_ID, ServerTask);

/// Every row of L1–L14 that carries an id in JSON (`mcp-protocol.md` §8.1).
/// L10 (`params.task = {ttl}`, no id yet) and L15 (SSE replay, session ids)
/// have none. Each row's `id` names the §8.1 row it encodes; a row id may
/// span several entries (one per method). Where two entries name the same
/// path for the same message, the first wins.
#[rustfmt::skip] // one row per line reads as the table it is
pub static LOCATIONS: &[Location] = &[
    CREATION,
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

/// What a request declaring the legacy era governs: [`LOCATIONS`], then
/// the current generation's.
pub(super) static GOVERNED: [Location; GOVERNED_ROWS] = governed(LOCATIONS, &[CURRENT_LOCATIONS]);

/// The legacy dialect.
pub static LEGACY: Dialect = Dialect {
    era: Era::Legacy,
    label: "legacy",
    versions: &[V2025_03_26, V2025_06_18, V2025_11_25],
    locations: LOCATIONS,
    governed: &GOVERNED,
    creation: &CREATION,
    task_objects: &[
        // L3: a tasks/get or tasks/cancel result is a flat Task.
        TaskObjectAt {
            on: TaskObjectOn::ResponseTo(TASKS_GET),
            path: RESULT,
        },
        TaskObjectAt {
            on: TaskObjectOn::ResponseTo(TASKS_CANCEL),
            path: RESULT,
        },
        // L5: each item of a tasks/list result.
        TaskObjectAt {
            on: TaskObjectOn::ResponseTo(TASKS_LIST),
            path: RESULT_TASKS_EACH,
        },
        // L6: the status notification's params are a Task.
        TaskObjectAt {
            on: TaskObjectOn::Method(NOTIFY_TASKS_STATUS),
            path: PARAMS,
        },
    ],
    task_fields: TaskFields {
        id: "taskId",
        status: "status",
        ttl: "ttl",
        poll_interval: "pollInterval",
        created_at: "createdAt",
        last_updated_at: "lastUpdatedAt",
    },
    terminal_statuses: &["completed", "failed", "cancelled"],
    answered_once_terminal: &[TASKS_RESULT],
    listings: &[Listing {
        answers: TASKS_LIST,
        items: RESULT_TASKS,
    }],
    task_methods: &[TASKS_GET, TASKS_RESULT, TASKS_LIST, TASKS_CANCEL],
    // No tasks/update (input is answered by responses to the server's
    // requests) and no subscriptions/listen.
    absent_task_methods: &[TASKS_UPDATE, SUBSCRIPTIONS_LISTEN],
    augmentable: &[TOOLS_CALL],
    multi_round_trip: false,
    opt_in: OptIn::TaskParam,
    requested_ttl: Some(PARAMS_TASK_TTL),
    capability: CapabilityRule {
        declared_on: Some(INITIALIZE),
        declared_at: PARAMS_CAPABILITIES,
        advertised_in: INITIALIZE,
        member: TASKS_MEMBER,
        required_by: &[],
    },
    transport: Transport {
        version_header_required: false,
        mirrored_headers: false,
        client_responses: true,
        absent_method_status: StatusCode::OK,
    },
};
