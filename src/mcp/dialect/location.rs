//! The vocabulary the dialect tables are written in: a [`Location`] says
//! where one task id (or cursor) sits in one kind of message, and a path of
//! [`Seg`]s says where any member sits.
//!
//! Paths are static and a few segments deep; the accessors here
//! ([`value_at`], [`value_at_mut`], [`object_at_mut`], [`remove_at`],
//! [`values_at_mut`]) never recurse on input
//! depth and never panic.

use serde_json::{Map, Value};

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

/// One step of a path into a message.
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

/// Shorthand for a row without a guard.
pub(super) const fn at(
    id: &'static str,
    direction: Direction,
    on: Selector,
    path: &'static [Seg],
    role: Role,
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

/// `own` followed by each of `others`, as one array of `N` rows: what a
/// request declaring `own`'s era governs (see [`super::Dialect::governed`]).
pub(super) const fn governed<const N: usize>(
    own: &[Location],
    others: &[&[Location]],
) -> [Location; N] {
    assert!(!own.is_empty());
    let mut rows = [own[0]; N];
    let mut n = 0;
    let mut i = 0;
    while i < own.len() {
        rows[n] = own[i];
        n += 1;
        i += 1;
    }
    let mut t = 0;
    while t < others.len() {
        let table = others[t];
        let mut j = 0;
        while j < table.len() {
            rows[n] = table[j];
            n += 1;
            j += 1;
        }
        t += 1;
    }
    assert!(n == N);
    rows
}

/// The value at a path without `Each` (an `Each` step finds nothing).
pub fn value_at<'v>(value: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(value, |value, seg| match seg {
        Seg::Key(key) => value.get(*key),
        Seg::Each => None,
    })
}

/// The value at a path without `Each`, for changing it.
pub fn value_at_mut<'v>(value: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |value, seg| match seg {
        Seg::Key(key) => value.get_mut(*key),
        Seg::Each => None,
    })
}

/// The object at a path without `Each`, for changing it.
pub fn object_at_mut<'v>(value: &'v mut Value, path: &[Seg]) -> Option<&'v mut Map<String, Value>> {
    value_at_mut(value, path)?.as_object_mut()
}

/// Removes the member a path without `Each` ends at. Returns whether there
/// was one.
pub fn remove_at(value: &mut Value, path: &[Seg]) -> bool {
    let Some((Seg::Key(key), parent)) = path.split_last() else {
        return false;
    };
    object_at_mut(value, parent).is_some_and(|object| object.remove(*key).is_some())
}

/// Every value reachable from `value` along `path` (`Each` fans out over an
/// array), for changing them.
pub fn values_at_mut<'v>(value: &'v mut Value, path: &[Seg], found: &mut Vec<&'v mut Value>) {
    let Some((seg, rest)) = path.split_first() else {
        found.push(value);
        return;
    };
    match (seg, value) {
        (Seg::Key(key), value) => {
            if let Some(child) = value.get_mut(*key) {
                values_at_mut(child, rest, found);
            }
        }
        (Seg::Each, Value::Array(items)) => {
            for item in items {
                values_at_mut(item, rest, found);
            }
        }
        (Seg::Each, _) => {}
    }
}
