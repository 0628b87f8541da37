//! Names that a loose decoder reads differently from the gateway: object
//! keys and method names that differ from what the gateway checks only by
//! case, by a Unicode character that folds to an ASCII letter, or (methods)
//! by invisible characters and full-width forms.
//!
//! Why: the gateway matches names exactly, but Go's `encoding/json` matches
//! object keys to struct fields case-insensitively (ASCII case plus
//! `unicode.SimpleFold`, so `ſ` U+017F reads as `s` and `K` U+212A as `k`)
//! and lets the last match win, as do the case-insensitive modes of .NET and
//! Java decoders. `{"taskId":<handle>,"TaskId":<raw id>}` is checked by the
//! gateway through `taskId` and acted on by such an upstream through
//! `TaskId` (CVE-2026-27896 in the Go MCP SDK).
//!
//! What this module owns:
//! - [`fold_char`], the folding: ASCII case, plus per character the simple
//!   upper-case mapping followed by the simple lower-case one (Java's
//!   `equalsIgnoreCase`). That equates every pair Go's `foldName` equates
//!   where one side is an ASCII letter (`ſ`→`s`, `K`→`k`), and also
//!   `ı`→`i` and `İ`→`i`, as .NET and Java do.
//! - [`Scope`]: which objects of a client message are protocol-level (every
//!   object except the user-data subtrees listed there).
//! - [`keys_are_ambiguous`]: the rule for one protocol-level object's keys,
//!   and [`tree_is_ambiguous`], the same rule over a parsed message.
//! - [`method_is_ambiguous`]: the rule for method names.
//!
//! Invariants:
//! - [`super::Summary::skim`] and [`super::Envelope::from_value`] decide with
//!   these same functions and the same [`Scope`] walk, so they agree.
//! - Cost (see `compare`): ASCII keys allocate nothing below 64 keys in
//!   one object; a key is compared with at most two governed names (found
//!   by a case-blind signature) and, for collisions, with the keys of its
//!   length (up to 16 keys), then with the earlier keys of its signature
//!   (bounded chains), then through a randomly keyed hash set, so chosen
//!   keys cannot make it quadratic. Only names with non-ASCII bytes take
//!   the per-character Unicode path; method names that are printable ASCII
//!   cost one indexed lookup.

use serde_json::{Map, Value};

use crate::mcp::meta::{
    CLIENT_CAPABILITIES, PROTOCOL_VERSION, RELATED_TASK, RELATED_TASK_IDS, SUBSCRIPTION_ID,
    TASKS_EXTENSION,
};
use crate::mcp::method;

mod compare;

pub(super) use compare::{Known, fold_char, signature};
use compare::{SMALL, chained, folded, hashed, pairwise};

/// Member names the gateway reads or rewrites somewhere in a client message
/// (the envelope, the task-bearing members, the members that capability
/// mediation edits, the `_meta` keys). In a protocol-level object, a key
/// that folds to one of these without being it is refused: a loose decoder
/// would read it as the governed member the gateway never saw.
pub(super) const GOVERNED_KEYS: &[&str] = &[
    "jsonrpc",
    "method",
    "id",
    "params",
    "result",
    "error",
    "_meta",
    "name",
    "uri",
    "taskId",
    "taskIds",
    "task",
    "tasks",
    "ttl",
    "cursor",
    "nextCursor",
    "resultType",
    "notifications",
    "capabilities",
    "extensions",
    PROTOCOL_VERSION,
    CLIENT_CAPABILITIES,
    RELATED_TASK,
    RELATED_TASK_IDS,
    SUBSCRIPTION_ID,
    TASKS_EXTENSION,
];

/// Where an object sits in a client message, as far as the ambiguity rule
/// cares.
///
/// Protocol-level is every object of the message except these user-data
/// subtrees, whose keys are the user's, not the protocol's, and pass
/// untouched: `params.arguments` (tool and prompt arguments),
/// `params.context.arguments` (completion context), `params.inputResponses`
/// (current-era answers to input requests), `result.content` (the content
/// of a client's elicitation or sampling result) and `error.data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The top-level object.
    Envelope,
    /// The top-level `params`.
    Params,
    /// `params.context`.
    ParamsContext,
    /// The top-level `result`.
    Result,
    /// The top-level `error`.
    Error,
    /// Any other protocol-level value.
    Protocol,
    /// Inside a user-data subtree.
    UserData,
}

impl Scope {
    /// Whether the keys of an object in this scope are checked.
    pub(super) fn checks_keys(self) -> bool {
        self != Scope::UserData
    }

