//! One serving thread's idle HTTP/1.1 connections to plain-http upstreams,
//! and the response body that gives its connection back.
//!
//! Invariants:
//! - a connection is in the pool only while no request is in flight on it: it
//!   goes back when its response body has been read to the end (or had none),
//!   never when the body was dropped early (hyper then closes it);
//! - closed connections and ones idle longer than [`IDLE_TIMEOUT`] are never
//!   handed out (checked at checkout, so no timer runs per connection);
//! - at most [`MAX_IDLE_PER_HOST`] idle connections are kept per upstream;
//!   extra ones are closed.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::HeaderValue;
use http::uri::Authority;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;

use crate::body::GatewayBody;

/// Longest time an idle connection is kept (as the shared client's pool).
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Most idle connections kept per upstream and serving thread.
pub(super) const MAX_IDLE_PER_HOST: usize = 64;

/// A connection's request half.
pub(super) type Sender = SendRequest<GatewayBody>;

/// One upstream's idle connections.
struct Host {
    authority: Authority,
    /// The `Host` header requests to it carry.
    host_header: HeaderValue,
    /// Most recently returned last.
    idle: Vec<(Sender, Instant)>,
}

/// The idle connections of one serving thread, per upstream authority.
///
/// Shared by `Arc` between the client and the response bodies it hands out;
/// the lock is only ever taken by the thread that owns the pool, so it is
/// never contended.
#[derive(Clone, Default)]
pub(super) struct Pool {
    hosts: Arc<Mutex<Vec<Host>>>,
}

impl Pool {
    /// An idle, ready connection to `authority`, if there is one.
    pub(super) fn checkout(&self, authority: &Authority) -> Option<Sender> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        let host = hosts.iter_mut().find(|h| h.authority == *authority)?;
        let now = Instant::now();
        host.idle
            .retain(|(s, since)| !s.is_closed() && now.duration_since(*since) < IDLE_TIMEOUT);
        // A connection whose previous exchange hyper has not wound up yet
        // stays for later.
        let ready = host.idle.iter().rposition(|(s, _)| s.is_ready())?;
        Some(host.idle.swap_remove(ready).0)
    }

    /// Gives a connection whose exchange is complete back to the pool.
    pub(super) fn give_back(&self, authority: &Authority, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(host) = hosts.iter_mut().find(|h| h.authority == *authority)
            && host.idle.len() < MAX_IDLE_PER_HOST
        {
            host.idle.push((sender, Instant::now()));
        }
    }

    /// The `Host` header for `authority`, made once per upstream (as the
    /// shared client does: the port only when it is not the default one).
    pub(super) fn host_header(&self, authority: &Authority) -> Option<HeaderValue> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(h) = hosts.iter().find(|h| h.authority == *authority) {
            return Some(h.host_header.clone());
        }
        let host_header = match authority.port_u16() {
            Some(80) | None => HeaderValue::from_str(authority.host()),
            Some(port) => HeaderValue::from_str(&format!("{}:{port}", authority.host())),
        }
        .ok()?;
        hosts.push(Host {
            authority: authority.clone(),
            host_header: host_header.clone(),
            idle: Vec::new(),
        });
        Some(host_header)
    }
}

/// The upstream's response body; gives its connection back to the pool once
/// read to the end.
pub struct PooledBody {
    inner: Incoming,
    /// The connection and where it goes back, until the body ends.
    owner: Option<(Sender, Authority, Pool)>,
}

impl PooledBody {
    pub(super) fn new(inner: Incoming, sender: Sender, authority: Authority, pool: Pool) -> Self {
        let mut body = PooledBody {
            inner,
            owner: Some((sender, authority, pool)),
        };
        if body.inner.is_end_stream() {
            body.release();
        }
        body
    }

    fn release(&mut self) {
        if let Some((sender, authority, pool)) = self.owner.take() {
            pool.give_back(&authority, sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => this.release(),
            // An error leaves the connection unusable: drop it.
            Poll::Ready(Some(Err(_))) => this.owner = None,
            Poll::Ready(Some(Ok(_))) if this.inner.is_end_stream() => this.release(),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
