//! The current dialect: the tasks extension (2026-07-28 and later),
//! stateless, with per-request `_meta`.

use http::StatusCode;

use super::Direction::{ToClient, ToUpstream};
use super::Role::ServerTask;
use super::Selector::{Any, AnyRequest, AnyResponse, Notification, Request, ResponseTo};
use super::location::{at, governed};
use super::paths::*;
use super::{
    CapabilityRule, Dialect, GOVERNED_ROWS, LEGACY_LOCATIONS, Location, OptIn, TaskFields,
    TaskObjectAt, TaskObjectOn, Transport,
};
use crate::mcp::Era;
use crate::mcp::method::{
    NOTIFY_SUBSCRIPTIONS_ACKNOWLEDGED as NOTIFY_ACKNOWLEDGED, NOTIFY_TASKS, NOTIFY_TASKS_STATUS,
    SERVER_DISCOVER, SUBSCRIPTIONS_LISTEN, TASKS_CANCEL, TASKS_GET, TASKS_LIST, TASKS_RESULT,
    TASKS_UPDATE, TOOLS_CALL,
};
use crate::mcp::version::V2026_07_28;

/// M1: CreateTaskResult, flat, recognised by its reserved resultType on any
/// response (tools/call today; more methods may become augmentable).
const CREATION: Location = Location {
    when: Some((RESULT_TYPE, "task")),
    ..at("M1", ToClient, AnyResponse, RESULT_TASK_ID, ServerTask)
};

/// Every row of M1–M7 and M11 (`mcp-protocol.md` §8.1). M8–M10 are not
/// rewritten (see `rewrite`). There are no client-hosted tasks, so every id
/// is a [`ServerTask`].
#[rustfmt::skip] // one row per line reads as the table it is
pub static LOCATIONS: &[Location] = &[
    CREATION,
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

/// What a request declaring the current era governs: [`LOCATIONS`], then
/// the legacy generation's.
pub(super) static GOVERNED: [Location; GOVERNED_ROWS] = governed(LOCATIONS, &[LEGACY_LOCATIONS]);

/// The current dialect.
pub static CURRENT: Dialect = Dialect {
    era: Era::Current,
    label: "current",
    versions: &[V2026_07_28],
    locations: LOCATIONS,
    governed: &GOVERNED,
    creation: &CREATION,
    task_objects: &[
        // M3: a tasks/get result is a DetailedTask.
        TaskObjectAt {
            on: TaskObjectOn::ResponseTo(TASKS_GET),
            path: RESULT,
        },
        // M6, M11: the status notifications' params are a Task.
        TaskObjectAt {
            on: TaskObjectOn::Method(NOTIFY_TASKS),
            path: PARAMS,
        },
        TaskObjectAt {
            on: TaskObjectOn::Method(NOTIFY_TASKS_STATUS),
            path: PARAMS,
        },
    ],
    task_fields: TaskFields {
        id: "taskId",
        status: "status",
        ttl: "ttlMs",
        poll_interval: "pollIntervalMs",
        created_at: "createdAt",
        last_updated_at: "lastUpdatedAt",
    },
    terminal_statuses: &["completed", "failed", "cancelled"],
    // tasks/get carries the result inline; nothing blocks until terminal.
    answered_once_terminal: &[],
    // tasks/list was removed.
    listings: &[],
    task_methods: &[TASKS_GET, TASKS_UPDATE, TASKS_CANCEL, SUBSCRIPTIONS_LISTEN],
    absent_task_methods: &[TASKS_RESULT, TASKS_LIST],
    augmentable: &[TOOLS_CALL],
    multi_round_trip: true,
    opt_in: OptIn::TasksExtension,
    requested_ttl: None,
    capability: CapabilityRule {
        declared_on: None,
        declared_at: META_CLIENT_CAPABILITIES,
        advertised_in: SERVER_DISCOVER,
        member: TASKS_EXTENSION_MEMBER,
        required_by: &[TASKS_GET, TASKS_UPDATE, TASKS_CANCEL, SUBSCRIPTIONS_LISTEN],
    },
    transport: Transport {
        version_header_required: true,
        mirrored_headers: true,
        client_responses: false,
        absent_method_status: StatusCode::NOT_FOUND,
    },
};
