//! Legacy experimental core tasks (2025-11-25) end to end: create, get,
//! result, paged list, cancel, the input_required flow through the
//! `tasks/result` stream, and status notifications on the GET stream.

use http::StatusCode;
use serde_json::{Value, json};
use taskgate::mcp::{header, meta};
use taskgate_demo::upstream::UpstreamOptions;

use super::client::{JSON_ONLY, SSE_AND_JSON, Upstream, request, task_call, task_req};

#[tokio::test]
async fn legacy_task_lifecycle_with_paged_list() {
    let options = UpstreamOptions {
        list_page_size: 1,
        max_ttl_ms: 10_000,
        ..Default::default()
    };
    let up = Upstream::start(options).await;
    let sid = up.initialize().await;
    let h = [JSON_ONLY, (header::SESSION_ID, sid.as_str())];

    let r = up
        .post(
            &h,
            &task_call(1, "slow_report", json!({"topic": "a", "seconds": 0}), 5_000),
        )
        .await;
    let task = &r.body["result"]["task"];
    assert_eq!(task["taskId"], "task-1");
    assert_eq!(task["status"], "working");
    assert_eq!(task["ttl"], 5_000);
    assert_eq!(task["pollInterval"], 500);
    assert!(task["createdAt"].as_str().unwrap().ends_with('Z'));

    let r = up.post(&h, &task_req(2, "tasks/get", "task-1")).await;
    assert_eq!(r.body["result"]["taskId"], "task-1");

    let r = up.post(&h, &task_req(3, "tasks/result", "task-1")).await;
    let result = &r.body["result"];
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Report on a")
    );
    assert_eq!(result["_meta"][meta::RELATED_TASK]["taskId"], "task-1");
    let r = up.post(&h, &task_req(4, "tasks/get", "task-1")).await;
    assert_eq!(r.body["result"]["status"], "completed");

    // The TTL is capped; a stateless caller sees (and lists) everyone's tasks.
    let r = up
        .post(
            &[JSON_ONLY],
            &task_call(5, "fail_report", json!({"topic": "b"}), 999_999),
        )
        .await;
    assert_eq!(r.body["result"]["task"]["ttl"], 10_000);
    let r = up
        .post(&[JSON_ONLY], &task_req(6, "tasks/result", "task-2"))
        .await;
    assert_eq!(r.body["error"]["code"], -32603);
    let r = up.post(&h, &task_req(7, "tasks/get", "task-2")).await;
    assert_eq!(r.body["result"]["status"], "failed");

    let r = up.post(&h, &request(8, "tasks/list", json!({}))).await;
    assert_eq!(r.body["result"]["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["result"]["tasks"][0]["taskId"], "task-1");
    let cursor = r.body["result"]["nextCursor"].as_str().unwrap().to_owned();
    let r = up
        .post(&h, &request(9, "tasks/list", json!({"cursor": cursor})))
        .await;
    assert_eq!(r.body["result"]["tasks"][0]["taskId"], "task-2");
    assert!(r.body["result"].get("nextCursor").is_none());
    let r = up
        .post(&h, &request(10, "tasks/list", json!({"cursor": "bogus"})))
        .await;
    assert_eq!(r.body["error"]["code"], -32602);

    let r = up.post(&h, &task_req(11, "tasks/cancel", "task-1")).await;
    assert_eq!(r.body["error"]["code"], -32602);
    let r = up.post(&h, &task_req(12, "tasks/get", "task-404")).await;
    assert_eq!(r.body["error"]["code"], -32602);
    assert_eq!(r.body["error"]["message"], "Task not found");
    up.stop().await;
}

#[tokio::test]
async fn cancelling_a_working_task() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let r = up
        .post(
            &[JSON_ONLY],
            &task_call(
                1,
                "slow_report",
                json!({"topic": "z", "seconds": 30}),
                60_000,
            ),
        )
        .await;
    let id = r.body["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = up
        .post(&[JSON_ONLY], &task_req(2, "tasks/cancel", &id))
        .await;
    assert_eq!(r.body["result"]["status"], "cancelled");
    let r = up.post(&[JSON_ONLY], &task_req(3, "tasks/get", &id)).await;
    assert_eq!(r.body["result"]["status"], "cancelled");
    let r = up
        .post(&[JSON_ONLY], &task_req(4, "tasks/cancel", &id))
        .await;
    assert_eq!(r.body["error"]["code"], -32602);
    up.stop().await;
}

#[tokio::test]
async fn task_input_flows_through_tasks_result_stream() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let sid = up.initialize().await;
    let h = [SSE_AND_JSON, (header::SESSION_ID, sid.as_str())];
    let r = up
        .post(
            &h,
            &task_call(1, "confirm_action", json!({"action": "wipe"}), 60_000),
        )
        .await;
    let id = r.body["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = up.post(&h, &task_req(2, "tasks/get", &id)).await;
    assert_eq!(r.body["result"]["status"], "input_required");

    let mut sse = up.post_sse(&h, &task_req(3, "tasks/result", &id)).await;
    assert_eq!(sse.content_type(), "text/event-stream");
    let ask = sse.next().await.unwrap().json();
    assert_eq!(ask["method"], "elicitation/create");
    assert_eq!(
        ask["params"]["_meta"][meta::RELATED_TASK]["taskId"],
        id.as_str()
    );
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"], "result": {
        "action": "accept", "content": {"confirm": true},
        "_meta": { (meta::RELATED_TASK): {"taskId": id} }}});
    assert_eq!(up.post(&h, &answer).await.status, StatusCode::ACCEPTED);
    let done = sse.next().await.unwrap().json();
    assert_eq!(done["id"], 3);
    assert_eq!(done["result"]["content"][0]["text"], "confirmed: wipe");
    assert_eq!(
        done["result"]["_meta"][meta::RELATED_TASK]["taskId"],
        id.as_str()
    );
    let r = up.post(&h, &task_req(4, "tasks/get", &id)).await;
    assert_eq!(r.body["result"]["status"], "completed");
    up.stop().await;
}

