//! Raw configuration → [`Config`], gathering every error before failing.
//!
//! Checks `[listen]`, `[admin]` and `[limits]` itself and puts the whole
//! together; every other table is checked by a module of its own:
//! `validate::routes` (`[[route]]`, with the upstream credentials),
//! `validate::auth` (`[auth]`), `validate::origins` (allowed browser
//! origins, `[listen]`'s and each route's), and `config::handle_keys`,
//! `config::task_policy`, `config::session_policy`.

mod auth;
mod origins;
mod routes;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;

use http::Uri;

use super::raw::{RawConfig, RawLimits};
use super::secret::{EnvLookup, Secret};
use super::{Config, Limits, TlsFiles, duration};

/// Every problem found in a configuration.
#[derive(Debug, Default)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "- {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Reads and validates a TOML file.
///
/// # Errors
/// All problems found, including the TOML syntax error if any.
pub fn load_file(path: &Path, env: EnvLookup<'_>) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigErrors(vec![format!("{}: {e}", path.display())]))?;
    let raw: RawConfig = toml::from_str(&text)
        .map_err(|e| ConfigErrors(vec![format!("{}: {e}", path.display())]))?;
    from_raw(raw, env)
}

/// Validates a raw configuration.
///
/// # Errors
/// All problems found.
pub fn from_raw(raw: RawConfig, env: EnvLookup<'_>) -> Result<Config, ConfigErrors> {
    let mut errs = Vec::new();
    let listen = parse_addr("listen.address", &raw.listen.address, &mut errs);
    let tls = match (&raw.listen.tls_cert, &raw.listen.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        (None, None) => None,
        _ => {
            errs.push("listen: tls_cert and tls_key must be given together".into());
            None
        }
    };
    let public_url = public_url(&raw, listen, tls.is_some(), &mut errs);
    let admin = raw
        .admin
        .as_ref()
        .and_then(|a| parse_addr("admin.address", &a.address, &mut errs));
    let admin_token = raw
        .admin
        .as_ref()
        .and_then(|a| a.token.as_ref())
        .and_then(|source| {
            Secret::load(source, env)
                .map_err(|e| errs.push(format!("admin.token: {e}")))
                .ok()
        });
    let allowed_origins = origins::origins(
        "listen.allowed_origins",
        &raw.listen.allowed_origins,
        &mut errs,
    );
    let limits = limits(&raw.limits, &mut errs);
    if raw.listen.workers == Some(0) {
        errs.push("listen.workers must be greater than zero".into());
    }
    let routes = routes::routes(&raw.routes, &public_url, env, &mut errs);
    let auth = auth::auth(&raw.auth, &routes, env, &mut errs);
    let handle_keys = super::handle_keys::validate(&raw.handles, env, &mut errs);
    let tasks = super::task_policy::validate(&raw.tasks, &mut errs);
    let sessions = super::session_policy::validate(&raw.sessions, &mut errs);
    let request_state = super::request_state_policy::validate(&raw.request_state, &mut errs);
    match (errs.is_empty(), listen, auth) {
        (true, Some(listen), Some(auth)) => Ok(Config {
            listen,
            tls,
            public_url_derived: raw.listen.public_url.is_none(),
            public_url,
            admin,
            admin_token,
            allowed_origins,
            workers: raw.listen.workers,
            limits,
            auth,
            upstream_ca_bundle: raw.upstream_tls.ca_bundle,
            routes,
            handle_keys,
            tasks,
            sessions,
            request_state,
        }),
        _ => Err(ConfigErrors(errs)),
    }
}

fn parse_addr(field: &str, text: &str, errs: &mut Vec<String>) -> Option<SocketAddr> {
    match SocketAddr::from_str(text) {
        Ok(a) => Some(a),
        Err(_) => {
            errs.push(format!("{field}: {text:?} is not an ip:port address"));
            None
        }
    }
}

fn public_url(
    raw: &RawConfig,
    listen: Option<SocketAddr>,
    tls: bool,
    errs: &mut Vec<String>,
) -> String {
    if let Some(url) = &raw.listen.public_url {
        match Uri::from_str(url) {
            Ok(u) if u.scheme().is_some() && u.host().is_some() && u.path() == "/" && !url.ends_with('/') => {
                return url.clone();
            }
            _ => errs.push(format!(
                "listen.public_url: {url:?} must be scheme://host[:port] with no path or trailing slash"
            )),
        }
    }
    let scheme = if tls { "https" } else { "http" };
    match listen {
        Some(a) => format!("{scheme}://{a}"),
        None => String::new(),
    }
}

fn limits(raw: &RawLimits, errs: &mut Vec<String>) -> Limits {
    let d = Limits::default();
    let l = Limits {
        max_body_bytes: raw.max_body_bytes.unwrap_or(d.max_body_bytes),
        max_json_depth: raw.max_json_depth.unwrap_or(d.max_json_depth),
        max_sse_event_bytes: raw.max_sse_event_bytes.unwrap_or(d.max_sse_event_bytes),
        max_json_answer_bytes: raw.max_json_answer_bytes.unwrap_or(d.max_json_answer_bytes),
        upstream_timeout: duration::or_default(
            "limits.upstream_timeout",
            raw.upstream_timeout.as_deref(),
            d.upstream_timeout,
            errs,
        ),
        shutdown_grace: duration::or_default(
            "limits.shutdown_grace",
            raw.shutdown_grace.as_deref(),
            d.shutdown_grace,
            errs,
        ),
        max_connections: raw.max_connections.unwrap_or(d.max_connections),
    };
    for (name, v) in [
        ("max_body_bytes", l.max_body_bytes),
        ("max_json_depth", l.max_json_depth),
        ("max_sse_event_bytes", l.max_sse_event_bytes),
        ("max_json_answer_bytes", l.max_json_answer_bytes),
        ("max_connections", l.max_connections),
    ] {
        if v == 0 {
            errs.push(format!("limits.{name} must be greater than zero"));
        }
    }
    l
}

#[cfg(test)]
mod tests;
