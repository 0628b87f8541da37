//! The admin listener: liveness and readiness for orchestrators, and
//! revocation on demand.
//!
//! `/healthz` answers 200 while the process serves; `/readyz` answers 503 as
//! soon as shutdown begins, so load balancers stop sending new work before
//! connections drain. `POST /revoke` (see [`revoke`]) exists only when an
//! admin token is configured. Bind the admin listener to a private address.

mod revoke;

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http_body::Body;

use crate::body::{BoxError, GatewayBody, full, read_limited};
use crate::server::service::{Handler, ServiceFuture};
use crate::shutdown::Shutdown;

pub use revoke::Revoker;

/// The admin service.
#[derive(Clone)]
pub struct AdminService {
    shutdown: Shutdown,
    revoker: Option<Arc<Revoker>>,
}

impl AdminService {
    /// A service reporting readiness from `shutdown`, and serving revocation
    /// when `revoker` is given.
    pub fn new(shutdown: Shutdown, revoker: Option<Arc<Revoker>>) -> Self {
        AdminService { shutdown, revoker }
    }

    async fn revoke<B>(revoker: Option<Arc<Revoker>>, request: Request<B>) -> Response<GatewayBody>
    where
        B: Body<Data = Bytes> + Unpin,
        B::Error: Into<BoxError>,
    {
        let Some(revoker) = revoker else {
            return revoke::reply(
                StatusCode::NOT_FOUND,
                serde_json::json!({"error": "revocation is off: configure [admin] token"}),
            );
        };
        if request.method() != Method::POST {
            return revoke::reply(
                StatusCode::METHOD_NOT_ALLOWED,
                serde_json::json!({"error": "POST only"}),
            );
        }
        if !revoker.authorized(request.headers()) {
            return revoke::reply(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({"error": "admin token required"}),
            );
        }
        match read_limited(request.into_body(), revoke::MAX_BODY).await {
            Ok(body) => revoker.handle(&body).await,
            Err(_) => revoke::reply(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"error": "body too large or unreadable"}),
            ),
        }
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

impl Handler for AdminService {
    fn handle<B>(&self, request: Request<B>) -> ServiceFuture
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<BoxError>,
    {
        if request.uri().path() == "/revoke" {
            let revoker = self.revoker.clone();
            return Box::pin(AdminService::revoke(revoker, request));
        }
        let response = self.respond(request.uri().path());
        Box::pin(std::future::ready(response))
    }
}
