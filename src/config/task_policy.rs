//! Validation of `[tasks]`: the task lifetime policy.
//!
//! Invariant: `max_ttl` is at least one second, because handles carry whole
//! seconds and a sub-second cap would make every handle born expired.

use super::raw::RawTasks;
use super::{TaskPolicy, duration};

/// The policy, with every error pushed to `errs`.
pub(super) fn validate(raw: &RawTasks, errs: &mut Vec<String>) -> TaskPolicy {
    let d = TaskPolicy::default();
    let p = TaskPolicy {
        max_ttl: duration::or_default("tasks.max_ttl", raw.max_ttl.as_deref(), d.max_ttl, errs),
        result_retention: duration::or_default(
            "tasks.result_retention",
            raw.result_retention.as_deref(),
            d.result_retention,
            errs,
        ),
        max_live_per_principal: raw.max_live_per_principal,
        max_live_per_tenant: raw.max_live_per_tenant,
    };
    if p.max_ttl.as_secs() == 0 {
        errs.push("tasks.max_ttl must be at least 1s".into());
    }
    for (name, v) in [
        ("max_live_per_principal", p.max_live_per_principal),
        ("max_live_per_tenant", p.max_live_per_tenant),
    ] {
        if v == Some(0) {
            errs.push(format!("tasks.{name} must be greater than zero"));
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let mut errs = Vec::new();
        let p = validate(&RawTasks::default(), &mut errs);
        assert!(errs.is_empty());
        assert_eq!(p, TaskPolicy::default());

        let raw = RawTasks {
            max_ttl: Some("500ms".into()),
            result_retention: Some("soon".into()),
            max_live_per_principal: Some(0),
            max_live_per_tenant: Some(3),
        };
        let p = validate(&raw, &mut errs);
        assert_eq!(p.max_live_per_tenant, Some(3));
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("tasks.max_ttl")));
        assert!(errs.iter().any(|e| e.contains("tasks.result_retention")));
        assert!(errs.iter().any(|e| e.contains("max_live_per_principal")));
    }
}
