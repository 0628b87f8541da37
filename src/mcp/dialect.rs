//! One static [`Dialect`] per protocol generation ("era"): everything the
//! task rules need to know about how that generation speaks of tasks, as
//! data.
//!
//! [`Era`] stays the small `Copy` tag a request carries; [`Era::dialect`] is
//! the one place that turns it into its dialect. The task rules (`tasks`,
//! `rewrite`) read the dialect instead of matching on the era, so a third
//! generation is one more table here (and its tests), not new arms in every
//! rule.
//!
//! | field | [`LEGACY`] (2025-03-26 … 2025-11-25) | [`CURRENT`] (2026-07-28 …) |
//! | --- | --- | --- |
//! | `locations` | L1–L14 | M1–M7, M11 |
//! | `creation` (created task) | L1: `result.task` | M1: `result`, when `resultType` is `"task"` |
//! | `task_objects` | `tasks/get`, `tasks/cancel` result; `tasks/list` items; `notifications/tasks/status` params | `tasks/get` result; `notifications/tasks`, `notifications/tasks/status` params |
//! | `task_fields` ttl, poll | `ttl`, `pollInterval` | `ttlMs`, `pollIntervalMs` |
//! | `listings` | `tasks/list` | none |
//! | `answered_once_terminal` | `tasks/result` | none |
//! | `task_methods` | `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel` | `tasks/get`, `tasks/update`, `tasks/cancel`, `subscriptions/listen` |
//! | `absent_task_methods` | `tasks/update`, `subscriptions/listen` | `tasks/result`, `tasks/list` |
//! | `opt_in` | `params.task` | the tasks extension in the request's `_meta` client capabilities |
//! | `requested_ttl` | `params.task.ttl` | none |
//! | `multi_round_trip` (`requestState`) | no | yes |
//! | `capability` | declared in `initialize`, advertised in its result, member `tasks` | declared in every request's `_meta`, advertised by `server/discover`, member `extensions["io.modelcontextprotocol/tasks"]`; required by the task operations |
//! | `transport` | version header optional, no mirrored headers, client responses, absent method `200` | version header required, `Mcp-Method`/`Mcp-Name` mirrored, no client responses, absent method `404` |
//!
//! Invariants (checked by the tests, so a new table cannot break them):
//! every row of a dialect's `locations` is found in its `governed` table
//! before any other dialect's; the `creation` row is one of its
//! `locations`; every Task object place has the location row of its id; the
//! absent methods are exactly the other dialects' task methods this one
//! does not have; versions are ordered across dialects.

mod current;
mod legacy;
mod location;
mod paths;

pub use current::{CURRENT, LOCATIONS as CURRENT_LOCATIONS};
pub use legacy::{LEGACY, LOCATIONS as LEGACY_LOCATIONS};
pub use location::{
    Direction, Location, Role, Seg, Selector, object_at_mut, remove_at, value_at, value_at_mut,
    values_at_mut,
};

use http::StatusCode;

use super::Era;
use super::method::SUBSCRIPTIONS_LISTEN;

/// Every dialect, oldest generation first.
pub static ALL: [&Dialect; 2] = [&LEGACY, &CURRENT];

/// Rows in all location tables together: the size of every `governed` table.
pub const GOVERNED_ROWS: usize = LEGACY_LOCATIONS.len() + CURRENT_LOCATIONS.len();

