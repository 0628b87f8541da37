//! Attacks at the edges of authentication (issue 12, defects 2, 3 and 5):
//! a token in the query string, repeated credentials and MCP headers, header
//! names that become governed ones when `_` is read as `-`, and tokens that
//! lack a claim the binding uses.
//!
//! Every refused request is checked on POST, GET and DELETE; the upstream
//! must have received nothing of it (not the request, not the client's
//! token in any form), and the gateway must keep serving afterwards.
//! Defect 5's tests are in `claims`.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::client::{Answer, Call, rpc};
use crate::support::gateway::{TestGateway, UPSTREAM_CREDENTIAL};
use crate::support::upstream::{Reply, Upstream, json_with_session};

mod claims;

const UPSTREAM_SESSION: &str = "0f9c2d1e-upstream-session";
const METHODS: [Method; 3] = [Method::POST, Method::GET, Method::DELETE];

/// An upstream that opens a legacy session on `initialize` and answers
/// everything else with an empty result.
async fn upstream() -> Upstream {
    Upstream::spawn(|seen| {
        if seen.rpc_method().as_deref() == Some("initialize") {
            return json_with_session(UPSTREAM_SESSION);
        }
        let id = seen.json().get("id").cloned().unwrap_or(Value::Null);
        Reply::Json(
            StatusCode::OK,
            json!({"jsonrpc": "2.0", "id": id, "result": {}}),
        )
    })
    .await
}

/// A request with `method` on `url`: a `ping` POST, or a stream GET/DELETE.
fn request(url: &str, method: &Method, token: Option<&str>) -> Call {
    if *method == Method::POST {
        Call::post_json(url, token, &rpc(7, "ping", json!({})))
    } else {
        Call::new(method.clone(), url, token).header("accept", "text/event-stream")
    }
}

/// Asserts no request the upstream received carries `token` anywhere.
fn assert_token_never_reached(up: &Upstream, token: &str, what: &str) {
    for seen in up.seen() {
        assert!(
            !seen.path_and_query.contains(token),
            "{what}: token in the upstream URL"
        );
        for (name, value) in &seen.headers {
            assert!(
                !String::from_utf8_lossy(value.as_bytes()).contains(token),
                "{what}: token in upstream header {name}"
            );
        }
        assert!(
            !String::from_utf8_lossy(&seen.body).contains(token),
            "{what}: token in the upstream body"
        );
    }
}

/// Asserts the gateway still serves `token` normally: the request arrives
/// upstream with the route's credential, not the client's.
async fn assert_healthy(gw: &TestGateway, up: &Upstream, token: &str) {
    let before = up.count();
    let ok = request(&gw.url(), &Method::POST, Some(token)).send().await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(up.count(), before + 1);
    let seen = up.seen().pop().unwrap();
    assert_eq!(seen.headers["authorization"], UPSTREAM_CREDENTIAL);
}

fn challenge(a: &Answer) -> &str {
    a.header("www-authenticate").unwrap_or("")
}

/// Asserts `a` is a `400` JSON-RPC error with `code` (and, for credential
/// problems, an RFC 6750 `invalid_request` challenge).
fn assert_refused(a: &Answer, code: i64, invalid_request: bool, what: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {:?}", a.body);
    assert_eq!(a.error_code(), Some(code), "{what}: {:?}", a.body);
    if invalid_request {
        let c = challenge(a);
        assert!(
            c.starts_with("Bearer ") && c.contains("error=\"invalid_request\""),
            "{what}: {c}"
        );
    }
}

// --- defect 2: the token in the query string --------------------------------

