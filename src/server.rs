//! Accept loop and per-connection serving, shared by the MCP listener and the
//! admin listener.
//!
//! Invariants: at most `max_connections` connections are served at once,
//! counted over every listener sharing one semaphore (excess connections are closed immediately rather than queued, so an
//! overload sheds load instead of growing memory); request heads are bounded
//! in size (oversize → `431`) and in time (slow-loris); on shutdown the
//! listener stops accepting and connections are closed gracefully after their
//! in-flight requests.

pub mod service;
pub mod tls;
pub mod workers;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use crate::body::GatewayBody;
use crate::shutdown::Shutdown;

/// Largest request head (request line + headers) accepted over HTTP/1.1.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Longest time a client may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest TLS handshake.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the listeners serve: a cloneable tower service answering hyper
/// requests with gateway bodies, shareable across connections and threads.
pub trait HttpService:
    tower::Service<
        Request<Incoming>,
        Response = Response<GatewayBody>,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> HttpService for S where
    S: tower::Service<
            Request<Incoming>,
            Response = Response<GatewayBody>,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Serves `service` on `listener` until `shutdown` triggers, then drains
/// connections for at most `grace`. Returns whether the drain completed.
/// Every connection holds one of `permits` while it is served.
pub async fn serve<S>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    service: S,
    shutdown: Shutdown,
    permits: Arc<Semaphore>,
    grace: Duration,
) -> bool
where
    S: HttpService,
{
    let graceful = GracefulShutdown::new();
    let builder = builder();
    loop {
        let accepted = tokio::select! {
            () = shutdown.triggered() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // EMFILE and friends: back off briefly instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection limit reached; closing connection");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let hyper_service = TowerToHyperService::new(service.clone());
        let builder = builder.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), hyper_service);
                    let _ = watcher.watch(conn.into_owned()).await;
                }
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                    let Ok(Ok(tls_stream)) = handshake else {
                        tracing::debug!(%peer, "TLS handshake failed or timed out");
                        return;
                    };
                    let conn = builder.serve_connection(TokioIo::new(tls_stream), hyper_service);
                    let _ = watcher.watch(conn.into_owned()).await;
                }
            }
        });
    }
    drop(listener);
    tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_ok()
}

fn builder() -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEAD_BYTES as u32);
    builder
}