/// How one protocol generation speaks of tasks.
#[derive(Debug)]
pub struct Dialect {
    /// The tag of this generation.
    pub era: Era,
    /// Stable lower-case label for logs and metrics.
    pub label: &'static str,
    /// The versions of this generation the gateway knows, oldest first. The
    /// first is where the generation begins ([`Dialect::of_version`]).
    pub versions: &'static [&'static str],
    /// Where task ids (and list cursors) sit in this generation's messages
    /// (`mcp-protocol.md` §8.1).
    pub locations: &'static [Location],
    /// What is governed on a message of a request declaring this era: this
    /// table, then every other dialect's (a dual-generation server dispatches
    /// by method name, whatever the declared version), so where two rows
    /// name the same place, this generation's role wins.
    pub governed: &'static [Location],
    /// The row of [`locations`](Self::locations) where a task-creating
    /// response puts the new task's id; the created Task object is the
    /// object holding it ([`Dialect::created_task_at`]).
    pub creation: &'static Location,
    /// Where a full Task object sits, besides the created one.
    pub task_objects: &'static [TaskObjectAt],
    /// Member names of a Task object.
    pub task_fields: TaskFields,
    /// The statuses after which a task never changes.
    pub terminal_statuses: &'static [&'static str],
    /// Requests answered only once their task is terminal (legacy
    /// `tasks/result` blocks until then), so a result means terminal.
    pub answered_once_terminal: &'static [&'static str],
    /// Listings of tasks, narrowed to the caller's own before ids are sealed.
    pub listings: &'static [Listing],
    /// The task methods this generation has (both directions).
    pub task_methods: &'static [&'static str],
    /// Task methods of other generations this one lacks: a server of this
    /// era answers them `-32601`.
    pub absent_task_methods: &'static [&'static str],
    /// Requests a client may ask to run as a task.
    pub augmentable: &'static [&'static str],
    /// Multi-round-trip requests (SEP-2322): a result may carry a
    /// `requestState` the client sends back on its retry.
    pub multi_round_trip: bool,
    /// How a client asks for a task.
    pub opt_in: OptIn,
    /// Where a task-augmented request states the TTL it asks for, if it can.
    pub requested_ttl: Option<&'static [Seg]>,
    /// Where task support is declared, advertised and required.
    pub capability: CapabilityRule,
    /// The era's transport rules (read by the pipeline).
    pub transport: Transport,
}

/// Member names of a Task object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskFields {
    /// The task id.
    pub id: &'static str,
    /// The status (`working`, `input_required`, a terminal one).
    pub status: &'static str,
    /// The granted TTL in milliseconds (`null`: unlimited).
    pub ttl: &'static str,
    /// The suggested poll interval in milliseconds.
    pub poll_interval: &'static str,
    /// Creation time (ISO 8601).
    pub created_at: &'static str,
    /// Last update time (ISO 8601).
    pub last_updated_at: &'static str,
}

/// One place a full Task object sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskObjectAt {
    /// Which messages carry it.
    pub on: TaskObjectOn,
    /// Path from the whole message to the object (`Each` fans out).
    pub path: &'static [Seg],
}

/// Which messages carry a Task object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskObjectOn {
    /// A message with this `method`.
    Method(&'static str),
    /// A response (a `result`, no string `method`) to a request with this
    /// method; found only when the request method is known.
    ResponseTo(&'static str),
}

/// A listing of tasks: the answer to `answers` holds an array of Task
/// objects at `items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    /// The request the listing answers.
    pub answers: &'static str,
    /// Path from the whole message to the array.
    pub items: &'static [Seg],
}

/// How a client asks for a task to be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptIn {
    /// `params.task` (`{ttl?}`) on the augmented request itself.
    TaskParam,
    /// The tasks extension in the request's own `_meta` client capabilities.
    TasksExtension,
}

/// Which opt-ins a request carries, as the request summary reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptIns {
    /// `params.task` is present.
    pub task_param: bool,
    /// The request's `_meta` client capabilities declare the tasks extension.
    pub tasks_extension: bool,
}

/// Where task support is declared (client), advertised (server) and
/// required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapabilityRule {
    /// The request on which a client declares its capabilities (`None`:
    /// every request, in its own `_meta`).
    pub declared_on: Option<&'static str>,
    /// Where that request carries the capabilities object.
    pub declared_at: &'static [Seg],
    /// The request whose result advertises the server's capabilities (at
    /// `result.capabilities`).
    pub advertised_in: &'static str,
    /// Where task support sits inside a capabilities object.
    pub member: &'static [Seg],
    /// Requests a client may send only when the request itself declares
    /// task support (`subscriptions/listen` only when it asks for task
    /// notifications); a server answers others `-32021`.
    pub required_by: &'static [&'static str],
}

/// The era's transport rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    /// Whether every request names its version in `MCP-Protocol-Version`
    /// (legacy: absent on `initialize` and from 2025-03-26 clients).
    pub version_header_required: bool,
    /// Whether requests mirror method and target into `Mcp-Method` and
    /// `Mcp-Name` (checked against the body; removed from requests of a
    /// generation without them).
    pub mirrored_headers: bool,
    /// Whether a client may POST JSON-RPC responses (answers to server
    /// requests).
    pub client_responses: bool,
    /// The HTTP status a server of this era sends with `-32601` for a
    /// method it does not have.
    pub absent_method_status: StatusCode,
}

