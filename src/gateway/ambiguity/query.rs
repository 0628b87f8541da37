//! Whether a query string carries an OAuth access token (RFC 6750 §2.3's
//! `access_token` parameter), however a server behind the gateway might
//! read the query.
//!
//! Servers differ in how they parse a query, so the parameter name is
//! compared under every reading a common server applies: `&` or `;` as
//! separator; the name as sent and percent-decoded (repeatedly, and before
//! splitting, as naive parsers do); ASCII case ignored; surrounding
//! whitespace and a PHP/Rails-style `[…]` suffix ignored; and, for
//! non-ASCII names, Unicode lower-casing with `ſ` read as `s` (so `K`,
//! the Kelvin sign, is a `k`). A false positive costs a legitimate client
//! one clear `400`; a false negative forwards a token.
//!
//! Invariant: a query without `access_token` under any of these readings is
//! left alone; only a query with a `%` escape is ever copied.

use std::borrow::Cow;

/// The RFC 6750 §2.3 query parameter.
const PARAM: &str = "access_token";

/// Percent-decoding rounds tried after the query as sent (double and
/// triple encoding are real-world bypasses). A query that still decodes
/// further after that is treated as carrying a token: no client encodes a
/// query four times, and an attacker must not outlast the check.
const MAX_DECODES: usize = 3;

/// Whether `query` names the `access_token` parameter under any reading.
pub(super) fn carries_token(query: &str) -> bool {
    let mut current: Cow<'_, [u8]> = Cow::Borrowed(query.as_bytes());
    for _ in 0..MAX_DECODES {
        if names_param(&current) {
            return true;
        }
        if !current.contains(&b'%') {
            return false;
        }
        let decoded = percent_decode(&current);
        if decoded == *current {
            return false;
        }
        current = Cow::Owned(decoded);
    }
    names_param(&current) || percent_decode(&current) != *current
}

/// Whether any `&`/`;`-separated pair of `query` has the name [`PARAM`].
fn names_param(query: &[u8]) -> bool {
    query
        .split(|b| matches!(b, b'&' | b';'))
        .any(|pair| is_param(name_of(pair)))
}

/// The name of one pair: before `=` and any `[`, whitespace trimmed.
fn name_of(pair: &[u8]) -> &[u8] {
    let end = pair
        .iter()
        .position(|b| matches!(b, b'=' | b'['))
        .unwrap_or(pair.len());
    pair[..end].trim_ascii()
}

fn is_param(name: &[u8]) -> bool {
    if name.is_ascii() {
        return name.eq_ignore_ascii_case(PARAM.as_bytes());
    }
    // Only names with non-ASCII bytes get here, and only once each.
    String::from_utf8_lossy(name)
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ſ' { 's' } else { c })
        .eq(PARAM.chars())
}

/// `%XX` escapes decoded; everything else (including malformed escapes) kept.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let escaped = match input.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(input[i]);
                i += 1;
            }
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reading_of_access_token_is_found() {
        for q in [
            "access_token=x",
            "access_token",
            "access_token=",
            "ACCESS_TOKEN=x",
            "Access_Token=x",
            "a=1&access_token=x",
            "access_token=x&a=1",
            "a=1;access_token=x",
            "access%5Ftoken=x",
            "access%5ftoken=x",
            "%61ccess_token=x",
            "%41CCESS_TOKEN=x",
            "access%255Ftoken=x",
            "access%25255Ftoken=x",
            "access%2525255Ftoken=x",
            "region=%2525252541",
            "a=1%26access_token%3Dx",
            "access_token%3Dx",
            "access_token[]=x",
            "access_token%5B%5D=x",
            " access_token =x",
            "access%20token=x&access_token%09=y",
            "acce%C5%BFs_token=x",
            "access_to%E2%84%AAen=x",
            "access_to\u{212A}en=x",
        ] {
            assert!(carries_token(q), "{q:?}");
        }
    }

    #[test]
    fn other_parameters_are_left_alone() {
        for q in [
            "",
            "a=1",
            "region=eu&token_type=x",
            "access_tokens=1",
            "my_access_token=1",
            "access-token=1",
            "accesstoken=1",
            "x=access_token",
            "access%2",
            "%zz=1",
            "access%255",
            "q=100%2525",
            "region=%252541",
            "acc\u{e9}ss_token=x",
        ] {
            assert!(!carries_token(q), "{q:?}");
        }
    }

    #[test]
    fn decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode(b"%41%4a%4A%"), b"AJJ%");
        assert_eq!(percent_decode(b"%g1%1"), b"%g1%1");
        assert_eq!(percent_decode(b"%C3%A9"), "é".as_bytes());
    }
}
