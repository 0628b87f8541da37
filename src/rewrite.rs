//! Task-id rewriting: every place a task id can appear in MCP traffic
//! (`mcp-protocol.md` §8.1), described as data, and one walker that applies a
//! mapping to those places in either direction.
//!
//! Where it sits: steps 5 and 6 of the request flow. On the way to the
//! upstream the gateway resolves its handles back to upstream ids; on the way
//! to the client (JSON bodies and each SSE event) it replaces upstream ids
//! with handles. This module only finds the values and swaps them; what a
//! value becomes (sealing, opening, binding, audit) is the caller's `map`.
//!
//! # One mechanism, two descriptions
//! The legacy (2025-11-25) and current (2026-07-28) task designs differ only
//! in *where* ids sit, so each era is a table of [`Location`]s ([`LEGACY`],
//! [`CURRENT`]) and one walker ([`rewrite`], read-only twin [`find`])
//! interprets either table. A location says: which direction, which message
//! ([`Selector`]), which JSON path ([`Seg`]), what kind of value sits there
//! ([`Role`]), and optionally a guard (`when`, e.g. `resultType == "task"`).
//!
//! # Both generations on every message
//! The declared version decides the era, but it does not decide what a
//! server reads: a dual-generation server dispatches by method name, so a
//! request that declares one generation can carry the other's task
//! messages. The walker therefore applies [`governed`]`(era)`: every row of
//! both tables, the declared era's rows first (where two rows name the same
//! path for the same message, the declared era's role wins). Every
//! task-bearing location of either generation is found on every message, in
//! both directions, whatever version was declared.
//!
//! # Invariants
//! - Only strings at a matching location are touched; any other JSON value
//!   there is left alone, `Each` over a non-array matches nothing, and no
//!   input can make the walker panic (paths are static and a few segments
//!   deep, so there is no recursion on input depth).
//! - A value is mapped at most once per call: when two locations of a table
//!   name the same path for the same message, the first one in table order
//!   wins (two different paths can never reach the same value).
//! - Guards are evaluated on the message as received, before any value is
//!   replaced.
//! - [`ResponseTo`](Selector::ResponseTo) matches only when the caller says
//!   which request the response answers; rows whose shape is unambiguous
//!   (task creation results, related-task `_meta`) use `AnyResponse` so they
//!   are found even when the request method is not known.
//! - [`may_need_rewrite`] is sound for both tables: it is false only when
//!   [`find`] would find nothing, so a body it clears is forwarded byte for
//!   byte without being parsed.
//!
//! # What is deliberately not rewritten
//! - **M8, ids echoed in error text.** Error messages are free text; the
//!   gateway does not parse prose. It answers unknown, foreign and expired
//!   handles itself (`-32602`) before anything reaches the upstream, so an
//!   upstream error that still mentions an upstream id can only concern the
//!   caller's own task. Known limitation: such text may carry the raw
//!   upstream id to its owner.
//! - **M9, free-form content** (`content`, `structuredContent`,
//!   `statusMessage`, tool arguments, the inline `result`/`error` of a
//!   `tasks/get` result or `notifications/tasks`, the legacy
//!   `model-immediate-response` string). It is user and model data: rewriting
//!   strings that merely look like ids would corrupt it. A handle the model
//!   passes back as a tool argument stays a handle; the upstream sees it as
//!   opaque text.
//! - **M10, `tasks/update` `inputResponses`.** It is user data keyed by the
//!   task's `inputRequests` keys, not by task ids; the task it belongs to is
//!   `params.taskId` (M2), which is rewritten.
//! - **Headers** (`Mcp-Name` for M2) are not JSON; the caller rewrites the
//!   header from the resolved `params.taskId`.
//! - **L10** carries no id yet (`params.task = {ttl}`); **L15** is about SSE
//!   replay and session ids, not JSON locations. Progress tokens (L9) and
//!   `_meta` subscription ids (M6) are not task ids.
//! - **Client cursors of a client-hosted `tasks/list`** (L12/L13) are passed
//!   through: they travel only between the client that minted them and the
//!   upstream session that asked, and name nothing of another principal.

