use super::*;
use serde_json::json;

fn confirm_input() -> InputRequest {
    InputRequest {
        key: "confirm".into(),
        method: "elicitation/create".into(),
        params: json!({}),
    }
}

#[test]
fn ids_are_sequential_and_shared() {
    let store = TaskStore::new(50);
    let (a, _) = store.create(Some("s1".into()), 60_000, None);
    let (b, _) = store.create(None, 60_000, None);
    assert_eq!(a.id, "task-1");
    assert_eq!(b.id, "task-2");
    // Deliberately no owner check: anyone can read any task.
    assert!(store.get("task-1").is_some());
    assert!(store.get("task-01").is_none());
    assert!(store.get("nope").is_none());
}

#[test]
fn terminal_states_never_change() {
    let store = TaskStore::new(50);
    let (t, token) = store.create(None, 60_000, None);
    let done = store
        .finish(&t.id, Outcome::Result(json!({})), None)
        .unwrap();
    assert_eq!(done.status, Status::Completed);
    assert!(
        store
            .finish(&t.id, Outcome::Error(RpcError::new(1, "x")), None)
            .is_none()
    );
    assert_eq!(store.cancel(&t.id).unwrap_err(), CancelError::Terminal);
    assert!(!token.is_cancelled());
    assert_eq!(store.cancel("task-99").unwrap_err(), CancelError::NotFound);
}

#[test]
fn cancel_stops_the_worker_and_is_final() {
    let store = TaskStore::new(50);
    let (t, token) = store.create(None, 60_000, None);
    let c = store.cancel(&t.id).unwrap();
    assert_eq!(c.status, Status::Cancelled);
    assert!(token.is_cancelled());
    assert!(
        store
            .finish(&t.id, Outcome::Result(json!({})), None)
            .is_none()
    );
    assert_eq!(store.get(&t.id).unwrap().status, Status::Cancelled);
}

#[tokio::test]
async fn input_round_trip_and_stale_keys_ignored() {
    let store = TaskStore::new(50);
    let (t, _) = store.create(None, 60_000, None);
    let (s, rx) = store.await_input(&t.id, confirm_input(), None).unwrap();
    assert_eq!(s.status, Status::InputRequired);
    assert_eq!(s.input_generation, 1);
    assert!(!store.answer(&t.id, "other", Ok(json!({}))));
    assert!(store.answer(&t.id, "confirm", Ok(json!({"action": "accept"}))));
    assert_eq!(rx.await.unwrap().unwrap()["action"], "accept");
    // Already answered: a second answer goes nowhere.
    assert!(!store.answer(&t.id, "confirm", Ok(json!({}))));
    assert_eq!(store.resume(&t.id, None).unwrap().status, Status::Working);
}

#[tokio::test]
async fn watchers_see_changes_and_removal() {
    let store = TaskStore::new(50);
    let (t, _) = store.create(None, 60_000, None);
    let (_, mut rx, _) = store.watch(&t.id).unwrap();
    store.finish(&t.id, Outcome::Result(json!({})), None);
    assert!(rx.changed().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn tasks_expire_after_their_ttl() {
    let store = TaskStore::new(50);
    let (t, token) = store.create(None, 1_000, None);
    let (keep, _) = store.create(None, 10_000, None);
    tokio::time::advance(Duration::from_millis(1_001)).await;
    assert!(store.get(&t.id).is_none());
    assert!(token.is_cancelled());
    assert!(store.get(&keep.id).is_some());
    let (_, _) = store.create(None, 1, None);
    tokio::time::advance(Duration::from_millis(2)).await;
    assert_eq!(store.sweep(), 1);
    let (page, _) = store.list(None).unwrap();
    assert_eq!(page.len(), 1);
}

#[test]
fn list_pages_through_everything_with_opaque_cursors() {
    let store = TaskStore::new(2);
    for _ in 0..5 {
        store.create(None, 60_000, None);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (page, next) = store.list(cursor.as_deref()).unwrap();
        assert!(page.len() <= 2);
        seen.extend(page.into_iter().map(|s| s.id));
        match next {
            Some(c) => {
                assert!(!c.contains("task"));
                cursor = Some(c);
            }
            None => break,
        }
    }
    assert_eq!(seen, ["task-1", "task-2", "task-3", "task-4", "task-5"]);
    assert!(store.list(Some("garbage!")).is_err());
    assert!(
        store
            .list(Some(&URL_SAFE_NO_PAD.encode("before:1")))
            .is_err()
    );
}

#[test]
fn exact_page_has_no_next_cursor() {
    let store = TaskStore::new(2);
    store.create(None, 60_000, None);
    store.create(None, 60_000, None);
    let (page, next) = store.list(None).unwrap();
    assert_eq!(page.len(), 2);
    assert!(next.is_none());
}
