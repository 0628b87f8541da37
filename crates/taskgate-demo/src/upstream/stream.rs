//! Server-Sent Events for the demo upstream: event encoding, event ids, the
//! streaming response body (with keep-alives), and [`respond`], which runs a
//! request either as one JSON response or as an SSE stream.
//!
//! Invariants:
//! - every event carries an `id:` of the form `<stream>-<seq>`; stream
//!   numbers come from one server-wide counter, so ids are unique per
//!   session (and per server);
//! - a stream body ends when its producers are done, when the client goes
//!   away (the producer sees the channel close and stops its work), or at
//!   server shutdown;
//! - idle streams get a `: keep-alive` comment every [`KEEP_ALIVE`].

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http::{HeaderValue, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::rpc::{self, RpcError};
use super::state::State;
use crate::body::DemoBody;
use crate::protocol::code;

/// How often an idle stream gets a comment so proxies keep it open.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Reconnect delay suggested to clients in priming events (ms).
const RETRY_MS: u64 = 1000;

/// Buffered events per request stream before the producer waits.
const REQUEST_STREAM_BUFFER: usize = 32;

/// The `id:` of an event: `<stream>-<seq>`.
pub(crate) fn event_id(stream: u64, seq: u64) -> String {
    format!("{stream}-{seq}")
}

/// Splits an event id back into `(stream, seq)`.
pub(crate) fn parse_event_id(id: &str) -> Option<(u64, u64)> {
    let (stream, seq) = id.trim().split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

/// One event carrying a JSON-RPC message.
pub(crate) fn encode_event(id: &str, msg: &Value) -> Bytes {
    // `Value` serialises without newlines, so one `data:` line suffices.
    let json = serde_json::to_string(msg).unwrap_or_default();
    Bytes::from(format!("id: {id}\ndata: {json}\n\n"))
}

/// A priming event: an id (the resumption point), a retry hint and empty data.
pub(crate) fn encode_priming(id: &str) -> Bytes {
    Bytes::from(format!("id: {id}\nretry: {RETRY_MS}\ndata: \n\n"))
}

/// The body of an SSE response: everything sent into `rx`, interleaved with
/// keep-alive comments, until `rx` closes or `shutdown` fires.
pub(crate) fn sse_body(rx: mpsc::Receiver<Bytes>, shutdown: CancellationToken) -> DemoBody {
    let mut ticker = tokio::time::interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let frames = stream::unfold(
        (rx, ticker, shutdown),
        |(mut rx, mut ticker, shutdown)| async move {
            let chunk = tokio::select! {
                biased;
                () = shutdown.cancelled() => None,
                msg = rx.recv() => msg,
                _ = ticker.tick() => Some(Bytes::from_static(b": keep-alive\n\n")),
            }?;
            Some((
                Ok::<_, Infallible>(Frame::data(chunk)),
                (rx, ticker, shutdown),
            ))
        },
    );
    StreamBody::new(frames).boxed_unsync()
}

/// A `200 text/event-stream` response around `body`.
pub(crate) fn sse_response(body: DemoBody) -> Response<DemoBody> {
    let mut res = Response::new(body);
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

/// The write side of one request's SSE stream.
#[derive(Clone)]
pub(crate) struct EventSink {
    tx: mpsc::Sender<Bytes>,
    stream: u64,
    seq: Arc<AtomicU64>,
}

// === impl EventSink ===

impl EventSink {
    /// Sends one message as an event; `false` once the client has gone.
    pub(crate) async fn send(&self, msg: &Value) -> bool {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let event = encode_event(&event_id(self.stream, seq), msg);
        self.tx.send(event).await.is_ok()
    }

    /// Resolves when the client has dropped the stream.
    pub(crate) async fn closed(&self) {
        self.tx.closed().await;
    }
}

/// Where a request's intermediate messages go.
#[derive(Clone)]
pub(crate) enum Out {
    /// The response is an SSE stream: notifications and server requests are
    /// sent as events before the final response.
    Stream(EventSink),
    /// The response is one JSON body: intermediate messages are dropped.
    Json,
}

// === impl Out ===

impl Out {
    /// Whether messages can be sent before the response.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self, Out::Stream(_))
    }

    /// Sends an intermediate message; `false` if the client has gone.
    /// In JSON mode the message is dropped and this returns `true`.
    pub(crate) async fn send(&self, msg: &Value) -> bool {
        match self {
            Out::Stream(sink) => sink.send(msg).await,
            Out::Json => true,
        }
    }
}

/// Runs `job` for request `id` and answers with its outcome: as an SSE stream
/// (intermediate events, then the response event, then the end) when
/// `wants_sse`, else as one JSON body once the job is done.
///
/// On the stream path, the job is dropped (its work stops) if the client
/// disconnects; on both paths it is dropped at server shutdown, and a JSON
/// caller then gets a `-32603`.
pub(crate) async fn respond<F, Fut>(
    state: &Arc<State>,
    wants_sse: bool,
    id: Value,
    job: F,
) -> Response<DemoBody>
where
    F: FnOnce(Out) -> Fut,
    Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
{
    let shutdown = state.shutdown.clone();
    if !wants_sse {
        let outcome = tokio::select! {
            outcome = job(Out::Json) => outcome,
            () = shutdown.cancelled() => Err(shutting_down()),
        };
        return rpc::json_response(StatusCode::OK, &rpc::response(&id, outcome));
    }
    let (tx, rx) = mpsc::channel(REQUEST_STREAM_BUFFER);
    let sink = EventSink {
        tx,
        stream: state.next_stream(),
        seq: Arc::new(AtomicU64::new(0)),
    };
    let work = job(Out::Stream(sink.clone()));
    let body = sse_body(rx, shutdown.clone());
    tokio::spawn(async move {
        tokio::select! {
            outcome = work => {
                // The client may have gone meanwhile; nothing else to do then.
                sink.send(&rpc::response(&id, outcome)).await;
            }
            () = sink.closed() => {}
            () = shutdown.cancelled() => {}
        }
    });
    sse_response(body)
}

fn shutting_down() -> RpcError {
    RpcError::new(code::INTERNAL_ERROR, "server is shutting down")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use serde_json::json;

    #[test]
    fn event_ids_round_trip() {
        assert_eq!(parse_event_id(&event_id(7, 42)), Some((7, 42)));
        assert_eq!(parse_event_id("nope"), None);
        assert_eq!(parse_event_id("1-x"), None);
    }

    #[test]
    fn events_are_well_formed() {
        let ev = encode_event("3-1", &json!({"a": "b\nc"}));
        assert_eq!(&ev[..], b"id: 3-1\ndata: {\"a\":\"b\\nc\"}\n\n");
        assert_eq!(
            &encode_priming("3-0")[..],
            b"id: 3-0\nretry: 1000\ndata: \n\n"
        );
    }

    #[tokio::test]
    async fn body_ends_when_producer_is_done_or_at_shutdown() {
        let (tx, rx) = mpsc::channel(4);
        tx.send(Bytes::from_static(b"x")).await.unwrap();
        drop(tx);
        let all = sse_body(rx, CancellationToken::new())
            .collect()
            .await
            .unwrap();
        assert_eq!(&all.to_bytes()[..], b"x");

        let (_tx, rx) = mpsc::channel::<Bytes>(4);
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        let all = sse_body(rx, shutdown).collect().await.unwrap();
        assert!(all.to_bytes().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn idle_stream_gets_keep_alive() {
        let (_tx, rx) = mpsc::channel::<Bytes>(4);
        let mut body = sse_body(rx, CancellationToken::new());
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(
            frame.into_data().unwrap(),
            Bytes::from_static(b": keep-alive\n\n")
        );
    }
}
