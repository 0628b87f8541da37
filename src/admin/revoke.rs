//! `POST /revoke` on the admin listener: revocation on demand.
//!
//! Body (JSON, one of): `{"handle": "tg1…"}`, `{"tenant": "t"}`,
//! `{"principal": {"issuer", "subject", "tenant"?, "client"?}}`,
//! `{"everything": true}` (bumps the policy epoch).
//!
//! Invariants: off unless `[admin] token` is configured; the bearer token is
//! compared in constant time; the handle is never logged (a fingerprint is);
//! a store failure is a 503 and revokes nothing.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::body::{GatewayBody, full};
use crate::config::Secret;
use crate::gateway::Gateway;
use crate::tasks::{IdentitySelector, Revocation, Revoked};

/// Largest accepted revocation request.
pub(super) const MAX_BODY: usize = 16 * 1024;

/// Everything the endpoint needs.
pub struct Revoker {
    gateway: Arc<Gateway>,
    token: Secret,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum RevokeRequest {
    Handle(String),
    Tenant(String),
    Principal(PrincipalClaims),
    Everything(bool),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalClaims {
    issuer: String,
    subject: String,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    client: Option<String>,
}

impl Revoker {
    /// The endpoint for `gateway`'s routes (as its current settings name
    /// them), guarded by `token`.
    pub fn new(gateway: Arc<Gateway>, token: Secret) -> Revoker {
        Revoker { gateway, token }
    }

    /// Whether `headers` carry the admin bearer token.
    pub(super) fn authorized(&self, headers: &HeaderMap) -> bool {
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        bool::from(presented.as_bytes().ct_eq(self.token.expose()))
    }

    /// Handles one authorized request body.
    pub(super) async fn handle(&self, body: &Bytes) -> Response<GatewayBody> {
        let Ok(request) = serde_json::from_slice::<RevokeRequest>(body) else {
            return reply(
                StatusCode::BAD_REQUEST,
                json!({"error": "expected one of {\"handle\"}, {\"tenant\"}, {\"principal\"}, {\"everything\": true}"}),
            );
        };
        let settings = self.gateway.settings().load();
        let revocation = match request {
            RevokeRequest::Handle(h) => {
                tracing::info!(handle = %settings.tasks().codec().fingerprint(&h), "revoking one task");
                Revocation::Handle(h)
            }
            RevokeRequest::Tenant(t) => Revocation::Tenant(t),
            RevokeRequest::Principal(p) => Revocation::Identity(IdentitySelector {
                issuer: p.issuer,
                subject: p.subject,
                tenant: p.tenant,
                client: p.client,
            }),
            RevokeRequest::Everything(true) => Revocation::Everything,
            RevokeRequest::Everything(false) => {
                return reply(
                    StatusCode::BAD_REQUEST,
                    json!({"error": "everything must be true"}),
                );
            }
        };
        let routes = settings.route_names();
        match settings.tasks().revoke(&revocation, &routes).await {
            Ok(Revoked::Done { epoch }) => {
                tracing::info!(?epoch, scope = scope(&revocation), "revoked");
                reply(StatusCode::OK, json!({"revoked": true, "epoch": epoch}))
            }
            Ok(Revoked::NotAHandle) => reply(
                StatusCode::NOT_FOUND,
                json!({"revoked": false, "error": "not a task handle of this gateway"}),
            ),
            Err(e) => {
                tracing::error!(error = %e, "revocation failed");
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"revoked": false, "error": "store unavailable"}),
                )
            }
        }
    }
}

fn scope(r: &Revocation) -> &'static str {
    match r {
        Revocation::Handle(_) => "task",
        Revocation::Identity(_) => "principal",
        Revocation::Tenant(_) => "tenant",
        Revocation::Everything => "everything",
    }
}

/// A JSON answer.
pub(super) fn reply(status: StatusCode, body: serde_json::Value) -> Response<GatewayBody> {
    let mut r = Response::new(full(crate::jsonrpc::to_bytes(&body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}
