//! [`RelayBody`] tests: event-by-event streaming, the mapping hook, errors,
//! and client-disconnect propagation, over a channel-backed upstream body.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::{BodyExt, StreamBody};
use tokio::sync::mpsc;

use super::*;

type Chunk = Result<Frame<Bytes>, std::io::Error>;

/// An upstream body fed by a channel: each send is one chunk.
fn channel_body() -> (
    mpsc::Sender<Chunk>,
    impl Body<Data = Bytes, Error = std::io::Error> + Unpin,
) {
    let (tx, mut rx) = mpsc::channel::<Chunk>(8);
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    (tx, StreamBody::new(stream))
}

async fn send(tx: &mpsc::Sender<Chunk>, bytes: &'static [u8]) {
    tx.send(Ok(Frame::data(Bytes::from_static(bytes))))
        .await
        .unwrap();
}

/// The next data frame, failing the test rather than hanging.
async fn next<B: Body<Data = Bytes> + Unpin>(body: &mut B) -> Option<Result<Bytes, B::Error>> {
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("relay stalled");
    frame.map(|f| f.map(|f| f.into_data().unwrap_or_default()))
}

#[tokio::test]
async fn events_are_relayed_before_upstream_ends() {
    let (tx, upstream) = channel_body();
    let mut relay = RelayBody::passthrough(upstream, 1024);

    send(&tx, b"data: one\n\ndata: tw").await;
    assert_eq!(next(&mut relay).await.unwrap().unwrap(), "data: one\n\n");

    send(&tx, b"o\n").await;
    send(&tx, b"\n: ping\n").await;
    assert_eq!(
        next(&mut relay).await.unwrap().unwrap(),
        "data: two\n\n: ping\n"
    );

    drop(tx);
    assert!(next(&mut relay).await.is_none());
    assert!(relay.is_end_stream());
}

#[tokio::test]
async fn hook_rewrites_and_drops_events_and_comments_pass() {
    let (tx, upstream) = channel_body();
    let hook = |mut ev: Event| {
        if ev.event.as_deref() == Some("secret") {
            return None;
        }
        ev.data = ev.data.to_uppercase();
        Some(ev)
    };
    let mut relay = RelayBody::new(upstream, hook, 1024);
    send(
        &tx,
        b"event: secret\ndata: x\n\n:keep\r\nid: 3\r\ndata: a\r\ndata: b\r\n\r\n",
    )
    .await;
    drop(tx);
    assert_eq!(
        next(&mut relay).await.unwrap().unwrap(),
        ":keep\nid: 3\ndata: A\ndata: B\n\n"
    );
    assert!(next(&mut relay).await.is_none());
}

#[tokio::test]
async fn priming_event_reaches_the_client() {
    let (tx, upstream) = channel_body();
    let mut relay = RelayBody::passthrough(upstream, 1024);
    send(&tx, b"id: 0\nretry: 500\n\n").await;
    assert_eq!(
        next(&mut relay).await.unwrap().unwrap(),
        "id: 0\nretry: 500\ndata: \n\n"
    );
}

#[tokio::test]
async fn too_large_event_ends_the_body_with_an_error() {
    let (tx, upstream) = channel_body();
    let mut relay = RelayBody::passthrough(upstream, 16);
    send(&tx, b"data: ok\n\ndata: this line is far too long\n\n").await;
    assert_eq!(next(&mut relay).await.unwrap().unwrap(), "data: ok\n\n");
    let err = next(&mut relay).await.unwrap().unwrap_err();
    assert_eq!(
        err.downcast_ref::<Error>(),
        Some(&Error::EventTooLarge { limit: 16 })
    );
    assert!(next(&mut relay).await.is_none());
    // The upstream was dropped with the error.
    assert!(tx.is_closed());
}

