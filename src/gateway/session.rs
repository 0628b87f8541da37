//! Legacy `Mcp-Session-Id` binding: a session id is a capability too
//! (design §2, last paragraph).
//!
//! The client never sees an upstream session id: every `Mcp-Session-Id` the
//! upstream returns is replaced with a sealed session handle bound to the
//! caller's identity and route; every one the client presents is opened and
//! replaced with the upstream's id. A handle that does not open for this
//! caller (another identity's, forged, from another route or key) is answered
//! exactly like an unknown session — `404` — and nothing is forwarded.
//! Binding is to identity claims, not token bytes, so a refreshed token of
//! the same identity keeps its session. The owner digest is computed only
//! when a session id is present, so stateless traffic pays nothing here.

use http::{HeaderMap, HeaderValue};

use crate::auth::Principal;
use crate::error::GatewayError;
use crate::handle::{Denial, HandleCodec, Kind, Owner, Sealed};
use crate::mcp::header;

/// Replaces the client's session handle with the upstream session id, and
/// returns that id (`None` when the request carries no session).
///
/// # Errors
/// [`GatewayError::UnknownSession`] for any handle that does not open for
/// this caller on this route; the denial reason is logged, not returned.
pub(super) fn to_upstream(
    codec: &HandleCodec,
    route: &str,
    principal: &Principal,
    headers: &mut HeaderMap,
) -> Result<Option<String>, GatewayError> {
    let Some(value) = headers.get(header::SESSION_ID) else {
        return Ok(None);
    };
    let opened = value
        .to_str()
        .map_err(|_| Denial::Malformed)
        .and_then(|text| codec.verify(Kind::Session, route, text, &Owner::of(principal), 0, 0));
    let sealed = match opened {
        Ok(s) => s,
        Err(denial) => {
            tracing::info!(route, reason = denial.reason(), "session handle refused");
            return Err(GatewayError::UnknownSession);
        }
    };
    let upstream =
        HeaderValue::from_str(&sealed.upstream).map_err(|_| GatewayError::UnknownSession)?;
    headers.insert(header::SESSION_ID, upstream);
    Ok(Some(sealed.upstream))
}

/// Replaces an upstream session id in a response with the caller's handle.
/// Sealing is deterministic, so the same session always gets the same handle.
pub(super) fn to_client(
    codec: &HandleCodec,
    route: &str,
    principal: &Principal,
    headers: &mut HeaderMap,
) {
    let Some(upstream) = headers
        .get(header::SESSION_ID)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let sealed = Sealed {
        owner: Owner::of(principal),
        issued_at: 0,
        expires_at: None,
        epoch: 0,
        upstream: upstream.to_string(),
        session: None,
        tool: None,
    };
    match codec
        .seal(Kind::Session, route, &sealed)
        .and_then(|h| HeaderValue::from_str(&h).ok())
    {
        Some(handle) => {
            headers.insert(header::SESSION_ID, handle);
        }
        None => {
            // An upstream session id too long to seal must not leak raw.
            tracing::warn!(route, "upstream session id could not be sealed; dropped");
            headers.remove(header::SESSION_ID);
        }
    }
}
