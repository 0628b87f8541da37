//! The authentication step: bearer token → [`Principal`], or the right
//! `401`/`403` challenge.
//!
//! Invariants: nothing is forwarded for a request that did not authenticate,
//! including GET streams and DELETE; a principal without a claim the route
//! binds to (see [`crate::auth::RequiredClaims`]) did not authenticate; the
//! token itself is never logged.

use std::sync::Arc;

use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::route::Route;
use crate::auth::{Authenticator, Principal, Rejection};
use crate::error::GatewayError;

/// Authenticates the caller and checks the route's required scopes.
///
/// # Errors
/// `Unauthenticated` (401) with the route's challenge (naming the claim
/// when the token lacks one the route requires), `InsufficientScope`
/// (403) listing every required scope, or `KeysUnavailable` (503) when the
/// gateway cannot obtain verification keys.
pub(super) async fn authenticate(
    auth: &Authenticator,
    route: &Route,
    headers: &HeaderMap,
) -> Result<Arc<Principal>, GatewayError> {
    let principal = match Authenticator::bearer_token(headers.get(AUTHORIZATION)) {
        Ok(token) => auth.authenticate(token).await,
        Err(rejection) => Err(rejection),
    }
    .map_err(|r| rejected(route, &r))?;
    if let Some(claim) = route.required_claims.first_missing(&principal) {
        let reason = claim.missing_reason();
        tracing::info!(route = %route.config.name, sub = %principal.subject(), reason, "authentication failed");
        return Err(GatewayError::Unauthenticated {
            reason,
            challenge: route.challenge_missing_claim(claim).clone(),
        });
    }
    if !principal.has_scopes(&route.config.required_scopes) {
        tracing::info!(route = %route.config.name, sub = %principal.subject(), "insufficient scope");
        return Err(GatewayError::InsufficientScope {
            challenge: route.challenge_scope.clone(),
        });
    }
    Ok(principal)
}

fn rejected(route: &Route, rejection: &Rejection) -> GatewayError {
    tracing::info!(route = %route.config.name, reason = rejection.reason(), "authentication failed");
    if rejection.is_key_infrastructure() {
        return GatewayError::KeysUnavailable;
    }
    let challenge = if rejection.is_missing() {
        route.challenge_missing.clone()
    } else if matches!(rejection, Rejection::Expired) {
        route.challenge_expired.clone()
    } else {
        route.challenge_invalid.clone()
    };
    GatewayError::Unauthenticated {
        reason: rejection.reason(),
        challenge,
    }
}
