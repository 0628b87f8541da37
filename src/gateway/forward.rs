//! Forwarding to the upstream and relaying its answer.
//!
//! Invariants: the upstream request carries the route's credential and never
//! the client's (not in a header, and not in the query string, which is
//! forwarded only once the pipeline has refused any that carries a token);
//! the upstream's status code reaches the client unchanged (a
//! legacy `404` for an expired session must stay a `404` so clients
//! re-initialize); `text/event-stream` answers are relayed event by event as
//! they arrive, and dropping the client's response (a disconnect) drops the
//! upstream body, which closes the upstream stream; an answer of any other
//! media type to a request that names or creates a task is read (bounded)
//! and never carries an upstream id the client has no handle for
//! ([`task_phase::opaque_body`]).

use std::future::Future;
use std::sync::Arc;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, Method, Request, Response, Uri};

use super::task_phase::{self, Exchange, TaskEvents};
use crate::body::{GatewayBody, ReadError, boxed, full, read_limited, until_cancelled};
use crate::config::{Limits, RouteConfig};
use crate::error::GatewayError;
use crate::proxy::{UpstreamBody, UpstreamClient, headers};
use crate::shutdown::Shutdown;
use crate::sse::RelayBody;

/// Everything `forward` needs besides the request itself.
pub(super) struct Upstream<'a> {
    /// The pooled client.
    pub(super) client: &'a UpstreamClient,
    /// The route being served.
    pub(super) route: &'a RouteConfig,
    /// Timeouts and relay limits.
    pub(super) limits: &'a Limits,
    /// Ends streaming bodies at shutdown.
    pub(super) shutdown: &'a Shutdown,
    /// Task-handle rewriting of everything the upstream answers.
    pub(super) exchange: Arc<Exchange>,
}

/// Sends one request upstream and relays the response.
///
/// The upstream request is built before the returned future is first
/// polled; the future holds only what relaying needs (it is part of every
/// proxied request's future).
///
/// # Errors
/// `UpstreamUnavailable` / `UpstreamTimeout` when no response head arrives.
pub(super) fn forward<'a>(
    up: Upstream<'a>,
    method: Method,
    client_uri: &Uri,
    mut headers_in: HeaderMap,
    body: GatewayBody,
) -> impl Future<Output = Result<Response<GatewayBody>, GatewayError>> + Send + 'a {
    let Upstream {
        client,
        route,
        limits,
        shutdown,
        exchange,
    } = up;
    headers::to_upstream(&mut headers_in, route.credential.as_ref());
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = upstream_uri(&route.upstream, client_uri);
    *request.headers_mut() = headers_in;
    // Boxed on its own: awaiting a future the block owns would copy it.
    let sent = Box::pin(tokio::time::timeout(
        limits.upstream_timeout,
        client.request(request),
    ));
    async move {
        let response = sent
            .await
            .map_err(|_| GatewayError::UpstreamTimeout)?
            .map_err(|e| {
                tracing::warn!(route = %route.name, error = %e, "upstream request failed");
                GatewayError::UpstreamUnavailable
            })?;
        relay(response, route, limits, shutdown, exchange).await
    }
}

/// The client's response from the upstream's: headers cleaned, streams
/// relayed event by event, JSON answers read whole (bounded) and rewritten.
async fn relay(
    response: Response<UpstreamBody>,
    route: &RouteConfig,
    limits: &Limits,
    shutdown: &Shutdown,
    exchange: Arc<Exchange>,
) -> Result<Response<GatewayBody>, GatewayError> {
    let (mut parts, incoming) = response.into_parts();
    headers::to_client(&mut parts.headers);
    let body = if is_event_stream(&parts.headers) {
        // Events may be rewritten (handles are longer than upstream ids): the
        // upstream's length no longer holds.
        parts.headers.remove(CONTENT_LENGTH);
        // Ask intermediaries not to buffer the stream (long-lived listens).
        parts
            .headers
            .insert("x-accel-buffering", http::HeaderValue::from_static("no"));
        let relay = RelayBody::new(incoming, TaskEvents(exchange), limits.max_sse_event_bytes);
        until_cancelled(boxed(relay), shutdown.token().clone())
    } else if is_json(&parts.headers) {
        // A JSON answer is one message: read it whole (bounded), rewrite it.
        let bytes = read_limited(incoming, limits.max_sse_event_bytes)
            .await
            .map_err(|e| {
                let reason = match e {
                    ReadError::TooLarge { .. } => "too large",
                    ReadError::Stream(_) => "body failed",
                };
                tracing::warn!(route = %route.name, reason, "upstream JSON answer unusable");
                GatewayError::UpstreamAnswerUnusable
            })?;
        let bytes = task_phase::response_body(&exchange, bytes)
            .await
            .ok_or(GatewayError::UpstreamAnswerUnusable)?;
        parts.headers.remove(CONTENT_LENGTH);
        full(bytes)
    } else if task_phase::names_or_creates_task(&exchange) {
        // Not a message the task rules can read: bounded, and relayed only
        // when it cannot carry an upstream id the client has no handle for.
        let bytes = read_limited(incoming, limits.max_sse_event_bytes)
            .await
            .map_err(|_| GatewayError::UpstreamAnswerUnusable)?;
        let bytes = task_phase::opaque_body(&exchange, bytes)
            .ok_or(GatewayError::UpstreamAnswerUnusable)?;
        parts.headers.remove(CONTENT_LENGTH);
        full(bytes)
    } else {
        boxed(incoming)
    };
    Ok(Response::from_parts(parts, body))
}

/// The upstream URL, carrying the client's query string when the upstream
/// URL has none of its own. A query that carries an access token never gets
/// here: the pipeline refuses it first (`ambiguity`).
fn upstream_uri(upstream: &Uri, client: &Uri) -> Uri {
    match (upstream.query(), client.query()) {
        (None, Some(q)) => {
            let pq = format!("{}?{q}", upstream.path());
            let mut parts = upstream.clone().into_parts();
            parts.path_and_query = pq.parse().ok();
            Uri::from_parts(parts).unwrap_or_else(|_| upstream.clone())
        }
        _ => upstream.clone(),
    }
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    media_type_is(headers, "text/event-stream")
}

fn is_json(headers: &HeaderMap) -> bool {
    media_type_is(headers, "application/json")
}

fn media_type_is(headers: &HeaderMap, want: &str) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(want))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_carried_unless_upstream_has_its_own() {
        let up: Uri = "http://u:1/mcp".parse().unwrap();
        let c: Uri = "/mcp?a=1".parse().unwrap();
        assert_eq!(upstream_uri(&up, &c).to_string(), "http://u:1/mcp?a=1");
        let up_q: Uri = "http://u:1/mcp?k=v".parse().unwrap();
        assert_eq!(upstream_uri(&up_q, &c).to_string(), "http://u:1/mcp?k=v");
    }
}
