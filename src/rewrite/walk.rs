//! The walker: selects the locations of a table that apply to one message,
//! then visits the strings at their paths.
//!
//! Selection runs first, on the message as received, and yields a bit mask
//! of table rows; only then are values visited (and, for [`rewrite`],
//! replaced). So a guard never sees a value this call already replaced, and
//! no allocation is needed to remember which rows matched.

use serde_json::Value;

use super::{Direction, Location, Mapping, Role, Seg, Selector, governed};
use crate::mcp::Era;
use crate::mcp::dialect::{GOVERNED_ROWS, value_at};

/// Rows per table the selection mask can hold.
const MAX_ROWS: usize = u64::BITS as usize;
// Every governed table has all dialects' rows.
const _: () = assert!(GOVERNED_ROWS <= MAX_ROWS);

/// Applies `map` to every string at a location [`governed`] for `era`
/// (both tables, `era`'s first) matching this message and direction.
///
/// `request_method` is the method of the request a response answers, when
/// known; [`Selector::ResponseTo`] rows match only with it.
/// `map(role, value)` returns `Ok(Some(new))` to replace, `Ok(None)` to keep,
/// `Err(e)` to abort. Returns how many values were replaced.
///
/// # Errors
/// The first error `map` returns; values replaced before it stay replaced,
/// so on error the message must be discarded, not forwarded.
pub fn rewrite<E>(
    message: &mut Value,
    era: Era,
    direction: Direction,
    request_method: Option<&str>,
    map: &mut Mapping<'_, E>,
) -> Result<usize, E> {
    rewrite_in(governed(era), message, direction, request_method, map)
}

/// [`rewrite`] over the rows of `table`.
pub(super) fn rewrite_in<E>(
    table: &[Location],
    message: &mut Value,
    direction: Direction,
    request_method: Option<&str>,
    map: &mut Mapping<'_, E>,
) -> Result<usize, E> {
    let mask = select(message, table, direction, request_method);
    let mut replaced = 0;
    for (index, location) in selected(table, mask) {
        if is_shadowed(table, mask, index) {
            continue;
        }
        visit_mut(message, location.path, location.role, map, &mut replaced)?;
    }
    Ok(replaced)
}

/// Read-only variant of [`rewrite`]: every `(role, value)` at a matching
/// location, in table order (used for audit and terminal-state tracking).
pub fn find(
    message: &Value,
    era: Era,
    direction: Direction,
    request_method: Option<&str>,
) -> Vec<(Role, String)> {
    find_in(governed(era), message, direction, request_method)
}

/// [`find`] over the rows of `table`.
pub(super) fn find_in(
    table: &[Location],
    message: &Value,
    direction: Direction,
    request_method: Option<&str>,
) -> Vec<(Role, String)> {
    let mask = select(message, table, direction, request_method);
    let mut found = Vec::new();
    for (index, location) in selected(table, mask) {
        if is_shadowed(table, mask, index) {
            continue;
        }
        visit(message, location.path, &mut |value| {
            found.push((location.role, value.to_owned()));
        });
    }
    found
}

/// What kind of JSON-RPC message a value is, judged from its members only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    Request(&'a str),
    Notification(&'a str),
    Response,
    /// Not an object, or no recognisable JSON-RPC shape: nothing matches.
    Other,
}

impl<'a> Kind<'a> {
    /// Request = `method` and `id`; notification = `method` without `id`;
    /// response = `result` or `error`, and `id`, and no `method`.
    fn of(message: &'a Value) -> Self {
        let Value::Object(object) = message else {
            return Kind::Other;
        };
        let has_id = object.contains_key("id");
        match object.get("method") {
            Some(Value::String(method)) if has_id => Kind::Request(method),
            Some(Value::String(method)) => Kind::Notification(method),
            Some(_) => Kind::Other,
            None if has_id && (object.contains_key("result") || object.contains_key("error")) => {
                Kind::Response
            }
            None => Kind::Other,
        }
    }
}

// === impl Selector ===

impl Selector {
    fn matches(self, kind: Kind<'_>, request_method: Option<&str>) -> bool {
        match (self, kind) {
            (_, Kind::Other) => false,
            (Selector::Any, _) => true,
            (Selector::AnyRequest, Kind::Request(_))
            | (Selector::AnyNotification, Kind::Notification(_))
            | (Selector::AnyResponse, Kind::Response) => true,
            (Selector::Request(want), Kind::Request(method))
            | (Selector::Notification(want), Kind::Notification(method)) => want == method,
            (Selector::ResponseTo(want), Kind::Response) => request_method == Some(want),
            _ => false,
        }
    }
}

/// The mask of `table` rows that apply to `message` travelling `direction`.
fn select(
    message: &Value,
    table: &[Location],
    direction: Direction,
    request_method: Option<&str>,
) -> u64 {
    let kind = Kind::of(message);
    if kind == Kind::Other {
        return 0;
    }
    let mut mask = 0u64;
    for (index, location) in table.iter().enumerate().take(MAX_ROWS) {
        let applies = location.direction == direction
            && location.on.matches(kind, request_method)
            && location.when.is_none_or(|(path, want)| {
                value_at(message, path).and_then(Value::as_str) == Some(want)
            });
        if applies {
            mask |= 1 << index;
        }
    }
    mask
}

/// The rows of `table` whose bit is set in `mask`.
fn selected(table: &[Location], mask: u64) -> impl Iterator<Item = (usize, &Location)> {
    table
        .iter()
        .enumerate()
        .take(MAX_ROWS)
        .filter(move |(index, _)| mask & (1 << index) != 0)
}

/// Whether an earlier selected row has the same path, so it already visited
/// every value this row would (distinct paths reach disjoint values: at the
/// first difference, two keys differ, or an object step meets an array step,
/// or one path ends at a string where the other needs a container).
fn is_shadowed(table: &[Location], mask: u64, index: usize) -> bool {
    let Some(location) = table.get(index) else {
        return true;
    };
    selected(table, mask)
        .take_while(|(earlier, _)| *earlier < index)
        .any(|(_, earlier)| earlier.path == location.path)
}

/// Calls `f` on every string reachable from `value` along `path`.
fn visit(value: &Value, path: &[Seg], f: &mut dyn FnMut(&str)) {
    let Some((seg, rest)) = path.split_first() else {
        if let Value::String(s) = value {
            f(s);
        }
        return;
    };
    match (seg, value) {
        (Seg::Key(key), Value::Object(object)) => {
            if let Some(child) = object.get(*key) {
                visit(child, rest, f);
            }
        }
        (Seg::Each, Value::Array(items)) => {
            for item in items {
                visit(item, rest, f);
            }
        }
        _ => {}
    }
}

/// Applies `map` to every string reachable from `value` along `path`,
/// counting replacements into `replaced`.
fn visit_mut<E>(
    value: &mut Value,
    path: &[Seg],
    role: Role,
    map: &mut Mapping<'_, E>,
    replaced: &mut usize,
) -> Result<(), E> {
    let Some((seg, rest)) = path.split_first() else {
        if let Value::String(s) = value
            && let Some(new) = map(role, s)?
        {
            *s = new;
            *replaced += 1;
        }
        return Ok(());
    };
    match (seg, value) {
        (Seg::Key(key), Value::Object(object)) => {
            if let Some(child) = object.get_mut(*key) {
                visit_mut(child, rest, role, map, replaced)?;
            }
        }
        (Seg::Each, Value::Array(items)) => {
            for item in items {
                visit_mut(item, rest, role, map, replaced)?;
            }
        }
        _ => {}
    }
    Ok(())
}
