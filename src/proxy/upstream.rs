//! The client a serving thread forwards through.
//!
//! Plain-http upstreams are spoken to over HTTP/1.1 connections of the
//! thread's own [`Pool`]: one request, one hand-off to the connection's task
//! and back, nothing shared with other threads. Everything else (https
//! upstreams, and with them HTTP/2 by ALPN) goes through the thread's shared-
//! pool client ([`HttpClient`]), which knows TLS.
//!
//! Invariants, the same as the shared client's:
//! - requests go out in origin form with a `Host` header naming the
//!   upstream (port only when not the default);
//! - a request that could not be started on a reused connection (the
//!   upstream closed it while idle) is retried once on a fresh connection;
//!   one that was started is never retried;
//! - connecting is bounded by [`CONNECT_TIMEOUT`] per address tried.

use std::future::Future;
use std::time::Duration;

use http::header::HOST;
use http::uri::{Authority, Scheme};
use http::{Request, Response, Uri};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::HttpClient;
use super::pool::{Pool, PooledBody, Sender};
use crate::body::GatewayBody;

/// Longest TCP connect to one upstream address (as the shared client).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an upstream request failed before a response head arrived.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The shared client failed.
    #[error(transparent)]
    Shared(#[from] hyper_util::client::legacy::Error),
    /// The HTTP exchange failed.
    #[error(transparent)]
    Http(#[from] hyper::Error),
    /// No connection could be made.
    #[error("connecting to {authority}: {reason}")]
    Connect {
        /// Where to.
        authority: String,
        /// What went wrong.
        reason: String,
    },
    /// The upstream URL has no authority.
    #[error("upstream URL has no host")]
    NoHost,
}

/// A serving thread's upstream client. Cloning shares the pool.
#[derive(Clone)]
pub struct UpstreamClient {
    shared: HttpClient,
    pool: Pool,
}

impl UpstreamClient {
    /// A client with an empty pool of its own; `shared` serves the upstreams
    /// the pool does not (https).
    pub fn new(shared: HttpClient) -> Self {
        UpstreamClient {
            shared,
            pool: Pool::default(),
        }
    }

    /// Sends `request` (absolute URI) and waits for the response head.
    ///
    /// The request is prepared before the returned future is first polled,
    /// and the future keeps it in one place: it is part of every proxied
    /// request's future, whose size is paid for on each request.
    ///
    /// # Errors
    /// When no response head arrives (connect, I/O or protocol failure).
    pub fn request(
        &self,
        mut request: Request<GatewayBody>,
    ) -> impl Future<Output = Result<Response<UpstreamBody>, Error>> + Send + '_ {
        let pooled = if request.uri().scheme() == Some(&Scheme::HTTP) {
            self.prepare(&mut request).map(Some)
        } else {
            Ok(None)
        };
        async move {
            let Some(authority) = pooled? else {
                let response = self.shared.request(request).await?;
                return Ok(response.map(UpstreamBody::Shared));
            };
            // Idle connections first; one the upstream closed meanwhile
            // hands the request back unsent, and the next one is tried.
            while let Some(mut sender) = self.pool.checkout(&authority) {
                match sender.try_send_request(request).await {
                    Ok(response) => return Ok(self.wrap(response, sender, authority)),
                    Err(mut e) => match e.take_message() {
                        Some(unsent) => request = unsent,
                        None => return Err(e.into_error().into()),
                    },
                }
            }
            // Boxed: connecting is rare and its future is large.
            let (response, sender) = Box::pin(send_on_new_connection(&authority, request)).await?;
            Ok(self.wrap(response, sender, authority))
        }
    }

    /// Origin form and `Host` header for a pooled plain-http upstream;
    /// returns the upstream's authority.
    fn prepare(&self, request: &mut Request<GatewayBody>) -> Result<Authority, Error> {
        let authority = request.uri().authority().cloned().ok_or(Error::NoHost)?;
        let host = self.pool.host_header(&authority).ok_or(Error::NoHost)?;
        request.headers_mut().entry(HOST).or_insert(host);
        *request.uri_mut() = origin_form(request.uri());
        Ok(authority)
    }

    fn wrap(
        &self,
        response: Response<Incoming>,
        sender: Sender,
        authority: Authority,
    ) -> Response<UpstreamBody> {
        let pool = self.pool.clone();
        response.map(|body| UpstreamBody::Pooled(PooledBody::new(body, sender, authority, pool)))
    }
}

/// `/path?query` of an absolute URI (`/` when it has none).
fn origin_form(uri: &Uri) -> Uri {
    match uri.path_and_query() {
        Some(pq) if pq.as_str() != "/" => Uri::from(pq.clone()),
        _ => Uri::from_static("/"),
    }
}

/// Sends `request` on a fresh connection (not yet in the pool).
async fn send_on_new_connection(
    authority: &Authority,
    request: Request<GatewayBody>,
) -> Result<(Response<Incoming>, Sender), Error> {
    let mut sender = connect(authority).await?;
    let response = sender.send_request(request).await?;
    Ok((response, sender))
}

/// Opens an HTTP/1.1 connection and starts its task on this thread.
async fn connect(authority: &Authority) -> Result<Sender, Error> {
    let err = |reason: String| Error::Connect {
        authority: authority.to_string(),
        reason,
    };
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = authority.port_u16().unwrap_or(80);
    let addrs = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| err("name resolution timed out".into()))?
        .map_err(|e| err(e.to_string()))?;
    let mut last = err("no address".into());
    for addr in addrs {
        let stream =
            match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr)).await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    last = err(e.to_string());
                    continue;
                }
                Err(_) => {
                    last = err(format!("{addr}: connect timed out"));
                    continue;
                }
            };
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(Error::Http)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "upstream connection ended with an error");
            }
        });
        return Ok(sender);
    }
    Err(last)
}

/// The upstream's response body, from either path.
pub enum UpstreamBody {
    /// From a connection of this thread's pool.
    Pooled(PooledBody),
    /// From the shared client.
    Shared(Incoming),
}

impl Body for UpstreamBody {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<bytes::Bytes>, hyper::Error>>> {
        match self.get_mut() {
            UpstreamBody::Pooled(b) => Pin::new(b).poll_frame(cx),
            UpstreamBody::Shared(b) => Pin::new(b).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            UpstreamBody::Pooled(b) => b.is_end_stream(),
            UpstreamBody::Shared(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            UpstreamBody::Pooled(b) => b.size_hint(),
            UpstreamBody::Shared(b) => b.size_hint(),
        }
    }
}

#[cfg(test)]
#[path = "upstream_tests.rs"]
mod tests;
