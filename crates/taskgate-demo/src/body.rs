//! The one HTTP body type of the demo (the example server's answers and the
//! scripted client's requests) and bounded reading of a peer's body.
//!
//! Invariant: nothing is buffered past the caller's limit; a body whose
//! declared length is over it is refused before any of it is read.

use std::convert::Infallible;

use bytes::Bytes;
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, LengthLimitError, Limited};

/// Every body the demo sends: complete bytes or an event stream, boxed.
pub(crate) type DemoBody = UnsyncBoxBody<Bytes, Infallible>;

/// Boxed error of a peer's body stream.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A complete body from bytes.
pub(crate) fn full(bytes: impl Into<Bytes>) -> DemoBody {
    Full::new(bytes.into()).boxed_unsync()
}

/// An empty body.
pub(crate) fn empty() -> DemoBody {
    Empty::new().boxed_unsync()
}

/// Why a peer's body could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// The body is larger than the limit.
    #[error("body exceeds {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The peer's body stream failed.
    #[error("body stream failed: {0}")]
    Stream(BoxError),
}

/// Reads a whole body, refusing anything over `limit` bytes.
///
/// # Errors
/// [`ReadError::TooLarge`] once more than `limit` bytes are declared or have
/// arrived; [`ReadError::Stream`] if the stream fails.
pub(crate) async fn read_limited<B>(body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(ReadError::TooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(ReadError::TooLarge { limit }),
        Err(error) => Err(ReadError::Stream(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_up_to_the_limit_and_refuses_more() {
        let ok = read_limited(full(Bytes::from_static(b"abc")), 3).await;
        assert_eq!(ok.unwrap(), Bytes::from_static(b"abc"));
        let big = read_limited(full(Bytes::from_static(b"abcd")), 3).await;
        assert!(matches!(big, Err(ReadError::TooLarge { limit: 3 })));
        let streamed = futures_util::stream::iter(
            [b"ab".as_slice(), b"cd".as_slice()]
                .map(|c| Ok::<_, Infallible>(http_body::Frame::data(Bytes::from_static(c)))),
        );
        let big = read_limited(http_body_util::StreamBody::new(streamed), 3).await;
        assert!(matches!(big, Err(ReadError::TooLarge { limit: 3 })));
        assert_eq!(
            read_limited(empty(), 0).await.unwrap(),
            Bytes::new(),
            "an empty body reads as nothing"
        );
    }
}
