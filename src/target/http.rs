//! [`HttpTarget`]: an MCP server over streamable HTTP.
//!
//! Invariants: the upstream request carries the route's credential and
//! never the client's (not in a header, and not in the query string, which
//! is carried only once the pipeline has refused any that carries a token);
//! hop-by-hop headers are removed both ways; the answer is classified by
//! its media type (`application/json` → one message, read whole up to its
//! limit, or JSON lines, unread, when the exchange asked for them;
//! `text/event-stream` → a stream; anything else → opaque, unread).

use std::future::Future;

use ::http::{Method, Request, Response, Uri};
use tokio::time::error::Elapsed;

use super::{Answer, Failure, Outgoing, Reply, Sent, TargetLimits};
use crate::body::{ReadError, empty, full, read_limited};
use crate::proxy::headers::{self, Credential};
use crate::proxy::upstream::Error as ClientError;
use crate::proxy::{UpstreamBody, UpstreamClient};

/// An HTTP(S) upstream and the credential it is sent (its `Debug` never
/// shows the credential's value).
#[derive(Debug, Clone)]
pub struct HttpTarget {
    uri: Uri,
    credential: Option<Credential>,
}

impl HttpTarget {
    /// The upstream at `uri`, sent `credential`.
    pub fn new(uri: Uri, credential: Option<Credential>) -> HttpTarget {
        HttpTarget { uri, credential }
    }

    /// Sends one exchange and classifies the answer.
    ///
    /// The request is built before the returned future is first polled, so
    /// the future holds only what answering needs (it is part of every
    /// proxied request, and its size is allocated on each).
    pub(super) fn send<'a>(
        &'a self,
        client: &'a UpstreamClient,
        outgoing: Outgoing,
        limits: TargetLimits,
    ) -> impl Future<Output = Result<Reply, Failure>> + Send + 'a {
        let Outgoing {
            sent,
            mut metadata,
            query,
        } = outgoing;
        headers::to_upstream(&mut metadata, self.credential.as_ref());
        let (method, body) = match sent {
            Sent::Message(bytes) => (Method::POST, full(bytes)),
            Sent::OpenStream => (Method::GET, empty()),
            Sent::EndSession => (Method::DELETE, empty()),
        };
        let mut request = Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = upstream_uri(&self.uri, query.as_deref());
        *request.headers_mut() = metadata;
        // Boxed on its own: awaiting a future the caller owns would copy it.
        let sent = Box::pin(tokio::time::timeout(
            limits.answer_timeout,
            client.request(request),
        ));
        async move { self.answer(sent.await, limits).await }
    }

    /// Classifies the upstream's answer (reading a JSON one whole).
    async fn answer(
        &self,
        sent: Result<Result<Response<UpstreamBody>, ClientError>, Elapsed>,
        limits: TargetLimits,
    ) -> Result<Reply, Failure> {
        let response = sent.map_err(|_| Failure::Timeout)?.map_err(|e| {
            tracing::warn!(upstream = %self.authority(), error = %e, "upstream request failed");
            Failure::Unavailable
        })?;
        let (mut parts, incoming) = response.into_parts();
        headers::to_client(&mut parts.headers);
        let answer = if headers::media_type_is(&parts.headers, "text/event-stream") {
            Answer::Stream(incoming)
        } else if limits.json_lines && headers::media_type_is(&parts.headers, "application/json") {
            Answer::Lines(incoming)
        } else if headers::media_type_is(&parts.headers, "application/json") {
            // A JSON answer is one message: read it whole (bounded).
            let bytes = read_limited(incoming, limits.max_answer_bytes)
                .await
                .map_err(|e| {
                    let reason = match e {
                        ReadError::TooLarge { .. } => "too large",
                        ReadError::Stream(_) => "body failed",
                    };
                    tracing::warn!(upstream = %self.authority(), reason, "upstream JSON answer unusable");
                    Failure::Unusable
                })?;
            Answer::Message(bytes)
        } else {
            Answer::Opaque(incoming)
        };
        Ok(Reply {
            status: parts.status,
            metadata: parts.headers,
            answer,
        })
    }

    fn authority(&self) -> &str {
        self.uri.authority().map_or("", |a| a.as_str())
    }
}

/// The upstream URL, carrying the client's query string when the upstream
/// URL has none of its own.
fn upstream_uri(upstream: &Uri, query: Option<&str>) -> Uri {
    match (upstream.query(), query) {
        (None, Some(q)) => {
            let pq = format!("{}?{q}", upstream.path());
            let mut parts = upstream.clone().into_parts();
            parts.path_and_query = pq.parse().ok();
            Uri::from_parts(parts).unwrap_or_else(|_| upstream.clone())
        }
        _ => upstream.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_carried_unless_upstream_has_its_own() {
        let up: Uri = "http://u:1/mcp".parse().unwrap();
        assert_eq!(
            upstream_uri(&up, Some("a=1")).to_string(),
            "http://u:1/mcp?a=1"
        );
        let up_q: Uri = "http://u:1/mcp?k=v".parse().unwrap();
        assert_eq!(
            upstream_uri(&up_q, Some("a=1")).to_string(),
            "http://u:1/mcp?k=v"
        );
        assert_eq!(upstream_uri(&up, None).to_string(), "http://u:1/mcp");
    }

    #[test]
    fn the_credential_is_never_shown() {
        let t = HttpTarget::new(
            "http://u:1/mcp".parse().unwrap(),
            Some(Credential::new(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_static("Bearer upstream-secret"),
            )),
        );
        let shown = format!("{t:?}");
        assert!(!shown.contains("upstream-secret"), "{shown}");
    }
}
