//! Validation of `[request_state]`: how long a sealed `requestState` lives.
//!
//! Invariant: the TTL is at least one second (handles carry whole seconds:
//! a shorter one would make every handle born expired) and at most
//! [`RequestStatePolicy::MAX_TTL`] (a multi-round-trip state is short-lived
//! by design; a longer one is a mistake, not a policy).

use super::raw::RawRequestState;
use super::{RequestStatePolicy, duration};

/// The policy, with every error pushed to `errs`.
pub(super) fn validate(raw: &RawRequestState, errs: &mut Vec<String>) -> RequestStatePolicy {
    let d = RequestStatePolicy::default();
    let p = RequestStatePolicy {
        ttl: duration::or_default("request_state.ttl", raw.ttl.as_deref(), d.ttl, errs),
    };
    if p.ttl.as_secs() == 0 {
        errs.push("request_state.ttl must be at least 1s".into());
    }
    if p.ttl > RequestStatePolicy::MAX_TTL {
        errs.push(format!(
            "request_state.ttl must be at most {}s",
            RequestStatePolicy::MAX_TTL.as_secs()
        ));
    }
    p
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn check(ttl: Option<&str>) -> (RequestStatePolicy, Vec<String>) {
        let mut errs = Vec::new();
        let raw = RawRequestState {
            ttl: ttl.map(str::to_owned),
        };
        (validate(&raw, &mut errs), errs)
    }

    #[test]
    fn defaults_to_five_minutes() {
        let (p, errs) = check(None);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(p, RequestStatePolicy::default());
        assert_eq!(p.ttl, Duration::from_secs(300));
    }

    #[test]
    fn accepts_a_short_ttl_and_refuses_zero_long_and_garbage() {
        let (p, errs) = check(Some("90s"));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(p.ttl, Duration::from_secs(90));
        for bad in ["500ms", "2h", "soon"] {
            let (_, errs) = check(Some(bad));
            assert_eq!(errs.len(), 1, "{bad}: {errs:?}");
            assert!(errs[0].contains("request_state.ttl"), "{bad}: {errs:?}");
        }
    }
}
