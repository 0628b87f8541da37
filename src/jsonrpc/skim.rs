//! [`Summary::skim`]: the strict checks of [`super::parse_strict`] and the
//! shape rules of [`super::Envelope::from_value`], without building a
//! [`Value`] tree. It keeps only what the gateway reads on its fast path:
//! the [`Message`], `params._meta` protocol version, whether the request
//! declares the tasks extension, `params.name`/`uri`/`taskId`, whether
//! `params.task` and `params.notifications.taskIds` exist.
//!
//! Invariants:
//! - Accept/reject agrees with [`super::Envelope::parse`] exactly, with the
//!   same [`super::Error`]: the walk runs over the same serde_json
//!   deserializer (same grammar, same syntax errors), checks depth with the
//!   same rule before entering a container, and checks a duplicate key after
//!   its value, as the tree builder does, so the first violation in document
//!   order wins in both. A property test pins the agreement.
//! - Every captured field reads what `Value::get`/`pointer` would read on the
//!   tree: only object members count (an array `params` has no `_meta`).
//! - Duplicate detection costs O(1) per key: keys are borrowed from the
//!   input when unescaped, kept in a small list, then in a hash set.
//! - The folding rule ([`folding`]) runs on the keys each protocol-level
//!   object already holds for duplicate detection, once the object is
//!   complete; it only records a flag, so a later parse error still wins,
//!   as it does for the tree.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::folding::{self, Scope};
use super::keys::{KeySeed, KeySet};
use super::strict::{Ctx, MAX_KEY_CHARS};
use super::{DEPTH_CEILING, Error, Id, Limits, Message, ParseError, ShapeError, VERSION};
use crate::mcp::meta::{CLIENT_CAPABILITIES, PROTOCOL_VERSION, TASKS_EXTENSION};

/// A captured member of `params` compared with a mirrored header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A JSON string.
    Str(String),
    /// Any other JSON value.
    Other,
}

/// What the fast path needs of a validated client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The classification, as [`super::Envelope::message`] gives it.
    pub message: Message,
    /// `params._meta["io.modelcontextprotocol/protocolVersion"]`, if a string.
    pub meta_version: Option<String>,
    /// `params._meta[clientCapabilities].extensions[tasks]` is an object.
    pub declares_tasks: bool,
    /// `params.name`.
    pub name: Option<Field>,
    /// `params.uri`.
    pub uri: Option<Field>,
    /// `params.taskId`.
    pub task_id: Option<Field>,
    /// `params.task` exists.
    pub has_task: bool,
    /// `params.notifications.taskIds` exists.
    pub listens_for_tasks: bool,
}

impl Summary {
    /// Validates `bytes` as [`super::Envelope::parse`] does and summarizes it.
    ///
    /// # Errors
    /// Exactly the error [`super::Envelope::parse`] returns for these bytes.
    pub fn skim(bytes: &[u8], limits: &Limits) -> Result<Self, Error> {
        let ctx = Ctx::new(limits.max_depth.min(DEPTH_CEILING));
        let found = Found::default();
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let top = Node {
            ctx: &ctx,
            found: &found,
            depth: 0,
            role: Role::Top,
            keep: false,
            scope: Scope::Envelope,
        }
        .deserialize(&mut de)
        .and_then(|cap| de.end().map(|()| cap));
        let top = top.map_err(|err| Error::Parse(ctx.violation_or(err)))?;
        Ok(found.summarize(top)?)
    }

    /// The method, for requests and notifications.
    pub fn method(&self) -> Option<&str> {
        self.message.method()
    }

    /// The id, for requests and responses with a non-null id.
    pub fn id(&self) -> Option<&Id> {
        self.message.id()
    }

    /// The `params` member a current-era `Mcp-Name` mirrors for `method`.
    pub fn name_field(&self, field: &str) -> Option<&Field> {
        match field {
            "name" => self.name.as_ref(),
            "uri" => self.uri.as_ref(),
            "taskId" => self.task_id.as_ref(),
            _ => None,
        }
    }
}

/// What one value turned out to be (strings kept only where asked).
enum Cap {
    Null,
    Bool,
    Number(Number),
    Str(Option<String>),
    Array,
    Object,
}

