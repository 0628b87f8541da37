//! The admission phase: every check a request must pass before anything is
//! sent upstream, in order — host (loopback listener), route, ambiguity,
//! origin (and a CORS preflight's answer), authentication, session,
//! validation (POST), task rules — producing a [`Permitted`] request, or an
//! answer the gateway makes itself.
//!
//! Invariant (design §2): [`Permitted`] has private fields and is built
//! only here, at the end of [`admit`], after every check passed; the relay
//! phase forwards nothing else (GET and DELETE included). A request that
//! fails a check is [`Rejected`] and never reaches the upstream.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::request;
use http::{HeaderMap, Method, Response};
use http_body::Body;

use super::exchange::{self, Exchange};
use super::origin::Browser;
use super::outcome::Progress;
use super::route::{Route, RouteIndex};
use super::session::Presented;
use super::settings::Settings;
use super::task_phase::{self, Prepare};
use super::{ambiguity, authn, cors, inbound};
use crate::auth::Principal;
use crate::body::{BoxError, GatewayBody};
use crate::error::GatewayError;
use crate::jsonrpc::Id;
use crate::mcp::{Era, MethodKind, dialect, header};
use crate::tasks::Caller;

/// What admission decided for a request that passed every check.
pub(super) enum Admitted {
    /// Forward it upstream.
    Forward(Permitted),
    /// The gateway answers it itself with a success made locally (the
    /// protected-resource metadata, a CORS preflight; the task shim's
    /// answers later).
    Answered(Response<GatewayBody>),
}

/// A request the gateway refuses, with the JSON-RPC id to answer with.
#[derive(Debug)]
pub(super) struct Rejected {
    pub(super) error: GatewayError,
    pub(super) id: Option<Id>,
}

impl From<GatewayError> for Rejected {
    fn from(error: GatewayError) -> Rejected {
        Rejected { error, id: None }
    }
}

/// A request that passed authentication, validation and the task rules:
/// the only thing the relay phase forwards.
///
/// The type is public, so code can name and take one:
///
/// ```
/// fn forwards(_: taskgate::gateway::Permitted) {}
/// ```
///
/// but only [`admit`] builds one; elsewhere, even inside the crate, it
/// cannot be made (its fields are private to the admission phase):
///
/// ```compile_fail,E0451
/// fn forge(request: http::Request<bytes::Bytes>) -> taskgate::gateway::Permitted {
///     let (head, body) = request.into_parts();
///     taskgate::gateway::Permitted { head, body }
/// }
/// ```
pub struct Permitted {
    head: request::Parts,
    body: Bytes,
    id: Option<Id>,
    principal: Arc<Principal>,
    session: Option<Box<Presented>>,
    exchange: Arc<Exchange>,
}

/// A [`Permitted`] request taken apart by the relay phase.
pub(super) struct Forwardable {
    /// Method, URI and headers as checked (session id and `Mcp-Name`
    /// already replaced with the upstream's).
    pub(super) head: request::Parts,
    /// The bytes to forward (empty for GET and DELETE).
    pub(super) body: Bytes,
    /// The JSON-RPC id to answer a failure with.
    pub(super) id: Option<Id>,
    /// Who asked.
    pub(super) principal: Arc<Principal>,
    /// The live session the request travels in.
    pub(super) session: Option<Box<Presented>>,
    /// What the answer's side needs (route and settings included).
    pub(super) exchange: Arc<Exchange>,
}

impl Permitted {
    /// Its parts, for forwarding.
    pub(super) fn into_parts(self) -> Forwardable {
        Forwardable {
            head: self.head,
            body: self.body,
            id: self.id,
            principal: self.principal,
            session: self.session,
            exchange: self.exchange,
        }
    }
}

