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
//! # One mechanism, one table per era
//! The legacy (2025-11-25) and current (2026-07-28) task designs differ only
//! in *where* ids sit, so each era's [`Dialect`](crate::mcp::dialect::Dialect)
//! holds a table of [`Location`]s ([`LEGACY`], [`CURRENT`], re-exported from
//! [`crate::mcp::dialect`], where they live with the rest of each era's
//! description) and one walker ([`rewrite`], read-only twin [`find`])
//! interprets any table. A location says: which direction, which message
//! ([`Selector`]), which JSON path ([`Seg`]), what kind of value sits there
//! ([`Role`]), and optionally a guard (`when`, e.g. `resultType == "task"`).
//!
//! # Both generations on every message
//! The declared version decides the era, but it does not decide what a
//! server reads: a dual-generation server dispatches by method name, so a
//! request that declares one generation can carry the other's task
//! messages. The walker therefore applies [`governed`]`(era)`: every row of
//! every dialect's table, the declared era's rows first (where two rows name the same
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

mod precheck;
mod walk;

pub use crate::mcp::dialect::{
    CURRENT_LOCATIONS as CURRENT, Direction, LEGACY_LOCATIONS as LEGACY, Location, Role, Seg,
    Selector,
};
pub use precheck::may_need_rewrite;
pub use walk::{find, rewrite};
#[cfg(test)]
use walk::{find_in, rewrite_in};

use crate::mcp::Era;

/// The mapping [`rewrite`] applies: `map(role, value)` returns `Ok(Some(new))`
/// to replace the value, `Ok(None)` to keep it, `Err(e)` to abort the walk.
pub type Mapping<'a, E> = dyn FnMut(Role, &str) -> Result<Option<String>, E> + 'a;

/// The location table of an era: the locations that era's messages use
/// (its dialect's).
pub fn locations(era: Era) -> &'static [Location] {
    era.dialect().locations
}

/// The locations governed on a message of a request that declared `era`:
/// every dialect's table, `era`'s first (see the module docs).
pub fn governed(era: Era) -> &'static [Location] {
    era.dialect().governed
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
