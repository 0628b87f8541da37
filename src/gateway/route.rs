//! The route table: which upstream serves a client path, and each route's
//! precomputed OAuth artefacts (RFC 9728 metadata document,
//! `WWW-Authenticate` challenges, the identity claims it requires).
//!
//! Everything derivable from configuration is computed once at start, so the
//! request path only looks things up.

use bytes::Bytes;
use http::HeaderValue;
use serde_json::json;

use super::versions::UpstreamVersions;
use crate::auth::{BoundClaim, ClaimMapping, RequiredClaims};
use crate::config::{Config, RouteConfig};
use crate::target::Target;

/// Well-known path prefix for Protected Resource Metadata (RFC 9728 §3).
pub const PRM_PREFIX: &str = "/.well-known/oauth-protected-resource";

/// One route, ready to serve.
#[derive(Debug)]
pub struct Route {
    /// The configuration it came from.
    pub config: RouteConfig,
    /// Where its upstream is, with the credential it is sent.
    pub target: Target,
    /// The route name, shared cheaply with each request's caller.
    pub name: std::sync::Arc<str>,
    /// The RFC 9728 metadata document.
    pub metadata: Bytes,
    /// Challenge for a missing token.
    pub challenge_missing: HeaderValue,
    /// Challenge for an invalid token.
    pub challenge_invalid: HeaderValue,
    /// Challenge for an expired token (lets clients refresh rather than re-authorize).
    pub challenge_expired: HeaderValue,
    /// Challenge for a token without the required scopes.
    pub challenge_scope: HeaderValue,
    /// Challenge for a token sent other than once in `Authorization`
    /// (RFC 6750 §3.1 `invalid_request`).
    pub challenge_request: HeaderValue,
    /// The bound claims every token must carry here.
    pub required_claims: RequiredClaims,
    /// Challenges for a token without the tenant / the client claim.
    challenge_no_claim: [HeaderValue; 2],
    /// The protocol versions its upstream was seen to support.
    pub versions: UpstreamVersions,
}

impl Route {
    /// The challenge for a token that lacks `claim`.
    pub fn challenge_missing_claim(&self, claim: BoundClaim) -> &HeaderValue {
        match claim {
            BoundClaim::Tenant => &self.challenge_no_claim[0],
            BoundClaim::Client => &self.challenge_no_claim[1],
        }
    }
}

/// Where a route sits in its [`RouteTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteIndex(usize);

/// All routes, looked up by exact path.
#[derive(Debug)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Builds the table from validated configuration.
    pub fn new(config: &Config) -> RouteTable {
        let routes = config
            .routes
            .iter()
            .map(|r| {
                build(
                    r,
                    &config.public_url,
                    &config.auth.issuer,
                    &config.auth.claims,
                )
            })
            .collect();
        RouteTable { routes }
    }

    /// The route serving `path`.
    pub fn find(&self, path: &str) -> Option<&Route> {
        self.position(path).map(|index| self.get(index))
    }

    /// Every route's name, in configuration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|r| r.config.name.as_str())
    }

    /// The position of the route serving `path` (see [`RouteTable::get`]).
    pub fn position(&self, path: &str) -> Option<RouteIndex> {
        self.routes
            .iter()
            .position(|r| r.config.path == path)
            .map(RouteIndex)
    }

    /// The route at `index`. Indices are only made by
    /// [`RouteTable::position`] and kept with the table they came from (an
    /// exchange holds its settings), and tables never change, so the index
    /// is always in range.
    pub(super) fn get(&self, index: RouteIndex) -> &Route {
        &self.routes[index.0]
    }

    /// The metadata document served at `path`, if `path` is a PRM well-known
    /// path: path-suffixed for each route, and the root one for the first.
    pub fn metadata_for(&self, path: &str) -> Option<&Bytes> {
        let suffix = path.strip_prefix(PRM_PREFIX)?;
        if suffix.is_empty() || suffix == "/" {
            return self.routes.first().map(|r| &r.metadata);
        }
        self.find(suffix).map(|r| &r.metadata)
    }
}

fn build(config: &RouteConfig, public_url: &str, issuer: &str, claims: &ClaimMapping) -> Route {
    let metadata_url = format!("{public_url}{PRM_PREFIX}{}", config.path);
    let mut doc = json!({
        "resource": config.resource,
        "authorization_servers": [issuer],
        "bearer_methods_supported": ["header"],
    });
    if !config.required_scopes.is_empty() {
        doc["scopes_supported"] = json!(config.required_scopes);
    }
    let scope = config.required_scopes.join(" ");
    let scope_param = if scope.is_empty() {
        String::new()
    } else {
        format!(", scope=\"{scope}\"")
    };
    let base = format!("Bearer resource_metadata=\"{metadata_url}\"{scope_param}");
    let challenge = |text: String| {
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    };
    let no_claim = |claim: BoundClaim| {
        challenge(format!(
            "{base}, error=\"invalid_token\", error_description=\"{}\"",
            claim.missing_description(claims)
        ))
    };
    Route {
        target: Target::http(config.upstream.clone(), config.credential.clone()),
        name: config.name.as_str().into(),
        metadata: Bytes::from(doc.to_string()),
        challenge_missing: challenge(base.clone()),
        challenge_invalid: challenge(format!(
            "{base}, error=\"invalid_token\", error_description=\"The access token is invalid\""
        )),
        challenge_expired: challenge(format!(
            "{base}, error=\"invalid_token\", error_description=\"The access token expired\""
        )),
        challenge_scope: challenge(format!(
            "Bearer error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{metadata_url}\", \
             error_description=\"The access token lacks required scopes\""
        )),
        challenge_request: challenge(format!(
            "{base}, error=\"invalid_request\", \
             error_description=\"The access token must be sent once, in the Authorization header\""
        )),
        required_claims: RequiredClaims::new(claims, &config.optional_claims),
        challenge_no_claim: [no_claim(BoundClaim::Tenant), no_claim(BoundClaim::Client)],
        versions: UpstreamVersions::default(),
        config: config.clone(),
    }
}
