//! The origin and host rules on their own: loopback and non-loopback
//! listeners, listed origins, hosts.

use std::net::SocketAddr;

use http::{Request, request};

use super::{Browser, OriginPolicy, is_loopback_origin};
use crate::config::raw::{RawAuth, RawConfig, RawListen, RawRoute};
use crate::config::{Config, from_raw};
use crate::gateway::route::RouteTable;

fn config(public_url: Option<&str>, everywhere: &[&str], on_route: &[&str]) -> Config {
    let raw = RawConfig {
        listen: RawListen {
            address: "127.0.0.1:0".into(),
            public_url: public_url.map(str::to_owned),
            allowed_origins: everywhere.iter().map(|s| s.to_string()).collect(),
            ..RawListen::default()
        },
        auth: RawAuth {
            issuer: "https://issuer.test".into(),
            jwks_file: Some("/dev/null".into()),
            ..RawAuth::default()
        },
        routes: vec![
            RawRoute {
                path: "/mcp".into(),
                upstream: "http://127.0.0.1:9/mcp".into(),
                allowed_origins: on_route.iter().map(|s| s.to_string()).collect(),
                ..RawRoute::default()
            },
            RawRoute {
                path: "/other".into(),
                upstream: "http://127.0.0.1:9/mcp".into(),
                ..RawRoute::default()
            },
        ],
        ..RawConfig::default()
    };
    from_raw(raw, &|_: &str| None).unwrap()
}

fn head(path: &str, headers: &[(&str, &str)]) -> request::Parts {
    let mut builder = Request::builder().method("POST").uri(path);
    for (n, v) in headers {
        builder = builder.header(*n, *v);
    }
    builder.body(()).unwrap().into_parts().0
}

const LOOPBACK: &str = "127.0.0.1:8080";

fn judge(config: &Config, bound: &str, path: &str, origins: &[&str]) -> Option<Browser> {
    let bound: SocketAddr = bound.parse().unwrap();
    let policy = OriginPolicy::new(config, bound);
    let headers: Vec<(&str, &str)> = origins.iter().map(|o| ("origin", *o)).collect();
    policy.judge(&RouteTable::new(config), &head(path, &headers))
}

fn allowed(b: Option<Browser>) -> bool {
    matches!(b, Some(Browser::Allowed(_)))
}

#[test]
fn loopback_origins_on_any_port_are_allowed_on_a_loopback_listener_only() {
    let c = config(None, &[], &[]);
    for origin in [
        "http://localhost:6274",
        "http://127.0.0.1:3000",
        "https://localhost",
        "http://[::1]:8080",
        "http://127.0.0.1",
    ] {
        for bound in [LOOPBACK, "[::1]:8080", "127.0.0.2:1"] {
            assert!(
                allowed(judge(&c, bound, "/mcp", &[origin])),
                "{origin} on {bound}"
            );
        }
        for bound in ["0.0.0.0:8080", "192.0.2.1:8080", "[::]:8080"] {
            assert!(
                matches!(judge(&c, bound, "/mcp", &[origin]), Some(Browser::Refused)),
                "{origin} on {bound}"
            );
        }
    }
}

#[test]
fn only_exact_loopback_origins_count() {
    for origin in [
        "http://localhost.evil.example",
        "http://localhost:80/",
        "http://localhost:",
        "http://localhost:123456",
        "http://127.0.0.1.nip.io",
        "http://127.0.0.2:80",
        "http://evil@localhost",
        "file://localhost",
        "null",
        "",
        "localhost",
    ] {
        assert!(!is_loopback_origin(origin.as_bytes()), "{origin}");
    }
    assert!(is_loopback_origin(b"HTTP://LOCALHOST:1"));
}

#[test]
fn listed_origins_apply_everywhere_or_on_their_route() {
    let c = config(None, &["https://all.example"], &["https://one.example"]);
    for bound in [LOOPBACK, "0.0.0.0:8080"] {
        assert!(allowed(judge(&c, bound, "/mcp", &["https://all.example"])));
        assert!(allowed(judge(
            &c,
            bound,
            "/other",
            &["https://all.example"]
        )));
        assert!(allowed(judge(&c, bound, "/mcp", &["https://one.example"])));
        assert!(!allowed(judge(
            &c,
            bound,
            "/other",
            &["https://one.example"]
        )));
        assert!(!allowed(judge(
            &c,
            bound,
            "/mcp",
            &["https://one.example:8443"]
        )));
        assert!(!allowed(judge(&c, bound, "/mcp", &["http://evil.example"])));
    }
}

#[test]
fn no_origin_is_not_a_browser_and_a_repeated_or_routeless_one_is_refused() {
    let c = config(None, &["https://all.example"], &[]);
    assert!(judge(&c, LOOPBACK, "/mcp", &[]).is_none());
    assert!(matches!(
        judge(
            &c,
            LOOPBACK,
            "/mcp",
            &["https://all.example", "https://all.example"]
        ),
        Some(Browser::Refused)
    ));
    assert!(matches!(
        judge(&c, LOOPBACK, "/nowhere", &["https://all.example"]),
        Some(Browser::Refused)
    ));
}

fn host_allowed(config: &Config, bound: &str, host: Option<&str>) -> bool {
    let policy = OriginPolicy::new(config, bound.parse().unwrap());
    let headers: Vec<(&str, &str)> = host.map(|h| ("host", h)).into_iter().collect();
    policy.host_allowed(&head("/mcp", &headers))
}

#[test]
fn a_loopback_listener_serves_loopback_hosts_on_any_port_and_the_public_host() {
    let derived = config(None, &[], &[]);
    let public = config(Some("https://MCP.example.com"), &[], &[]);
    for host in [
        "127.0.0.1:8080",
        "localhost",
        "LOCALHOST:1",
        "[::1]:9",
        "127.0.0.1:",
    ] {
        assert!(host_allowed(&derived, LOOPBACK, Some(host)), "{host}");
    }
    for host in [
        "evil.example.com",
        "evil.example.com:8080",
        "localhost.evil.example",
        "127.0.0.1.nip.io:80",
        "localhost:8080x",
        "[::1",
        "",
    ] {
        assert!(!host_allowed(&derived, LOOPBACK, Some(host)), "{host}");
    }
    assert!(!host_allowed(&derived, LOOPBACK, None));
    assert!(!host_allowed(&derived, LOOPBACK, Some("mcp.example.com")));
    assert!(host_allowed(&public, LOOPBACK, Some("mcp.example.com")));
    assert!(host_allowed(&public, LOOPBACK, Some("mcp.example.com:443")));
    // Any other listener does not look at the Host.
    assert!(host_allowed(
        &derived,
        "0.0.0.0:8080",
        Some("evil.example.com")
    ));
    assert!(host_allowed(&derived, "0.0.0.0:8080", None));
}

#[test]
fn an_http2_request_is_judged_by_its_authority() {
    let c = config(None, &[], &[]);
    let policy = OriginPolicy::new(&c, LOOPBACK.parse().unwrap());
    let h2 = |uri: &str| Request::builder().uri(uri).body(()).unwrap().into_parts().0;
    assert!(policy.host_allowed(&h2("http://localhost:8080/mcp")));
    assert!(!policy.host_allowed(&h2("http://evil.example.com/mcp")));
}
