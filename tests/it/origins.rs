//! Browser and local clients: loopback origins on a loopback listener, the
//! `Host` check there, listed origins (`--allowed-origin`, per route), CORS
//! preflights and headers; every refusal shown not to reach the upstream.

use clap::Parser;
use http::{Method, StatusCode};
use serde_json::json;
use taskgate::cli::{Cli, Command};

use crate::support::client::{Answer, Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::upstream::Upstream;

const EXPOSED: &str = "Mcp-Session-Id, WWW-Authenticate, MCP-Protocol-Version";

fn assert_cors_for(answer: &Answer, origin: &str) {
    assert_eq!(answer.header("access-control-allow-origin"), Some(origin));
    assert_eq!(
        answer.header("access-control-expose-headers"),
        Some(EXPOSED)
    );
    assert!(
        answer.headers.get_all("vary").iter().any(|v| v == "Origin"),
        "{:?}",
        answer.headers
    );
}

fn assert_no_cors(answer: &Answer) {
    assert!(
        answer.header("access-control-allow-origin").is_none()
            && answer.header("access-control-expose-headers").is_none(),
        "{:?}",
        answer.headers
    );
}

fn preflight(url: &str, origin: &str) -> Call {
    Call::new(Method::OPTIONS, url, None)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,mcp-method,mcp-param-region,mcp-protocol-version",
        )
}

#[tokio::test]
async fn a_page_on_another_loopback_port_is_served_when_listening_on_loopback() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let port = gw.running.addr.port();
    // The conformance suite's `localhost-host-valid-accepted`: Host and
    // Origin both name the gateway's own loopback address.
    let own = format!("127.0.0.1:{port}");
    let conformance = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .header("host", &own)
        .header("origin", &format!("http://{own}"))
        .send()
        .await;
    assert_eq!(conformance.status, StatusCode::OK, "{:?}", conformance.body);
    // A local inspector on another port, under every loopback name.
    for origin in [
        "http://localhost:6274",
        "http://127.0.0.1:3000",
        "http://[::1]:5173",
        "https://localhost",
    ] {
        let answer = Call::post_json(&gw.url(), Some(&token), &rpc(2, "ping", json!({})))
            .header("host", &format!("localhost:{port}"))
            .header("origin", origin)
            .send()
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{origin}");
        assert_cors_for(&answer, origin);
    }
    assert_eq!(up.count(), 5);
}

#[tokio::test]
async fn a_foreign_origin_or_host_is_refused_and_reaches_nothing() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let token = gw.token("alice", "acme");
    let ping = || Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})));
    // The conformance suite's `localhost-host-rebinding-rejected`.
    let rebinding = ping()
        .header("host", "evil.example.com")
        .header("origin", "http://evil.example.com")
        .send()
        .await;
    assert_eq!(rebinding.status, StatusCode::FORBIDDEN);
    assert_no_cors(&rebinding);
    // A foreign page with the right Host, and a rebound GET (no Origin).
    let foreign = ping()
        .header("origin", "http://evil.example.com")
        .send()
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(foreign.error_code(), Some(-32600));
    assert_no_cors(&foreign);
    let rebound_get = Call::new(Method::GET, &gw.url(), Some(&token))
        .header("host", "evil.example.com:8080")
        .header("accept", "text/event-stream")
        .send()
        .await;
    assert_eq!(rebound_get.status, StatusCode::FORBIDDEN);
    // Origin twice (a server behind could read the other one), a loopback
    // look-alike, a foreign preflight.
    let twice = ping()
        .header("origin", "http://localhost:6274")
        .append("origin", "http://evil.example.com")
        .send()
        .await;
    assert_eq!(twice.status, StatusCode::FORBIDDEN);
    let lookalike = ping()
        .header("origin", "http://localhost.evil.example.com")
        .send()
        .await;
    assert_eq!(lookalike.status, StatusCode::FORBIDDEN);
    let foreign_preflight = preflight(&gw.url(), "http://evil.example.com").send().await;
    assert_eq!(foreign_preflight.status, StatusCode::FORBIDDEN);
    assert_no_cors(&foreign_preflight);
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn an_allowed_origin_s_preflight_is_answered_without_auth_and_never_forwarded() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.listen.allowed_origins = vec!["https://inspector.example".into()];
    })
    .await;
    let answer = preflight(&gw.url(), "https://inspector.example")
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_cors_for(&answer, "https://inspector.example");
    assert_eq!(
        answer.header("access-control-allow-methods"),
        Some("POST, GET, DELETE")
    );
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some("authorization, content-type, mcp-method, mcp-param-region, mcp-protocol-version")
    );
    // A loopback page's preflight too (loopback listener).
    let local = preflight(&gw.url(), "http://localhost:6274").send().await;
    assert_eq!(local.status, StatusCode::NO_CONTENT);
    assert_cors_for(&local, "http://localhost:6274");
    // OPTIONS that is no preflight is what it was: authenticated, then 405.
    let plain = Call::new(Method::OPTIONS, &gw.url(), Some(&gw.token("alice", "acme")))
        .header("origin", "https://inspector.example")
        .send()
        .await;
    assert_eq!(plain.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(up.count(), 0);
}

