//! Defect 5: a token without a claim the binding uses (tenant, client) is
//! `401 invalid_token` naming the claim, unless the route marks the claim
//! optional or the mapping does not read it.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{METHODS, assert_healthy, assert_token_never_reached, challenge, request, upstream};
use crate::support::gateway::TestGateway;

/// `alice`'s standard claims with `edit` applied.
fn claims_with(gw: &TestGateway, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut claims = gw.claims("alice", "acme");
    if let Some(map) = claims.as_object_mut() {
        edit(map);
    }
    claims
}

fn sign(gw: &TestGateway, claims: Value) -> String {
    gw.issuer.token(jsonwebtoken::Algorithm::EdDSA, claims)
}

#[tokio::test]
async fn a_token_without_a_bound_claim_is_401_naming_the_claim() {
    let up = upstream().await;
    let gw = TestGateway::start(&up.url()).await;
    type Edit = fn(&mut serde_json::Map<String, Value>);
    let cases: [(&str, Edit, &str); 7] = [
        ("no tenant", |c| drop(c.remove("tid")), "tenant"),
        (
            "null tenant",
            |c| drop(c.insert("tid".into(), Value::Null)),
            "tenant",
        ),
        (
            "empty tenant",
            |c| drop(c.insert("tid".into(), json!(""))),
            "tenant",
        ),
        ("no client", |c| drop(c.remove("azp")), "client"),
        (
            "empty client",
            |c| drop(c.insert("azp".into(), json!(""))),
            "client",
        ),
        (
            "null client, no fallback",
            |c| drop(c.insert("azp".into(), Value::Null)),
            "client",
        ),
        (
            "neither",
            |c| {
                c.remove("tid");
                c.remove("azp");
            },
            "tenant",
        ),
    ];
    for (what, edit, claim) in cases {
        let token = sign(&gw, claims_with(&gw, edit));
        for method in &METHODS {
            let what = format!("{method} {what}");
            let a = request(&gw.url(), method, Some(&token)).send().await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{what}: {:?}", a.body);
            let c = challenge(&a);
            assert!(c.contains("error=\"invalid_token\""), "{what}: {c}");
            assert!(
                c.contains(&format!(
                    "error_description=\"The access token has no {claim} claim"
                )),
                "{what}: {c}"
            );
            assert!(c.contains("resource_metadata="), "{what}: {c}");
            assert!(!c.contains(&token), "{what}");
        }
        assert_token_never_reached(&up, &token, what);
    }
    assert_eq!(
        up.count(),
        0,
        "no token without its claims reached the upstream"
    );
    // The client may come from the fallback claim.
    let via_client_id = sign(
        &gw,
        claims_with(&gw, |c| {
            c.remove("azp");
            c.insert("client_id".into(), json!("test-client"));
        }),
    );
    assert_healthy(&gw, &up, &via_client_id).await;
    assert_healthy(&gw, &up, &gw.token("alice", "acme")).await;
}

#[tokio::test]
async fn a_route_can_mark_a_claim_optional() {
    let up = upstream().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.routes[0].optional_claims = vec!["tenant".into()];
        let mut both = taskgate::config::raw::RawRoute {
            path: "/single".into(),
            upstream: up.url(),
            optional_claims: vec!["tenant".into(), "client".into()],
            ..Default::default()
        };
        both.credential = None;
        raw.routes.push(both);
    })
    .await;
    let no_tenant = sign(&gw, claims_with(&gw, |c| drop(c.remove("tid"))));
    let no_client = sign(&gw, claims_with(&gw, |c| drop(c.remove("azp"))));
    let single = format!("{}/single", gw.base());
    for method in &METHODS {
        let a = request(&gw.url(), method, Some(&no_tenant)).send().await;
        assert_eq!(a.status, StatusCode::OK, "{method} optional tenant");
        let a = request(&gw.url(), method, Some(&no_client)).send().await;
        assert_eq!(
            a.status,
            StatusCode::UNAUTHORIZED,
            "{method} client still required"
        );
        assert!(
            challenge(&a).contains("no client claim"),
            "{}",
            challenge(&a)
        );
        for token in [&no_tenant, &no_client] {
            let a = request(&single, method, Some(token)).send().await;
            assert_eq!(a.status, StatusCode::OK, "{method} both optional");
        }
    }
    assert_eq!(up.count(), 9);
    assert_token_never_reached(&up, &no_tenant, "optional");
}

#[tokio::test]
async fn a_claim_the_mapping_does_not_use_is_not_required() {
    let up = upstream().await;
    let gw = TestGateway::start_with(&up.url(), |raw| {
        raw.auth.claims.tenant = Some(String::new());
    })
    .await;
    let no_tenant = sign(&gw, claims_with(&gw, |c| drop(c.remove("tid"))));
    assert_healthy(&gw, &up, &no_tenant).await;
    let no_client = sign(&gw, claims_with(&gw, |c| drop(c.remove("azp"))));
    let a = request(&gw.url(), &Method::POST, Some(&no_client))
        .send()
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[test]
fn unknown_optional_claims_are_configuration_errors() {
    let raw = taskgate::config::raw::RawConfig {
        auth: taskgate::config::raw::RawAuth {
            issuer: "https://issuer.test".into(),
            jwks_file: Some("jwks.json".into()),
            ..Default::default()
        },
        routes: vec![taskgate::config::raw::RawRoute {
            path: "/mcp".into(),
            upstream: "http://127.0.0.1:1/mcp".into(),
            optional_claims: vec!["tenant".into(), "subject".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let errors = taskgate::config::from_raw(raw, &|_| None).unwrap_err();
    assert!(
        errors.to_string().contains("route[0].optional_claims"),
        "{errors}"
    );
}
