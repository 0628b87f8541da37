//! TTL caps, expiry and result retention, driven by tokio's paused clock.

use std::time::Duration;

use serde_json::json;
use tokio::time::advance;

use super::tests::{create, follow, get, guard_with, person};
use super::*;
use crate::config::TaskPolicy;
use crate::mcp::Era::Legacy;

fn policy(max_ttl: u64, retention: u64) -> TaskPolicy {
    TaskPolicy {
        max_ttl: Duration::from_secs(max_ttl),
        result_retention: Duration::from_secs(retention),
        ..TaskPolicy::default()
    }
}

#[tokio::test(start_paused = true)]
async fn an_unlimited_upstream_ttl_is_capped_and_the_handle_dies_at_the_cap() {
    let g = guard_with(policy(10, 600));
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(null)).await;
    advance(Duration::from_secs(9)).await;
    assert!(
        get(&g, &alice, &handle).await.is_ok(),
        "alive before the cap"
    );
    advance(Duration::from_secs(2)).await;
    assert!(
        matches!(
            get(&g, &alice, &handle).await,
            Err(Refusal::UnknownTask { .. })
        ),
        "dead after the cap, whatever the upstream holds"
    );
}

#[tokio::test(start_paused = true)]
async fn a_shorter_upstream_ttl_is_kept_and_enforced() {
    let g = guard_with(policy(3600, 600));
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(2_000)).await;
    assert!(get(&g, &alice, &handle).await.is_ok());
    advance(Duration::from_secs(3)).await;
    assert!(get(&g, &alice, &handle).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn requested_and_granted_ttls_are_capped_and_the_client_sees_the_effective_value() {
    let g = guard_with(policy(10, 600));
    let alice = person("alice", "t1", "s1");
    let mut call = json!({"jsonrpc":"2.0","id":1,"method":"tools/call",
        "params":{"name":"slow_report","arguments":{},"task":{"ttl":86_400_000}}});
    let f = g.to_upstream(&alice, Legacy, &mut call).await.unwrap();
    assert!(f.rewritten);
    assert_eq!(call["params"]["task"]["ttl"], 10_000);

    let mut created = json!({"jsonrpc":"2.0","id":1,"result":{"task":{"taskId":"task-9","status":"working","ttl":86_400_000}}});
    g.to_client(&alice, Legacy, Some(&follow("tools/call")), &mut created)
        .await;
    assert_eq!(created["result"]["task"]["ttl"], 10_000);
}

#[tokio::test(start_paused = true)]
async fn a_terminal_task_stays_readable_for_the_retention_window_then_dies() {
    let g = guard_with(policy(3600, 5));
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(600_000)).await;
    advance(Duration::from_secs(100)).await;
    let mut done = json!({"jsonrpc":"2.0","method":"notifications/tasks/status",
        "params":{"taskId":"task-1","status":"completed","ttl":600000}});
    assert_eq!(
        g.to_client(&alice, Legacy, None, &mut done).await,
        Verdict::Forward
    );
    advance(Duration::from_secs(4)).await;
    assert!(
        get(&g, &alice, &handle).await.is_ok(),
        "result still readable"
    );
    advance(Duration::from_secs(3)).await;
    assert!(
        get(&g, &alice, &handle).await.is_err(),
        "revoked after retention"
    );
    // Seeing the terminal state again does not restart the window.
    g.to_client(&alice, Legacy, None, &mut done.clone()).await;
    assert!(get(&g, &alice, &handle).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_live_task_is_not_cut_short_by_rounding() {
    // A 1 s TTL granted half a second into a second still lasts at least 1 s.
    let g = guard_with(policy(1, 600));
    advance(Duration::from_millis(500)).await;
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(1_000)).await;
    advance(Duration::from_millis(990)).await;
    assert!(get(&g, &alice, &handle).await.is_ok());
    advance(Duration::from_millis(1_100)).await;
    assert!(get(&g, &alice, &handle).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_delivered_legacy_result_starts_the_retention_window() {
    let g = guard_with(policy(3600, 5));
    let alice = person("alice", "t1", "s1");
    let handle = create(&g, &alice, "task-1", json!(600_000)).await;
    let mut request =
        json!({"jsonrpc":"2.0","id":3,"method":"tasks/result","params":{"taskId": handle}});
    let f = g.to_upstream(&alice, Legacy, &mut request).await.unwrap();
    let mut result = json!({"jsonrpc":"2.0","id":3,"result":{"content":[],
        "_meta":{"io.modelcontextprotocol/related-task":{"taskId":"task-1"}}}});
    assert_eq!(
        g.to_client(&alice, Legacy, Some(&f), &mut result).await,
        Verdict::Forward
    );
    advance(Duration::from_secs(4)).await;
    assert!(get(&g, &alice, &handle).await.is_ok());
    advance(Duration::from_secs(3)).await;
    assert!(get(&g, &alice, &handle).await.is_err(), "retention ran out");
}
