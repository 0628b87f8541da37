//! How names are compared under folding: the fold of one character, a
//! case-blind one-byte [`signature`], a compile-time index of known names,
//! and the search for two keys that fold alike.
//!
//! Invariants: every comparison here is the fold of [`fold_char`] (ASCII
//! paths are `eq_ignore_ascii_case`, which agrees with it on ASCII); no
//! search is quadratic in attacker-chosen keys (pairwise only up to
//! `SMALL` keys, bounded chains, then a randomly keyed hash set); nothing
//! allocates for ASCII keys below [`CHAINED`] keys.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// Keys compared pairwise before [`chained`] takes over.
pub(super) const SMALL: usize = 16;

/// The folded form of one character: ASCII lower case; otherwise the simple
/// upper-case mapping, then the simple lower-case one (`ſ`→`S`→`s`,
/// `K`→`k`, `ı`→`I`→`i`, `Σ`/`ς`→`σ`). Rust gives full mappings; where a
/// full mapping has several characters the simple one is the character
/// itself, except `İ`, whose simple lower case is `i`.
pub(in crate::jsonrpc) fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let upper = single(c.to_uppercase()).unwrap_or(c);
    single(upper.to_lowercase()).unwrap_or(upper)
}

fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

pub(super) fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().map(fold_char)
}

/// ASCII names indexed by [`signature`] at compile time, so a lookup
/// compares at most two (a unit test checks that every name is reachable).
pub(in crate::jsonrpc) struct Known {
    names: &'static [&'static str],
    /// Per signature, up to two indexes into `names`, plus one (0: none).
    slots: [[u8; 2]; 256],
}

impl Known {
    pub(super) const fn new(names: &'static [&'static str]) -> Known {
        let mut slots = [[0u8; 2]; 256];
        let mut i = 0;
        while i < names.len() && i < u8::MAX as usize {
            let slot = &mut slots[signature(names[i]) as usize];
            if slot[0] == 0 {
                slot[0] = (i + 1) as u8;
            } else if slot[1] == 0 {
                slot[1] = (i + 1) as u8;
            }
            i += 1;
        }
        Known { names, slots }
    }

    /// The names whose signature is `sig`.
    pub(in crate::jsonrpc) fn with_signature(
        &self,
        sig: u8,
    ) -> impl Iterator<Item = &'static str> + '_ {
        let names = self.names;
        self.slots[usize::from(sig)]
            .iter()
            .filter_map(move |&i| names.get(usize::from(i.checked_sub(1)?)).copied())
    }

    /// Whether the ASCII `name`, whose signature is `sig`, folds to one of
    /// these without being it (no two of them fold alike, so being one
    /// rules out imitating another).
    #[inline(always)]
    pub(super) fn imitated_by_ascii(&self, name: &str, sig: u8) -> bool {
        let [first, second] = self.slots[usize::from(sig)];
        self.imitated_at(first, name) || (second != 0 && self.imitated_at(second, name))
    }

    #[inline(always)]
    fn imitated_at(&self, slot: u8, name: &str) -> bool {
        let Some(known) = slot
            .checked_sub(1)
            .and_then(|i| self.names.get(usize::from(i)))
        else {
            return false;
        };
        known.len() == name.len() && *known != name && known.eq_ignore_ascii_case(name)
    }

    /// Whether `name` (any text) folds to one of these without being it.
    pub(super) fn imitated_by(&self, name: &str) -> bool {
        if name.is_ascii() {
            return self.imitated_by_ascii(name, signature(name));
        }
        // Non-ASCII cannot be one of these; only a fold to ASCII imitates one.
        let folded: String = folded(name).collect();
        self.folds_to_one(&folded)
    }

    /// Whether `folded` (folded, possibly not ASCII) is one of these up to case.
    pub(super) fn folds_to_one(&self, folded: &str) -> bool {
        folded.is_ascii()
            && self
                .with_signature(signature(folded))
                .any(|k| k.eq_ignore_ascii_case(folded))
    }
}

