//! The request pipeline for MCP endpoints.
//!
//! One request flows through explicit phases, in this order (pingora-style
//! phases rather than a deep tower stack: each phase needs what the previous
//! one produced, and the order *is* the security argument):
//!
//! 1. **route** — exact path match; RFC 9728 metadata served without auth;
//! 2. **ambiguity** — a request the upstream could read differently from
//!    the gateway is refused: a token in the query string, a repeated
//!    credential, session id or MCP header, a header name that becomes a
//!    governed one when `_` is read as `-`;
//! 3. **origin** — a browser `Origin` must be allow-listed (DNS rebinding);
//! 4. **authenticate** — bearer JWT → [`Principal`] with every claim the
//!    route binds to (401/403/503 otherwise);
//! 5. **session** — `Mcp-Session-Id` handle → the upstream's session id,
//!    once the session is found live (not expired, idle or revoked);
//! 6. **validate** — POST bodies: media type, size, strict JSON-RPC, era,
//!    current-era header/body agreement;
//! 7. **tasks** — every task handle verified for the caller and resolved
//!    (`task_phase`, rules in [`crate::tasks`]);
//! 8. **forward** — upstream request with the route's credential;
//! 9. **relay** — status and headers cleaned, session id sealed (the
//!    client's own handle back, or a new session opened), upstream task ids
//!    sealed into handles in JSON bodies and SSE events.
//!
//! Invariant: a request rejected in phases 1–7 never reaches the upstream.

mod ambiguity;
mod authn;
mod forward;
mod inbound;
pub mod route;
mod session;
mod task_phase;

use std::convert::Infallible;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::FutureExt;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, ORIGIN};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;

use crate::auth::{Authenticator, Principal};
use crate::body::{BoxError, GatewayBody, empty, full};
use crate::config::{Config, Limits};
use crate::error::GatewayError;
use crate::mcp::{Era, header};
use crate::proxy::{HttpClient, UpstreamClient};
use crate::shutdown::Shutdown;
use crate::tasks::{Caller, TaskGuard};
use route::RouteTable;
use task_phase::{Exchange, Prepare};

pub use inbound::Inbound;
pub use session::Sessions;

/// Shared state of the MCP endpoints. Cheap to share behind `Arc`.
pub struct Gateway {
    routes: RouteTable,
    auth: Arc<Authenticator>,
    sessions: Sessions,
    tasks: Arc<TaskGuard>,
    client: UpstreamClient,
    limits: Limits,
    allowed_origins: Vec<String>,
    shutdown: Shutdown,
}

impl Gateway {
    /// Builds the gateway from validated configuration and its runtime parts.
    pub fn new(
        config: &Config,
        auth: Arc<Authenticator>,
        sessions: Sessions,
        tasks: Arc<TaskGuard>,
        client: HttpClient,
        shutdown: Shutdown,
    ) -> Gateway {
        Gateway {
            routes: RouteTable::new(config),
            auth,
            sessions,
            tasks,
            client: UpstreamClient::new(client),
            limits: config.limits.clone(),
            allowed_origins: config.allowed_origins.clone(),
            shutdown,
        }
    }

    /// Serves one request. Never fails: every error becomes a response.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<GatewayBody>
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<BoxError>,
    {
        pipeline(self, &self.client, request).await
    }

    fn origin_allowed(&self, origin: Option<&HeaderValue>) -> bool {
        match origin {
            None => true,
            Some(o) => o
                .to_str()
                .is_ok_and(|o| self.allowed_origins.iter().any(|a| a == o)),
        }
    }
}