/// Where a value sits, for the members worth capturing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Top,
    Params,
    Meta,
    Caps,
    Extensions,
    Notifications,
    Error,
    Any,
}

/// What the walk captured; each slot is written by one (role, key) only.
#[derive(Default)]
struct Found {
    jsonrpc_ok: Cell<bool>,
    method: Cell<Option<Option<String>>>,
    id: Cell<Option<Cap>>,
    has_result: Cell<bool>,
    error: Cell<Option<bool>>,
    error_code_i64: Cell<bool>,
    error_message_str: Cell<bool>,
    params: Cell<Option<ParamsKind>>,
    meta_version: Cell<Option<String>>,
    declares_tasks: Cell<bool>,
    name: Cell<Option<Field>>,
    uri: Cell<Option<Field>>,
    task_id: Cell<Option<Field>>,
    has_task: Cell<bool>,
    listens_for_tasks: Cell<bool>,
    ambiguous_keys: Cell<bool>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ParamsKind {
    Container,
    Other,
}

impl Found {
    /// Records a member of an object playing `role`.
    fn record(&self, role: Role, key: &str, cap: Cap) {
        match (role, key) {
            (Role::Top, "jsonrpc") => {
                let ok = matches!(&cap, Cap::Str(Some(s)) if s == VERSION);
                self.jsonrpc_ok.set(ok);
            }
            (Role::Top, "method") => self.method.set(Some(match cap {
                Cap::Str(s) => s,
                _ => None,
            })),
            (Role::Top, "id") => self.id.set(Some(cap)),
            (Role::Top, "result") => self.has_result.set(true),
            (Role::Top, "error") => {
                let valid = matches!(cap, Cap::Object)
                    && self.error_code_i64.get()
                    && self.error_message_str.get();
                self.error.set(Some(valid));
            }
            (Role::Top, "params") => self.params.set(Some(match cap {
                Cap::Array | Cap::Object => ParamsKind::Container,
                _ => ParamsKind::Other,
            })),
            (Role::Error, "code") => {
                let ok = matches!(&cap, Cap::Number(n) if n.is_i64());
                self.error_code_i64.set(ok);
            }
            (Role::Error, "message") => self.error_message_str.set(matches!(cap, Cap::Str(_))),
            (Role::Params, "name") => self.name.set(Some(field(cap))),
            (Role::Params, "uri") => self.uri.set(Some(field(cap))),
            (Role::Params, "taskId") => self.task_id.set(Some(field(cap))),
            (Role::Params, "task") => self.has_task.set(true),
            (Role::Meta, PROTOCOL_VERSION) => {
                if let Cap::Str(s) = cap {
                    self.meta_version.set(s);
                }
            }
            (Role::Extensions, TASKS_EXTENSION) => {
                self.declares_tasks.set(matches!(cap, Cap::Object));
            }
            (Role::Notifications, "taskIds") => self.listens_for_tasks.set(true),
            _ => {}
        }
    }