#[tokio::test]
async fn get_stream_carries_task_status_and_replays_after_last_event_id() {
    let up = Upstream::start(UpstreamOptions::default()).await;
    let sid = up.initialize().await;
    let get_h = [
        ("accept", "text/event-stream"),
        (header::SESSION_ID, sid.as_str()),
    ];
    let mut stream = up.get_sse(&get_h).await;
    assert_eq!(stream.status, StatusCode::OK);
    let priming = stream.next().await.unwrap();
    assert!(priming.id.is_some());
    assert!(priming.data.is_empty());

    let h = [JSON_ONLY, (header::SESSION_ID, sid.as_str())];
    up.post(
        &h,
        &task_call(
            1,
            "slow_report",
            json!({"topic": "q", "seconds": 0}),
            60_000,
        ),
    )
    .await;
    let is_status = |s: &'static str| {
        move |v: &Value| v["method"] == "notifications/tasks/status" && v["params"]["status"] == s
    };
    let working = stream.until(is_status("working")).await;
    assert_eq!(working.json()["params"]["taskId"], "task-1");
    stream.until(is_status("completed")).await;
    drop(stream);

    let last = working.id.unwrap();
    let mut resumed = up
        .get_sse(&[get_h[0], get_h[1], (header::LAST_EVENT_ID, &last)])
        .await;
    let first = resumed.next().await.unwrap();
    assert!(
        !first.data.is_empty(),
        "a resumed stream replays instead of priming"
    );
    let seq = |id: &str| id.rsplit('-').next().unwrap().parse::<u64>().unwrap();
    assert!(seq(&first.id.unwrap()) > seq(&last));
    resumed.until(is_status("completed")).await;
    // Live events continue after the replay.
    up.post(
        &h,
        &task_call(
            2,
            "slow_report",
            json!({"topic": "r", "seconds": 0}),
            60_000,
        ),
    )
    .await;
    let live = resumed.until(is_status("working")).await;
    assert_eq!(live.json()["params"]["taskId"], "task-2");

    // Shutdown ends open streams.
    up.shutdown.cancel();
    while resumed.next().await.is_some() {}
    up.stop().await;
}