/// One request through the phases, forwarding through `client` (a serving
/// thread's own pool, so upstream connections stay on that thread).
///
/// `gateway` and `client` are borrowed or owned (`Arc`, so a service can
/// return a `'static` future). The request is split before the future is
/// made, so the future holds its parts once: its size is allocated and
/// moved on every request.
fn pipeline<G, C, B>(
    gateway: G,
    client: C,
    request: Request<B>,
) -> impl Future<Output = Response<GatewayBody>> + Send
where
    G: Deref<Target = Gateway> + Send,
    C: Deref<Target = UpstreamClient> + Send,
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    let (mut parts, body) = request.into_parts();
    async move {
        let path = parts.uri.path();
        if let Some(doc) = gateway.routes.metadata_for(path) {
            return metadata_response(doc.clone(), &parts.method);
        }
        let Some(route) = gateway.routes.find(path) else {
            return GatewayError::NoRoute.into_response(None);
        };
        if let Err(e) = ambiguity::check(route, &parts.uri, &parts.headers) {
            tracing::info!(route = %route.config.name, reason = %e.log_reason(), "request refused");
            return e.into_response(None);
        }
        if !gateway.origin_allowed(parts.headers.get(ORIGIN)) {
            return GatewayError::ForbiddenOrigin.into_response(None);
        }
        let principal = match authn::authenticate(&gateway.auth, route, &parts.headers).await {
            Ok(p) => p,
            Err(e) => return e.into_response(None),
        };
        let route_name = route.config.name.as_str();
        // Session binding first: a foreign or ended session never gets its
        // body read. Boxed (the check and what it found): only requests in a
        // session take this path, and the request's future stays as small
        // as it was for the others.
        let session = if parts.headers.contains_key(header::SESSION_ID) {
            let bound = gateway
                .sessions
                .to_upstream(route_name, &principal, &mut parts.headers);
            match Box::pin(bound).await {
                Ok(session) => session.map(Box::new),
                Err(e) => return e.into_response(None),
            }
        } else {
            None
        };
        let upstream_session = session.as_ref().map(|s| s.upstream().to_owned());
        let caller = Caller::new(route.name.clone(), principal.clone(), upstream_session);
        let (forward_body, id, era, follow, creation) = match parts.method {
            Method::POST => {
                // A block, so the validated message's storage ends before
                // the task rules are awaited.
                let (step, id, era) = {
                    let inbound = match inbound::read_post(&parts.headers, body, &gateway.limits)
                        .await
                    {
                        Ok(inbound) => inbound,
                        Err((e, id)) => {
                            tracing::info!(route = %route.config.name, reason = %e.log_reason(), "request refused");
                            return e.into_response(id.as_ref());
                        }
                    };
                    log_accepted(&route.config.name, &principal, &inbound);
                    let id = inbound.summary.id().cloned();
                    let era = inbound.era;
                    let step = task_phase::request(
                        &gateway.tasks,
                        &caller,
                        inbound,
                        &route.config,
                        &mut parts.headers,
                    );
                    (step, id, era)
                };
                let prepared = match step {
                    Ok(Prepare::Ready(prepared)) => Ok(prepared),
                    Ok(Prepare::Rules(rules)) => rules.await,
                    Err(e) => Err(e),
                };
                match prepared {
                    Ok(prepared) => (
                        full(prepared.bytes),
                        id,
                        era,
                        Some(prepared.follow),
                        prepared.creation,
                    ),
                    Err(e) => return e.into_response(id.as_ref()),
                }
            }
            Method::GET | Method::DELETE => {
                let era = era_of_stream(&parts.headers);
                if era == Era::Legacy {
                    crate::mcp::headers::drop_current_mirrors(&mut parts.headers);
                }
                (empty(), None, era, None, None)
            }
            _ => return GatewayError::MethodNotAllowed.into_response(None),
        };
        let exchange = Arc::new(Exchange {
            guard: gateway.tasks.clone(),
            caller,
            era,
            follow,
            tasks_enabled: route.config.tasks,
            creation: std::sync::Mutex::new(creation),
        });
        let upstream = forward::Upstream {
            client: &client,
            route: &route.config,
            limits: &gateway.limits,
            shutdown: &gateway.shutdown,
            exchange,
        };
        let deleting = parts.method == Method::DELETE;
        // Boxed on its own: the request's future stays small enough for
        // the allocator's per-thread cache, and so does this one.
        let result = Box::pin(forward::forward(
            upstream,
            parts.method,
            &parts.uri,
            parts.headers,
            forward_body,
        ))
        .await;
        let mut response = match result {
            Ok(response) => response,
            Err(e) => return e.into_response(id.as_ref()),
        };
        let sessions = &gateway.sessions;
        let opening = sessions.to_client(route_name, session.as_deref(), response.headers_mut());
        if let Some(upstream_session) = opening {
            let open = sessions.open(
                route_name,
                &principal,
                upstream_session,
                response.headers_mut(),
            );
            if let Err(e) = Box::pin(open).await {
                return e.into_response(id.as_ref());
            }
        }
        if deleting
            && response.status().is_success()
            && let Some(ended) = &session
        {
            Box::pin(sessions.ended(route_name, ended)).await;
        }
        response
    }
}

/// The era of a GET stream or DELETE: the negotiated version header, legacy
/// when absent (a current-era server answers GET with 405 anyway).
fn era_of_stream(headers: &http::HeaderMap) -> Era {
    headers
        .get(header::PROTOCOL_VERSION)
        .and_then(|v| v.to_str().ok())
        .and_then(Era::of_version)
        .unwrap_or(Era::Legacy)
}

fn log_accepted(route: &str, principal: &Principal, inbound: &Inbound) {
    tracing::debug!(
        route,
        sub = %principal.subject(),
        era = inbound.era.as_str(),
        method = inbound.summary.method().unwrap_or("(response)"),
        "forwarding"
    );
}

fn metadata_response(doc: Bytes, method: &Method) -> Response<GatewayBody> {
    if method != Method::GET && method != Method::HEAD {
        return GatewayError::MethodNotAllowed.into_response(None);
    }
    let mut r = Response::new(full(doc));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    *r.status_mut() = StatusCode::OK;
    r
}

/// The gateway as a `tower::Service`, for hyper and for layering; forwards
/// through the client it was made with (one per serving thread).
#[derive(Clone)]
pub struct GatewayService {
    gateway: Arc<Gateway>,
    client: Arc<UpstreamClient>,
}

impl GatewayService {
    /// `gateway` forwarding through `client`.
    pub fn new(gateway: Arc<Gateway>, client: UpstreamClient) -> Self {
        GatewayService {
            gateway,
            client: Arc::new(client),
        }
    }
}

impl<B> tower::Service<Request<B>> for GatewayService
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<GatewayBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let gateway = self.gateway.clone();
        let client = self.client.clone();
        Box::pin(pipeline(gateway, client, request).map(Ok))
    }
}
