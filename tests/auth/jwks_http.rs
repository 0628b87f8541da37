//! JWKS over HTTP: rotation, refetch rate limit, failed refresh.

use super::issuer::{ED_KID, JwksServer};
use super::*;

async fn remote(
    server: &JwksServer,
    refresh: Duration,
    min_refetch: Duration,
) -> Arc<Authenticator> {
    let url = server.url();
    let mut c = config(JwksSource::Url {
        url,
        refresh_interval: refresh,
        min_refetch_interval: min_refetch,
    });
    c.cache_capacity = 0;
    Arc::new(Authenticator::new(c, http()).await.unwrap())
}

/// Authenticates every token concurrently and returns the outcomes.
async fn all(
    auth: &Arc<Authenticator>,
    tokens: Vec<String>,
) -> Vec<Result<Arc<taskgate::auth::Principal>, Rejection>> {
    let mut tasks = tokio::task::JoinSet::new();
    for tok in tokens {
        let auth = auth.clone();
        tasks.spawn(async move { auth.authenticate(&tok).await });
    }
    tasks.join_all().await
}

#[tokio::test]
async fn rotated_key_is_picked_up_by_unknown_kid_refetch() {
    let iss = TestIssuer::new();
    let server = JwksServer::start(iss.jwks_json()).await;
    let auth = remote(&server, Duration::from_secs(3600), Duration::ZERO).await;
    assert_eq!(server.hits(), 1);
    let c = iss.claims("alice", now());
    let rotated = iss.sign(TestKey::RsaOther, RS256, Some("rsa-2"), &c);
    assert_eq!(reject(&auth, &rotated).await, Rejection::UnknownKey);
    server.set_body(iss.jwks_of(&[(TestKey::RsaOther, "rsa-2"), (TestKey::Ed, ED_KID)]));
    assert!(auth.authenticate(&rotated).await.is_ok());
    assert_eq!(server.hits(), 3);
    // The old RSA key was rotated out.
    assert_eq!(
        reject(&auth, &iss.token(RS256, c)).await,
        Rejection::UnknownKey
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknown_kid_spray_refetches_at_most_once_per_interval() {
    let iss = TestIssuer::new();
    let server = JwksServer::start(iss.jwks_json()).await;
    let auth = remote(
        &server,
        Duration::from_secs(3600),
        Duration::from_millis(1000),
    )
    .await;
    let c = iss.claims("mallory", now());
    for round in 1..=2 {
        // Sign first (slow in debug builds) so the spray itself is quick.
        let kid = |i| format!("spray-{round}-{i}");
        let tokens = (0..50)
            .map(|i| iss.sign(TestKey::Ed, EdDSA, Some(&kid(i)), &c))
            .collect();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        for res in all(&auth, tokens).await {
            assert_eq!(res.unwrap_err(), Rejection::UnknownKey);
        }
        assert_eq!(server.hits(), 1 + round, "one refetch per interval");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stale_set_is_refreshed_once_and_failures_keep_old_keys() {
    let iss = TestIssuer::new();
    let server = JwksServer::start(iss.jwks_json()).await;
    let auth = remote(&server, Duration::from_millis(500), Duration::ZERO).await;
    server.set_delay(Duration::from_millis(100));
    let tokens = (0..20)
        .map(|i| iss.token(EdDSA, iss.claims(&format!("u{i}"), now())))
        .collect();
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(all(&auth, tokens).await.iter().all(Result::is_ok));
    assert_eq!(server.hits(), 2, "concurrent requests share one refresh");

    // IdP outage: the refresh fails, the old keys keep working.
    server.set_status(500);
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(
        auth.authenticate(&iss.token(ES256, iss.claims("b", now())))
            .await
            .is_ok()
    );
    assert_eq!(server.hits(), 3);
    // A key we never saw while the IdP is down: the gateway cannot tell.
    let unseen = iss.sign(
        TestKey::RsaOther,
        RS256,
        Some("rsa-2"),
        &iss.claims("c", now()),
    );
    let rejection = reject(&auth, &unseen).await;
    assert_eq!(rejection, Rejection::KeysUnavailable);
    assert!(rejection.is_key_infrastructure());
}