/// Runs every check on one request. `progress` learns the route, method
/// and era as they become known; it moves into the exchange when the
/// request is permitted (and stays in the slot otherwise). `browser` is
/// what its `Origin` may do ([`Settings::browser`]; `None` without one).
///
/// # Errors
/// The refusal; nothing was forwarded.
///
/// A plain function returning its future (not an `async fn`): the
/// arguments are held once in the future, whose size every request pays.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn stores its arguments twice in its future; this one captures them once"
)]
pub(super) fn admit<'a, B>(
    settings: Arc<Settings>,
    progress: &'a mut Option<Progress>,
    browser: Option<&'a Browser>,
    mut head: request::Parts,
    body: B,
) -> impl Future<Output = Result<Admitted, Rejected>> + Send + 'a
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    async move {
        if !settings.host_allowed(&head) {
            return Err(GatewayError::ForbiddenHost.into());
        }
        let path = head.uri.path();
        if let Some(doc) = settings.routes.metadata_for(path) {
            return Ok(Admitted::Answered(metadata_response(doc.clone(), &head)?));
        }
        let index = settings
            .routes
            .position(path)
            .ok_or(GatewayError::NoRoute)?;
        let route = settings.routes.get(index);
        if let Some(p) = progress.as_mut() {
            p.set_route(&route.name);
        }
        if let Err(e) = ambiguity::check(route, &head.uri, &head.headers) {
            tracing::info!(route = %route.config.name, reason = %e.log_reason(), "request refused");
            return Err(e.into());
        }
        match browser {
            None => {}
            Some(Browser::Refused) => return Err(GatewayError::ForbiddenOrigin.into()),
            Some(Browser::Allowed(_)) => {
                if let Some(answer) = cors::preflight(&head) {
                    return Ok(Admitted::Answered(answer));
                }
            }
        }
        let principal = authn::authenticate(&settings.auth, route, &head.headers).await?;
        let route_name = route.config.name.as_str();
        // Session binding first: a foreign or ended session never gets its
        // body read. Boxed (the check and what it found): only requests in a
        // session take this path, and the request's future stays as small as
        // it was for the others.
        let session = if head.headers.contains_key(header::SESSION_ID) {
            let bound = settings
                .sessions
                .to_upstream(route_name, &principal, &mut head.headers);
            Box::pin(bound).await?.map(Box::new)
        } else {
            None
        };
        let upstream_session = session.as_ref().map(|s| s.upstream().to_owned());
        let caller = Caller::new(route.name.clone(), principal.clone(), upstream_session);
        let (body, id, parts) = match head.method {
            Method::POST => {
                let checked = check_post(
                    &settings,
                    (index, route),
                    progress,
                    &principal,
                    caller,
                    &mut head.headers,
                    body,
                );
                checked.await?
            }
            Method::GET | Method::DELETE => {
                let era = era_of_stream(&head.headers, route)?;
                if let Some(p) = progress.as_mut() {
                    p.set_message(None, era);
                }
                if !era.dialect().transport.mirrored_headers {
                    crate::mcp::headers::drop_current_mirrors(&mut head.headers);
                }
                let parts = exchange::Parts {
                    route: index,
                    caller,
                    era,
                    follow: None,
                    method: None,
                    tasks_enabled: route.config.tasks,
                    creation: None,
                };
                (Bytes::new(), None, parts)
            }
            _ => return Err(GatewayError::MethodNotAllowed.into()),
        };
        let Some(progress) = progress.take() else {
            return Err(GatewayError::TaskStateUnavailable.into());
        };
        let exchange = Arc::new(Exchange::new(settings, parts, progress));
        Ok(Admitted::Forward(Permitted {
            head,
            body,
            id,
            principal,
            session,
            exchange,
        }))
    }
}

/// Validation and the task rules for a POST: the bytes to forward and what
/// the answer's side must know.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn stores its arguments twice in its future; this one captures them once"
)]
fn check_post<'a, B>(
    settings: &'a Settings,
    (index, route): (RouteIndex, &'a Route),
    progress: &'a mut Option<Progress>,
    principal: &'a Principal,
    caller: Caller,
    headers: &'a mut HeaderMap,
    body: B,
) -> impl Future<Output = Result<(Bytes, Option<Id>, exchange::Parts), Rejected>> + Send + 'a
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    async move {
        // A block, so the validated message's storage ends before the task
        // rules are awaited.
        let (step, id, era, method) = {
            let read = inbound::read_post(headers, body, &settings.limits, &route.versions);
            let inbound = match read.await {
                Ok(inbound) => inbound,
                Err((error, id)) => {
                    tracing::info!(route = %route.config.name, reason = %error.log_reason(), "request refused");
                    return Err(Rejected { error, id });
                }
            };
            let method = inbound.summary.method().map(MethodKind::of);
            if let Some(p) = progress.as_mut() {
                p.set_message(method, inbound.era);
            }
            log_accepted(&route.config.name, principal, &inbound);
            let id = inbound.summary.id().cloned();
            let era = inbound.era;
            let step = task_phase::request(
                &settings.tasks,
                &caller,
                (inbound, method),
                &route.config,
                headers,
            );
            (step, id, era, method)
        };
        // Two steps, so the step (which borrows the caller) is gone before the
        // caller moves on.
        let prepared = match step {
            Ok(Prepare::Ready(prepared)) => Ok(prepared),
            Ok(Prepare::Rules(rules)) => rules.await,
            Err(e) => Err(e),
        };
        let prepared = prepared.map_err(|error| Rejected {
            error,
            id: id.clone(),
        })?;
        let parts = exchange::Parts {
            route: index,
            caller,
            era,
            follow: Some(prepared.follow),
            method,
            tasks_enabled: route.config.tasks,
            creation: prepared.creation,
        };
        Ok((prepared.bytes, id, parts))
    }
}

/// The era of a GET stream or DELETE: the negotiated version header, read
/// by the same rule as a POST's; the oldest era when absent (a current-era
/// server answers GET with 405 anyway).
fn era_of_stream(headers: &HeaderMap, route: &Route) -> Result<Era, GatewayError> {
    let declared = inbound::declared_era(headers, &route.versions)?;
    Ok(declared.map_or(dialect::ALL[0].era, |(era, _)| era))
}

fn log_accepted(route: &str, principal: &Principal, inbound: &inbound::Inbound) {
    tracing::debug!(
        route,
        sub = %principal.subject(),
        era = inbound.era.as_str(),
        method = inbound.summary.method().unwrap_or("(response)"),
        "forwarding"
    );
}

/// The RFC 9728 metadata document (GET and HEAD; a CORS preflight for
/// them), readable from every origin.
fn metadata_response(
    doc: Bytes,
    head: &request::Parts,
) -> Result<Response<GatewayBody>, GatewayError> {
    use http::header::{ACCESS_CONTROL_REQUEST_METHOD, CACHE_CONTROL, CONTENT_TYPE};
    use http::{HeaderValue, StatusCode};
    let method = &head.method;
    if method == Method::OPTIONS && head.headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
        return Ok(cors::public_preflight(head));
    }
    if method != Method::GET && method != Method::HEAD {
        return Err(GatewayError::MethodNotAllowed);
    }
    let mut r = Response::new(crate::body::full(doc));
    cors::public(r.headers_mut());
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    *r.status_mut() = StatusCode::OK;
    Ok(r)
}
