//! Bearer token verification cost.
//!
//! - `auth_verify/cached_hit`: a token verified before (SHA-256 + cache
//!   lookup + window check). Target: ≤ 5 µs.
//! - `auth_verify/uncached_{rs256,es256,eddsa}`: full verification (header,
//!   key selection, signature, claims) with the cache disabled.
//!
//! Needs in `Cargo.toml`:
//! ```toml
//! [[bench]]
//! name = "auth_verify"
//! harness = false
//! ```

// A bench that cannot set up should stop at once, with the reason.
#![allow(clippy::expect_used)]

#[path = "../tests/support/issuer.rs"]
mod issuer;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use issuer::{AUDIENCE, ISSUER, TestIssuer, now};
use jsonwebtoken::Algorithm;
use serde_json::json;
use taskgate::auth::{AuthConfig, Authenticator, JwksSource};

fn authenticator(
    rt: &tokio::runtime::Runtime,
    jwks: &std::path::Path,
    cache_capacity: usize,
) -> Authenticator {
    let mut config = AuthConfig::new(
        ISSUER,
        vec![AUDIENCE.to_owned()],
        JwksSource::File(jwks.to_owned()),
    );
    config.cache_capacity = cache_capacity;
    let http = taskgate::proxy::build_client(None).expect("http client");
    rt.block_on(Authenticator::new(config, http))
        .expect("authenticator")
}

fn auth_verify(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let iss = TestIssuer::new();
    let jwks =
        std::env::temp_dir().join(format!("taskgate-bench-jwks-{}.json", std::process::id()));
    std::fs::write(&jwks, iss.jwks_json()).expect("write jwks");
    let cached = authenticator(&rt, &jwks, 10_000);
    let uncached = authenticator(&rt, &jwks, 0);

    // A realistic access token: tenant, client, a handful of scopes.
    let t = now();
    let claims = json!({
        "iss": ISSUER, "sub": "user-4f1c2b7e", "aud": AUDIENCE, "iat": t, "exp": t + 3600,
        "tid": "tenant-acme", "azp": "mcp-client-1", "jti": "b1946ac92492d2347c6235b4d2611184",
        "scope": "tasks:read tasks:write tools:call resources:read",
    });
    let token = |alg| iss.token(alg, claims.clone());
    let hit = token(Algorithm::EdDSA);
    rt.block_on(cached.authenticate(&hit))
        .expect("warm the cache");

    let mut group = c.benchmark_group("auth_verify");
    group.bench_function("cached_hit", |b| {
        b.to_async(&rt)
            .iter(|| async { cached.authenticate(black_box(&hit)).await.expect("valid") })
    });
    for (id, alg) in [
        ("uncached_rs256", Algorithm::RS256),
        ("uncached_es256", Algorithm::ES256),
        ("uncached_eddsa", Algorithm::EdDSA),
    ] {
        let tok = token(alg);
        group.bench_function(id, |b| {
            b.to_async(&rt)
                .iter(|| async { uncached.authenticate(black_box(&tok)).await.expect("valid") })
        });
    }
    group.finish();
    let _ = std::fs::remove_file(&jwks);
}

criterion_group!(benches, auth_verify);
criterion_main!(benches);
