//! CORS for browser clients: the preflight answer and the headers every
//! answer to an allowed origin carries. Which origins are allowed is
//! [`super::origin`]'s decision; this module only words it.
//!
//! - A preflight (`OPTIONS` with `Origin` and
//!   `Access-Control-Request-Method`) from an allowed origin is answered by
//!   the gateway, `204`, without authentication and never forwarded:
//!   methods `POST, GET, DELETE`; of the requested headers, those an MCP
//!   client sends (`Authorization`, `Content-Type`, `Accept`,
//!   `Mcp-Session-Id`, `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`,
//!   `Last-Event-ID`, any `Mcp-Param-*`); cached for ten minutes. A method
//!   or header left out is then refused by the browser itself. A preflight
//!   from any other origin is refused `403` like any request from it.
//! - Every answer on the route to an allowed origin — relayed, or made by
//!   the gateway (a `401` and its `WWW-Authenticate` included) — carries
//!   `Access-Control-Allow-Origin: <the origin>`, `Vary: Origin` and
//!   `Access-Control-Expose-Headers: Mcp-Session-Id, WWW-Authenticate,
//!   MCP-Protocol-Version`; an upstream's `Access-Control-Allow-Credentials`
//!   is dropped (a bearer token is the only credential, never a cookie).
//! - The protected-resource metadata (RFC 9728) is public by design and
//!   holds no secret: it is served with `Access-Control-Allow-Origin: *` to
//!   every origin, preflight included, so a browser-based client can
//!   discover the authorization server.
//!
//! Invariant: a request without `Origin` gets none of this (no header is
//! added to its answer); answers to refused origins carry no CORS header.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, VARY,
};
use http::{HeaderValue, Method, Response, StatusCode, request};

use crate::body::{GatewayBody, empty};
use crate::mcp::header;

/// Request headers a browser-based MCP client may send (lowercase).
const ALLOWED_REQUEST_HEADERS: [&str; 8] = [
    "authorization",
    "content-type",
    "accept",
    header::SESSION_ID,
    header::PROTOCOL_VERSION,
    header::METHOD,
    header::NAME,
    header::LAST_EVENT_ID,
];

/// Response headers a browser client must be able to read.
const EXPOSED: &str = "Mcp-Session-Id, WWW-Authenticate, MCP-Protocol-Version";

/// How long a browser may cache a preflight answer (seconds).
const PREFLIGHT_MAX_AGE: &str = "600";

/// The answer to a preflight, when the request is one (`OPTIONS` with
/// `Access-Control-Request-Method`). The origin's own headers are added
/// with every answer's ([`expose`]).
pub(super) fn preflight(head: &request::Parts) -> Option<Response<GatewayBody>> {
    if head.method != Method::OPTIONS || !head.headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
        return None;
    }
    let mut answer = no_content();
    let headers = answer.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, DELETE"),
    );
    if let Some(allowed) = allowed_request_headers(&head.headers) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allowed);
    }
    headers.insert(
        ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    headers.insert(
        VARY,
        HeaderValue::from_static("Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    Some(answer)
}

/// The requested headers an MCP client may send, as requested; `None` when
/// none is.
fn allowed_request_headers(headers: &HeaderMap) -> Option<HeaderValue> {
    let requested = headers
        .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|name| is_allowed_request_header(name));
    let mut list = String::new();
    for name in requested {
        if !list.is_empty() {
            list.push_str(", ");
        }
        list.push_str(name);
    }
    if list.is_empty() {
        return None;
    }
    HeaderValue::from_str(&list).ok()
}

fn is_allowed_request_header(name: &str) -> bool {
    let param = name
        .split_at_checked(header::PARAM_PREFIX.len())
        .is_some_and(|(prefix, rest)| {
            prefix.eq_ignore_ascii_case(header::PARAM_PREFIX) && !rest.is_empty()
        });
    param
        || ALLOWED_REQUEST_HEADERS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(name))
}

/// Adds the CORS headers for an allowed `origin` to an answer on its route.
pub(super) fn expose(headers: &mut HeaderMap, origin: &HeaderValue) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.append(VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED),
    );
    headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
}

/// Marks the public metadata document readable from every origin.
pub(super) fn public(headers: &mut HeaderMap) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
}

/// The preflight answer for the public metadata document: any origin, GET
/// and HEAD, the requested headers as requested.
pub(super) fn public_preflight(head: &request::Parts) -> Response<GatewayBody> {
    let mut answer = no_content();
    let headers = answer.headers_mut();
    public(headers);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD"),
    );
    if let Some(requested) = head.headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    headers.insert(
        ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    answer
}

fn no_content() -> Response<GatewayBody> {
    let mut answer = Response::new(empty());
    *answer.status_mut() = StatusCode::NO_CONTENT;
    answer
}

#[cfg(test)]
mod tests;
