//! The `[[route]]` tables → [`RouteConfig`]s: path, name, upstream URL,
//! resource URI, bound claims, allowed origins and the upstream
//! credential, every error gathered.
//!
//! Invariants: paths and names are unique, no route serves under
//! `/.well-known/` (the metadata lives there), an upstream is an http(s) URL
//! with a host, and a credential is loaded and checked as a header value
//! here, once, so forwarding never fails on it.

use std::str::FromStr;

use http::{HeaderName, Uri};

use crate::auth::BoundClaim;
use crate::config::RouteConfig;
use crate::config::raw::{RawCredential, RawRoute};
use crate::config::secret::{EnvLookup, Secret, SecretSource};
use crate::proxy::Credential;

pub(super) fn routes(
    raw: &[RawRoute],
    public_url: &str,
    env: EnvLookup<'_>,
    errs: &mut Vec<String>,
) -> Vec<RouteConfig> {
    if raw.is_empty() {
        errs.push("at least one [[route]] is required".into());
    }
    let mut out: Vec<RouteConfig> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let at = format!("route[{i}]");
        if !r.path.starts_with('/')
            || r.path.contains(['?', '#'])
            || r.path.starts_with("/.well-known/")
        {
            errs.push(format!(
                "{at}.path: {:?} must start with / and not be under /.well-known/",
                r.path
            ));
        }
        if out.iter().any(|o| o.path == r.path) {
            errs.push(format!("{at}.path: {:?} is used by another route", r.path));
        }
        let name = r.name.clone().unwrap_or_else(|| r.path.clone());
        if out.iter().any(|o| o.name == name) {
            errs.push(format!("{at}.name: {name:?} is used by another route"));
        }
        let upstream = match Uri::from_str(&r.upstream) {
            Ok(u) if matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some() => {
                Some(u)
            }
            _ => {
                errs.push(format!(
                    "{at}.upstream: {:?} must be an http(s) URL",
                    r.upstream
                ));
                None
            }
        };
        let credential = r
            .credential
            .as_ref()
            .and_then(|c| credential(&at, c, env, errs));
        let resource = r
            .resource
            .clone()
            .unwrap_or_else(|| format!("{public_url}{}", r.path));
        if let Some(u) = upstream {
            out.push(RouteConfig {
                name,
                path: r.path.clone(),
                upstream: u,
                credential,
                required_scopes: r.required_scopes.clone(),
                optional_claims: BoundClaim::parse_list(&r.optional_claims).unwrap_or_else(|e| {
                    errs.push(format!("{at}.optional_claims: {e}"));
                    Vec::new()
                }),
                resource,
                tasks: r.tasks.unwrap_or(true),
                unknown_task_wording: r.unknown_task_wording.unwrap_or_default(),
                allowed_origins: super::origins::origins(
                    &format!("{at}.allowed_origins"),
                    &r.allowed_origins,
                    errs,
                ),
            });
        }
    }
    out
}

fn credential(
    at: &str,
    c: &RawCredential,
    env: EnvLookup<'_>,
    errs: &mut Vec<String>,
) -> Option<Credential> {
    let header = match HeaderName::from_str(c.header.as_deref().unwrap_or("authorization")) {
        Ok(h) => h,
        Err(_) => {
            errs.push(format!("{at}.credential.header: not a valid header name"));
            return None;
        }
    };
    let source = match (&c.file, &c.env) {
        (Some(f), None) => SecretSource::File(f.clone()),
        (None, Some(e)) => SecretSource::Env(e.clone()),
        _ => {
            errs.push(format!("{at}.credential: give exactly one of file or env"));
            return None;
        }
    };
    match Secret::load(&source, env).and_then(|s| s.to_header_value()) {
        Ok(value) => Some(Credential::new(header, value)),
        Err(e) => {
            errs.push(format!("{at}.credential: {e}"));
            None
        }
    }
}
