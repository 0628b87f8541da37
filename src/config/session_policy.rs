//! Validation of `[sessions]`: the legacy session lifetime policy.
//!
//! Invariant: both lifetimes are at least one second, because handles and
//! the store carry whole seconds and a sub-second lifetime would make every
//! session born dead. An idle timeout longer than the absolute lifetime is
//! accepted and has no effect (a session never outlives its handle).

use super::raw::RawSessions;
use super::{SessionPolicy, duration};

/// The policy, with every error pushed to `errs`.
pub(super) fn validate(raw: &RawSessions, errs: &mut Vec<String>) -> SessionPolicy {
    let d = SessionPolicy::default();
    let p = SessionPolicy {
        max_lifetime: duration::or_default(
            "sessions.max_lifetime",
            raw.max_lifetime.as_deref(),
            d.max_lifetime,
            errs,
        ),
        idle_timeout: duration::or_default(
            "sessions.idle_timeout",
            raw.idle_timeout.as_deref(),
            d.idle_timeout,
            errs,
        ),
    };
    for (name, v) in [
        ("max_lifetime", p.max_lifetime),
        ("idle_timeout", p.idle_timeout),
    ] {
        if v.as_secs() == 0 {
            errs.push(format!("sessions.{name} must be at least 1s"));
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn defaults_values_and_errors() {
        let mut errs = Vec::new();
        let p = validate(&RawSessions::default(), &mut errs);
        assert!(errs.is_empty());
        assert_eq!(p, SessionPolicy::default());
        assert_eq!(p.max_lifetime, Duration::from_secs(86_400));
        assert_eq!(p.idle_timeout, Duration::from_secs(3_600));

        let raw = RawSessions {
            max_lifetime: Some("8h".into()),
            idle_timeout: Some("15m".into()),
        };
        let p = validate(&raw, &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(p.max_lifetime, Duration::from_secs(8 * 3600));
        assert_eq!(p.idle_timeout, Duration::from_secs(900));

        let raw = RawSessions {
            max_lifetime: Some("500ms".into()),
            idle_timeout: Some("later".into()),
        };
        validate(&raw, &mut errs);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("sessions.max_lifetime")));
        assert!(errs.iter().any(|e| e.contains("sessions.idle_timeout")));
        let raw = RawSessions {
            max_lifetime: None,
            idle_timeout: Some("0s".into()),
        };
        let mut errs = Vec::new();
        validate(&raw, &mut errs);
        assert_eq!(errs, vec!["sessions.idle_timeout must be at least 1s"]);
    }
}
