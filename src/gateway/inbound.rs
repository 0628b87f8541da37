//! Validation of a client's POST before anything is forwarded: media type,
//! size, strict JSON-RPC parsing, protocol era, and current-era header/body
//! agreement.
//!
//! Invariants: the bytes forwarded upstream are exactly the bytes validated
//! here (no re-serialization unless a later phase must rewrite), so the
//! upstream can never see a message the gateway did not check. Validation
//! builds no JSON tree ([`Summary::skim`] accepts and refuses exactly what
//! the strict parser does); a later phase that needs the tree parses the
//! same bytes again.

use crate::proxy::headers::media_type_is;
use bytes::Bytes;
use http::HeaderMap;
use http_body::Body;

use super::versions::UpstreamVersions;
use crate::body::{BoxError, ReadError, read_limited};
use crate::config::Limits;
use crate::error::{GatewayError, VersionRefusal};
use crate::jsonrpc::{Field, Id, Limits as JsonLimits, Message, Summary};
use crate::mcp::{Era, MethodKind, dialect, header, headers as mcp_headers};

/// A validated client message.
#[derive(Debug)]
pub struct Inbound {
    /// The raw body, forwarded as is.
    pub bytes: Bytes,
    /// What the gateway reads of the message without a tree.
    pub summary: Summary,
    /// The protocol era of this request.
    pub era: Era,
}

/// Validates a POST body.
///
/// # Errors
/// The [`GatewayError`] the client gets; the upstream is not contacted.
pub(super) async fn read_post<B>(
    headers: &HeaderMap,
    body: B,
    limits: &Limits,
    versions: &UpstreamVersions,
) -> Result<Inbound, (GatewayError, Option<Id>)>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    if !is_json(headers) {
        return Err((GatewayError::UnsupportedMediaType, None));
    }
    let bytes = read_limited(body, limits.max_body_bytes)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge { limit } => (GatewayError::BodyTooLarge { limit }, None),
            ReadError::Stream(_) => (GatewayError::BodyRead, None),
        })?;
    let json_limits = JsonLimits {
        max_depth: limits.max_json_depth,
    };
    let summary =
        Summary::skim(&bytes, &json_limits).map_err(|e| (GatewayError::JsonRpc(e), None))?;
    match era_of(headers, &summary, versions) {
        Ok(era) => Ok(Inbound {
            bytes,
            summary,
            era,
        }),
        Err(e) => Err((e, summary.id().cloned())),
    }
}

/// `application/json`, with or without parameters, case-insensitive.
fn is_json(headers: &HeaderMap) -> bool {
    media_type_is(headers, "application/json")
}

/// The era the `MCP-Protocol-Version` header declares, with the header's
/// text; `None` without the header. The one rule for every HTTP method: a
/// header that is not a version the gateway speaks is refused, never
/// guessed at.
///
/// # Errors
/// `UnsupportedProtocolVersion`, quoting what was asked for and what the
/// route's upstream speaks.
pub(super) fn declared_era<'h>(
    headers: &'h HeaderMap,
    versions: &UpstreamVersions,
) -> Result<Option<(Era, &'h str)>, GatewayError> {
    let Some(value) = headers.get(header::PROTOCOL_VERSION) else {
        return Ok(None);
    };
    let refuse = || {
        GatewayError::UnsupportedProtocolVersion(Box::new(VersionRefusal {
            requested: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            supported: versions.supported(),
        }))
    };
    let text = value.to_str().map_err(|_| refuse())?;
    let era = Era::of_version(text).ok_or_else(refuse)?;
    Ok(Some((era, text)))
}

/// Decides the era from the negotiated version and enforces the current
/// era's header rules.
fn era_of(
    headers: &HeaderMap,
    summary: &Summary,
    versions: &UpstreamVersions,
) -> Result<Era, GatewayError> {
    let meta_version = summary.meta_version.as_deref();
    let declared = declared_era(headers, versions)?;
    let header_version = declared.map(|(_, text)| text);
    let era = match (declared, meta_version) {
        (Some((era, _)), _) => era,
        // A body of an era whose requests must carry the version header,
        // without it.
        (None, Some(m))
            if Era::of_version(m)
                .is_some_and(|e| e.dialect().transport.version_header_required) =>
        {
            return Err(GatewayError::HeaderMismatch(
                "MCP-Protocol-Version header is required",
            ));
        }
        // The oldest era: initialize, or a 2025-03-26 client that sends no
        // header.
        (None, _) => dialect::ALL[0].era,
    };
    let transport = era.dialect().transport;
    if !transport.client_responses && matches!(summary.message, Message::Response { .. }) {
        return Err(GatewayError::ResponseNotAllowed);
    }
    if transport.mirrored_headers {
        let version = header_version.unwrap_or_default();
        let name_value = |field: &str| {
            summary.name_field(field).map(|f| match f {
                Field::Str(s) => Some(s.as_str()),
                Field::Other => None,
            })
        };
        // A method the gateway does not know (a custom one, or a task
        // method this era removed) has no `Mcp-Name` rule to check here:
        // the former is forwarded, the latter answered as a server must.
        let knows = |m: &str| MethodKind::of(m) != MethodKind::Custom && !era.lacks_task_method(m);
        mcp_headers::check_current_fields(
            headers,
            version,
            summary.method(),
            meta_version,
            name_value,
            knows,
        )?;
    } else if let (Some(h), Some(m)) = (header_version, meta_version)
        && h != m
    {
        return Err(GatewayError::HeaderMismatch(
            "MCP-Protocol-Version disagrees with _meta protocolVersion",
        ));
    }
    Ok(era)
}
