//! The protocol era of a request, decided from the negotiated version — never
//! from the shape of a body.
//!
//! Current-era (2026-07-28 and later) requests carry the version in both the
//! `MCP-Protocol-Version` header and `params._meta`; legacy requests carry it
//! in the header after `initialize` (or not at all for 2025-03-26 clients).

use super::dialect::{self, Dialect};

/// Which generation of MCP a request speaks: the small tag a request
/// carries. Everything an era means for tasks is its [`Dialect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Era {
    /// 2025-03-26 … 2025-11-25: `initialize`, sessions, core tasks.
    Legacy,
    /// 2026-07-28 and later: stateless, per-request `_meta`, tasks extension.
    Current,
}

impl Era {
    /// What this generation's messages look like (the one place an era
    /// becomes its dialect).
    pub fn dialect(self) -> &'static Dialect {
        match self {
            Era::Legacy => &dialect::LEGACY,
            Era::Current => &dialect::CURRENT,
        }
    }

    /// The era a protocol version string belongs to.
    ///
    /// Versions are ISO dates, so lexical order is chronological order; any
    /// well-formed version at or after 2026-07-28 is current (see
    /// [`Dialect::of_version`]).
    pub fn of_version(v: &str) -> Option<Era> {
        if !is_version_shaped(v) {
            return None;
        }
        Some(Dialect::of_version(v).era)
    }

    /// Whether `method` is a task method of the *other* generation that this
    /// one does not have: a server of this era answers it `-32601`.
    ///
    /// - legacy (2025-11-25) has no `tasks/update` (input is answered by
    ///   responses to the server's requests) and no `subscriptions/listen`;
    /// - current (2026-07-28) removed `tasks/result` and `tasks/list`.
    ///
    /// `tasks/get` and `tasks/cancel` exist in both, at the same location.
    pub fn lacks_task_method(self, method: &str) -> bool {
        self.dialect().lacks_task_method(method)
    }

    /// Stable lower-case label for logs and metrics.
    pub fn as_str(self) -> &'static str {
        self.dialect().label
    }
}

/// `YYYY-MM-DD` with digits where digits belong.
fn is_version_shaped(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_known_versions() {
        assert_eq!(Era::of_version("2025-03-26"), Some(Era::Legacy));
        assert_eq!(Era::of_version("2025-11-25"), Some(Era::Legacy));
        assert_eq!(Era::of_version("2026-07-28"), Some(Era::Current));
        assert_eq!(Era::of_version("2027-01-01"), Some(Era::Current));
    }

    #[test]
    fn each_era_lacks_only_the_other_generations_own_task_methods() {
        for m in ["tasks/update", "subscriptions/listen"] {
            assert!(Era::Legacy.lacks_task_method(m) && !Era::Current.lacks_task_method(m));
        }
        for m in ["tasks/result", "tasks/list"] {
            assert!(Era::Current.lacks_task_method(m) && !Era::Legacy.lacks_task_method(m));
        }
        for m in ["tasks/get", "tasks/cancel", "tools/call", "Tasks/Update"] {
            assert!(!Era::Legacy.lacks_task_method(m) && !Era::Current.lacks_task_method(m));
        }
    }

    #[test]
    fn rejects_malformed_versions() {
        for v in [
            "",
            "2026-7-28",
            "latest",
            "2026-07-28x",
            "2026/07/28",
            "２０２６-07-28",
        ] {
            assert_eq!(Era::of_version(v), None, "{v:?}");
        }
    }
}
