//! A `subscriptions/listen` answered `application/json` with one message
//! per line (as the conformance suite's reference server does) is relayed
//! line by line as it arrives — not read whole, which would never end —
//! and every line goes through the same task rules as an SSE listen's
//! events: the acknowledgement and `notifications/tasks` carry handles,
//! someone else's task never reaches the listener, and the stream ends
//! when the upstream ends it.

use std::time::Duration;

use http::StatusCode;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::attack_current::alice_with_a_task;
use crate::support::attack::Who;
use crate::support::attack_current::{CPeer, current_gateway};
use crate::support::current_upstream::SUBSCRIPTION_ID;
use crate::support::upstream::{Reply, Upstream};

const LISTEN: &str = "subscriptions/listen";

/// A listen answer read line by line.
struct LineStream {
    body: Incoming,
    buf: Vec<u8>,
}

impl LineStream {
    /// Opens a listen as `peer` for `task_ids`; fails rather than hangs
    /// when the answer's head does not come.
    async fn open(peer: &CPeer, id: &Value, task_ids: &[&str]) -> LineStream {
        let params = json!({"notifications": {"taskIds": task_ids}});
        let call = peer.request(id, LISTEN, params).send_streaming();
        let resp = tokio::time::timeout(Duration::from_secs(5), call)
            .await
            .expect("no answer head within 5 s: the listen answer was buffered");
        assert_eq!(resp.status(), StatusCode::OK);
        let h = resp.headers();
        assert_eq!(h["content-type"], "application/json");
        assert!(h.get("content-length").is_none(), "{h:?}");
        assert_eq!(h["x-accel-buffering"], "no");
        LineStream {
            body: resp.into_body(),
            buf: Vec::new(),
        }
    }

    /// The next line as JSON (`None` at the end of the body); panics after
    /// 5 s without a whole line.
    async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                let v = serde_json::from_slice(&line[..end]);
                return Some(v.unwrap_or_else(|e| panic!("{e}: {line:?}")));
            }
            let frame = tokio::time::timeout(Duration::from_secs(5), self.body.frame())
                .await
                .expect("listen: no whole line within 5 s");
            match frame {
                Some(frame) => {
                    if let Ok(data) = frame.unwrap().into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
                None => {
                    assert!(self.buf.is_empty(), "unterminated: {:?}", self.buf);
                    return None;
                }
            }
        }
    }
}

#[tokio::test]
async fn a_json_lines_listen_streams_handles_only_and_ends_with_the_upstream() {
    let (fx, alice, h) = alice_with_a_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    fx.tasks.set_json_lines(true);
    let before = fx.up().count();

    let mut stream = LineStream::open(&alice, &json!("L1"), &[&h]).await;
    // The upstream's body is still open: the acknowledgement came alone.
    let ack = stream.next().await.expect("acknowledgement");
    let sent = fx.up().seen()[before].json();
    assert_eq!(
        sent["params"]["notifications"]["taskIds"],
        json!(["task-1"])
    );
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([h]),
        "{ack}"
    );
    assert_eq!(ack["params"]["_meta"][SUBSCRIPTION_ID], "L1", "{ack}");

    // Bob's task pushed onto alice's stream, then hers.
    fx.tasks.push(0, "task-2").await;
    fx.tasks.set_status("task-1", "completed");
    fx.tasks.push(0, "task-1").await;
    let note = stream.next().await.expect("alice's notification");
    assert_eq!(note["method"], "notifications/tasks", "{note}");
    assert_eq!(note["params"]["taskId"], h, "someone else's task: {note}");
    assert_eq!(note["params"]["status"], "completed");
    for v in [&ack, &note] {
        let text = v.to_string();
        assert!(!text.contains("task-") && !text.contains(&hb), "{text}");
    }

    fx.tasks.end_listen(0);
    assert_eq!(
        stream.next().await,
        None,
        "the stream ends with the upstream's"
    );
}

#[tokio::test]
async fn a_leaky_json_lines_acknowledgement_is_filtered_to_the_callers_own_tasks() {
    let (fx, _alice, h) = alice_with_a_task().await;
    let bob = fx.peer(Who::Bob, "/mcp");
    let hb = bob.start_task().await;
    fx.tasks.set_json_lines(true);
    fx.tasks.set_leaky_ack(true);

    let mut stream = LineStream::open(&bob, &json!("B1"), &[&hb]).await;
    let ack = stream.next().await.expect("acknowledgement");
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([hb]),
        "the upstream acknowledged task-1 and task-2; bob learns only his: {ack}"
    );
    let text = ack.to_string();
    assert!(!text.contains(&h) && !text.contains("task-"), "{text}");
}

#[tokio::test]
async fn a_listen_answered_with_one_json_message_still_gets_it() {
    let answer = json!({"jsonrpc": "2.0", "id": "L1",
        "error": {"code": -32601, "message": "no subscriptions here"}});
    let reply = answer.clone();
    let up = Upstream::spawn(move |_| Reply::Json(StatusCode::OK, reply.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let gw = current_gateway(&up.url(), dir.path(), None, |_| {}).await;
    let alice = CPeer::new(&gw, Who::Alice, "/mcp");

    let mut stream = LineStream::open(&alice, &json!("L1"), &[]).await;
    assert_eq!(stream.next().await, Some(answer));
    assert_eq!(stream.next().await, None);
}
