//! The one place that sees every request's outcome: each request is
//! finished exactly once, with what it came to — refusals, answers the
//! gateway makes, relayed answers (GET and DELETE included), failures —
//! and a streamed answer only when its body ended for the client.

use std::time::Duration;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use taskgate::body::BodyEnd;
use taskgate::gateway::outcome::Disposition;
use taskgate::mcp::{Era, MethodKind};

use crate::support::client::{Call, rpc};
use crate::support::gateway::TestGateway;
use crate::support::outcomes::Recorder;
use crate::support::upstream::Upstream;

#[tokio::test]
async fn every_request_is_finished_once_with_what_it_came_to() {
    let up = Upstream::echo().await;
    let (recorder, observers) = Recorder::attach();
    let gw = TestGateway::start_observed(&up.url(), |_| {}, observers).await;
    let token = gw.token("alice", "acme");

    let call = rpc(1, "tools/call", json!({"name": "echo"}));
    let relayed = Call::post_json(&gw.url(), Some(&token), &call).send().await;
    assert_eq!(relayed.status, StatusCode::OK);
    let refused = Call::post_json(&gw.url(), None, &call).send().await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let metadata = format!("{}/.well-known/oauth-protected-resource/mcp", gw.base());
    let answered = Call::new(Method::GET, &metadata, None).send().await;
    assert_eq!(answered.status, StatusCode::OK);
    let nowhere = format!("{}/elsewhere", gw.base());
    let no_route = Call::post_json(&nowhere, Some(&token), &call).send().await;
    assert_eq!(no_route.status, StatusCode::NOT_FOUND);
    let deleted = Call::new(Method::DELETE, &gw.url(), Some(&token))
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::OK);

    let all = recorder.wait_for(5).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(recorder.all().len(), 5, "each request finished once");
    assert_eq!(
        up.count(),
        2,
        "only the relayed POST and the DELETE went upstream"
    );
    let mut ids: Vec<_> = all.iter().map(|o| o.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5, "request ids are unique");

    let post = &all[0];
    assert_eq!(post.disposition, Disposition::Relayed);
    assert_eq!(post.status, StatusCode::OK);
    assert_eq!(post.method, Some(MethodKind::ToolsCall));
    assert_eq!(post.era, Some(Era::Legacy));
    assert_eq!(post.route.as_deref(), Some("/mcp"));
    assert_eq!(post.body, BodyEnd::Complete);
    assert_eq!(all[1].disposition, Disposition::Refused("unauthenticated"));
    assert_eq!(all[1].status, StatusCode::UNAUTHORIZED);
    assert_eq!(all[1].route.as_deref(), Some("/mcp"));
    assert_eq!(all[2].disposition, Disposition::Answered);
    assert_eq!(all[3].disposition, Disposition::Refused("no_route"));
    assert_eq!(all[3].route, None);
    let delete = &all[4];
    assert_eq!(delete.disposition, Disposition::Relayed);
    assert_eq!(delete.method, None);
    assert_eq!(delete.era, Some(Era::Legacy));
}

/// A recorded gateway in front of an SSE upstream, one streaming
/// `tools/call` open: its body, and the sender feeding the upstream stream.
async fn streaming_call() -> (
    Upstream,
    tokio::sync::mpsc::Sender<String>,
    TestGateway,
    std::sync::Arc<Recorder>,
    hyper::body::Incoming,
) {
    let (up, tx) = Upstream::sse_once().await;
    let (recorder, observers) = Recorder::attach();
    let gw = TestGateway::start_observed(&up.url(), |_| {}, observers).await;
    let token = gw.token("alice", "acme");
    let call = rpc(1, "tools/call", json!({"name": "slow"}));
    let resp = Call::post_json(&gw.url(), Some(&token), &call)
        .send_streaming()
        .await;
    (up, tx, gw, recorder, resp.into_body())
}

#[tokio::test]
async fn a_stream_is_finished_when_its_body_ends_for_the_client() {
    let (_up, tx, _gw, recorder, mut body) = streaming_call().await;
    // Flagged by the pre-check (an id-bearing key) but not JSON: withheld.
    tx.send("data: {\"taskId\": oops}\n\n".into())
        .await
        .unwrap();
    tx.send("data: {\"n\":1}\n\n".into()).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(first.data_ref().unwrap()).contains("{\"n\":1}"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        recorder.all().is_empty(),
        "not finished while the stream is open"
    );
    drop(tx);
    while let Some(frame) = body.frame().await {
        frame.unwrap();
    }
    let all = recorder.wait_for(1).await;
    assert_eq!(all[0].disposition, Disposition::Relayed);
    assert_eq!(all[0].body, BodyEnd::Complete);
    assert_eq!(all[0].withheld, 1);
}

#[tokio::test]
async fn a_stream_the_client_leaves_is_finished_as_abandoned() {
    let (up, tx, _gw, recorder, mut body) = streaming_call().await;
    tx.send("data: {\"n\":1}\n\n".into()).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap();
    drop(body);
    up.await_streams_closed(&tx).await;
    let all = recorder.wait_for(1).await;
    assert_eq!(all[0].disposition, Disposition::Relayed);
    assert_eq!(all[0].body, BodyEnd::Abandoned);
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_failure_not_a_refusal() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mcp", closed.local_addr().unwrap());
    drop(closed);
    let (recorder, observers) = Recorder::attach();
    let gw = TestGateway::start_observed(&url, |_| {}, observers).await;
    let token = gw.token("alice", "acme");
    let answer = Call::post_json(&gw.url(), Some(&token), &rpc(1, "ping", json!({})))
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    let all = recorder.wait_for(1).await;
    assert_eq!(
        all[0].disposition,
        Disposition::Failed("upstream_unavailable")
    );
    assert_eq!(all[0].status, StatusCode::BAD_GATEWAY);
    assert_eq!(all[0].method, Some(MethodKind::Spec("ping")));
}
