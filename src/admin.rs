//! The admin listener: liveness and readiness for orchestrators.
//!
//! `/healthz` answers 200 while the process serves; `/readyz` answers 503 as
//! soon as shutdown begins, so load balancers stop sending new work before
//! connections drain.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};

use crate::body::{GatewayBody, full};
use crate::shutdown::Shutdown;

/// The admin service.
#[derive(Clone, Debug)]
pub struct AdminService {
    shutdown: Shutdown,
}

impl AdminService {
    /// A service reporting readiness from `shutdown`.
    pub fn new(shutdown: Shutdown) -> Self {
        AdminService { shutdown }
    }

    fn respond(&self, path: &str) -> Response<GatewayBody> {
        let (status, text) = match path {
            "/healthz" => (StatusCode::OK, "ok\n"),
            "/readyz" if self.shutdown.is_triggered() => {
                (StatusCode::SERVICE_UNAVAILABLE, "draining\n")
            }
            "/readyz" => (StatusCode::OK, "ready\n"),
            _ => (StatusCode::NOT_FOUND, "not found\n"),
        };
        let mut r = Response::new(full(text));
        *r.status_mut() = status;
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        r
    }
}

impl<B> tower::Service<Request<B>> for AdminService {
    type Response = Response<GatewayBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let response = self.respond(request.uri().path());
        Box::pin(async move { Ok(response) })
    }
}
