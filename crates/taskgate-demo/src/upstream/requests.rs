//! [`RequestLog`]: what the demo upstream received, counted per JSON-RPC
//! method, so a demo or a test can prove what a gateway in front of it did
//! *not* forward.
//!
//! Invariants: every HTTP request that reaches the `/mcp` router counts once
//! in [`RequestLog::http`] (before authorization or parsing); every parsed
//! JSON-RPC request (either era, any session state, `initialize` included)
//! counts once under its method. Memory is bounded: after
//! [`MAX_METHODS`] distinct names, further new names count under
//! [`OTHER`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;

/// Most distinct method names tracked one by one.
const MAX_METHODS: usize = 64;

/// The bucket for method names past [`MAX_METHODS`].
const OTHER: &str = "(other)";

/// Shared counters of the requests an upstream received. Clones share the
/// same counters; two logs compare equal only when they are the same log.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    http: AtomicU64,
    methods: DashMap<Box<str>, u64>,
}

// === impl RequestLog ===

impl RequestLog {
    /// HTTP requests received on `/mcp` (any method, any outcome).
    pub fn http(&self) -> u64 {
        self.0.http.load(Ordering::Relaxed)
    }

    /// JSON-RPC requests received for `method`.
    pub fn method(&self, method: &str) -> u64 {
        self.0.methods.get(method).map_or(0, |n| *n)
    }

    pub(crate) fn record_http(&self) {
        self.0.http.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_method(&self, method: &str) {
        if let Some(mut n) = self.0.methods.get_mut(method) {
            *n += 1;
            return;
        }
        let key = if self.0.methods.len() < MAX_METHODS {
            method
        } else {
            OTHER
        };
        *self.0.methods.entry(key.into()).or_insert(0) += 1;
    }
}

impl PartialEq for RequestLog {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RequestLog {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_method_and_shares_across_clones() {
        let log = RequestLog::default();
        let seen_by_server = log.clone();
        seen_by_server.record_http();
        seen_by_server.record_method("tasks/get");
        seen_by_server.record_method("tasks/get");
        seen_by_server.record_method("initialize");
        assert_eq!(log.http(), 1);
        assert_eq!(log.method("tasks/get"), 2);
        assert_eq!(log.method("initialize"), 1);
        assert_eq!(log.method("tasks/cancel"), 0);
        assert_eq!(log, seen_by_server);
        assert_ne!(log, RequestLog::default());
    }

    #[test]
    fn distinct_names_are_bounded() {
        let log = RequestLog::default();
        for i in 0..MAX_METHODS + 10 {
            log.record_method(&format!("m{i}"));
        }
        assert_eq!(log.method("m0"), 1);
        assert_eq!(log.method(&format!("m{}", MAX_METHODS + 5)), 0);
        assert_eq!(log.method(OTHER), 10);
        log.record_method("m0");
        assert_eq!(log.method("m0"), 2);
    }
}
