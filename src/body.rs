//! The one body type every gateway response uses, and bounded collection of
//! request bodies.
//!
//! Invariant: no request body is ever buffered past its configured limit; the
//! limit is checked against `Content-Length` up front and against the bytes
//! actually read, so a lying or absent length cannot get past it.

use bytes::{Bytes, BytesMut};
use http_body::Body;
use http_body_util::{BodyExt, Empty, Full, combinators::UnsyncBoxBody};

/// Boxed error carried by streaming bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The response body type of the whole gateway.
pub type GatewayBody = UnsyncBoxBody<Bytes, BoxError>;

/// A complete body from bytes.
pub fn full(bytes: impl Into<Bytes>) -> GatewayBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub fn empty() -> GatewayBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Boxes any body whose error converts into [`BoxError`].
pub fn boxed<B>(body: B) -> GatewayBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
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
    http_body_util::StreamBody::new(frames).boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::StreamBody;

    #[tokio::test]
    async fn collects_under_limit_and_refuses_over_limit() {
        let ok = read_limited(Full::new(Bytes::from_static(b"abc")), 3).await;
        assert_eq!(ok.unwrap(), Bytes::from_static(b"abc"));
        let big = read_limited(Full::new(Bytes::from_static(b"abcd")), 3).await;
        assert!(matches!(big, Err(ReadError::TooLarge { limit: 3 })));
    }

    #[tokio::test]
    async fn counts_streamed_chunks_without_length() {
        let chunks = futures_util::stream::iter(
            [b"ab".as_slice(), b"cd".as_slice()]
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(c)))),
        );
        let res = read_limited(StreamBody::new(chunks), 3).await;
        assert!(matches!(res, Err(ReadError::TooLarge { .. })));
    }
}
