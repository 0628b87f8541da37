//! The first check on an MCP route: a request that the gateway and the
//! server behind it could read differently is refused, before
//! authentication and before anything is forwarded.
//!
//! The gateway decides from the credential, the session id and the MCP
//! headers it reads; the upstream acts on what it reads. Where those can
//! differ, an attacker steers the upstream past the gateway's checks, or
//! has a token forwarded. Refused:
//!
//! - an access token in the query string (the `access_token` parameter of
//!   RFC 6750 §2.3 under any reading a server might apply, see `query`),
//!   with or without an `Authorization` header: `400` with an RFC 6750
//!   `invalid_request` challenge. Tokens travel only in `Authorization`
//!   (which is never forwarded), so a query forwarded upstream never
//!   carries one; other parameters are forwarded unchanged;
//! - a repeated `Authorization` (RFC 6750 §3.1: "repeats the same
//!   parameter"): `400 invalid_request`;
//! - a repeated `Mcp-Session-Id`: `400`, `-32600`;
//! - a repeated `MCP-Protocol-Version`, `Mcp-Method` or `Mcp-Name`, equal
//!   values or not: `400`, `-32020` (HeaderMismatch), on every era and
//!   HTTP method;
//! - a header whose name has a `_` and becomes a governed name when `_` is
//!   read as `-` (as nginx, CGI/WSGI and some frameworks do): `400`,
//!   `-32600`. Governed: every `mcp-*` name, `last-event-id`, the
//!   `proxy-*`, hop-by-hop and body-framing headers, and the route's
//!   upstream credential header (folded both ways: it is configured and
//!   may contain `_` itself). Refused rather than dropped: such a name
//!   is the same ambiguity as a repeat, and no client sends one by mistake.
//!   Other `_` names pass, and so do `Mcp-Param-<name>` headers whose
//!   `<name>` (from a tool's schema, any token) has a `_`.
//!
//! Cost: a request without a query string, repeated header names or `_`
//! in a header name pays one comparison of two counts and one byte scan of
//! the header names; nothing is allocated.

mod query;

use http::header::{AUTHORIZATION, HeaderMap};
use http::{HeaderName, Uri};

use super::route::Route;
use crate::error::GatewayError;
use crate::mcp::header;

/// Governed names outside `mcp-*` that contain a `-` (a name without one
/// cannot be reached by folding `_`).
const GOVERNED: [&str; 8] = [
    header::LAST_EVENT_ID,
    "proxy-authorization",
    "proxy-authenticate",
    "proxy-connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-type",
];

/// Every MCP header (`Mcp-Session-Id`, `MCP-Protocol-Version`, `Mcp-Method`,
/// `Mcp-Name`, `Mcp-Param-*`, and those still to come).
const MCP_PREFIX: &str = "mcp-";

/// The MCP headers the current era mirrors or negotiates with.
const MIRRORED: [(&str, &str); 3] = [
    (
        header::PROTOCOL_VERSION,
        "MCP-Protocol-Version header repeated",
    ),
    (header::METHOD, "Mcp-Method header repeated"),
    (header::NAME, "Mcp-Name header repeated"),
];

/// Refuses a request on `route` that could be read more than one way.
///
/// # Errors
/// [`GatewayError::AmbiguousCredential`] for a token in the query or a
/// repeated `Authorization`; [`GatewayError::AmbiguousHeader`] for a
/// repeated `Mcp-Session-Id` or a folded name;
/// [`GatewayError::HeaderMismatch`] for a repeated mirrored header.
pub(super) fn check(route: &Route, uri: &Uri, headers: &HeaderMap) -> Result<(), GatewayError> {
    if uri.query().is_some_and(query::carries_token) {
        return Err(GatewayError::AmbiguousCredential {
            message: "Invalid Request: access tokens are not accepted in the query string",
            challenge: route.challenge_request.clone(),
        });
    }
    // `len` counts values, `keys_len` names: equal means nothing repeats.
    if headers.len() != headers.keys_len() {
        check_repeats(route, headers)?;
    }
    let credential = route.config.credential.as_ref().map(|c| &c.header);
    if headers
        .keys()
        .any(|name| folds_to_governed(name, credential))
    {
        return Err(GatewayError::AmbiguousHeader(
            "Invalid Request: a header name with '_' reads as a header the gateway governs",
        ));
    }
    Ok(())
}

