//! The pipeline: one request through the phases, and the one place that
//! turns a rejection into a response and sees every request's outcome.
//!
//! ```text
//! request ─▶ load settings ─▶ admission::admit ──Rejected──────────────▶ error response ─┐
//!                                 │ Answered (made locally) ─────────────▶ response ───────┤
//!                                 ▼ Forward(Permitted)                                     │
//!                             relay::relay ──Rejected (no usable answer)─▶ error response ─┤
//!                                 │                                                        ▼
//!                                 └─▶ relayed response ── body ends ──▶ outcome::finish ◀──┘
//! ```
//!
//! Invariants: the settings are loaded once per request; every request
//! gets a request id and a span, and its outcome is finished exactly once
//! (answers the gateway makes: when made; relayed answers: when their body
//! ends for the client); every answer to a browser origin allowed on the
//! route carries its CORS headers ([`cors::expose`]), whoever made it.

use std::future::Future;
use std::ops::Deref;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use tracing::Instrument;

use super::Gateway;
use super::admission::{self, Admitted, Rejected};
use super::cors;
use super::origin::Browser;
use super::outcome::{Disposition, Progress};
use super::relay;
use crate::body::{BodyEnd, BoxError, GatewayBody};
use crate::error::ErrorSource;
use crate::proxy::UpstreamClient;

/// One request through the phases, forwarding through `client` (a serving
/// thread's own pool, so upstream connections stay on that thread).
///
/// `gateway` and `client` are borrowed or owned (`Arc`, so a service can
/// return a `'static` future). The request is split before the future is
/// made, so the future holds its parts once: its size is allocated and
/// moved on every request.
pub(super) fn serve<G, C, B>(
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
    let (head, body) = request.into_parts();
    let progress = Progress::start();
    let span = progress.span().clone();
    async move {
        let settings = gateway.settings.load();
        // One header lookup for a request without `Origin`, as ever.
        let browser = settings.browser(&head);
        let mut progress = Some(progress);
        // Each phase boxed on its own: every future stays small enough for
        // the allocator's per-thread cache.
        let admitted = admission::admit(settings, &mut progress, browser.as_ref(), head, body);
        let decided = Box::pin(admitted).await;
        let result = match decided {
            Ok(Admitted::Forward(permitted)) => Box::pin(relay::relay(
                permitted,
                &client,
                &gateway.runtime,
                &mut progress,
            ))
            .await
            .map_err(|r| (r, true)),
            Ok(Admitted::Answered(response)) => {
                finish(&gateway, progress, Disposition::Answered, &response);
                return with_cors(browser.as_ref(), response);
            }
            Err(rejected) => Err((rejected, false)),
        };
        let response = match result {
            Ok(response) => response,
            Err((Rejected { error, id }, forwarded)) => {
                let kind = error.kind();
                let disposition = if forwarded || error.source_kind() == ErrorSource::Upstream {
                    Disposition::Failed(kind)
                } else {
                    Disposition::Refused(kind)
                };
                let response = error.into_response(id.as_ref());
                finish(&gateway, progress, disposition, &response);
                response
            }
        };
        with_cors(browser.as_ref(), response)
    }
    .instrument(span)
}

/// `response` with the CORS headers of an allowed browser origin (unchanged
/// for any other request).
fn with_cors(
    browser: Option<&Browser>,
    mut response: Response<GatewayBody>,
) -> Response<GatewayBody> {
    if let Some(Browser::Allowed(origin)) = browser {
        cors::expose(response.headers_mut(), origin);
    }
    response
}

/// Finishes a request answered by the gateway itself (its body is complete
/// bytes, handed over as it is).
fn finish(
    gateway: &Gateway,
    progress: Option<Progress>,
    disposition: Disposition,
    response: &Response<GatewayBody>,
) {
    if let Some(progress) = progress {
        let sink = &*gateway.runtime.outcomes;
        progress.finish(sink, (disposition, response.status()), BodyEnd::Complete, 0);
    }
}