/// Whether two keys are `same`, comparing every pair.
pub(super) fn pairwise<'a, I>(keys: I, same: fn(&str, &str) -> bool) -> bool
where
    I: Iterator<Item = &'a str> + Clone,
{
    let mut rest = keys;
    while let Some(a) = rest.next() {
        if rest.clone().any(|b| same(a, b)) {
            return true;
        }
    }
    false
}

/// Whether two ASCII keys are equal up to case, comparing each key only
/// with the earlier ones of its [`signature`]; [`hashed`] past
/// [`CHAINED`] keys or [`CHAIN`] comparisons for one key, so chosen keys
/// cannot make it quadratic.
pub(super) fn chained<'a, I>(keys: I) -> bool
where
    I: Iterator<Item = &'a str> + Clone,
{
    const NONE: u8 = u8::MAX;
    let mut earlier = [""; CHAINED];
    let mut next = [NONE; CHAINED];
    let mut last_of = [NONE; 256];
    for (i, key) in keys.clone().enumerate() {
        let (Some(slot), Ok(index)) = (earlier.get_mut(i), u8::try_from(i)) else {
            return hashed(keys);
        };
        *slot = key;
        let sig = usize::from(signature(key));
        let mut at = last_of[sig];
        for _ in 0..CHAIN {
            let Some(other) = earlier.get(usize::from(at)) else {
                break;
            };
            if other.eq_ignore_ascii_case(key) {
                return true;
            }
            at = next[usize::from(at)];
        }
        if at != NONE {
            return hashed(keys);
        }
        next[i] = last_of[sig];
        last_of[sig] = index;
    }
    false
}

/// Keys [`chained`] holds on the stack.
const CHAINED: usize = 64;
/// Comparisons [`chained`] makes for one key.
const CHAIN: usize = 8;

/// Whether two keys fold alike, through a hash set of their folded forms.
pub(super) fn hashed<'a>(keys: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = HashSet::new();
    !keys.map(Folded).all(|key| seen.insert(key))
}

/// A one-byte digest of an ASCII name that ASCII case does not change
/// (length, first and last byte with the case bit set), so names equal up
/// to case always share it.
pub(in crate::jsonrpc) const fn signature(name: &str) -> u8 {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return 0;
    };
    let len = bytes.len() as u32;
    let first = (*first | 0x20) as u32;
    let last = (*last | 0x20) as u32;
    (len.wrapping_mul(37) ^ first.wrapping_mul(7) ^ last) as u8
}

/// A key compared and hashed by its folded form.
struct Folded<'a>(&'a str);

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        if self.0.is_ascii() && other.0.is_ascii() {
            self.0.eq_ignore_ascii_case(other.0)
        } else {
            folded(self.0).eq(folded(other.0))
        }
    }
}

impl Eq for Folded<'_> {}

impl Hash for Folded<'_> {
    /// The UTF-8 bytes of the folded characters, in stack-sized chunks that
    /// depend only on those characters, so equal folded forms hash alike.
    fn hash<H: Hasher>(&self, state: &mut H) {
        const CHUNK: usize = 64;
        let mut buf = [0u8; CHUNK];
        let bytes = self.0.as_bytes();
        if self.0.is_ascii() && bytes.len() <= CHUNK - 4 {
            // What the loop below writes for these (one chunk), sooner.
            let chunk = &mut buf[..bytes.len()];
            chunk.copy_from_slice(bytes);
            chunk.make_ascii_lowercase();
            state.write(chunk);
        } else {
            let mut len = 0;
            for c in folded(self.0) {
                // invariant: len <= CHUNK - 4 before each encode, and a
                // char takes at most 4 bytes, so the slices are in bounds.
                if len > CHUNK - 4 {
                    state.write(&buf[..len]);
                    len = 0;
                }
                len += c.encode_utf8(&mut buf[len..]).len();
            }
            state.write(&buf[..len]);
        }
        state.write_u8(0xff);
    }
}
