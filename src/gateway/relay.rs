//! The relay phase: a [`Permitted`] request goes to the route's
//! [`Target`](crate::target::Target), and the target's answer comes back to
//! the client — status kept, session id sealed, every upstream message
//! through the message hook ([`super::messages`]).
//!
//! Invariants:
//! - Only a [`Permitted`] request is sent (GET and DELETE included).
//! - The upstream's status code reaches the client unchanged (a legacy
//!   `404` for an expired session must stay a `404` so clients
//!   re-initialize).
//! - A stream is relayed event by event as it arrives (a listen's JSON
//!   answer line by line, each line one message); dropping the
//!   client's response (a disconnect) drops the upstream body, which closes
//!   the upstream stream; streams end at their next event boundary when the
//!   gateway shuts down.
//! - An answer that is not a message, to a request that names or creates a
//!   task, is read (bounded) and never carries an upstream id the client
//!   has no handle for ([`super::messages::opaque_body`]).
//! - The relayed body carries the exchange as its completion hook: the
//!   request's outcome is finished when the client got (or lost) the end.

use std::sync::Arc;

use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderValue, Method, Response};

use super::admission::{Forwardable, Permitted};
use super::exchange::Exchange;
use super::messages::{self, MessageEvents};
use super::outcome::Progress;
use super::settings::Runtime;
use crate::body::{GatewayBody, boxed, full, read_limited, until_cancelled};
use crate::error::GatewayError;
use crate::mcp::MethodKind;
use crate::proxy::UpstreamClient;
use crate::sse::{Lines, RelayBody};
use crate::target::{Answer, Failure, Outgoing, Reply, Sent, TargetLimits};
use std::future::Future;

use super::admission::Rejected;

/// Sends a permitted request and relays the answer. On failure the
/// request's progress is handed back through `progress`.
///
/// The upstream request is built before the returned future is first
/// polled; the future holds only what answering needs (it is part of every
/// proxied request, and its size is allocated on each).
///
/// # Errors
/// The answer the gateway gives instead (no usable answer upstream, or the
/// session could not be recorded).
pub(super) fn relay<'a>(
    permitted: Permitted,
    client: &'a UpstreamClient,
    runtime: &'a Runtime,
    progress: &'a mut Option<Progress>,
) -> impl Future<Output = Result<Response<GatewayBody>, Rejected>> + Send + 'a {
    let Forwardable {
        head,
        body,
        id,
        principal,
        session,
        exchange,
    } = permitted.into_parts();
    let deleting = head.method == Method::DELETE;
    let outgoing = Sent::of_method(&head.method, body).map(|sent| Outgoing {
        sent,
        metadata: head.headers,
        query: head.uri.query().map(str::to_owned),
    });
    let limits = &exchange.settings().limits;
    let target_limits = TargetLimits {
        answer_timeout: limits.upstream_timeout,
        max_answer_bytes: limits.max_json_answer_bytes,
        json_lines: exchange.method == Some(MethodKind::SubscriptionsListen),
    };
    async move {
        let answered = match outgoing {
            Some(outgoing) => {
                // Boxed on its own: the request's future stays small enough
                // for the allocator's per-thread cache, and so does this one.
                let sent = exchange
                    .route()
                    .target
                    .send(client, outgoing, target_limits);
                let reply = Box::pin(sent).await.map_err(|f| match f {
                    Failure::Timeout => GatewayError::UpstreamTimeout,
                    Failure::Unavailable => GatewayError::UpstreamUnavailable,
                    Failure::Unusable => GatewayError::UpstreamAnswerUnusable,
                });
                match reply {
                    Ok(reply) => {
                        let session = session.as_deref();
                        let answer = answer(reply, &exchange, runtime, (&principal, session));
                        Box::pin(answer).await
                    }
                    Err(e) => Err(e),
                }
            }
            None => Err(GatewayError::MethodNotAllowed),
        };
        let answered = match answered {
            Ok(response) if deleting && response.status().is_success() => {
                if let Some(ended) = &session {
                    let route = &exchange.route().config.name;
                    Box::pin(exchange.settings().sessions.ended(route, ended)).await;
                }
                Ok(response)
            }
            other => other,
        };
        match answered {
            Ok(response) => {
                exchange.set_status(response.status());
                Ok(response.map(|body| body.observed(exchange)))
            }
            Err(error) => {
                *progress = exchange.take_progress();
                Err(Rejected { error, id })
            }
        }
    }
}

/// The client's response from the upstream's reply: status kept, the
/// answer through the message hook, the session id sealed.
async fn answer(
    reply: Reply,
    exchange: &Arc<Exchange>,
    runtime: &Runtime,
    (principal, session): (&crate::auth::Principal, Option<&super::session::Presented>),
) -> Result<Response<GatewayBody>, GatewayError> {
    let settings = exchange.settings();
    let Reply {
        status,
        metadata: mut headers,
        answer,
    } = reply;
    let body = match answer {
        Answer::Stream(incoming) => {
            let events = MessageEvents(exchange.clone());
            let relay = RelayBody::new(incoming, events, settings.limits.max_sse_event_bytes);
            streamed(&mut headers, boxed(relay), runtime)
        }
        Answer::Lines(incoming) => {
            let lines = MessageEvents(exchange.clone());
            let framing = Lines::new(settings.limits.max_sse_event_bytes);
            let relay = RelayBody::framed(incoming, lines, framing);
            streamed(&mut headers, boxed(relay), runtime)
        }
        Answer::Message(bytes) => {
            let bytes = messages::message(exchange, bytes)
                .await
                .ok_or(GatewayError::UpstreamAnswerUnusable)?;
            headers.remove(CONTENT_LENGTH);
            full(bytes)
        }
        Answer::Opaque(incoming) if messages::names_or_creates_task(exchange) => {
            // Not a message the task rules can read: bounded, and relayed
            // only when it cannot carry an upstream id the client has no
            // handle for.
            let bytes = read_limited(incoming, settings.limits.max_json_answer_bytes)
                .await
                .map_err(|_| GatewayError::UpstreamAnswerUnusable)?;
            let bytes = messages::opaque_body(exchange, bytes)
                .ok_or(GatewayError::UpstreamAnswerUnusable)?;
            headers.remove(CONTENT_LENGTH);
            full(bytes)
        }
        Answer::Opaque(incoming) => boxed(incoming),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    seal_session(exchange, principal, session, &mut response).await?;
    Ok(response)
}

/// A relayed stream's body and headers: cut at shutdown, not buffered.
fn streamed(headers: &mut HeaderMap, relay: GatewayBody, runtime: &Runtime) -> GatewayBody {
    // Messages may be rewritten (handles are longer than upstream ids):
    // the upstream's length no longer holds.
    headers.remove(CONTENT_LENGTH);
    // Ask intermediaries not to buffer the stream (long listens).
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    until_cancelled(relay, runtime.shutdown.token().clone())
}

/// The answer's `Mcp-Session-Id`: the client's own handle back, or a new
/// session opened for the caller (the `initialize` answer).
async fn seal_session(
    exchange: &Arc<Exchange>,
    principal: &crate::auth::Principal,
    session: Option<&super::session::Presented>,
    response: &mut Response<GatewayBody>,
) -> Result<(), GatewayError> {
    let sessions = &exchange.settings().sessions;
    let route_name = exchange.route().config.name.as_str();
    let opening = sessions.to_client(route_name, session, response.headers_mut());
    if let Some(upstream_session) = opening {
        let open = sessions.open(
            route_name,
            principal,
            upstream_session,
            response.headers_mut(),
        );
        Box::pin(open).await?;
    }
    Ok(())
}