    /// The scope of the value of member `key` of an object in this scope.
    pub(super) fn member(self, key: &str) -> Scope {
        let user_data = match self {
            Scope::UserData => return Scope::UserData,
            Scope::Protocol => return Scope::Protocol,
            Scope::Envelope => match key {
                "params" => return Scope::Params,
                "result" => return Scope::Result,
                "error" => return Scope::Error,
                _ => false,
            },
            Scope::Params => match key {
                "arguments" | "inputResponses" => true,
                "context" => return Scope::ParamsContext,
                _ => false,
            },
            Scope::ParamsContext => key == "arguments",
            Scope::Result => key == "content",
            Scope::Error => key == "data",
        };
        if user_data {
            Scope::UserData
        } else {
            Scope::Protocol
        }
    }

    /// The scope of the elements of an array in this scope.
    pub(super) fn element(self) -> Scope {
        match self {
            Scope::UserData => Scope::UserData,
            _ => Scope::Protocol,
        }
    }
}

/// Whether the keys of one protocol-level object (distinct, as the strict
/// parser guarantees) are ambiguous: a key has a control character (a
/// decoder that stops at NUL reads `"taskId\u0000x"` as `taskId`; no
/// protocol name has one), a key folds to a governed member name without
/// being it, or two keys fold to the same string.
///
/// ASCII keys compare a key only with the governed names of its
/// [`signature`] (usually none or one), and with the other keys: pairwise
/// up to [`SMALL`] keys (length first), then only with earlier keys of the
/// same signature, then (many keys, or many sharing a signature) through a
/// hash set.
pub(super) fn keys_are_ambiguous<'a, I>(keys: I) -> bool
where
    I: Iterator<Item = &'a str> + Clone,
{
    let mut count = 0;
    for key in keys.clone() {
        if !key.is_ascii() {
            return unicode_keys_are_ambiguous(keys);
        }
        if key.bytes().any(|b| b.is_ascii_control())
            || GOVERNED.imitated_by_ascii(key, signature(key))
        {
            return true;
        }
        count += 1;
    }
    match count {
        0 | 1 => false,
        2..=SMALL => pairwise(keys, |a, b| a.eq_ignore_ascii_case(b)),
        _ => chained(keys),
    }
}

/// [`keys_are_ambiguous`] when some key is not ASCII.
#[cold]
fn unicode_keys_are_ambiguous<'a, I>(keys: I) -> bool
where
    I: Iterator<Item = &'a str> + Clone,
{
    if keys
        .clone()
        .any(|key| key.chars().any(char::is_control) || GOVERNED.imitated_by(key))
    {
        return true;
    }
    if keys.clone().count() > SMALL {
        return hashed(keys);
    }
    pairwise(keys, |a, b| folded(a).eq(folded(b)))
}

/// [`keys_are_ambiguous`] for every protocol-level object of a parsed
/// message, walking [`Scope`] exactly as the skim does.
pub(super) fn tree_is_ambiguous(envelope: &Map<String, Value>) -> bool {
    object_is_ambiguous(envelope, Scope::Envelope)
}

fn object_is_ambiguous(object: &Map<String, Value>, scope: Scope) -> bool {
    scope.checks_keys()
        && (keys_are_ambiguous(object.keys().map(String::as_str))
            || object
                .iter()
                .any(|(key, value)| value_is_ambiguous(value, scope.member(key))))
}

fn value_is_ambiguous(value: &Value, scope: Scope) -> bool {
    match value {
        Value::Object(object) => object_is_ambiguous(object, scope),
        Value::Array(items) => {
            let scope = scope.element();
            scope.checks_keys() && items.iter().any(|item| value_is_ambiguous(item, scope))
        }
        _ => false,
    }
}

/// Whether a method name is refused: it has a control character (C
/// strings end at NUL; no method has one), or it is not a known method
/// ([`method::KNOWN`]) but becomes one once whitespace and invisible
/// formatting characters are dropped, full-width forms (U+FF01..U+FF5E) are
/// read as ASCII, and case is folded ([`fold_char`]).
pub(super) fn method_is_ambiguous(name: &str) -> bool {
    if name.bytes().all(|b| b.is_ascii_graphic()) {
        return METHODS.imitated_by_ascii(name, signature(name));
    }
    if name.chars().any(char::is_control) {
        return true;
    }
    let normalized: String = name.chars().filter_map(method_char).collect();
    METHODS.folds_to_one(&normalized)
}

/// One character of a method name as [`method_is_ambiguous`] reads it.
fn method_char(c: char) -> Option<char> {
    let invisible = matches!(c,
        '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}');
    if c.is_whitespace() || invisible {
        return None;
    }
    let ascii = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    Some(fold_char(ascii))
}

/// The governed member names, indexed.
pub(super) static GOVERNED: Known = Known::new(GOVERNED_KEYS);
/// The known methods, indexed.
pub(super) static METHODS: Known = Known::new(method::KNOWN);