#[tokio::test]
async fn a_token_in_the_query_is_refused_before_anything_is_forwarded() {
    let up = upstream().await;
    let gw = TestGateway::start(&up.url()).await;
    let alice = gw.token("alice", "acme");
    let bob = gw.token("bob", "globex");
    let queries = [
        ("plain", format!("access_token={alice}")),
        ("upper-case name", format!("ACCESS_TOKEN={alice}")),
        ("mixed-case name", format!("Access_Token={alice}")),
        (
            "after another parameter",
            format!("region=eu&access_token={alice}"),
        ),
        (
            "before another parameter",
            format!("access_token={alice}&region=eu"),
        ),
        (
            "semicolon separator",
            format!("region=eu;access_token={alice}"),
        ),
        ("escaped underscore", format!("access%5Ftoken={alice}")),
        ("lower-case escape", format!("access%5ftoken={alice}")),
        ("escaped letter", format!("%61ccess_token={alice}")),
        (
            "escaped upper-case letter",
            format!("%41CCESS_TOKEN={alice}"),
        ),
        ("double-escaped", format!("access%255Ftoken={alice}")),
        ("empty value", "access_token=".to_string()),
        ("name alone", "access_token".to_string()),
        ("someone else's token", format!("access_token={bob}")),
    ];
    for method in &METHODS {
        for (what, query) in &queries {
            let url = format!("{}?{query}", gw.url());
            for header in [true, false] {
                let what = format!("{method} {what}, Authorization header: {header}");
                let token = header.then_some(alice.as_str());
                let a = request(&url, method, token).send().await;
                assert_refused(&a, -32600, true, &what);
                assert!(!challenge(&a).contains(&alice), "{what}");
                assert!(!String::from_utf8_lossy(&a.body).contains(&alice), "{what}");
            }
        }
    }
    assert_eq!(up.count(), 0, "no refused request reached the upstream");
    // Other parameters are still forwarded, and still never a token.
    let query = "region=eu&access_tokens=1&my_access_token=2&token_type=x";
    let a = request(
        &format!("{}?{query}", gw.url()),
        &Method::POST,
        Some(&alice),
    )
    .send()
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(up.seen()[0].path_and_query, format!("/mcp?{query}"));
    assert_healthy(&gw, &up, &alice).await;
    assert_token_never_reached(&up, &alice, "query");
    assert_token_never_reached(&up, &bob, "query");
}

// --- defect 3: ambiguous credentials and session ids -------------------------

/// What a repeated header is refused with: the JSON-RPC code, and whether
/// the answer carries an RFC 6750 `invalid_request` challenge.
struct Repeat {
    what: &'static str,
    name: &'static str,
    first: String,
    second: String,
    code: i64,
    invalid_request: bool,
}

#[tokio::test]
async fn repeated_credentials_session_ids_and_mcp_headers_are_refused() {
    let up = upstream().await;
    let gw = TestGateway::start(&up.url()).await;
    let alice = gw.token("alice", "acme");
    let bob = gw.token("bob", "globex");
    let handle = gw.initialize(&alice).await;
    let bob_handle = gw.initialize(&bob).await;
    let before = up.count();
    let bearer = |t: &str| format!("Bearer {t}");
    let repeat = |what, name, first: &str, second: &str, code, invalid_request| Repeat {
        what,
        name,
        first: first.to_string(),
        second: second.to_string(),
        code,
        invalid_request,
    };
    let cases = [
        repeat(
            "Authorization, same token",
            "authorization",
            &bearer(&alice),
            &bearer(&alice),
            -32600,
            true,
        ),
        repeat(
            "Authorization, another identity second",
            "authorization",
            &bearer(&alice),
            &bearer(&bob),
            -32600,
            true,
        ),
        repeat(
            "Authorization, garbage first",
            "authorization",
            "Bearer x",
            &bearer(&alice),
            -32600,
            true,
        ),
        repeat(
            "Authorization, other scheme first",
            "authorization",
            "Basic YTpi",
            &bearer(&alice),
            -32600,
            true,
        ),
        repeat(
            "Mcp-Session-Id, same handle",
            "mcp-session-id",
            &handle,
            &handle,
            -32600,
            false,
        ),
        repeat(
            "Mcp-Session-Id, another identity's second",
            "mcp-session-id",
            &handle,
            &bob_handle,
            -32600,
            false,
        ),
        repeat(
            "Mcp-Session-Id, raw upstream id second",
            "mcp-session-id",
            &handle,
            UPSTREAM_SESSION,
            -32600,
            false,
        ),
        repeat(
            "MCP-Protocol-Version, disagreeing",
            "mcp-protocol-version",
            "2025-06-18",
            "2026-07-28",
            -32020,
            false,
        ),
        repeat(
            "MCP-Protocol-Version, equal",
            "mcp-protocol-version",
            "2025-11-25",
            "2025-11-25",
            -32020,
            false,
        ),
        repeat(
            "Mcp-Method",
            "mcp-method",
            "ping",
            "tasks/get",
            -32020,
            false,
        ),
        repeat("Mcp-Name", "mcp-name", "echo", "other", -32020, false),
    ];
    for method in &METHODS {
        for case in &cases {
            let what = format!("{method} {}", case.what);
            let mut call = request(&gw.url(), method, None)
                .append(case.name, &case.first)
                .append(case.name, &case.second);
            if case.name != "authorization" {
                call = call.header("authorization", &bearer(&alice));
            }
            if case.name != "mcp-session-id" {
                call = call.header("mcp-session-id", &handle);
            }
            let a = call.send().await;
            assert_refused(&a, case.code, case.invalid_request, &what);
        }
    }
    assert_eq!(
        up.count(),
        before,
        "no repeated header reached the upstream"
    );
    assert_healthy(&gw, &up, &alice).await;
    assert_token_never_reached(&up, &alice, "repeats");
    assert_token_never_reached(&up, &bob, "repeats");
}

