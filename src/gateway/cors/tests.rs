//! Preflight answers and the headers added for an allowed origin.

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, VARY,
};
use http::{HeaderMap, HeaderValue, Request, StatusCode, request};

use super::{expose, preflight};

fn head(method: &str, headers: &[(&str, &str)]) -> request::Parts {
    let mut builder = Request::builder().method(method).uri("/mcp");
    for (n, v) in headers {
        builder = builder.header(*n, *v);
    }
    builder.body(()).unwrap().into_parts().0
}

#[test]
fn a_preflight_lists_the_methods_and_the_requested_mcp_headers_only() {
    let answer = preflight(&head(
        "OPTIONS",
        &[
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization,content-type,mcp-param-region,mcp-protocol-version,x-secret,mcp-param-",
            ),
        ],
    ))
    .unwrap();
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    let h = answer.headers();
    assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], "POST, GET, DELETE");
    assert_eq!(
        h[ACCESS_CONTROL_ALLOW_HEADERS],
        "authorization, content-type, mcp-param-region, mcp-protocol-version"
    );
    // The origin's own headers come with every answer (`expose`).
    assert!(h.get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[test]
fn every_header_an_mcp_client_sends_may_be_requested() {
    let all = "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, \
               Mcp-Method, Mcp-Name, Last-Event-ID, Mcp-Param-Key";
    let answer = preflight(&head(
        "OPTIONS",
        &[
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", all),
        ],
    ))
    .unwrap();
    assert_eq!(answer.headers()[ACCESS_CONTROL_ALLOW_HEADERS], all);
    let none = preflight(&head(
        "OPTIONS",
        &[
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "x-other"),
        ],
    ))
    .unwrap();
    assert!(none.headers().get(ACCESS_CONTROL_ALLOW_HEADERS).is_none());
}

#[test]
fn only_options_with_a_requested_method_is_a_preflight() {
    assert!(preflight(&head("OPTIONS", &[])).is_none());
    assert!(preflight(&head("POST", &[("access-control-request-method", "POST")])).is_none());
}

#[test]
fn an_allowed_origin_gets_its_own_origin_back_and_the_exposed_headers() {
    let mut h = HeaderMap::new();
    h.insert(VARY, HeaderValue::from_static("Accept"));
    h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(
        "access-control-allow-credentials",
        HeaderValue::from_static("true"),
    );
    expose(&mut h, &HeaderValue::from_static("http://localhost:6274"));
    assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "http://localhost:6274");
    assert_eq!(
        h.get_all(VARY).iter().collect::<Vec<_>>(),
        ["Accept", "Origin"]
    );
    assert_eq!(
        h[ACCESS_CONTROL_EXPOSE_HEADERS],
        "Mcp-Session-Id, WWW-Authenticate, MCP-Protocol-Version"
    );
    assert!(h.get("access-control-allow-credentials").is_none());
}
