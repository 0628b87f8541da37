//! Duplicate-key detection for [`super::Summary::skim`], without owning keys.
//!
//! Invariant: one object's keys cost O(1) each to check whatever their
//! number (a list while small, then a hash set with the standard library's
//! randomly keyed hasher, so chosen keys cannot force collisions); keys are
//! borrowed from the input unless they contain escapes, and compared after
//! unescaping, as the tree builder compares them. An object of up to
//! [`KeySet::INLINE`] keys, the common case, allocates nothing.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use smallvec::SmallVec;

use super::folding::keys_are_ambiguous;

/// Keys seen in one object: a list while small (on the stack up to
/// [`Self::INLINE`] keys), then a hash set, made only when needed.
#[derive(Default)]
pub(super) struct KeySet<'de> {
    small: SmallVec<[Cow<'de, str>; KeySet::INLINE]>,
    large: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> KeySet<'de> {
    /// Keys held without allocating: more than an MCP message's objects
    /// usually have (`jsonrpc`, `id`, `method`, `params`; `name`,
    /// `arguments`, `_meta`, `task`).
    pub(super) const INLINE: usize = 8;
    /// Keys compared one by one before the hash set takes over.
    const SMALL: usize = 16;

    /// Adds `key`; gives it back if it was already there.
    pub(super) fn insert(&mut self, key: Cow<'de, str>) -> Result<(), Cow<'de, str>> {
        if self.small.contains(&key) || self.large.as_ref().is_some_and(|l| l.contains(&key)) {
            return Err(key);
        }
        if self.small.len() < Self::SMALL {
            self.small.push(key);
        } else {
            self.large.get_or_insert_with(HashSet::new).insert(key);
        }
        Ok(())
    }

    /// Whether the keys held are ambiguous under case folding
    /// ([`super::folding::keys_are_ambiguous`]).
    pub(super) fn are_ambiguous(&self) -> bool {
        let small = self.small.iter().map(AsRef::as_ref);
        match &self.large {
            None => keys_are_ambiguous(small),
            Some(large) => keys_are_ambiguous(small.chain(large.iter().map(AsRef::as_ref))),
        }
    }
}

/// An object key, borrowed from the input when it has no escapes.
pub(super) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}
