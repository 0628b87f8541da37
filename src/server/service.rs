//! The one `tower::Service` skeleton every listener serves: a [`Handler`]
//! answers a request with a response (never an error: every failure is a
//! response), and [`HandlerService`] adapts it to tower and hyper.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::Map;
use http::{Request, Response};
use http_body::Body;

use crate::body::{BoxError, GatewayBody};

/// The future a [`Handler`] answers with.
pub type ServiceFuture = Pin<Box<dyn Future<Output = Response<GatewayBody>> + Send>>;

/// Answers requests; always ready, never fails.
pub trait Handler: Clone + Send + Sync + 'static {
    /// The answer to `request`.
    fn handle<B>(&self, request: Request<B>) -> ServiceFuture
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<BoxError>;
}

/// A [`Handler`] as a `tower::Service`.
#[derive(Clone)]
pub struct HandlerService<H>(pub H);

type Answered = fn(Response<GatewayBody>) -> Result<Response<GatewayBody>, Infallible>;

impl<H, B> tower::Service<Request<B>> for HandlerService<H>
where
    H: Handler,
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<GatewayBody>;
    type Error = Infallible;
    type Future = Map<ServiceFuture, Answered>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        self.0.handle(request).map(Ok as Answered)
    }
}