mod locations;
mod precheck;
mod walk;

pub use locations::{CURRENT, GOVERNED_CURRENT, GOVERNED_LEGACY, LEGACY};
pub use precheck::may_need_rewrite;
pub use walk::{find, rewrite};
#[cfg(test)]
use walk::{find_in, rewrite_in};

use crate::mcp::Era;

/// Which way a message travels through the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Upstream → client (S→C in §8.1): server-minted ids become handles
    /// (and handles of client-hosted tasks turn back into client ids).
    ToClient,
    /// Client → upstream (C→S in §8.1): handles become server-minted ids
    /// (and client-minted ids of hosted tasks become handles).
    ToUpstream,
}

/// What sits at a location, so the gateway can treat each kind correctly.
///
/// The direction and the role together say what the mapping must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A server-minted task id (gateway mints a handle ToClient, resolves it
    /// ToUpstream).
    ServerTask,
    /// A client-minted task id of a legacy client-hosted task (L10–L14): the
    /// gateway mints a handle ToUpstream (the upstream only ever sees
    /// handles, so ids of different clients cannot collide there) and
    /// resolves it ToClient.
    ClientTask,
    /// A related-task reference whose minting side is not known from the
    /// location alone (legacy related-task `_meta` on a client's POSTed
    /// response can name either kind; on a server request it names a server
    /// task for `elicitation/create`, a client-hosted one for `tasks/result`).
    /// The mapping tries to open the value as a handle of the kind that
    /// travels the other way and otherwise treats it as the sender's own id.
    RelatedTask,
    /// An opaque pagination cursor of legacy `tasks/list` (L5), minted by the
    /// upstream: a handle ToClient, resolved ToUpstream.
    ListCursor,
}

/// Which messages a [`Location`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Selector {
    /// A request (`method` and `id`) with this method.
    Request(&'static str),
    /// A notification (`method`, no `id`) with this method.
    Notification(&'static str),
    /// A response to a request with this method; matches only when the
    /// caller supplies the request method.
    ResponseTo(&'static str),
    /// Any request.
    AnyRequest,
    /// Any notification.
    AnyNotification,
    /// Any response (`result` or `error`, and `id`, no `method`).
    AnyResponse,
    /// Any request, notification or response.
    Any,
}

/// One step of a [`Location`] path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Seg {
    /// The member of an object with this key.
    Key(&'static str),
    /// Every element of an array.
    Each,
}

/// One place a task id (or a cursor) can sit, for one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// The direction the message travels.
    pub direction: Direction,
    /// Which messages carry it.
    pub on: Selector,
    /// Path from the whole JSON-RPC message object to the string.
    pub path: &'static [Seg],
    /// What the string is.
    pub role: Role,
    /// A guard: the location applies only if the value at this path (no
    /// `Each`) is a string equal to this one.
    pub when: Option<(&'static [Seg], &'static str)>,
    /// The §8.1 row (`"M1"`, `"L5"`, …), or `"§2.6"` for the related-task
    /// rows that only the general rule of §2.6 calls for.
    pub id: &'static str,
}

/// The mapping [`rewrite`] applies: `map(role, value)` returns `Ok(Some(new))`
/// to replace the value, `Ok(None)` to keep it, `Err(e)` to abort the walk.
pub type Mapping<'a, E> = dyn FnMut(Role, &str) -> Result<Option<String>, E> + 'a;

/// The location table of an era: the locations that era's messages use.
pub fn locations(era: Era) -> &'static [Location] {
    match era {
        Era::Legacy => LEGACY,
        Era::Current => CURRENT,
    }
}

/// The locations governed on a message of a request that declared `era`:
/// both tables, `era`'s first (see the module docs).
pub fn governed(era: Era) -> &'static [Location] {
    match era {
        Era::Legacy => &GOVERNED_LEGACY,
        Era::Current => &GOVERNED_CURRENT,
    }
}

#[cfg(test)]
mod current_tests;
#[cfg(test)]
mod governed_tests;
#[cfg(test)]
mod legacy_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
