//! [`Sessions`] without a gateway around it: what a store failure does,
//! what stateless traffic costs, and the handle a session keeps.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};

use super::*;
use crate::handle::KeyRing;
use crate::store::FailingStore;
use crate::store::memory::MemoryStore;

const ROUTE: &str = "mcp";
const START: Duration = Duration::from_secs(1_700_000_000);

fn alice() -> Principal {
    Principal::for_tests("https://issuer.test", "alice", Some("acme"), Some("app"))
}

fn sessions(codec: &Arc<HandleCodec>, store: Arc<dyn Store>) -> Sessions {
    let policy = SessionPolicy {
        max_lifetime: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(10),
    };
    Sessions::new(codec.clone(), store, policy, Clock::starting_at(START))
}

fn working(codec: &Arc<HandleCodec>) -> Sessions {
    let retention = crate::store::RetentionPolicy {
        result_retention_secs: 1,
        max_task_lifetime_secs: 1,
        max_session_lifetime_secs: 61,
        max_request_state_lifetime_secs: 0,
    };
    sessions(codec, Arc::new(MemoryStore::new(retention)))
}

fn with_session(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::SESSION_ID, HeaderValue::from_str(value).unwrap());
    h
}

/// The handle a client gets for upstream session `upstream`.
async fn opened(s: &Sessions, upstream: &str) -> String {
    let mut response = with_session(upstream);
    let to_open = s.to_client(ROUTE, None, &mut response).unwrap();
    s.open(ROUTE, &alice(), to_open, &mut response)
        .await
        .unwrap();
    response[header::SESSION_ID].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn stateless_traffic_never_asks_the_store() {
    let codec = Arc::new(HandleCodec::new(KeyRing::ephemeral()));
    // Every store call would fail: none is made.
    let s = sessions(&codec, Arc::new(FailingStore::new()));
    let mut request = HeaderMap::new();
    let bound = s.to_upstream(ROUTE, &alice(), &mut request).await;
    assert!(bound.unwrap().is_none());
    let mut response = HeaderMap::new();
    assert_eq!(s.to_client(ROUTE, None, &mut response), None);
    assert!(response.is_empty());
}

#[tokio::test]
async fn a_store_failure_refuses_the_session_and_opens_none() {
    let codec = Arc::new(HandleCodec::new(KeyRing::ephemeral()));
    let handle = opened(&working(&codec), "upstream-1").await;
    let down = sessions(&codec, Arc::new(FailingStore::new()));
    let mut request = with_session(&handle);
    let refused = down.to_upstream(ROUTE, &alice(), &mut request).await;
    assert!(matches!(
        refused.unwrap_err(),
        GatewayError::SessionStateUnavailable
    ));
    assert_eq!(
        request[header::SESSION_ID],
        handle.as_str(),
        "not forwarded"
    );
    let mut response = with_session("upstream-2");
    let failed = down
        .open(ROUTE, &alice(), "upstream-2".into(), &mut response)
        .await;
    assert!(matches!(
        failed.unwrap_err(),
        GatewayError::SessionStateUnavailable
    ));
    let answer = GatewayError::SessionStateUnavailable.into_response(None);
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_live_session_keeps_the_handle_the_client_presented() {
    let codec = Arc::new(HandleCodec::new(KeyRing::ephemeral()));
    let s = working(&codec);
    let handle = opened(&s, "upstream-1").await;
    assert_eq!(
        opened(&s, "upstream-1").await,
        handle,
        "re-opened while live"
    );
    let mut request = with_session(&handle);
    let presented = s.to_upstream(ROUTE, &alice(), &mut request).await;
    let presented = presented.unwrap().unwrap();
    assert_eq!(request[header::SESSION_ID], "upstream-1");
    let mut response = with_session("upstream-1");
    assert_eq!(s.to_client(ROUTE, Some(&presented), &mut response), None);
    assert_eq!(response[header::SESSION_ID], handle.as_str());
    // Another upstream session in the answer is a new session.
    let mut response = with_session("upstream-2");
    let to_open = s.to_client(ROUTE, Some(&presented), &mut response);
    assert_eq!(to_open.as_deref(), Some("upstream-2"));
}

#[tokio::test]
async fn an_unreadable_upstream_session_id_is_dropped() {
    let codec = Arc::new(HandleCodec::new(KeyRing::ephemeral()));
    let s = working(&codec);
    let mut response = HeaderMap::new();
    response.insert(
        header::SESSION_ID,
        HeaderValue::from_bytes(b"upstream-\xff").unwrap(),
    );
    assert_eq!(s.to_client(ROUTE, None, &mut response), None);
    assert!(response.get(header::SESSION_ID).is_none());
}

#[test]
fn revocations_outlive_the_longest_session() {
    let policy = SessionPolicy {
        max_lifetime: Duration::from_millis(1_500),
        idle_timeout: Duration::from_secs(1),
    };
    assert_eq!(Sessions::retention_secs(&policy), 3);
}
