//! Shared helpers, walker semantics, and checks on the tables themselves.

use std::collections::BTreeSet;
use std::convert::Infallible;

use serde_json::{Value, json};

use super::Direction::{ToClient, ToUpstream};
use super::{
    CURRENT, LEGACY, Location, Role, Seg, Selector, find_in, locations, rewrite, rewrite_in,
};
use crate::mcp::Era::{self, Current, Legacy};

/// A short tag per role, so expected messages show what each value was.
pub(super) fn tag(role: Role) -> &'static str {
    match role {
        Role::ServerTask => "srv",
        Role::ClientTask => "cli",
        Role::RelatedTask => "rel",
        Role::ListCursor => "cur",
    }
}

/// Rewrites a copy of `message` with `era`'s own table (the rows of §8.1
/// for that era), prefixing every value with its role tag. Also checks that
/// [`find`] reports exactly what the mapping was shown.
pub(super) fn tagged(
    message: &Value,
    era: Era,
    direction: super::Direction,
    method: Option<&str>,
) -> (Value, usize) {
    tagged_in(locations(era), message, direction, method)
}

/// As [`tagged`], with the rows of `table`.
pub(super) fn tagged_in(
    table: &[Location],
    message: &Value,
    direction: super::Direction,
    method: Option<&str>,
) -> (Value, usize) {
    let found = find_in(table, message, direction, method);
    let mut seen = Vec::new();
    let mut out = message.clone();
    let count = rewrite_in(table, &mut out, direction, method, &mut |role, value| {
        seen.push((role, value.to_owned()));
        Ok::<_, Infallible>(Some(format!("{}:{value}", tag(role))))
    })
    .unwrap();
    assert_eq!(found, seen, "find disagrees with rewrite");
    assert_eq!(count, seen.len());
    (out, count)
}

/// Asserts the message has no location of `era`'s own table for this
/// direction and method.
pub(super) fn assert_untouched(
    message: &Value,
    era: Era,
    direction: super::Direction,
    method: Option<&str>,
) {
    let (out, count) = tagged(message, era, direction, method);
    assert_eq!(count, 0, "unexpected rewrite: {out}");
    assert_eq!(&out, message);
}

/// A listen request with three ids, one of them not a string.
fn listen(ids: Value) -> Value {
    json!({"jsonrpc":"2.0","id":7,"method":"subscriptions/listen",
        "params":{"notifications":{"taskIds":ids}}})
}

// === walker semantics ===

#[test]
fn err_aborts_and_keeps_earlier_replacements() {
    let mut message = listen(json!(["a", "b", "c"]));
    let mut calls = 0;
    let result = rewrite(&mut message, Current, ToUpstream, None, &mut |_, value| {
        calls += 1;
        match value {
            "b" => Err("denied"),
            other => Ok(Some(format!("up-{other}"))),
        }
    });
    assert_eq!(result, Err("denied"));
    assert_eq!(calls, 2, "the walk stops at the first error");
    assert_eq!(
        message["params"]["notifications"]["taskIds"],
        json!(["up-a", "b", "c"])
    );
}

#[test]
fn keeping_a_value_is_not_counted() {
    let mut message = listen(json!(["a", "b"]));
    let count = rewrite(&mut message, Current, ToUpstream, None, &mut |_, value| {
        Ok::<_, Infallible>((value == "a").then(|| "x".to_owned()))
    });
    assert_eq!(count, Ok(1));
    assert_eq!(
        message["params"]["notifications"]["taskIds"],
        json!(["x", "b"])
    );
}

