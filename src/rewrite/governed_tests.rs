//! What [`governed`] adds over each era's own table: the other generation's
//! locations, found on every message whatever era was declared, with the
//! declared era's role where both name the same place.

use serde_json::{Value, json};

use super::Direction::{self, ToClient, ToUpstream};
use super::{CURRENT, LEGACY, Role, find, governed};
use crate::mcp::Era::{self, Current, Legacy};

fn request(method: &str, params: Value) -> Value {
    json!({"jsonrpc":"2.0","id":1,"method":method,"params":params})
}

fn response(result: Value) -> Value {
    json!({"jsonrpc":"2.0","id":1,"result":result})
}

fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc":"2.0","method":method,"params":params})
}

#[test]
fn governed_is_the_declared_table_then_the_other() {
    for (era, own, other) in [(Legacy, LEGACY, CURRENT), (Current, CURRENT, LEGACY)] {
        let rows = governed(era);
        assert_eq!(rows.len(), own.len() + other.len());
        assert_eq!(&rows[..own.len()], own, "{era:?}: own rows first");
        assert_eq!(&rows[own.len()..], other, "{era:?}: then the other era's");
    }
}

/// Messages of one generation, sent under the other, and what is found.
/// What a case is, the message, the declared era, the direction, the
/// request a response answers, and the role expected at `"x"`.
type Case = (
    &'static str,
    Value,
    Era,
    Direction,
    Option<&'static str>,
    Role,
);

fn cross_cases() -> Vec<Case> {
    vec![
        // Current-generation messages under a legacy declaration.
        (
            "tasks/update",
            request("tasks/update", json!({"taskId":"x","inputResponses":{}})),
            Legacy,
            ToUpstream,
            None,
            Role::ServerTask,
        ),
        (
            "listen filter",
            request(
                "subscriptions/listen",
                json!({"notifications":{"taskIds":["x"]}}),
            ),
            Legacy,
            ToUpstream,
            None,
            Role::ServerTask,
        ),
        (
            "relatedTaskIds",
            request(
                "tools/call",
                json!({"name":"t","_meta":{"io.modelcontextprotocol/relatedTaskIds":["x"]}}),
            ),
            Legacy,
            ToUpstream,
            None,
            Role::ServerTask,
        ),
        (
            "flat CreateTaskResult",
            response(json!({"resultType":"task","taskId":"x","status":"working"})),
            Legacy,
            ToClient,
            Some("tools/call"),
            Role::ServerTask,
        ),
        (
            "listen acknowledgement",
            notification(
                "notifications/subscriptions/acknowledged",
                json!({"notifications":{"taskIds":["x"]}}),
            ),
            Legacy,
            ToClient,
            None,
            Role::ServerTask,
        ),
        (
            "notifications/tasks",
            notification("notifications/tasks", json!({"taskId":"x"})),
            Legacy,
            ToClient,
            None,
            Role::ServerTask,
        ),
        // Legacy-generation messages under a current declaration.
        (
            "wrapped CreateTaskResult",
            response(json!({"task":{"taskId":"x","status":"working"}})),
            Current,
            ToClient,
            Some("tools/call"),
            Role::ServerTask,
        ),
        (
            "tasks/cancel Task",
            response(json!({"taskId":"x","status":"cancelled"})),
            Current,
            ToClient,
            Some("tasks/cancel"),
            Role::ServerTask,
        ),
        (
            "client status notification",
            notification("notifications/tasks/status", json!({"taskId":"x"})),
            Current,
            ToUpstream,
            None,
            Role::ClientTask,
        ),
        (
            "server-sent tasks/get",
            request("tasks/get", json!({"taskId":"x"})),
            Current,
            ToClient,
            None,
            Role::ClientTask,
        ),
        (
            "tasks/list result",
            response(json!({"tasks":[{"taskId":"x"}]})),
            Current,
            ToClient,
            Some("tasks/list"),
            Role::ServerTask,
        ),
    ]
}

#[test]
fn the_other_generations_locations_are_found_under_either_declaration() {
    for (what, message, era, direction, method, role) in cross_cases() {
        let found = find(&message, era, direction, method);
        assert_eq!(found, vec![(role, "x".to_string())], "{what} under {era:?}");
    }
}

#[test]
fn where_both_generations_name_a_place_the_declared_role_wins() {
    // Related-task `_meta` on a server request: legacy L7 (either side's
    // task) vs current M11 (a server task).
    let related = json!({"io.modelcontextprotocol/related-task":{"taskId":"x"}});
    let message = request("elicitation/create", json!({"_meta": related}));
    let under = |era| find(&message, era, ToClient, None);
    assert_eq!(under(Legacy), vec![(Role::RelatedTask, "x".to_string())]);
    assert_eq!(under(Current), vec![(Role::ServerTask, "x".to_string())]);
}
