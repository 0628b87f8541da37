//! [`parse_strict`]: JSON → [`Value`] with duplicate-key and depth checks.
//!
//! Built as a serde [`DeserializeSeed`] over `serde_json`'s own parser, so
//! the grammar is exactly serde_json's and the only extra cost is one depth
//! comparison per container (duplicate detection reuses the map insert).
//!
//! # Numbers
//! serde_json's `arbitrary_precision` feature is off, so numbers are stored
//! as `u64`, `i64` or `f64`:
//! - integers that fit `u64` or `i64` are kept exactly;
//! - larger integers become the nearest `f64` (`18446744073709551616` reads
//!   as `1.8446744073709552e19`), and floats may re-serialize with a
//!   different spelling (`1e2` → `100.0`; without `float_roundtrip`, rarely
//!   one ULP apart).
//!
//! So the gateway forwards the client's original bytes whenever it does not
//! rewrite a message, and [`super::Id`] only admits numbers that are exact
//! `i64`/`u64`, so the id the gateway reasons about is the id it forwards.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use super::Limits;

/// The deepest nesting [`parse_strict`] can check. serde_json refuses the
/// 128th nested container on its own before our visitor sees it, so our
/// check must fire at 127 at the latest; [`Limits::max_depth`] is capped here.
pub const DEPTH_CEILING: usize = 126;

/// Longest key prefix (in chars) quoted back in [`ParseError::DuplicateKey`].
pub(super) const MAX_KEY_CHARS: usize = 64;

/// Why a body is not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON: bad syntax, invalid UTF-8, lone surrogate, trailing data,
    /// or a number out of `f64` range. Carries serde_json's message.
    #[error("invalid JSON: {0}")]
    Syntax(String),
    /// An object has the same key twice (after unescaping).
    #[error("duplicate object key {key:?}")]
    DuplicateKey {
        /// The key, truncated to 64 characters.
        key: String,
    },
    /// Arrays and objects nest deeper than [`Limits::max_depth`].
    #[error("JSON nested too deeply")]
    TooDeep,
}

/// Parses exactly one JSON value, refusing duplicate keys at any depth and
/// nesting deeper than `limits.max_depth` (capped at [`DEPTH_CEILING`]).
/// Object key order is kept.
///
/// # Errors
/// [`ParseError::DuplicateKey`], [`ParseError::TooDeep`], or
/// [`ParseError::Syntax`] for everything else, including trailing
/// non-whitespace after the value.
pub fn parse_strict(bytes: &[u8], limits: &Limits) -> Result<Value, ParseError> {
    let ctx = Ctx::new(limits.max_depth.min(DEPTH_CEILING));
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = ValueSeed {
        ctx: &ctx,
        depth: 0,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    // Our own violations travel out of serde as an opaque custom error; the
    // precise reason waits in `ctx`.
    parsed.map_err(|err| ctx.violation_or(err))
}

/// Per-parse state shared by every seed (also [`super::skim`]'s).
pub(super) struct Ctx {
    pub(super) max_depth: usize,
    violation: Cell<Option<ParseError>>,
}

impl Ctx {
    pub(super) fn new(max_depth: usize) -> Self {
        Ctx {
            max_depth,
            violation: Cell::new(None),
        }
    }

    /// The error a failed parse reports: our own violation if one was
    /// recorded, else serde_json's.
    pub(super) fn violation_or(&self, err: serde_json::Error) -> ParseError {
        self.violation
            .take()
            .unwrap_or_else(|| ParseError::Syntax(err.to_string()))
    }

    pub(super) fn fail<E: de::Error>(&self, violation: ParseError) -> E {
        self.violation.set(Some(violation));
        E::custom("strict JSON violation")
    }
}

/// Deserializes one value whose enclosing containers nest `depth` deep.
#[derive(Clone, Copy)]
struct ValueSeed<'a> {
    ctx: &'a Ctx,
    depth: usize,
}

impl ValueSeed<'_> {
    /// The seed for the children of a container at this level, or
    /// [`ParseError::TooDeep`] before any child is parsed.
    fn enter<E: de::Error>(self) -> Result<Self, E> {
        let depth = self.depth + 1;
        if depth > self.ctx.max_depth {
            return Err(self.ctx.fail(ParseError::TooDeep));
        }
        Ok(Self { depth, ..self })
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // serde_json never yields a non-finite float (it errors instead);
        // mirror its own `Value` visitor anyway.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let child = self.enter()?;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let child = self.enter()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(child)?;
            match object.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => {
                    let key = slot.key().chars().take(MAX_KEY_CHARS).collect();
                    return Err(self.ctx.fail(ParseError::DuplicateKey { key }));
                }
            }
        }
        Ok(Value::Object(object))
    }
}