#[tokio::test]
async fn upstream_error_is_passed_on() {
    let (tx, upstream) = channel_body();
    let mut relay = RelayBody::passthrough(upstream, 1024);
    tx.send(Err(std::io::Error::other("reset"))).await.unwrap();
    let err = next(&mut relay).await.unwrap().unwrap_err();
    assert!(err.downcast_ref::<std::io::Error>().is_some());
    assert!(next(&mut relay).await.is_none());
}

#[tokio::test]
async fn upstream_ending_mid_event_finishes_cleanly() {
    let (tx, upstream) = channel_body();
    let mut relay = RelayBody::passthrough(upstream, 1024);
    send(&tx, b"data: done\n\ndata: half").await;
    drop(tx);
    assert_eq!(next(&mut relay).await.unwrap().unwrap(), "data: done\n\n");
    assert!(next(&mut relay).await.is_none());
}

#[tokio::test]
async fn dropping_the_relay_closes_the_upstream() {
    let (tx, upstream) = channel_body();
    let mut relay = RelayBody::passthrough(upstream, 1024);
    send(&tx, b"data: one\n\n").await;
    assert!(next(&mut relay).await.is_some());
    assert!(!tx.is_closed());

    drop(relay);
    tokio::time::timeout(Duration::from_secs(5), tx.closed())
        .await
        .expect("upstream not closed after client disconnect");
}

#[tokio::test]
async fn boxes_into_the_gateway_body() {
    let chunks = futures_util::stream::iter([Ok::<_, Infallible>(Frame::data(
        Bytes::from_static(b"data: x\n\n"),
    ))]);
    let body = crate::body::boxed(RelayBody::passthrough(StreamBody::new(chunks), 64));
    let bytes = body.collect().await.unwrap().to_bytes();
    assert_eq!(bytes, "data: x\n\n");
}

#[tokio::test]
async fn json_lines_are_relayed_one_by_one_through_the_hook_in_order() {
    let (tx, upstream) = channel_body();
    // Every second message waits on a future: order must still hold.
    let mut n = 0;
    let hook = move |ev: Event| {
        n += 1;
        if ev.data.contains("drop") {
            return Mapped::Ready(None);
        }
        let data = ev.data.to_uppercase();
        if n % 2 == 0 {
            Mapped::Later(Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Some(Event { data, ..ev })
            }))
        } else {
            Mapped::Ready(Some(Event { data, ..ev }))
        }
    };
    struct Hook<F>(F);
    impl<F: FnMut(Event) -> Mapped + Send + 'static> EventMap for Hook<F> {
        fn map(&mut self, event: Event) -> Mapped {
            (self.0)(event)
        }
    }
    let mut relay = RelayBody::framed(upstream, Hook(hook), Lines::new(64));

    send(&tx, b"{\"ack\":1}\r\n{\"b\"").await;
    assert_eq!(next(&mut relay).await.unwrap().unwrap(), "{\"ACK\":1}\n");
    send(&tx, b":2}\n\n\"drop\"\n[3]\n").await;
    let mut got = Vec::new();
    while got.len() < "{\"B\":2}\n\n[3]\n".len() {
        got.extend_from_slice(&next(&mut relay).await.unwrap().unwrap());
    }
    assert_eq!(got, b"{\"B\":2}\n\n[3]\n");
    drop(tx);
    assert!(next(&mut relay).await.is_none());
}

#[tokio::test]
async fn an_over_long_json_line_ends_the_relay_with_an_error() {
    let (tx, upstream) = channel_body();
    let mut relay = RelayBody::framed(upstream, Identity, Lines::new(16));
    send(&tx, b"{}\n[\"0123456789abcdef\"]\n").await;
    assert_eq!(next(&mut relay).await.unwrap().unwrap(), "{}\n");
    let err = next(&mut relay).await.unwrap().unwrap_err();
    assert_eq!(
        err.downcast_ref::<Error>(),
        Some(&Error::EventTooLarge { limit: 16 })
    );
    assert!(next(&mut relay).await.is_none());
}
