//! Which browser origins may call a route, and — on a loopback listener —
//! which `Host` names a request may carry: the DNS-rebinding defence.
//!
//! A browser sends `Origin` on every cross-origin request and on same-origin
//! requests other than GET and HEAD. An origin is allowed on a route when it
//! is
//! - listed in `[listen] allowed_origins` (`--allowed-origin`): every route;
//! - listed in the route's own `allowed_origins`: that route;
//! - a loopback origin — `http(s)://localhost`, `127.0.0.1` or `[::1]`, any
//!   port — and the gateway listens on a loopback address (a local
//!   inspector, a page on another local port), as the official SDKs accept
//!   them when bound to localhost.
//!
//! Any other origin is refused with `403` before authentication and is never
//! forwarded; an allowed one is answered with CORS headers ([`super::cors`]).
//! A gateway listening on any other address (`0.0.0.0` included) allows only
//! the listed origins.
//!
//! On a loopback listener the `Host` is checked too, as the TypeScript SDK's
//! `createMcpExpressApp` does for a localhost server (`hostHeaderValidation`):
//! its host name, any port, must be `localhost`, `127.0.0.1` or `[::1]` (or
//! the host of a configured `public_url`, which a proxy in front forwards),
//! otherwise `403`, whatever the path. A rebinding page reaches the gateway
//! under its own name; this refuses it even on a GET, which carries no
//! `Origin`.
//!
//! Invariants:
//! - A request without `Origin` is judged by nothing here but the one header
//!   lookup admission always made (and, on a loopback listener, the `Host`
//!   comparison); nothing is allocated.
//! - `Origin` sent twice is refused: a server behind could read the other
//!   one.
//! - Origins are compared byte for byte with the configured ones, which
//!   validation keeps in the form browsers send (lowercase, no path, no
//!   default port).

use std::net::SocketAddr;
use std::str::FromStr;

use http::header::{HOST, ORIGIN};
use http::{HeaderValue, Uri, request};

use super::route::RouteTable;
use crate::config::Config;

/// Host names a loopback listener answers under (and the hosts of loopback
/// origins).
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The origin rules of one set of settings.
#[derive(Debug)]
pub(super) struct OriginPolicy {
    /// Present when the listener is on a loopback address.
    loopback: Option<LoopbackListener>,
    /// `[listen] allowed_origins`: allowed on every route.
    everywhere: Vec<String>,
}

/// What a loopback listener accepts besides loopback names.
#[derive(Debug)]
struct LoopbackListener {
    /// The configured `public_url`'s host (lowercase), when it has one that
    /// is not a loopback name.
    public_host: Option<String>,
}

/// What a request that carries an `Origin` may do on its route.
#[derive(Debug)]
pub(super) enum Browser {
    /// Allowed: answered with CORS headers naming this origin (boxed: the
    /// request's future holds the verdict, and only a browser's pays for
    /// the origin).
    Allowed(Box<HeaderValue>),
    /// Refused with `403` (not allowed, sent twice, or on no route).
    Refused,
}

impl OriginPolicy {
    /// The rules for `config` served from `bound`.
    pub(super) fn new(config: &Config, bound: SocketAddr) -> OriginPolicy {
        let loopback = bound.ip().is_loopback().then(|| LoopbackListener {
            public_host: public_host(config),
        });
        OriginPolicy {
            loopback,
            everywhere: config.allowed_origins.clone(),
        }
    }

    /// Whether the request's `Host` (HTTP/2: its authority) may be served:
    /// always, unless the listener is on loopback.
    pub(super) fn host_allowed(&self, head: &request::Parts) -> bool {
        let Some(listener) = &self.loopback else {
            return true;
        };
        let authority = match head.headers.get(HOST) {
            Some(host) => host.to_str().ok(),
            None => head.uri.authority().map(|a| a.as_str()),
        };
        authority.and_then(host_name).is_some_and(|name| {
            is_loopback_name(name)
                || listener
                    .public_host
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(name))
        })
    }

    /// What the request may do as a browser's; `None` when it carries no
    /// `Origin` (not a browser).
    pub(super) fn judge(&self, routes: &RouteTable, head: &request::Parts) -> Option<Browser> {
        let mut origins = head.headers.get_all(ORIGIN).iter();
        let origin = origins.next()?;
        if origins.next().is_some() {
            return Some(Browser::Refused);
        }
        let Some(route) = routes.find(head.uri.path()) else {
            return Some(Browser::Refused);
        };
        let listed = |list: &[String]| list.iter().any(|a| a.as_bytes() == origin.as_bytes());
        let allowed = (self.loopback.is_some() && is_loopback_origin(origin.as_bytes()))
            || listed(&self.everywhere)
            || listed(&route.config.allowed_origins);
        Some(if allowed {
            Browser::Allowed(Box::new(origin.clone()))
        } else {
            Browser::Refused
        })
    }
}

/// The configured public URL's host, unless derived from the listener or a
/// loopback name.
fn public_host(config: &Config) -> Option<String> {
    if config.public_url_derived {
        return None;
    }
    let uri = Uri::from_str(&config.public_url).ok()?;
    let host = uri.authority()?.as_str();
    let name = host_name(host)?;
    (!is_loopback_name(name)).then(|| name.to_ascii_lowercase())
}

/// The host name of an authority (`host[:port]`, `[v6][:port]`), brackets
/// kept; `None` when what follows it is not a port.
fn host_name(authority: &str) -> Option<&str> {
    let (name, rest) = if authority.starts_with('[') {
        authority.split_at(authority.find(']')? + 1)
    } else {
        match authority.find(':') {
            Some(colon) => authority.split_at(colon),
            None => (authority, ""),
        }
    };
    (!name.is_empty() && is_port_suffix(rest.as_bytes())).then_some(name)
}

/// `""` or `:` followed by at most five digits.
fn is_port_suffix(rest: &[u8]) -> bool {
    match rest.split_first() {
        None => true,
        Some((b':', port)) => port.len() <= 5 && port.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

fn is_loopback_name(name: &str) -> bool {
    LOOPBACK_HOSTS.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// `http://` or `https://`, a loopback host name, an optional `:port`,
/// nothing else.
fn is_loopback_origin(origin: &[u8]) -> bool {
    let rest = strip_prefix_ignore_case(origin, b"http://")
        .or_else(|| strip_prefix_ignore_case(origin, b"https://"));
    let Some(rest) = rest else {
        return false;
    };
    LOOPBACK_HOSTS.iter().any(|host| {
        strip_prefix_ignore_case(rest, host.as_bytes()).is_some_and(|port| match port {
            [] => true,
            [b':', digits @ ..] => {
                (1..=5).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
            }
            _ => false,
        })
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = text.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

#[cfg(test)]
mod tests;