#[tokio::test]
async fn header_names_that_fold_to_governed_ones_are_refused() {
    let up = upstream().await;
    let gw = TestGateway::start(&up.url()).await;
    let alice = gw.token("alice", "acme");
    let handle = gw.initialize(&alice).await;
    let before = up.count();
    let cases = [
        ("Mcp_Session_Id", UPSTREAM_SESSION.to_string()),
        ("mcp-session_id", UPSTREAM_SESSION.to_string()),
        ("MCP_PROTOCOL_VERSION", "2026-07-28".to_string()),
        ("Mcp_Method", "tasks/get".to_string()),
        ("Mcp_Name", "upstream-task-1".to_string()),
        ("Mcp_Param_Region", "eu".to_string()),
        ("Last_Event_ID", "upstream-stream-1".to_string()),
        ("Proxy_Authorization", format!("Bearer {alice}")),
        ("Transfer_Encoding", "chunked".to_string()),
        ("Content_Length", "0".to_string()),
        ("Content_Type", "text/plain".to_string()),
        ("Keep_Alive", "timeout=5".to_string()),
        ("Proxy_Connection", "close".to_string()),
    ];
    for method in &METHODS {
        for (name, value) in &cases {
            let what = format!("{method} {name}");
            let with_session = request(&gw.url(), method, Some(&alice))
                .header("mcp-session-id", &handle)
                .header(name, value)
                .send()
                .await;
            assert_refused(&with_session, -32600, false, &what);
            let alone = request(&gw.url(), method, Some(&alice))
                .header(name, value)
                .send()
                .await;
            assert_refused(&alone, -32600, false, &format!("{what} alone"));
        }
    }
    assert_eq!(up.count(), before, "no folded header reached the upstream");
    // An underscore in a header nobody governs is the client's business.
    let a = request(&gw.url(), &Method::POST, Some(&alice))
        .header("X_Trace_Id", "t-1")
        .send()
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(up.seen().pop().unwrap().headers["x_trace_id"], "t-1");
    assert_healthy(&gw, &up, &alice).await;
    assert_token_never_reached(&up, &alice, "folded names");
}

#[tokio::test]
async fn a_name_that_folds_to_the_routes_credential_header_is_refused() {
    // (the route's credential header, what a client sends beside it)
    let cases = [("x-api-key", "X_Api_Key"), ("x_api_key", "X-Api-Key")];
    for (credential, sent) in cases {
        let up = upstream().await;
        let gw = TestGateway::start_with(&up.url(), |raw| {
            if let Some(c) = raw.routes[0].credential.as_mut() {
                c.header = Some(credential.into());
            }
        })
        .await;
        let alice = gw.token("alice", "acme");
        for method in &METHODS {
            let a = request(&gw.url(), method, Some(&alice))
                .header(sent, "the-client's-own-key")
                .send()
                .await;
            assert_refused(
                &a,
                -32600,
                false,
                &format!("{method} {sent} beside {credential}"),
            );
        }
        assert_eq!(up.count(), 0, "{credential}");
        let ok = request(&gw.url(), &Method::POST, Some(&alice)).send().await;
        assert_eq!(ok.status, StatusCode::OK);
        let seen = up.seen().pop().unwrap();
        assert_eq!(seen.headers[credential], UPSTREAM_CREDENTIAL);
        assert_eq!(seen.headers.len(), seen.headers.keys_len(), "{credential}");
    }
}