#[tokio::test]
async fn relayed_answers_and_gateway_errors_carry_cors_for_allowed_origins_only() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.listen.allowed_origins = vec!["https://app.example".into()];
    })
    .await;
    let token = gw.token("alice", "acme");
    let relayed = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .header("origin", "https://app.example")
        .send()
        .await;
    assert_eq!(relayed.status, StatusCode::OK);
    assert_cors_for(&relayed, "https://app.example");
    // The gateway's own 401: readable, challenge included.
    let unauthenticated = Call::post_json(&gw.url(), None, &rpc(2, "ping", json!({})))
        .header("origin", "https://app.example")
        .send()
        .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    assert!(unauthenticated.header("www-authenticate").is_some());
    assert_cors_for(&unauthenticated, "https://app.example");
    // Without Origin nothing is added, to answers or errors.
    let plain = Call::post_json(&gw.url(), Some(&token), &rpc(3, "ping", json!({})))
        .send()
        .await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_no_cors(&plain);
    assert!(plain.header("vary").is_none());
    let plain_401 = Call::post_json(&gw.url(), None, &rpc(4, "ping", json!({})))
        .send()
        .await;
    assert_no_cors(&plain_401);
    assert_eq!(up.count(), 2);
}

#[tokio::test]
async fn a_route_s_own_origins_apply_on_that_route_only() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        let mut other = raw.routes[0].clone();
        other.path = "/other".into();
        raw.routes[0].allowed_origins = vec!["https://app.example".into()];
        raw.routes.push(other);
    })
    .await;
    let token = gw.token("alice", "acme");
    let here = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .header("origin", "https://app.example")
        .send()
        .await;
    assert_eq!(here.status, StatusCode::OK);
    assert_cors_for(&here, "https://app.example");
    let there = Call::post_json(
        &format!("{}/other", gw.base()),
        Some(&token),
        &rpc(2, "ping", json!({})),
    )
    .header("origin", "https://app.example")
    .send()
    .await;
    assert_eq!(there.status, StatusCode::FORBIDDEN);
    assert_no_cors(&there);
    let preflight_there = preflight(&format!("{}/other", gw.base()), "https://app.example")
        .send()
        .await;
    assert_eq!(preflight_there.status, StatusCode::FORBIDDEN);
    assert_eq!(up.count(), 1);
}

#[tokio::test]
async fn the_allowed_origin_flag_admits_its_origin() {
    let cli = Cli::try_parse_from([
        "taskgate",
        "serve",
        "--upstream",
        "http://127.0.0.1:9/mcp",
        "--issuer",
        "https://issuer.test",
        "--allowed-origin",
        "https://app.example",
        "--allowed-origin",
        "https://other.example:8443",
    ])
    .unwrap();
    let Command::Serve(args) = cli.command else {
        panic!("not serve");
    };
    let flagged = args.to_raw().listen.allowed_origins;
    let up = Upstream::echo().await;
    let gw = TestGateway::start_with(&up.url(), |raw| raw.listen.allowed_origins = flagged).await;
    let token = gw.token("alice", "acme");
    for origin in ["https://app.example", "https://other.example:8443"] {
        let answer = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
            .header("origin", origin)
            .send()
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{origin}");
        assert_cors_for(&answer, origin);
    }
    let unlisted = Call::post_json(&gw.url(), Some(&token), &rpc(2, "ping", json!({})))
        .header("origin", "https://app.example:8443")
        .send()
        .await;
    assert_eq!(unlisted.status, StatusCode::FORBIDDEN);
    assert_eq!(up.count(), 2);
}

#[tokio::test]
async fn the_metadata_document_is_readable_from_any_origin() {
    let up = Upstream::echo().await;
    let gw = TestGateway::start(&up.url()).await;
    let url = format!("{}/.well-known/oauth-protected-resource/mcp", gw.base());
    let doc = Call::new(Method::GET, &url, None)
        .header("origin", "https://anywhere.example")
        .send()
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.header("access-control-allow-origin"), Some("*"));
    let preflight = Call::new(Method::OPTIONS, &url, None)
        .header("origin", "https://anywhere.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "mcp-protocol-version")
        .send()
        .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("mcp-protocol-version")
    );
    assert_eq!(up.count(), 0);
}

#[test]
fn origins_browsers_never_send_are_configuration_errors() {
    let mut raw = taskgate::config::raw::RawConfig::default();
    raw.listen.address = "127.0.0.1:0".into();
    raw.listen.allowed_origins = vec!["*".into(), "https://app.example/".into()];
    raw.auth.issuer = "https://issuer.test".into();
    raw.auth.jwks_file = Some("/dev/null".into());
    raw.routes = vec![taskgate::config::raw::RawRoute {
        path: "/mcp".into(),
        upstream: "http://127.0.0.1:9/mcp".into(),
        allowed_origins: vec!["https://App.example".into(), "https://ok.example".into()],
        ..Default::default()
    }];
    let errors = taskgate::config::from_raw(raw, &|_: &str| None)
        .unwrap_err()
        .to_string();
    for expected in [
        "listen.allowed_origins: \"*\" is not supported",
        "listen.allowed_origins: \"https://app.example/\" must be scheme://host[:port]",
        "route[0].allowed_origins: \"https://App.example\" must be lowercase",
    ] {
        assert!(errors.contains(expected), "{expected} in\n{errors}");
    }
    assert!(!errors.contains("ok.example"), "{errors}");
}