#[test]
fn non_string_values_and_non_arrays_are_left_alone() {
    for value in [
        json!(5),
        json!(null),
        json!({"taskId": "t"}),
        json!(["t"]),
        json!(true),
    ] {
        let get = json!({"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"taskId":value}});
        assert_untouched(&get, Current, ToUpstream, None);
    }
    for ids in [json!("t"), json!({"0": "t"}), json!(null)] {
        assert_untouched(&listen(ids), Current, ToUpstream, None);
    }
    let (out, count) = tagged(
        &listen(json!(["a", 1, null, ["b"], "c"])),
        Current,
        ToUpstream,
        None,
    );
    assert_eq!(count, 2);
    assert_eq!(
        out["params"]["notifications"]["taskIds"],
        json!(["srv:a", 1, null, ["b"], "srv:c"])
    );
}

#[test]
fn message_kind_is_read_from_the_json() {
    let params = json!({"taskId": "t"});
    // No id: a notification, so the tasks/get request row does not apply.
    let notification = json!({"jsonrpc":"2.0","method":"tasks/get","params":params});
    assert_untouched(&notification, Current, ToUpstream, None);
    // A non-string method matches nothing.
    let bad = json!({"jsonrpc":"2.0","id":1,"method":5,"params":params});
    assert_untouched(&bad, Current, ToUpstream, None);
    // A response needs an id and a result or error.
    let no_id = json!({"jsonrpc":"2.0","result":{"resultType":"task","taskId":"t"}});
    assert_untouched(&no_id, Current, ToClient, Some("tools/call"));
    // Not an object at all.
    for other in [json!([params]), json!("taskId"), json!(null)] {
        assert_untouched(&other, Current, ToUpstream, None);
    }
    // With an id it is a request.
    let request = json!({"jsonrpc":"2.0","id":"r","method":"tasks/get","params":params});
    assert_eq!(tagged(&request, Current, ToUpstream, None).1, 1);
}

#[test]
fn response_to_needs_the_request_method() {
    let response = json!({"jsonrpc":"2.0","id":3,"result":{"resultType":"complete",
        "taskId":"t","status":"working","createdAt":"x","lastUpdatedAt":"x","ttlMs":null}});
    assert_untouched(&response, Current, ToClient, None);
    assert_untouched(&response, Current, ToClient, Some("tasks/cancel"));
    assert_eq!(tagged(&response, Current, ToClient, Some("tasks/get")).1, 1);
}

#[test]
fn a_value_named_by_two_rows_is_mapped_once() {
    // M1 (any response, resultType task) and M3 (tasks/get result) share a path.
    let response = json!({"jsonrpc":"2.0","id":3,"result":{"resultType":"task","taskId":"t",
        "status":"working"}});
    let (out, count) = tagged(&response, Current, ToClient, Some("tasks/get"));
    assert_eq!(count, 1);
    assert_eq!(out["result"]["taskId"], "srv:t");
}

#[test]
fn guard_is_read_at_its_own_path_only() {
    // `resultType: "task"` deeper in the payload does not make a result a
    // CreateTaskResult; a non-string or differently cased value neither.
    for result in [
        json!({"resultType":"complete","taskId":"t","result":{"resultType":"task"}}),
        json!({"taskId":"t","_meta":{"resultType":"task"}}),
        json!({"resultType":"Task","taskId":"t"}),
        json!({"resultType":{"task":"task"},"taskId":"t"}),
    ] {
        let response = json!({"jsonrpc":"2.0","id":1,"result":result});
        assert_untouched(&response, Current, ToClient, Some("tools/call"));
    }
}

// === the tables ===

fn ids(table: &[Location]) -> BTreeSet<&'static str> {
    table.iter().map(|location| location.id).collect()
}

#[test]
fn every_section_8_1_row_with_json_ids_is_present() {
    let legacy: BTreeSet<_> = [
        "L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9", "L11", "L12", "L13", "L14", "§2.6",
    ]
    .into();
    assert_eq!(ids(LEGACY), legacy, "L10 and L15 carry no id in JSON");
    let current: BTreeSet<_> = ["M1", "M2", "M3", "M4", "M5", "M6", "M7", "M11"].into();
    assert_eq!(
        ids(CURRENT),
        current,
        "M8-M10 are deliberately not rewritten"
    );
    assert!(std::ptr::eq(locations(Legacy), LEGACY));
    assert!(std::ptr::eq(locations(Current), CURRENT));
}

#[test]
fn rows_sharing_a_path_agree_on_role() {
    fn overlap(a: Selector, b: Selector) -> bool {
        use Selector::{Any, AnyNotification, AnyRequest, AnyResponse};
        use Selector::{Notification as N, Request as R, ResponseTo as T};
        match (a, b) {
            (Any, _) | (_, Any) => true,
            (R(x), R(y)) | (N(x), N(y)) | (T(x), T(y)) => x == y,
            (R(_) | AnyRequest, R(_) | AnyRequest)
            | (N(_) | AnyNotification, N(_) | AnyNotification)
            | (T(_) | AnyResponse, T(_) | AnyResponse) => true,
            _ => false,
        }
    }
    for table in [LEGACY, CURRENT] {
        for (i, a) in table.iter().enumerate() {
            for b in &table[i + 1..] {
                if a.direction == b.direction && a.path == b.path && overlap(a.on, b.on) {
                    assert_eq!(a.role, b.role, "{} and {} overlap", a.id, b.id);
                }
            }
        }
    }
}

#[test]
fn guards_never_use_each() {
    for location in LEGACY.iter().chain(CURRENT) {
        if let Some((path, _)) = location.when {
            assert!(!path.contains(&Seg::Each), "{}", location.id);
        }
    }
}

#[test]
fn client_tasks_and_cursors_are_legacy_only() {
    for location in CURRENT {
        assert_eq!(location.role, Role::ServerTask, "{}", location.id);
    }
}