impl Dialect {
    /// The dialect a well-formed version belongs to: the newest whose first
    /// version is at or before it (versions are ISO dates, so lexical order
    /// is chronological); a version older than every dialect is the oldest's.
    pub fn of_version(version: &str) -> &'static Dialect {
        ALL.iter()
            .rev()
            .find(|d| d.versions.first().is_some_and(|first| version >= *first))
            .copied()
            .unwrap_or(ALL[0])
    }

    /// Whether `method` is another generation's task method this one lacks.
    pub fn lacks_task_method(&self, method: &str) -> bool {
        self.absent_task_methods.contains(&method)
    }

    /// Whether `status` is terminal.
    pub fn is_terminal(&self, status: &str) -> bool {
        self.terminal_statuses.contains(&status)
    }

    /// Where the created Task object sits: the [`creation`](Self::creation)
    /// path without its last step (the id).
    pub fn created_task_at(&self) -> &'static [Seg] {
        let path = self.creation.path;
        path.split_last().map_or(path, |(_, parent)| parent)
    }

    /// Whether a request with `method`, carrying `opt_ins`, may create a task.
    pub fn may_create_task(&self, method: Option<&str>, opt_ins: OptIns) -> bool {
        method.is_some_and(|m| self.augmentable.contains(&m)) && self.opt_in.is_in(opt_ins)
    }

    /// Whether such a request may also state the TTL it asks for (which the
    /// gateway caps before forwarding).
    pub fn may_request_ttl(&self, method: Option<&str>, opt_ins: OptIns) -> bool {
        self.requested_ttl.is_some() && self.may_create_task(method, opt_ins)
    }

    /// The opt-ins of every other generation.
    pub fn foreign_opt_ins(&self) -> impl Iterator<Item = OptIn> + '_ {
        ALL.iter()
            .filter(move |d| d.era != self.era && d.opt_in != self.opt_in)
            .map(|d| d.opt_in)
    }

    /// Whether a request carries another generation's opt-in (removed before
    /// forwarding: the declared era's rules would not govern the task).
    pub fn carries_foreign_opt_in(&self, opt_ins: OptIns) -> bool {
        self.foreign_opt_ins().any(|o| o.is_in(opt_ins))
    }

    /// Whether a request with `method` must itself declare task support
    /// (`listens_for_tasks`: a `subscriptions/listen` asks for task
    /// notifications).
    pub fn requires_tasks_declaration(
        &self,
        method: Option<&str>,
        listens_for_tasks: bool,
    ) -> bool {
        method.is_some_and(|m| {
            self.capability.required_by.contains(&m)
                && (m != SUBSCRIPTIONS_LISTEN || listens_for_tasks)
        })
    }
}

/// Whether `method` is a task method of any generation.
pub fn is_task_method(method: &str) -> bool {
    ALL.iter().any(|d| d.task_methods.contains(&method))
}

// === impl TaskObjectOn ===

impl TaskObjectOn {
    /// Whether a message with `method` (a string `method` member), answering
    /// `request_method` when it is a response, is one of these.
    pub fn matches(self, method: Option<&str>, request_method: Option<&str>) -> bool {
        match (self, method) {
            (TaskObjectOn::Method(want), Some(method)) => want == method,
            (TaskObjectOn::ResponseTo(want), None) => request_method == Some(want),
            _ => false,
        }
    }
}

// === impl OptIn ===

impl OptIn {
    /// Where the opt-in sits in a request.
    pub const fn path(self) -> &'static [Seg] {
        match self {
            OptIn::TaskParam => paths::PARAMS_TASK,
            OptIn::TasksExtension => paths::META_TASKS_EXTENSION,
        }
    }

    /// Whether a request carrying `opt_ins` carries this one.
    pub const fn is_in(self, opt_ins: OptIns) -> bool {
        match self {
            OptIn::TaskParam => opt_ins.task_param,
            OptIn::TasksExtension => opt_ins.tasks_extension,
        }
    }
}

#[cfg(test)]
mod tests;
