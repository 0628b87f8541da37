//! Paths that several rows or both dialects share, so a path is spelled once.

use super::Seg::{self, Each, Key};
use crate::mcp::meta::{CLIENT_CAPABILITIES, RELATED_TASK, RELATED_TASK_IDS, TASKS_EXTENSION};

pub(super) const PARAMS: &[Seg] = &[Key("params")];
pub(super) const RESULT: &[Seg] = &[Key("result")];
pub(super) const PARAMS_TASK_ID: &[Seg] = &[Key("params"), Key("taskId")];
pub(super) const RESULT_TASK_ID: &[Seg] = &[Key("result"), Key("taskId")];
pub(super) const RESULT_TASK_TASK_ID: &[Seg] = &[Key("result"), Key("task"), Key("taskId")];
pub(super) const RESULT_TASKS: &[Seg] = &[Key("result"), Key("tasks")];
pub(super) const RESULT_TASKS_EACH: &[Seg] = &[Key("result"), Key("tasks"), Each];
pub(super) const RESULT_TASKS_EACH_TASK_ID: &[Seg] =
    &[Key("result"), Key("tasks"), Each, Key("taskId")];
pub(super) const PARAMS_RELATED: &[Seg] = &[
    Key("params"),
    Key("_meta"),
    Key(RELATED_TASK),
    Key("taskId"),
];
pub(super) const RESULT_RELATED: &[Seg] = &[
    Key("result"),
    Key("_meta"),
    Key(RELATED_TASK),
    Key("taskId"),
];
pub(super) const LISTEN_TASK_IDS: &[Seg] =
    &[Key("params"), Key("notifications"), Key("taskIds"), Each];
pub(super) const RESULT_TYPE: &[Seg] = &[Key("result"), Key("resultType")];
pub(super) const RESULT_NEXT_CURSOR: &[Seg] = &[Key("result"), Key("nextCursor")];
pub(super) const PARAMS_CURSOR: &[Seg] = &[Key("params"), Key("cursor")];
pub(super) const PARAMS_RELATED_TASK_IDS: &[Seg] =
    &[Key("params"), Key("_meta"), Key(RELATED_TASK_IDS), Each];

/// Legacy task augmentation: `params.task` (`{ttl?}`).
pub(super) const PARAMS_TASK: &[Seg] = &[Key("params"), Key("task")];
/// The TTL a legacy task-augmented request asks for.
pub(super) const PARAMS_TASK_TTL: &[Seg] = &[Key("params"), Key("task"), Key("ttl")];
/// Legacy client capabilities, declared once in `initialize`.
pub(super) const PARAMS_CAPABILITIES: &[Seg] = &[Key("params"), Key("capabilities")];
/// Current-era client capabilities, declared in every request's `_meta`.
pub(super) const META_CLIENT_CAPABILITIES: &[Seg] =
    &[Key("params"), Key("_meta"), Key(CLIENT_CAPABILITIES)];
/// The current-era opt-in: the tasks extension in the request's own `_meta`
/// client capabilities.
pub(super) const META_TASKS_EXTENSION: &[Seg] = &[
    Key("params"),
    Key("_meta"),
    Key(CLIENT_CAPABILITIES),
    Key("extensions"),
    Key(TASKS_EXTENSION),
];
/// Legacy task support inside a capabilities object.
pub(super) const TASKS_MEMBER: &[Seg] = &[Key("tasks")];
/// Current-era task support inside a capabilities object.
pub(super) const TASKS_EXTENSION_MEMBER: &[Seg] = &[Key("extensions"), Key(TASKS_EXTENSION)];