fn check_repeats(route: &Route, headers: &HeaderMap) -> Result<(), GatewayError> {
    if repeats(headers, AUTHORIZATION) {
        return Err(GatewayError::AmbiguousCredential {
            message: "Invalid Request: Authorization header repeated",
            challenge: route.challenge_request.clone(),
        });
    }
    if repeats(headers, header::SESSION_ID) {
        return Err(GatewayError::AmbiguousHeader(
            "Invalid Request: Mcp-Session-Id header repeated",
        ));
    }
    match MIRRORED.iter().find(|(name, _)| repeats(headers, *name)) {
        Some((_, message)) => Err(GatewayError::HeaderMismatch(message)),
        None => Ok(()),
    }
}

fn repeats(headers: &HeaderMap, name: impl http::header::AsHeaderName) -> bool {
    headers.get_all(name).iter().nth(1).is_some()
}

/// Whether `name` reads as a governed name it is not, with `_` read as `-`.
fn folds_to_governed(name: &HeaderName, credential: Option<&HeaderName>) -> bool {
    // The credential header is configured and may itself contain `_`, so
    // the fold goes both ways there: `x-api-key` from a client must not
    // reach an upstream that reads the gateway's `x_api_key` as the same.
    if credential.is_some_and(|c| name != c && same_when_folded(name.as_str(), c.as_str())) {
        return true;
    }
    let name = name.as_str().as_bytes();
    if !name.contains(&b'_') {
        return false;
    }
    // `Mcp-Param-<name>` names come from tool schemas and may contain `_`.
    let mcp = name
        .get(..MCP_PREFIX.len())
        .is_some_and(|head| folds_to(head, MCP_PREFIX))
        && !name.starts_with(header::PARAM_PREFIX.as_bytes());
    mcp || GOVERNED.iter().any(|g| folds_to(name, g))
}

/// `name` equals `governed` when each `_` of `name` is read as `-`.
fn folds_to(name: &[u8], governed: &str) -> bool {
    let governed = governed.as_bytes();
    name.len() == governed.len()
        && name
            .iter()
            .zip(governed)
            .all(|(&n, &g)| n == g || (n == b'_' && g == b'-'))
}

/// `a` equals `b` when every `_` of either is read as `-`.
fn same_when_folded(a: &str, b: &str) -> bool {
    let fold = |c: u8| if c == b'_' { b'-' } else { c };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| fold(x) == fold(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> HeaderName {
        HeaderName::from_bytes(s.as_bytes()).unwrap()
    }

    #[test]
    fn underscore_names_that_fold_to_governed_ones_are_found() {
        let key = name("x-api-key");
        for n in [
            "mcp_session_id",
            "mcp-session_id",
            "mcp_protocol_version",
            "mcp_method",
            "mcp_name",
            "mcp_param_region",
            "mcp-param_region",
            "mcp_param-region",
            "mcp_anything",
            "last_event_id",
            "proxy_authorization",
            "transfer_encoding",
            "content_length",
            "content_type",
            "keep_alive",
            "x_api_key",
            "x-api_key",
        ] {
            assert!(folds_to_governed(&name(n), Some(&key)), "{n}");
        }
    }

    #[test]
    fn other_names_pass() {
        let key = name("x-api-key");
        for n in [
            "mcp-session-id",
            "content-type",
            "x_trace_id",
            "mcp-param-user_region",
            "mcpx_session",
            "mc_p-session-id",
            "last_event_ids",
            "_",
            "authorization_",
            "x_api_key_",
        ] {
            assert!(!folds_to_governed(&name(n), Some(&key)), "{n}");
        }
        assert!(!folds_to_governed(&name("x_api_key"), None));
    }

    #[test]
    fn a_credential_header_with_underscores_folds_both_ways() {
        let key = name("x_api_key");
        for n in ["x-api-key", "x-api_key", "x_api-key"] {
            assert!(folds_to_governed(&name(n), Some(&key)), "{n}");
        }
        for n in ["x_api_key", "x-api-keys", "authorization"] {
            assert!(!folds_to_governed(&name(n), Some(&key)), "{n}");
        }
    }
}