    /// The shape rules of [`Message::classify`], in the same order.
    fn summarize(self, top: Cap) -> Result<Summary, ShapeError> {
        match top {
            Cap::Object => {}
            Cap::Array => return Err(ShapeError::Batch),
            _ => return Err(ShapeError::NotAnObject),
        }
        if self.ambiguous_keys.get() {
            return Err(ShapeError::AmbiguousKeys);
        }
        if !self.jsonrpc_ok.get() {
            return Err(ShapeError::Version);
        }
        let has_error = self.error.get().is_some();
        let message = if let Some(method) = self.method.take() {
            let method = method.ok_or(ShapeError::MethodNotString)?;
            if folding::method_is_ambiguous(&method) {
                return Err(ShapeError::AmbiguousMethod);
            }
            if self.has_result.get() || has_error {
                return Err(ShapeError::Ambiguous);
            }
            if self.params.get() == Some(ParamsKind::Other) {
                return Err(ShapeError::InvalidParams);
            }
            match self.id.take() {
                None => Message::Notification { method },
                Some(id) => Message::Request {
                    id: id_of(id)?,
                    method,
                },
            }
        } else {
            let is_error = match (self.has_result.get(), self.error.get()) {
                (true, None) => false,
                (false, Some(true)) => true,
                (false, Some(false)) => return Err(ShapeError::InvalidErrorObject),
                (true, Some(_)) => return Err(ShapeError::ResultAndError),
                (false, None) => return Err(ShapeError::NoResultOrError),
            };
            let id = match self.id.take() {
                None => return Err(ShapeError::MissingId),
                Some(Cap::Null) if is_error => None,
                Some(id) => Some(id_of(id)?),
            };
            Message::Response { id, is_error }
        };
        Ok(Summary {
            message,
            meta_version: self.meta_version.take(),
            declares_tasks: self.declares_tasks.get(),
            name: self.name.take(),
            uri: self.uri.take(),
            task_id: self.task_id.take(),
            has_task: self.has_task.get(),
            listens_for_tasks: self.listens_for_tasks.get(),
        })
    }
}

fn field(cap: Cap) -> Field {
    match cap {
        Cap::Str(Some(s)) => Field::Str(s),
        _ => Field::Other,
    }
}

fn id_of(cap: Cap) -> Result<Id, ShapeError> {
    match cap {
        Cap::Str(Some(s)) => Ok(Id::from(s)),
        Cap::Number(n) => Id::try_from(Value::Number(n)),
        _ => Err(ShapeError::InvalidId),
    }
}

/// The role of a member's value, and whether its string is kept.
fn child_of(role: Role, key: &str) -> (Role, bool) {
    match (role, key) {
        (Role::Top, "params") => (Role::Params, false),
        (Role::Top, "error") => (Role::Error, false),
        (Role::Top, "jsonrpc" | "method" | "id") => (Role::Any, true),
        (Role::Params, "_meta") => (Role::Meta, false),
        (Role::Params, "notifications") => (Role::Notifications, false),
        (Role::Params, "name" | "uri" | "taskId") => (Role::Any, true),
        (Role::Meta, CLIENT_CAPABILITIES) => (Role::Caps, false),
        (Role::Meta, PROTOCOL_VERSION) => (Role::Any, true),
        (Role::Caps, "extensions") => (Role::Extensions, false),
        _ => (Role::Any, false),
    }
}

/// One value at `depth`, playing `role`, in `scope`.
#[derive(Clone, Copy)]
struct Node<'a> {
    ctx: &'a Ctx,
    found: &'a Found,
    depth: usize,
    role: Role,
    keep: bool,
    scope: Scope,
}

impl Node<'_> {
    fn enter<E: de::Error>(self) -> Result<Self, E> {
        let depth = self.depth + 1;
        if depth > self.ctx.max_depth {
            return Err(self.ctx.fail(ParseError::TooDeep));
        }
        Ok(Self {
            depth,
            role: Role::Any,
            keep: false,
            ..self
        })
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Cap;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cap, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Cap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Cap, E> {
        Ok(Cap::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Cap, E> {
        Ok(Cap::Bool)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cap, E> {
        Ok(Cap::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cap, E> {
        Ok(Cap::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cap, E> {
        // As the tree builder: a non-finite float (never yielded) is null.
        Ok(Number::from_f64(v).map_or(Cap::Null, Cap::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cap, E> {
        Ok(Cap::Str(self.keep.then(|| v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Cap, E> {
        Ok(Cap::Str(self.keep.then_some(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cap, A::Error> {
        let child = Node {
            scope: self.scope.element(),
            ..self.enter()?
        };
        while seq.next_element_seed(child)?.is_some() {}
        Ok(Cap::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cap, A::Error> {
        let child = self.enter()?;
        let mut keys = KeySet::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let (role, keep) = child_of(self.role, &key);
            let cap = map.next_value_seed(Node {
                role,
                keep,
                scope: self.scope.member(&key),
                ..child
            })?;
            if self.role != Role::Any {
                self.found.record(self.role, &key, cap);
            }
            if let Err(key) = keys.insert(key) {
                let key = key.chars().take(MAX_KEY_CHARS).collect();
                return Err(self.ctx.fail(ParseError::DuplicateKey { key }));
            }
        }
        if self.scope.checks_keys() && !self.found.ambiguous_keys.get() && keys.are_ambiguous() {
            self.found.ambiguous_keys.set(true);
        }
        Ok(Cap::Object)
    }
}
