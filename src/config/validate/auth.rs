//! The `[auth]` table → [`AuthConfig`]: JWKS source, issuer, audiences,
//! algorithm allow-list and claim mapping, every error gathered.

use std::str::FromStr;
use std::time::Duration;

use http::Uri;

use crate::auth::{AuthConfig, ClaimMapping, ClaimPath, JwksSource};
use crate::config::raw::RawAuth;
use crate::config::secret::{EnvLookup, Secret};
use crate::config::{RouteConfig, duration};

pub(super) fn auth(
    raw: &RawAuth,
    routes: &[RouteConfig],
    env: EnvLookup<'_>,
    errs: &mut Vec<String>,
) -> Option<AuthConfig> {
    let before = errs.len();
    if raw.issuer.is_empty() {
        errs.push("auth.issuer is required".into());
    }
    let jwks = match (&raw.jwks_file, &raw.jwks_url) {
        (Some(f), None) => Some(JwksSource::File(f.clone())),
        (None, Some(u)) => match Uri::from_str(u) {
            Ok(url) if matches!(url.scheme_str(), Some("http" | "https")) => {
                Some(JwksSource::Url {
                    url,
                    refresh_interval: duration::or_default(
                        "auth.jwks_refresh",
                        raw.jwks_refresh.as_deref(),
                        Duration::from_secs(300),
                        errs,
                    ),
                    min_refetch_interval: duration::or_default(
                        "auth.jwks_min_refetch",
                        raw.jwks_min_refetch.as_deref(),
                        Duration::from_secs(30),
                        errs,
                    ),
                })
            }
            _ => {
                errs.push(format!("auth.jwks_url: {u:?} must be an http(s) URL"));
                None
            }
        },
        _ => {
            errs.push("auth: give exactly one of jwks_file or jwks_url".into());
            None
        }
    };
    let algorithms = algorithms(raw.algorithms.as_deref(), errs);
    let has_hs = algorithms.contains(&jsonwebtoken::Algorithm::HS256);
    let hs256_secret = match (&raw.hs256_secret, has_hs) {
        (Some(src), true) => Secret::load(src, env)
            .map(|s| s.expose().to_vec())
            .map_err(|e| errs.push(format!("auth.hs256_secret: {e}")))
            .ok(),
        (None, true) => {
            errs.push("auth: HS256 is allowed but auth.hs256_secret is not set".into());
            None
        }
        (Some(_), false) => {
            errs.push("auth.hs256_secret is set but HS256 is not in auth.algorithms".into());
            None
        }
        (None, false) => None,
    };
    let audiences = if raw.audiences.is_empty() {
        routes.iter().map(|r| r.resource.clone()).collect()
    } else {
        raw.audiences.clone()
    };
    let claims = claims(raw, errs);
    let config = AuthConfig {
        issuer: raw.issuer.clone(),
        audiences,
        jwks: jwks?,
        algorithms,
        hs256_secret,
        leeway: duration::or_default(
            "auth.leeway",
            raw.leeway.as_deref(),
            Duration::from_secs(30),
            errs,
        ),
        claims,
        cache_capacity: raw.cache_capacity.unwrap_or(10_000),
    };
    (errs.len() == before).then_some(config)
}

fn algorithms(raw: Option<&[String]>, errs: &mut Vec<String>) -> Vec<jsonwebtoken::Algorithm> {
    use jsonwebtoken::Algorithm as A;
    let Some(names) = raw else {
        return vec![A::RS256, A::ES256, A::EdDSA];
    };
    let mut out = Vec::new();
    for n in names {
        match A::from_str(n) {
            Ok(A::HS384 | A::HS512) => errs.push(format!(
                "auth.algorithms: {n} is not supported; only HS256 among HMAC algorithms"
            )),
            Ok(a) => out.push(a),
            Err(_) => errs.push(format!("auth.algorithms: unknown algorithm {n:?}")),
        }
    }
    if out.is_empty() {
        errs.push("auth.algorithms must name at least one algorithm".into());
    }
    out
}

fn claims(raw: &RawAuth, errs: &mut Vec<String>) -> ClaimMapping {
    let d = ClaimMapping::default();
    let mut path = |field: &str, text: &str| match ClaimPath::from_str(text) {
        Ok(p) => Some(p),
        Err(_) => {
            errs.push(format!(
                "auth.claims.{field}: {text:?} is not a claim path like tid or org.id"
            ));
            None
        }
    };
    let tenant = match raw.claims.tenant.as_deref() {
        None => d.tenant,
        Some("") => None,
        Some(t) => path("tenant", t),
    };
    let client = match &raw.claims.client {
        None => d.client,
        Some(list) => list.iter().filter_map(|t| path("client", t)).collect(),
    };
    let scope = match &raw.claims.scope {
        None => d.scope,
        Some(list) => list.iter().filter_map(|t| path("scope", t)).collect(),
    };
    ClaimMapping {
        tenant,
        client,
        scope,
    }
}
