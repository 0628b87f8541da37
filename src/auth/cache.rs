//! The verified-token cache: skips signature verification for a token that
//! verified recently.
//!
//! Invariants: the key is the SHA-256 of the token bytes, never the token
//! itself, so a heap dump of the cache yields no usable credential; only
//! tokens that passed every check are inserted; the cache is bounded
//! (`quick_cache`, approximate LRU/CLOCK-Pro eviction); a hit is still
//! subject to the `exp`/`nbf` window, checked by the caller against the
//! current time, so a cached token expires on time.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::Principal;

/// SHA-256 of a token.
pub(crate) type TokenDigest = [u8; 32];

/// A cached verification result.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) principal: Arc<Principal>,
    pub(crate) not_before: Option<u64>,
}

/// Bounded map from token digest to its verified principal; disabled at capacity 0.
pub(crate) struct TokenCache {
    inner: Option<quick_cache::sync::Cache<TokenDigest, Entry>>,
}

// === impl TokenCache ===

impl TokenCache {
    /// A cache holding about `capacity` entries; 0 disables caching.
    pub(crate) fn new(capacity: usize) -> Self {
        TokenCache {
            inner: (capacity > 0).then(|| quick_cache::sync::Cache::new(capacity)),
        }
    }

    /// The digest a token is cached under.
    pub(crate) fn digest(token: &str) -> TokenDigest {
        Sha256::digest(token.as_bytes()).into()
    }

    pub(crate) fn get(&self, key: &TokenDigest) -> Option<Entry> {
        self.inner.as_ref()?.get(key)
    }

    pub(crate) fn insert(&self, key: TokenDigest, entry: Entry) {
        if let Some(cache) = &self.inner {
            cache.insert(key, entry);
        }
    }

    pub(crate) fn remove(&self, key: &TokenDigest) {
        if let Some(cache) = &self.inner {
            cache.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::claims::Mapped;

    fn entry() -> Entry {
        Entry {
            principal: Arc::new(Principal::verified(
                "i".into(),
                "s".into(),
                Mapped {
                    tenant: None,
                    client: None,
                    scopes: vec![],
                },
                10,
            )),
            not_before: None,
        }
    }

    #[test]
    fn stores_by_digest_and_can_be_disabled() {
        let cache = TokenCache::new(4);
        let key = TokenCache::digest("a.b.c");
        assert_ne!(&key[..5], b"a.b.c");
        cache.insert(key, entry());
        assert!(cache.get(&key).is_some());
        assert!(cache.get(&TokenCache::digest("a.b.d")).is_none());
        cache.remove(&key);
        assert!(cache.get(&key).is_none());

        let off = TokenCache::new(0);
        off.insert(key, entry());
        assert!(off.get(&key).is_none());
    }
}
