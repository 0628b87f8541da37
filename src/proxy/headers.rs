//! Header hygiene between client and upstream.
//!
//! Invariants kept here:
//! - the client's `Authorization` (and `Proxy-Authorization`, `Cookie`) never
//!   reach the upstream; the route's configured credential is added instead;
//! - hop-by-hop headers (RFC 9110 §7.6.1), including any named in
//!   `Connection`, are removed in both directions;
//! - everything else, notably `Mcp-*`, `Accept`, `Last-Event-ID` and
//!   `MCP-Protocol-Version`, passes through untouched (intermediaries must
//!   forward `Mcp-Param-*` they do not recognise).
//!
//! The route's credential is a [`Credential`] built once from the
//! configuration; adding it to a request copies no bytes.

use std::fmt;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// The header the gateway presents upstream in place of the client's
/// credential. Built once at start; each request gets a clone, which shares
/// the value's bytes (a reference count, no allocation). The value is marked
/// sensitive and never printed.
#[derive(Clone)]
pub struct Credential {
    /// Header name, e.g. `authorization`.
    pub header: HeaderName,
    value: HeaderValue,
}

// === impl Credential ===

impl Credential {
    /// Presents `value` (marked sensitive here) under `header`.
    pub fn new(header: HeaderName, mut value: HeaderValue) -> Credential {
        value.set_sensitive(true);
        Credential { header, value }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("header", &self.header)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// Headers that are meaningful only for one connection.
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Request headers never forwarded: the client's credentials (the
/// route's own is added instead), and what hyper sets from the upstream
/// URL and the body it is given.
const NOT_FORWARDED: [HeaderName; 4] = [
    header::AUTHORIZATION,
    header::COOKIE,
    header::HOST,
    header::CONTENT_LENGTH,
];

/// Response headers never relayed: the upstream's own auth challenges
/// describe its credential, not ours, and its cookies are its own.
const NOT_RELAYED: [HeaderName; 2] = [header::WWW_AUTHENTICATE, header::SET_COOKIE];

/// `Proxy-Connection` is non-standard but still sent by some clients.
const PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(name) || *name == PROXY_CONNECTION
}

/// Removes hop-by-hop headers, including those listed in `Connection`.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // The common case, none at all, costs one pass over the names instead of
    // a lookup per hop-by-hop name. Names listed in `Connection` matter only
    // when there is a `Connection` header, which is hop-by-hop itself.
    if !headers.keys().any(is_hop_by_hop) {
        return;
    }
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in listed.iter().chain(HOP_BY_HOP.iter()) {
        headers.remove(name);
    }
    headers.remove(PROXY_CONNECTION);
}

/// Turns the client's request headers into the upstream's.
pub fn to_upstream(headers: &mut HeaderMap, credential: Option<&Credential>) {
    strip_hop_by_hop(headers);
    for name in NOT_FORWARDED {
        headers.remove(name);
    }
    if let Some(c) = credential {
        headers.insert(c.header.clone(), c.value.clone());
    }
}

/// Turns the upstream's response headers into the client's.
pub fn to_client(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
    for name in NOT_RELAYED {
        headers.remove(name);
    }
}

/// Whether the `Content-Type` is `want` (parameters ignored, any case).
pub fn media_type_is(headers: &HeaderMap, want: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(want))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_token_and_hop_by_hop_never_go_upstream() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer client"),
        );
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-secret-hop"),
        );
        h.insert("x-secret-hop", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert("mcp-session-id", HeaderValue::from_static("abc"));
        h.insert("mcp-param-region", HeaderValue::from_static("eu"));
        let cred = Credential::new(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer upstream"),
        );
        to_upstream(&mut h, Some(&cred));
        assert_eq!(h.get(header::AUTHORIZATION).unwrap(), "Bearer upstream");
        assert!(h.get(header::AUTHORIZATION).unwrap().is_sensitive());
        assert!(h.get("x-secret-hop").is_none());
        assert!(h.get(header::CONNECTION).is_none());
        assert!(h.get("keep-alive").is_none());
        assert_eq!(h.get("mcp-session-id").unwrap(), "abc");
        assert_eq!(h.get("mcp-param-region").unwrap(), "eu");
    }

    #[test]
    fn a_credential_never_prints_its_value() {
        let cred = Credential::new(
            HeaderName::from_static("x-api-key"),
            HeaderValue::from_static("s3cret"),
        );
        let shown = format!("{cred:?}");
        assert!(shown.contains("x-api-key"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn each_hop_by_hop_header_alone_is_removed() {
        for name in HOP_BY_HOP.iter().chain([&PROXY_CONNECTION]) {
            let mut h = HeaderMap::new();
            h.insert(name.clone(), HeaderValue::from_static("x"));
            h.insert("mcp-session-id", HeaderValue::from_static("abc"));
            strip_hop_by_hop(&mut h);
            assert!(h.get(name).is_none(), "{name}");
            assert_eq!(h.len(), 1);
        }
    }

    #[test]
    fn every_value_of_a_removed_header_goes_and_nothing_else() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1"));
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        h.insert(header::HOST, HeaderValue::from_static("gateway"));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("3"));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        to_upstream(&mut h, None);
        assert_eq!(h.len(), 1);
        assert_eq!(h.get(header::ACCEPT).unwrap(), "application/json");

        let mut r = HeaderMap::new();
        r.append(header::SET_COOKIE, HeaderValue::from_static("s=1"));
        r.append(header::SET_COOKIE, HeaderValue::from_static("t=2"));
        r.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"up\""),
        );
        r.insert("mcp-session-id", HeaderValue::from_static("abc"));
        to_client(&mut r);
        assert_eq!(r.len(), 1);
        assert_eq!(r.get("mcp-session-id").unwrap(), "abc");
    }

    #[test]
    fn without_credential_no_authorization_is_sent() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer client"),
        );
        to_upstream(&mut h, None);
        assert!(h.get(header::AUTHORIZATION).is_none());
    }

    #[test]
    fn media_types_ignore_parameters_and_case() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            http::HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        assert!(media_type_is(&h, "application/json"));
        assert!(!media_type_is(&h, "text/event-stream"));
        assert!(!media_type_is(&HeaderMap::new(), "application/json"));
    }
}
