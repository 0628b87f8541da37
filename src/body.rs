//! The one body type every gateway response (and upstream request) uses,
//! and bounded collection of request bodies.
//!
//! Invariants: no request body is ever buffered past its configured limit;
//! the limit is checked against `Content-Length` up front and against the
//! bytes actually read, so a lying or absent length cannot get past it. A
//! complete body ([`full`], [`empty`]) is held inline, so the common case,
//! one JSON message each way, allocates nothing for its body; only
//! streaming bodies are boxed.
//!
//! A body can carry an [`EndObserver`]: it learns exactly once how the body
//! ended for the client (every byte handed over, failed, or dropped before
//! its end), which is how a request's outcome is known only once the client
//! really received its answer (streams included).

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, combinators::UnsyncBoxBody};

/// Boxed error carried by streaming bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type of the whole gateway: complete bytes held inline, or any
/// streaming body boxed; optionally observed to its end.
pub struct GatewayBody {
    kind: Kind,
    observer: Option<Arc<dyn EndObserver>>,
}

/// How a body ended for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEnd {
    /// Every byte was handed to the connection.
    Complete,
    /// The body failed (an upstream stream broke, an event was refused).
    Failed,
    /// The body was dropped before its end (the client went away, or the
    /// connection closed).
    Abandoned,
}

impl BodyEnd {
    /// A stable name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyEnd::Complete => "complete",
            BodyEnd::Failed => "failed",
            BodyEnd::Abandoned => "abandoned",
        }
    }
}

/// Told once how an observed body ended ([`GatewayBody::observed`]).
pub trait EndObserver: Send + Sync + 'static {
    /// The body ended as `end`.
    fn body_ended(&self, end: BodyEnd);
}

enum Kind {
    /// Complete bytes not yet yielded; `None` once yielded, or when empty.
    Full(Option<Bytes>),
    /// A streaming body (SSE relays, bodies passed through as they come).
    Streaming(UnsyncBoxBody<Bytes, BoxError>),
}

impl Body for GatewayBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = match &mut this.kind {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Streaming(body) => Pin::new(body).poll_frame(cx),
        };
        if this.observer.is_some() {
            match &polled {
                Poll::Ready(Some(Err(_))) => this.report(BodyEnd::Failed),
                // A connection need not poll again once the body says it
                // is over: the last frame handed over is the end.
                Poll::Ready(None) => this.report(BodyEnd::Complete),
                Poll::Ready(Some(Ok(_))) if this.kind_ended() => this.report(BodyEnd::Complete),
                _ => {}
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.kind_ended()
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Streaming(body) => body.size_hint(),
        }
    }
}

impl GatewayBody {
    fn from_kind(kind: Kind) -> GatewayBody {
        GatewayBody {
            kind,
            observer: None,
        }
    }

    /// This body, telling `observer` how it ends (exactly once: at its last
    /// frame, its failure, or when it is dropped before either).
    #[must_use]
    pub fn observed(mut self, observer: Arc<dyn EndObserver>) -> GatewayBody {
        self.observer = Some(observer);
        self
    }

    fn kind_ended(&self) -> bool {
        match &self.kind {
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Streaming(body) => body.is_end_stream(),
        }
    }

    fn report(&mut self, end: BodyEnd) {
        if let Some(observer) = self.observer.take() {
            observer.body_ended(end);
        }
    }
}

impl Drop for GatewayBody {
    fn drop(&mut self) {
        self.report(BodyEnd::Abandoned);
    }
}

impl Default for GatewayBody {
    fn default() -> Self {
        empty()
    }
}

impl fmt::Debug for GatewayBody {
    // Never the bytes: bodies carry handles and upstream data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full(bytes) => f
                .debug_struct("GatewayBody::Full")
                .field("len", &bytes.as_ref().map_or(0, Bytes::len))
                .finish(),
            Kind::Streaming(_) => f.write_str("GatewayBody::Streaming"),
        }
    }
}

/// A complete body from bytes.
pub fn full(bytes: impl Into<Bytes>) -> GatewayBody {
    let bytes = bytes.into();
    GatewayBody::from_kind(Kind::Full((!bytes.is_empty()).then_some(bytes)))
}

/// An empty body.
pub fn empty() -> GatewayBody {
    GatewayBody::from_kind(Kind::Full(None))
}

/// Boxes any body whose error converts into [`BoxError`].
pub fn boxed<B>(body: B) -> GatewayBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    GatewayBody::from_kind(Kind::Streaming(body.map_err(Into::into).boxed_unsync()))
}

/// Why a body could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The body is larger than the limit.
    #[error("body exceeds {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The peer's body stream failed (reset, timeout, malformed chunking).
    #[error("body stream failed: {0}")]
    Stream(BoxError),
}

/// Collects a body into memory, refusing anything over `limit` bytes.
///
/// # Errors
/// [`ReadError::TooLarge`] as soon as more than `limit` bytes have arrived,
/// without reading the rest; [`ReadError::Stream`] if the stream fails.
pub async fn read_limited<B>(mut body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(ReadError::TooLarge { limit });
    }
    // The common case is one frame: keep it as it is (no copy); copy only
    // once a second frame arrives.
    let mut first: Option<Bytes> = None;
    let mut buf: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ReadError::Stream(e.into()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len();
        if total > limit {
            return Err(ReadError::TooLarge { limit });
        }
        if let Some(buf) = buf.as_mut() {
            buf.extend_from_slice(&data);
        } else if let Some(head) = first.take() {
            let mut joined = BytesMut::with_capacity(head.len() + data.len());
            joined.extend_from_slice(&head);
            joined.extend_from_slice(&data);
            buf = Some(joined);
        } else {
            first = Some(data);
        }
    }
    Ok(match (buf, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(first)) => first,
        (None, None) => Bytes::new(),
    })
}

