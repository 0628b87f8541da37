//! The protocol versions a route's upstream supports, as its own
//! `server/discover` answers said (SEP-2575), for the gateway's own
//! `UnsupportedProtocolVersion` answers: their `error.data.supported` must
//! list versions the server behind really speaks, as the server's own answer
//! would.
//!
//! Invariants:
//! - Only versions the gateway can govern are listed (a version-shaped
//!   string, see [`Era::of_version`]): the gateway never invites a client to
//!   a version it would refuse.
//! - Until a discovery answer has been seen (or when it listed nothing the
//!   gateway speaks) the list is the static one: every version of every
//!   dialect the gateway speaks.
//! - Learning is off the request path: only answers to `server/discover`
//!   are read, and only a refused request reads the list.

use std::sync::{Arc, PoisonError, RwLock};

use serde_json::Value;

use crate::mcp::{Era, dialect};

/// A list of protocol versions, shared by every answer that quotes it.
pub(super) type VersionList = Arc<[Box<str>]>;

/// What one route's upstream was last seen to support.
#[derive(Debug, Default)]
pub struct UpstreamVersions {
    learned: RwLock<Option<VersionList>>,
}

impl UpstreamVersions {
    /// The versions to offer a client whose version the gateway refuses.
    pub(super) fn supported(&self) -> VersionList {
        let learned = self.learned.read().unwrap_or_else(PoisonError::into_inner);
        learned.clone().unwrap_or_else(fallback)
    }

    /// Learns from an answer to `server/discover` (its
    /// `result.supportedVersions`); anything else is ignored.
    pub(super) fn learn(&self, answer: &Value) {
        let Some(Value::Array(advertised)) = answer.pointer("/result/supportedVersions") else {
            return;
        };
        let spoken: Vec<Box<str>> = advertised
            .iter()
            .filter_map(Value::as_str)
            .filter(|v| Era::of_version(v).is_some())
            .map(Box::from)
            .collect();
        if spoken.is_empty() {
            return;
        }
        let mut learned = self.learned.write().unwrap_or_else(PoisonError::into_inner);
        if learned.as_deref() != Some(&spoken[..]) {
            *learned = Some(Arc::from(spoken));
        }
    }
}

/// Every version of every dialect the gateway speaks, oldest first.
fn fallback() -> VersionList {
    dialect::ALL
        .iter()
        .flat_map(|d| d.versions.iter().copied())
        .map(Box::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn list(v: &VersionList) -> Vec<&str> {
        v.iter().map(AsRef::as_ref).collect()
    }

    #[test]
    fn before_any_discovery_every_spoken_version_is_offered() {
        let versions = UpstreamVersions::default();
        assert_eq!(
            list(&versions.supported()),
            ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]
        );
    }

    #[test]
    fn a_discovery_answer_narrows_the_list_to_what_the_upstream_speaks() {
        let versions = UpstreamVersions::default();
        versions.learn(&json!({"jsonrpc": "2.0", "id": 1, "result": {
            "supportedVersions": ["2026-07-28", "v9", 7, "2027-01-15"]}}));
        assert_eq!(list(&versions.supported()), ["2026-07-28", "2027-01-15"]);
    }

    #[test]
    fn answers_that_say_nothing_usable_change_nothing() {
        let versions = UpstreamVersions::default();
        versions.learn(&json!({"jsonrpc": "2.0", "id": 1, "result": {
            "supportedVersions": ["2026-07-28"]}}));
        for answer in [
            json!({"jsonrpc": "2.0", "id": 2, "error": {"code": -32601, "message": "x"}}),
            json!({"jsonrpc": "2.0", "id": 3, "result": {"supportedVersions": []}}),
            json!({"jsonrpc": "2.0", "id": 4, "result": {"supportedVersions": ["nope"]}}),
            json!({"jsonrpc": "2.0", "id": 5, "result": {"supportedVersions": "2025-11-25"}}),
        ] {
            versions.learn(&answer);
        }
        assert_eq!(list(&versions.supported()), ["2026-07-28"]);
    }
}
