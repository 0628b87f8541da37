//! Allowed browser origins (`[listen] allowed_origins`, `--allowed-origin`,
//! a route's `allowed_origins`), checked once at start-up.
//!
//! Invariant: every origin kept is exactly what a browser sends in `Origin`
//! for that page (`scheme://host[:port]`: http or https, lowercase, no path
//! or trailing slash, no default port), so the gateway compares bytes per
//! request. Anything else is an error naming the entry and the rule: a
//! spelling browsers never send would silently never match. `*` and `null`
//! are refused (every origin, and sandboxed or file pages).

use std::str::FromStr;

use http::uri::Authority;

/// The origins of `raw`, every problem pushed to `errs` under `field`.
pub(super) fn origins(field: &str, raw: &[String], errs: &mut Vec<String>) -> Vec<String> {
    let mut kept = Vec::with_capacity(raw.len());
    for origin in raw {
        match problem(origin) {
            Some(problem) => errs.push(format!("{field}: {origin:?} {problem}")),
            None if kept.contains(origin) => {}
            None => kept.push(origin.clone()),
        }
    }
    kept
}

/// What is wrong with `origin`, if anything.
fn problem(origin: &str) -> Option<&'static str> {
    if origin == "*" {
        return Some("is not supported: list each origin (scheme://host[:port])");
    }
    if origin.eq_ignore_ascii_case("null") {
        return Some("is not an origin to trust (sandboxed frames and local files send it)");
    }
    let (authority, default_port) = if let Some(rest) = origin.strip_prefix("http://") {
        (rest, 80)
    } else if let Some(rest) = origin.strip_prefix("https://") {
        (rest, 443)
    } else {
        return Some("must start with http:// or https://");
    };
    let plain = !authority.contains(['/', '?', '#', '@']) && port_is_valid(authority);
    let parsed = Authority::from_str(authority).ok().filter(|_| plain);
    let Some(parsed) = parsed else {
        return Some("must be scheme://host[:port], with no path, query or trailing slash");
    };
    if origin.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some("must be lowercase, as browsers send it");
    }
    (parsed.port_u16() == Some(default_port))
        .then_some("must leave out the scheme's default port, as browsers do")
}

/// A port after the host, if any, is a number from 1 to 65535 (`host:`
/// has an empty one).
fn port_is_valid(authority: &str) -> bool {
    match authority.rsplit_once(':') {
        Some((_, port)) if !port.contains(']') => {
            port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p != 0)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::origins;

    fn check(list: &[&str]) -> (Vec<String>, Vec<String>) {
        let raw: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        let mut errs = Vec::new();
        let kept = origins("route[0].allowed_origins", &raw, &mut errs);
        (kept, errs)
    }

    #[test]
    fn origins_as_browsers_send_them_are_kept_once() {
        let (kept, errs) = check(&[
            "https://app.example",
            "http://localhost:6274",
            "http://[::1]:8080",
            "https://app.example",
        ]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            kept,
            [
                "https://app.example",
                "http://localhost:6274",
                "http://[::1]:8080"
            ]
        );
    }

    #[test]
    fn every_other_spelling_is_an_error_naming_the_entry_and_the_rule() {
        for (origin, rule) in [
            ("*", "list each origin"),
            ("null", "not an origin to trust"),
            ("app.example", "http:// or https://"),
            ("ftp://app.example", "http:// or https://"),
            ("https://app.example/", "no path"),
            ("https://app.example/mcp", "no path"),
            ("https://app.example?x=1", "no path"),
            ("https://user@app.example", "no path"),
            ("https://", "no path"),
            ("https://app.example:99999", "no path"),
            ("https://app.example:", "no path"),
            ("https://App.Example", "lowercase"),
            ("https://app.example:443", "default port"),
            ("http://app.example:80", "default port"),
        ] {
            let (kept, errs) = check(&[origin]);
            assert!(kept.is_empty(), "{origin}");
            assert_eq!(errs.len(), 1, "{origin}: {errs:?}");
            assert!(
                errs[0].starts_with(&format!("route[0].allowed_origins: {origin:?} "))
                    && errs[0].contains(rule),
                "{origin}: {errs:?}"
            );
        }
        assert!(check(&["http://app.example:8080"]).1.is_empty());
    }
}
