//! The thread-local pool against a real HTTP/1.1 server on 127.0.0.1:0.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::*;
use crate::body::full;

/// A server answering `host|uri` that counts the connections it accepted;
/// `keep_alive: false` closes every connection after one answer.
async fn server(keep_alive: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let svc = hyper::service::service_fn(|req: Request<Incoming>| async move {
                let host = req.headers().get(HOST).cloned();
                let host = host.unwrap_or(HeaderValue::from_static("-"));
                let text = format!("{}|{}", host.to_str().unwrap(), req.uri());
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .keep_alive(keep_alive)
                    .serve_connection(TokioIo::new(stream), svc),
            );
        }
    });
    (format!("http://{addr}"), accepted)
}

fn client() -> UpstreamClient {
    UpstreamClient::new(crate::proxy::build_client(None).unwrap())
}

async fn get(client: &UpstreamClient, url: &str) -> String {
    let request = Request::post(url).body(full("{}")).unwrap();
    let response = client.request(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn origin_form_with_host_and_one_connection_reused() {
    let (base, accepted) = server(true).await;
    let c = client();
    let host = base.trim_start_matches("http://");
    assert_eq!(
        get(&c, &format!("{base}/mcp?a=1")).await,
        format!("{host}|/mcp?a=1")
    );
    assert_eq!(
        get(&c, &format!("{base}/mcp")).await,
        format!("{host}|/mcp")
    );
    assert_eq!(get(&c, &base).await, format!("{host}|/"));
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "the pooled connection is reused"
    );
}

#[tokio::test]
async fn connections_the_upstream_closed_are_replaced() {
    let (base, accepted) = server(false).await;
    let c = client();
    for _ in 0..3 {
        assert!(get(&c, &format!("{base}/mcp")).await.ends_with("|/mcp"));
        // Let the upstream's close reach the idle connection, or not: both
        // must work.
        tokio::task::yield_now().await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn concurrent_requests_open_connections_that_are_then_reused() {
    let (base, accepted) = server(true).await;
    let c = client();
    let url = format!("{base}/mcp");
    let (a, b) = tokio::join!(get(&c, &url), get(&c, &url));
    assert!(a.ends_with("|/mcp") && b.ends_with("|/mcp"));
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    let (a, b) = tokio::join!(get(&c, &url), get(&c, &url));
    assert!(a.ends_with("|/mcp") && b.ends_with("|/mcp"));
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "both idle connections reused"
    );
}

#[tokio::test]
async fn a_body_dropped_early_does_not_return_its_connection() {
    let (base, accepted) = server(true).await;
    let c = client();
    let request = Request::post(format!("{base}/mcp"))
        .body(full("{}"))
        .unwrap();
    let response = c.request(request).await.unwrap();
    // Content-Length is known, but nothing was read: not reusable yet.
    drop(response);
    assert!(get(&c, &format!("{base}/mcp")).await.ends_with("|/mcp"));
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn unreachable_upstream_is_an_error_not_a_panic() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let request = Request::post(format!("http://{addr}/mcp"))
        .body(full("{}"))
        .unwrap();
    let err = client().request(request).await.err().unwrap();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
}
