//! A scripted upstream MCP endpoint for edge cases: it records every request
//! it receives (so tests can prove what did and did not reach it) and answers
//! through a handler closure.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::Value;
use taskgate::body::{BoxError, GatewayBody, boxed, full};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One request as the upstream saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn rpc_method(&self) -> Option<String> {
        self.json()
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// What the handler answers.
pub enum Reply {
    Json(StatusCode, Value),
    Status(StatusCode),
    /// `text/event-stream` fed by the test through the returned sender.
    Sse(mpsc::Receiver<String>),
    /// `application/json` streamed as it is fed (JSON lines, as a current
    /// era server may answer a listen); ends when the sender is dropped.
    JsonStream(mpsc::Receiver<String>),
    Raw(Response<GatewayBody>),
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// The running upstream.
pub struct Upstream {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Connections currently open (to observe disconnect propagation).
    pub open_streams: Arc<std::sync::atomic::AtomicUsize>,
}

impl Upstream {
    /// Starts an upstream answering with `handler`.
    pub async fn spawn(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Upstream {
        Self::spawn_with_tls(handler, None).await
    }

    /// As [`spawn`], serving https with the test certificate.
    pub async fn spawn_tls(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Upstream {
        let files = taskgate::config::TlsFiles {
            cert: fixture("tls/server.pem"),
            key: fixture("tls/server.key"),
        };
        Self::spawn_with_tls(
            handler,
            Some(taskgate::server::tls::acceptor(&files).unwrap()),
        )
        .await
    }

    async fn spawn_with_tls(
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let open_streams = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, o) = (seen.clone(), open_streams.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (seen, handler, open) = (s.clone(), handler.clone(), o.clone());
                let tls = tls.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let (seen, handler, open) = (seen.clone(), handler.clone(), open.clone());
                        async move { Ok::<_, Infallible>(answer(req, &seen, &*handler, open).await) }
                    });
                    let builder = auto::Builder::new(TokioExecutor::new());
                    match tls {
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                        Some(acceptor) => {
                            let Ok(stream) = acceptor.accept(stream).await else {
                                return;
                            };
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                    }
                });
            }
        });
        Upstream {
            addr,
            seen,
            open_streams,
        }
    }

    /// An upstream that answers every request with a JSON-RPC result echoing the method.
    pub async fn echo() -> Upstream {
        Upstream::spawn(|seen| {
            let v = seen.json();
            Reply::Json(
                StatusCode::OK,
                serde_json::json!({"jsonrpc": "2.0", "id": v.get("id").cloned().unwrap_or(Value::Null),
                    "result": {"method": v.get("method").cloned().unwrap_or(Value::Null)}}),
            )
        })
        .await
    }

    /// An upstream that answers its first request with an SSE stream fed
    /// through the returned sender (later requests get 500).
    pub async fn sse_once() -> (Upstream, mpsc::Sender<String>) {
        let (tx, rx) = mpsc::channel::<String>(4);
        let rx = Mutex::new(Some(rx));
        let up = Upstream::spawn(move |_| match rx.lock().unwrap().take() {
            Some(rx) => Reply::Sse(rx),
            None => Reply::Status(StatusCode::INTERNAL_SERVER_ERROR),
        })
        .await;
        (up, tx)
    }

    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    pub fn https_url(&self) -> String {
        format!("https://localhost:{}/mcp", self.addr.port())
    }

    /// Everything received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Waits (at most 5 s, else panics) until every SSE stream this
    /// upstream served is closed, pinging through `tx` so the upstream
    /// notices a closed connection when it next writes.
    pub async fn await_streams_closed(&self, tx: &mpsc::Sender<String>) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.open_streams.load(std::sync::atomic::Ordering::SeqCst) != 0 {
            let _ = tx.try_send(": ping\n\n".into());
            assert!(
                tokio::time::Instant::now() < deadline,
                "upstream stream still open after the client left"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

async fn answer(
    req: Request<Incoming>,
    seen: &Mutex<Vec<Seen>>,
    handler: &Handler,
    open: Arc<std::sync::atomic::AtomicUsize>,
) -> Response<GatewayBody> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let record = Seen {
        method: parts.method,
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: parts.headers,
        body,
    };
    seen.lock().unwrap().push(record.clone());
    match handler(&record) {
        Reply::Json(status, v) => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(full(serde_json::to_vec(&v).unwrap()))
            .unwrap(),
        Reply::Status(status) => Response::builder()
            .status(status)
            .body(full(Bytes::new()))
            .unwrap(),
        Reply::Raw(r) => r,
        Reply::Sse(rx) => streamed(rx, open, "text/event-stream"),
        Reply::JsonStream(rx) => streamed(rx, open, "application/json"),
    }
}

/// A `200` whose body is fed through `rx`, counted as an open stream.
fn streamed(
    rx: mpsc::Receiver<String>,
    open: Arc<std::sync::atomic::AtomicUsize>,
    content_type: &str,
) -> Response<GatewayBody> {
    open.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let guard = OpenGuard(open);
    let stream = futures_util::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        rx.recv().await.map(|chunk| {
            (
                Ok::<_, BoxError>(Frame::data(Bytes::from(chunk))),
                (rx, guard),
            )
        })
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", content_type)
        .body(boxed(StreamBody::new(stream)))
        .unwrap()
}

/// Decrements the open-stream count when the response body is dropped
/// (i.e. when the gateway closes the upstream stream).
struct OpenGuard(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A `{"result":{}}` JSON answer carrying an upstream `Mcp-Session-Id`.
pub fn json_with_session(session: &str) -> Reply {
    Reply::Raw(
        http::Response::builder()
            .header("content-type", "application/json")
            .header("mcp-session-id", session)
            .body(full(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#))
            .unwrap(),
    )
}

/// Path of a file under `tests/fixtures`.
pub fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}