/// Ends a streaming body cleanly when `token` is cancelled (at a frame
/// boundary), so long-lived streams drain at shutdown instead of holding the
/// process open. Frames already produced are never cut.
pub fn until_cancelled(
    body: GatewayBody,
    token: tokio_util::sync::CancellationToken,
) -> GatewayBody {
    let frames = futures_util::stream::unfold((body, token), |(mut body, token)| async move {
        tokio::select! {
            biased;
            frame = body.frame() => frame.map(|f| (f, (body, token))),
            () = token.cancelled() => None,
        }
    });
    boxed(http_body_util::StreamBody::new(frames))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, StreamBody};

    /// A streamed body of two frames, "ab" and "cd", with no length.
    fn ab_cd() -> impl Body<Data = Bytes, Error = std::io::Error> + Send + Unpin + 'static {
        StreamBody::new(futures_util::stream::iter(
            [b"ab".as_slice(), b"cd".as_slice()]
                .into_iter()
                .map(|c| Ok(http_body::Frame::data(Bytes::from_static(c)))),
        ))
    }

    #[tokio::test]
    async fn full_bodies_are_one_exact_frame_and_empty_ones_end_at_once() {
        let mut body = full(Bytes::from_static(b"{\"a\":1}"));
        assert!(!body.is_end_stream());
        assert_eq!(body.size_hint().exact(), Some(7));
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), Bytes::from_static(b"{\"a\":1}"));
        assert!(body.is_end_stream());
        assert!(body.frame().await.is_none());
        for mut body in [empty(), full(Bytes::new()), GatewayBody::default()] {
            assert!(body.is_end_stream());
            assert_eq!(body.size_hint().exact(), Some(0));
            assert!(body.frame().await.is_none());
        }
        // Never the content in Debug output.
        let shown = format!("{:?}", full(Bytes::from_static(b"secret-handle")));
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[tokio::test]
    async fn streaming_bodies_pass_frames_and_hints_through() {
        let body = boxed(ab_cd());
        assert_eq!(body.size_hint().exact(), None);
        let all = body.collect().await.unwrap().to_bytes();
        assert_eq!(all, Bytes::from_static(b"abcd"));
        let fixed = boxed(Full::new(Bytes::from_static(b"xyz")));
        assert_eq!(fixed.size_hint().exact(), Some(3));
    }

    #[tokio::test]
    async fn collects_under_limit_and_refuses_over_limit() {
        let ok = read_limited(Full::new(Bytes::from_static(b"abc")), 3).await;
        assert_eq!(ok.unwrap(), Bytes::from_static(b"abc"));
        let big = read_limited(Full::new(Bytes::from_static(b"abcd")), 3).await;
        assert!(matches!(big, Err(ReadError::TooLarge { limit: 3 })));
    }

    #[tokio::test]
    async fn counts_streamed_chunks_without_length() {
        let res = read_limited(ab_cd(), 3).await;
        assert!(matches!(res, Err(ReadError::TooLarge { .. })));
    }

    /// Records each end it is told of.
    #[derive(Default)]
    struct Ends(std::sync::Mutex<Vec<BodyEnd>>);

    impl EndObserver for Ends {
        fn body_ended(&self, end: BodyEnd) {
            self.0.lock().unwrap().push(end);
        }
    }

    fn observed_by(body: GatewayBody) -> (GatewayBody, Arc<Ends>) {
        let ends = Arc::new(Ends::default());
        (body.observed(ends.clone()), ends)
    }

    #[tokio::test]
    async fn an_observer_hears_once_how_a_body_ended() {
        // Complete at the last frame, even if the connection polls no more.
        let (mut body, ends) = observed_by(full(Bytes::from_static(b"{}")));
        let _ = body.frame().await;
        assert_eq!(*ends.0.lock().unwrap(), [BodyEnd::Complete]);
        drop(body);
        assert_eq!(*ends.0.lock().unwrap(), [BodyEnd::Complete], "once");
        // A stream read to its end.
        let (body, ends) = observed_by(boxed(ab_cd()));
        let _ = body.collect().await.unwrap();
        assert_eq!(*ends.0.lock().unwrap(), [BodyEnd::Complete]);
        // A stream that fails.
        let failing = StreamBody::new(futures_util::stream::iter([Err::<
            http_body::Frame<Bytes>,
            std::io::Error,
        >(
            std::io::Error::other("broken"),
        )]));
        let (body, ends) = observed_by(boxed(failing));
        assert!(body.collect().await.is_err());
        assert_eq!(*ends.0.lock().unwrap(), [BodyEnd::Failed]);
        // Dropped before its end.
        let (mut body, ends) = observed_by(boxed(ab_cd()));
        let _ = body.frame().await;
        assert!(ends.0.lock().unwrap().is_empty());
        drop(body);
        assert_eq!(*ends.0.lock().unwrap(), [BodyEnd::Abandoned]);
    }
}
